// A copy of observability/prometheus for the alerting end-to-end test: the same prometheus.yml,
// scrape jobs, Alertmanager and rule expressions, with only the scrape and evaluation interval and
// the `for:` of the named alerts shortened, so the test watches them fire in seconds; and the
// compose override that mounts it in place of the shipped folder. Nothing shortened reaches the
// shipped files.
import { chmodSync, cpSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { REPO_ROOT } from '../support/repo';

const SHIPPED = path.join(REPO_ROOT, 'observability', 'prometheus');

export interface ShortenedTimings {
  /** Scrape and evaluation interval, in seconds (the shipped file uses 15). */
  intervalSeconds: number;
  /** The alerts whose `for:` is shortened, and their test value in seconds. */
  forSeconds: Readonly<Record<string, number>>;
}

interface RuleFile {
  groups: { rules: { alert?: string; for?: string }[] }[];
}

/** Every file under `dir`, recursively, relative to it. */
function filesUnder(dir: string, prefix = ''): string[] {
  return readdirSync(path.join(dir, prefix)).flatMap((name) => {
    const relative = path.join(prefix, name);
    return statSync(path.join(dir, relative)).isDirectory() ? filesUnder(dir, relative) : [relative];
  });
}

/** Writes the shortened copy and its compose override; returns the override's path and the copy's folder. */
export function writeShortenedStack(timings: ShortenedTimings): { override: string; dir: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'e2e-alerting-'));
  const copy = path.join(dir, 'prometheus');
  cpSync(SHIPPED, copy, { recursive: true });

  const configPath = path.join(copy, 'prometheus.yml');
  const config = YAML.parse(readFileSync(configPath, 'utf8')) as { global?: Record<string, unknown> };
  config.global = {
    ...config.global,
    scrape_interval: `${timings.intervalSeconds}s`,
    scrape_timeout: `${timings.intervalSeconds}s`,
    evaluation_interval: `${timings.intervalSeconds}s`,
  };
  writeFileSync(configPath, YAML.stringify(config));

  const shortened = new Set<string>();
  for (const folder of ['rules', 'rules-local']) {
    for (const name of readdirSync(path.join(copy, folder)).filter((file) => file.endsWith('.yml'))) {
      const file = path.join(copy, folder, name);
      const rules = YAML.parse(readFileSync(file, 'utf8')) as RuleFile;
      for (const rule of rules.groups.flatMap((group) => group.rules)) {
        const seconds = rule.alert === undefined ? undefined : timings.forSeconds[rule.alert];
        if (seconds === undefined) continue;
        rule.for = `${seconds}s`;
        shortened.add(rule.alert ?? '');
      }
      writeFileSync(file, YAML.stringify(rules));
    }
  }
  const missing = Object.keys(timings.forSeconds).filter((alert) => !shortened.has(alert));
  if (missing.length > 0) throw new Error(`no alert named ${missing.join(', ')} in observability/prometheus/rules*/`);

  // Prometheus runs as an unprivileged user in its container: it must be able to read the copy.
  chmodSync(dir, 0o755);
  chmodSync(copy, 0o755);
  for (const file of filesUnder(copy)) chmodSync(path.join(copy, file), 0o644);
  for (const folder of ['rules', 'rules-local', 'tests']) chmodSync(path.join(copy, folder), 0o755);

  const override = path.join(dir, 'docker-compose.alerting.yml');
  writeFileSync(override, YAML.stringify({ services: { prometheus: { volumes: [`${copy}:/etc/prometheus:ro`] } } }));
  chmodSync(override, 0o644);
  return { override, dir };
}
