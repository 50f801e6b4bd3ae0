// Drives the project's real compose stack for fault tests: a project name of its own, host ports
// picked free on 127.0.0.1 (so it never collides with a developer's stack), and an override that
// mounts a Prometheus configuration derived from the shipped one with only its timings shortened.
// Compose v2 (`docker compose`), as users run it.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { COMPOSE_FILE, docker, inspect, projectEnv, runId, type StackPorts } from '../../support/docker';
import { REPO_ROOT } from '../../support/repo';

export const COMPOSE_OVERRIDE = path.join(REPO_ROOT, 'tests', 'resilience', 'overrides', 'docker-compose.resilience.yml');
const SHIPPED_PROMETHEUS = path.join(REPO_ROOT, 'observability', 'prometheus');

export interface TestTimings {
  /** Scrape and rule evaluation interval for the test (the shipped file uses 15 s). */
  intervalSeconds: number;
  /** The alert whose `for:` is shortened, and its test value. */
  alert: string;
  alertForSeconds: number;
}

/** The rule files a `rule_files` entry names, relative to the shipped folder (entries are `dir/*.yml` or a file). */
function ruleFilesOf(pattern: string): string[] {
  const dir = path.dirname(pattern);
  const base = path.basename(pattern);
  if (!base.includes('*')) return [pattern];
  const matches = new RegExp(`^${base.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  const absolute = path.join(SHIPPED_PROMETHEUS, dir);
  if (!existsSync(absolute)) return [];
  return readdirSync(absolute)
    .filter((name) => matches.test(name))
    .map((name) => path.join(dir, name));
}

/**
 * Writes a Prometheus configuration folder laid out like observability/prometheus (prometheus.yml
 * and every rule file its `rule_files` names, at the same relative paths) from the shipped files:
 * same scrape jobs, same Alertmanager, same rule expressions; only the intervals and one alert's
 * `for:` are shortened, so a test can watch it fire in seconds. Nothing shortened ever reaches
 * the shipped rules.
 */
export function writeTestPrometheusConfig(timings: TestTimings): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'resilience-prometheus-'));

  const config = YAML.parse(readFileSync(path.join(SHIPPED_PROMETHEUS, 'prometheus.yml'), 'utf8')) as {
    global?: Record<string, unknown>;
    rule_files?: string[];
    scrape_configs?: Array<Record<string, unknown>>;
  };
  config.global = {
    ...config.global,
    scrape_interval: `${timings.intervalSeconds}s`,
    scrape_timeout: `${Math.max(1, timings.intervalSeconds - 1)}s`,
    evaluation_interval: `${timings.intervalSeconds}s`,
  };
  for (const job of config.scrape_configs ?? []) {
    delete job.scrape_interval;
    delete job.scrape_timeout;
  }
  writeFileSync(path.join(dir, 'prometheus.yml'), YAML.stringify(config));

  let found = false;
  const written: string[] = ['prometheus.yml'];
  for (const file of (config.rule_files ?? []).flatMap(ruleFilesOf)) {
    const rules = YAML.parse(readFileSync(path.join(SHIPPED_PROMETHEUS, file), 'utf8')) as {
      groups: Array<{ rules: Array<{ alert?: string; for?: string }> }>;
    };
    for (const rule of rules.groups.flatMap((group) => group.rules)) {
      if (rule.alert === timings.alert) {
        rule.for = `${timings.alertForSeconds}s`;
        found = true;
      }
    }
    mkdirSync(path.join(dir, path.dirname(file)), { recursive: true });
    writeFileSync(path.join(dir, file), YAML.stringify(rules));
    written.push(file);
  }
  if (!found) throw new Error(`no alert named ${timings.alert} in the rule files ${path.relative(REPO_ROOT, SHIPPED_PROMETHEUS)}/prometheus.yml loads`);

  // Prometheus runs as an unprivileged user in its container: it must be able to read the folder.
  for (const folder of new Set(written.map((file) => path.dirname(file)))) chmodSync(path.join(dir, folder), 0o755);
  for (const file of written) chmodSync(path.join(dir, file), 0o644);
  return dir;
}

export class ComposeStack {
  private constructor(
    readonly project: string,
    readonly ports: StackPorts,
    private readonly env: NodeJS.ProcessEnv,
    private readonly files: readonly string[],
    private readonly prometheusDir: string,
  ) {}

  /** A stack of its own: unique project name, free ports, the test override. */
  static async create(timings: TestTimings): Promise<ComposeStack> {
    const project = runId('resilience');
    const { ports, env } = await projectEnv(project);
    const prometheusDir = writeTestPrometheusConfig(timings);
    return new ComposeStack(project, ports, { ...env, RESILIENCE_PROMETHEUS_CONFIG_DIR: prometheusDir }, [COMPOSE_FILE, COMPOSE_OVERRIDE], prometheusDir);
  }

  compose(args: readonly string[], timeoutMs = 600_000): Promise<string> {
    return docker(['compose', ...this.files.flatMap((file) => ['-f', file]), ...args], { env: this.env, timeoutMs });
  }

  /** The container id of a service (one replica), running or not: a failed test may leave it stopped. */
  async container(service: string): Promise<string> {
    const id = await this.compose(['ps', '--all', '-q', service]);
    if (!id) throw new Error(`service ${service} has no container`);
    return id.split('\n')[0] ?? id;
  }

  /** Stops and removes everything this stack created: containers, network, volumes, the image it built. */
  async down(): Promise<void> {
    try {
      await this.compose(['down', '-v', '--remove-orphans', '--rmi', 'local', '--timeout', '30'], 180_000);
    } finally {
      rmSync(this.prometheusDir, { recursive: true, force: true });
    }
  }

  /** The image a running service container was created from (compose v1 and v2 name images differently). */
  async imageOf(service: string): Promise<string> {
    return inspect(await this.container(service), '{{.Image}}');
  }

  prometheusUrl(pathAndQuery: string): string {
    return `http://127.0.0.1:${this.ports.prometheus}${pathAndQuery}`;
  }

  alertmanagerUrl(pathAndQuery: string): string {
    return `http://127.0.0.1:${this.ports.alertmanager}${pathAndQuery}`;
  }
}
