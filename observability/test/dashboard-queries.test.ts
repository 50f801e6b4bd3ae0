// Every panel query of every dashboard, run against a real Prometheus that scrapes the real
// service and loads the shipped rules: each must parse and return data.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parse, stringify } from 'yaml';
import { dashboardFiles, interpolate, panelQueries, readDashboard, variableQueries, type PanelQuery } from './support/dashboards';
import { PROMETHEUS_CONFIG, REPO_ROOT, RULES_DIR, SERVICE_MAIN } from './support/paths';
import { freePort } from '../../tests/support/net';
import { start, stop, waitFor, type Started } from './support/processes';
import { prometheusBinaries } from './support/prometheus-binaries';

// Fast scrapes and rule evaluations so the recording rules have data within seconds.
const SCRAPE_INTERVAL = '1s';
// What the dashboards' variables are set to, as Grafana would substitute them.
const VARIABLES = { job: 'app', route: '.*' };

interface PrometheusConfig {
  global?: Record<string, unknown>;
  rule_files: string[];
  alerting?: unknown;
  scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
}

interface QueryResponse {
  status: 'success' | 'error';
  error?: string;
  data?: { resultType: string; result: unknown[] };
}

/** The shipped prometheus.yml, pointed at loopback: same rules and jobs, no Alertmanager. */
function testConfig(appPort: number, prometheusPort: number): PrometheusConfig {
  const shipped = parse(readFileSync(PROMETHEUS_CONFIG, 'utf8')) as PrometheusConfig;
  const targets: Record<string, string> = { app: `127.0.0.1:${appPort}`, prometheus: `127.0.0.1:${prometheusPort}` };
  const jobs = shipped.scrape_configs.map((job) => job.job_name);
  assert.equal([...jobs].sort(), Object.keys(targets).sort(), 'prometheus.yml scrapes other jobs than app and prometheus');
  return {
    ...shipped,
    global: { ...shipped.global, scrape_interval: SCRAPE_INTERVAL, scrape_timeout: SCRAPE_INTERVAL, evaluation_interval: SCRAPE_INTERVAL },
    // Relative to the shipped file, as Prometheus resolves them, so the copy loads the same rules.
    rule_files: shipped.rule_files.map((pattern) => join(dirname(PROMETHEUS_CONFIG), pattern)),
    alerting: undefined,
    scrape_configs: shipped.scrape_configs.map((job) => ({ ...job, static_configs: [{ targets: [targets[job.job_name] ?? ''] }] })),
  };
}

function buildServiceIfMissing(): void {
  if (existsSync(SERVICE_MAIN)) return;
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const build = spawnSync(npm, ['run', 'build', '-w', 'service'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 300_000 });
  assert.is(build.status, 0, `npm run build -w service failed:\n${build.stdout}${build.stderr}`);
}

async function getOk(url: string): Promise<true | undefined> {
  const response = await fetch(url);
  await response.arrayBuffer();
  return response.ok ? true : undefined;
}

/** A bounded mix of what the dashboard shows: successes, slow ones, injected 500s, 400s and 404s. */
async function generateTraffic(base: string): Promise<void> {
  const paths = [
    '/api/work',
    '/api/work?size=2000',
    '/api/work?latency_ms=30',
    '/api/work?latency_ms=120&size=500',
    '/api/work?error_rate=1',
    '/api/work?latency_ms=-1',
    '/no-such-route',
    '/health',
    '/ready',
  ];
  for (let round = 0; round < 6; round += 1) {
    await Promise.all(
      paths.map(async (path) => {
        const response = await fetch(`${base}${path}`);
        await response.arrayBuffer();
      }),
    );
    const post = await fetch(`${base}/api/work`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ size: 1000, error_rate: 0.5 }),
    });
    await post.arrayBuffer();
  }
}

async function instantQuery(prometheus: string, expr: string): Promise<QueryResponse> {
  const response = await fetch(`${prometheus}/api/v1/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ query: expr }),
  });
  return (await response.json()) as QueryResponse;
}

const live = suite('dashboard queries against the real service and Prometheus');

let service: Started | undefined;
let prometheus: Started | undefined;
let workdir = '';
let prometheusUrl = '';

async function startStack(): Promise<void> {
  buildServiceIfMissing();
  workdir = mkdtempSync(join(tmpdir(), 'dashboard-queries-'));
  const appPort = await freePort();
  const prometheusPort = await freePort();

  service = start(process.execPath, [SERVICE_MAIN], {
    ...process.env,
    HOST: '127.0.0.1',
    PORT: String(appPort),
    LOG_LEVEL: 'warn',
    SHUTDOWN_DELAY_MS: '0',
  });
  const appUrl = `http://127.0.0.1:${appPort}`;
  const app = service;
  await waitFor(() => getOk(`${appUrl}/ready`), 30_000, () => `service not ready:\n${app.output()}`, app);

  const configPath = join(workdir, 'prometheus.yml');
  writeFileSync(configPath, stringify(testConfig(appPort, prometheusPort)));
  const dataDir = join(workdir, 'data');
  const { file, args } = prometheusBinaries().command(
    'prometheus',
    [
      `--config.file=${configPath}`,
      `--storage.tsdb.path=${dataDir}`,
      `--web.listen-address=127.0.0.1:${prometheusPort}`,
    ],
    [{ path: workdir, writable: true }, { path: RULES_DIR }],
  );
  const server = start(file, args);
  prometheus = server;
  prometheusUrl = `http://127.0.0.1:${prometheusPort}`;
  await waitFor(() => getOk(`${prometheusUrl}/-/ready`), 60_000, () => `Prometheus not ready:\n${server.output()}`, server);

  await generateTraffic(appUrl);
}

live.before(startStack);

live.after(async () => {
  if (prometheus) await stop(prometheus);
  if (service) await stop(service);
  if (workdir) rmSync(workdir, { recursive: true, force: true });
});

live('Prometheus scrapes the service: up{job="app"} is 1', async () => {
  await waitFor(
    async () => {
      const { data } = await instantQuery(prometheusUrl, 'up{job="app"} == 1');
      return (data?.result.length ?? 0) > 0 ? true : undefined;
    },
    30_000,
    () => `the app target never came up:\n${prometheus?.output()}`,
  );
});

live('every panel and variable query of every dashboard parses and returns data', async () => {
  const queries: PanelQuery[] = dashboardFiles().flatMap((file) => {
    const dashboard = readDashboard(file);
    return [...panelQueries(dashboard), ...variableQueries(dashboard)].map(({ where, expr }) => ({
      where,
      expr: interpolate(expr, VARIABLES),
    }));
  });
  assert.ok(queries.length > 0, 'no dashboard queries found');

  // Recording rules need a few evaluations after the traffic: wait until every query has data.
  // A query Prometheus rejects will not get better by waiting: stop at the first such answer.
  const failures = async (): Promise<string[] | undefined> => {
    const errors: string[] = [];
    const empty: string[] = [];
    for (const { where, expr } of queries) {
      const response = await instantQuery(prometheusUrl, expr);
      if (response.status !== 'success') errors.push(`${where}: ${response.error} in ${expr}`);
      else if ((response.data?.result.length ?? 0) === 0) empty.push(`${where}: no data for ${expr}`);
    }
    lastEmpty = empty;
    return errors.length > 0 || empty.length === 0 ? errors : undefined;
  };
  let lastEmpty: string[] = [];
  const errors = await waitFor(failures, 90_000, () => lastEmpty.join('\n'));
  assert.equal(errors, [], errors.join('\n'));
});

live.run();
