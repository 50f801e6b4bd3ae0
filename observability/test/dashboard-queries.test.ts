// Every panel, variable and annotation query of every dashboard, run against a real Prometheus
// that scrapes the real service and loads the shipped config and rules: each must parse and
// return data. The local stack's black-box exporter probes the service as the shipped config has
// it. The Fly.io variant's run against a second Prometheus scraping the same service as Fly's
// does (every series labelled app, the job label dropped, no rules evaluated), and a stub of Fly
// Proxy's own series, which only Fly can produce, with the labels Fly documents.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import { needs } from '../../tests/support/tools';
import * as assert from 'uvu/assert';
import { createServer, type Server } from 'node:http';
import { parse, stringify } from 'yaml';
import { giveUpIfExited, start, stop, type Started } from '../../tests/support/child-process';
import { freePort } from '../../tests/support/net';
import { testPrometheusConfig } from '../../tests/support/prometheus-config';
import { prometheusTool } from '../../tests/support/prometheus-tools';
import { assertServiceBuilt } from '../../tests/support/repo';
import { ServiceProcess } from '../../tests/support/service-process';
import { waitFor } from '../../tests/support/wait';
import {
  annotationQueries,
  dashboardFiles,
  interpolate,
  panelQueries,
  readDashboard,
  variableQueries,
  type PanelQuery,
} from './lib/dashboard-json';
import { FLY_DASHBOARDS_DIR, OBSERVABILITY_DIR, PROMETHEUS_CONFIG, REPO_ROOT } from './lib/paths';
import { ruleGroups } from './lib/rule-files';

// Fast scrapes and rule evaluations so the recording rules have data within seconds.
const INTERVAL = '1s';
// What Grafana's $__rate_interval becomes: at least four scrape intervals, as Grafana makes it.
const RATE_INTERVAL = '1m';
// What the dashboards' variables are set to, as Grafana would substitute them.
const VARIABLES = { job: 'app', route: '.*' };
// The Fly app name the Fly-like Prometheus labels every series with: not "app", so a query that
// still read job="app" could not find data by luck.
const FLY_APP = 'restify-observable-test';
const FLY_VARIABLES = { app: FLY_APP, route: '.*' };

// The shipped alerts wait minutes before they fire; this one fires at once on the service's job,
// so the dashboards' alert annotations have a firing alert of that job to find.
const TEST_ALERT_RULES = `groups:
  - name: dashboard-test
    rules:
      - alert: DashboardTestAlwaysFiring
        expr: up{job="app"} == 1
        labels:
          severity: info
`;

interface QueryResponse {
  status: 'success' | 'error';
  error?: string;
  data?: { resultType: string; result: unknown[] };
}

/** Builds the service when its build is missing or older than its source, so the test runs today's service. */
function buildServiceIfNeeded(): void {
  try {
    assertServiceBuilt();
    return;
  } catch {
    // missing or stale: build it below
  }
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

const live = needs(['prometheus', 'blackbox_exporter'], suite('dashboard queries against the real service and Prometheus'));

let service: ServiceProcess | undefined;
let prometheus: Started | undefined;
let workdir = '';
let prometheusUrl = '';
let flyPrometheus: Started | undefined;
let flyPrometheusUrl = '';
let blackbox: Started | undefined;
let flyProxyStub: Server | undefined;

const BLACKBOX_CONFIG = join(OBSERVABILITY_DIR, 'blackbox', 'blackbox.yml');

/**
 * Fly Proxy's series as Fly's Prometheus stores them (fly_edge_http_responses_count and
 * fly_app_http_responses_count, labelled region and status; app is the target's label), counting
 * up at every scrape: 200s at the edge and from the app, 502s only at the edge (no Machine to route to).
 */
async function startFlyProxyStub(port: number): Promise<Server> {
  let scrapes = 0;
  const server = createServer((_request, response) => {
    scrapes += 1;
    const lines = [
      '# TYPE fly_edge_http_responses_count counter',
      `fly_edge_http_responses_count{region="ams",status="200"} ${100 * scrapes}`,
      `fly_edge_http_responses_count{region="ams",status="502"} ${3 * scrapes}`,
      '# TYPE fly_app_http_responses_count counter',
      `fly_app_http_responses_count{region="ams",status="200"} ${100 * scrapes}`,
    ];
    response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(`${lines.join('\n')}\n`);
  });
  await new Promise<void>((listening) => server.listen(port, '127.0.0.1', listening));
  return server;
}

interface ScrapeJob {
  job_name: string;
  static_configs?: { targets: string[]; labels?: Record<string, string> }[];
  relabel_configs?: { target_label?: string; replacement?: string }[];
  metric_relabel_configs?: { action: string; regex: string }[];
}

/** Points the copy's probe job at the test's exporter, in place of the compose service blackbox:9115. */
function probeThrough(configText: string, exporter: string): string {
  const config = parse(configText) as { scrape_configs: ScrapeJob[] };
  const probe = config.scrape_configs.find((job) => job.job_name === 'probe');
  const address = probe?.relabel_configs?.find((rule) => rule.target_label === '__address__');
  if (!address) throw new Error('prometheus.yml: the probe job sends no probe through an exporter (no __address__ relabel)');
  address.replacement = exporter;
  return stringify(config);
}

/** Adds a job scraping Fly Proxy's stub, its series labelled with the Fly app as Fly's are. */
function withFlyProxy(configText: string, target: string): string {
  const config = parse(configText) as { scrape_configs: ScrapeJob[] };
  config.scrape_configs.push({
    job_name: 'fly-proxy',
    static_configs: [{ targets: [target], labels: { app: FLY_APP } }],
    metric_relabel_configs: [{ action: 'labeldrop', regex: 'job' }],
  });
  return stringify(config);
}

/** Starts Prometheus on `port` with `configText`, its data and config in a folder of the work dir. */
async function startPrometheus(name: string, port: number, configText: string, ruleDirs: string[]): Promise<Started> {
  const dir = join(workdir, name);
  mkdirSync(dir);
  const configPath = join(dir, 'prometheus.yml');
  writeFileSync(configPath, configText);
  const { file, args } = prometheusTool(
    'prometheus',
    [`--config.file=${configPath}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
    [{ path: dir, writable: true }, ...ruleDirs.map((path) => ({ path }))],
  );
  const server = start(file, args);
  await waitFor(`${name} to be ready`, async () => {
    giveUpIfExited(server, name);
    return getOk(`http://127.0.0.1:${port}/-/ready`);
  }, { deadlineMs: 60_000, intervalMs: 250 });
  return server;
}

async function startStack(): Promise<void> {
  buildServiceIfNeeded();
  workdir = mkdtempSync(join(tmpdir(), 'dashboard-queries-'));
  const prometheusPort = await freePort();
  const flyPrometheusPort = await freePort();
  const blackboxPort = await freePort();
  const flyProxyPort = await freePort();

  // On 127.0.0.1 at LOG_LEVEL warn; no readiness delay, so the clean-up's SIGTERM ends it at once.
  service = await ServiceProcess.start({ SHUTDOWN_DELAY_MS: '0' });
  const appPort = service.port;
  const appUrl = `http://127.0.0.1:${appPort}`;

  // The black-box exporter with the shipped modules, as the compose service runs it.
  const exporter = prometheusTool('blackbox_exporter', [`--config.file=${BLACKBOX_CONFIG}`, `--web.listen-address=127.0.0.1:${blackboxPort}`], [
    { path: join(OBSERVABILITY_DIR, 'blackbox') },
  ]);
  blackbox = start(exporter.file, exporter.args);
  await waitFor(`the black-box exporter (from ${exporter.origin}) to be ready`, async () => {
    giveUpIfExited(blackbox as Started, 'the black-box exporter');
    return getOk(`http://127.0.0.1:${blackboxPort}/-/healthy`).catch(() => undefined);
  }, { deadlineMs: 60_000, intervalMs: 250 });
  flyProxyStub = await startFlyProxyStub(flyProxyPort);

  const testRules = join(workdir, 'dashboard-test-rules.yml');
  writeFileSync(testRules, TEST_ALERT_RULES);
  const config = testPrometheusConfig(PROMETHEUS_CONFIG, {
    interval: INTERVAL,
    // No Alertmanager runs here: its job is left out, and alerts go nowhere (they still show
    // in Prometheus' ALERTS series, which is what the dashboards read).
    targets: { app: `127.0.0.1:${appPort}`, probe: `${appUrl}/health`, prometheus: `127.0.0.1:${prometheusPort}`, alertmanager: null },
    extraRuleFiles: [testRules],
  });
  const configText = probeThrough(config.text, `127.0.0.1:${blackboxPort}`);
  prometheus = await startPrometheus('Prometheus', prometheusPort, configText, [workdir, ...config.ruleDirs]);
  prometheusUrl = `http://127.0.0.1:${prometheusPort}`;

  // Fly's managed Prometheus, as docs/deploy-fly.md describes it: the service's series labelled
  // app=<the Fly app> and no job, and no rules evaluated (so no recording rules, no ALERTS).
  const flyConfig = testPrometheusConfig(PROMETHEUS_CONFIG, {
    interval: INTERVAL,
    targets: { app: `127.0.0.1:${appPort}`, probe: null, prometheus: null, alertmanager: null },
    shippedRules: false,
    targetLabels: { app: { app: FLY_APP } },
    dropLabels: ['job'],
  });
  assert.equal(flyConfig.ruleDirs, [], 'the Fly-like Prometheus loads rules');
  flyPrometheus = await startPrometheus('Fly-like Prometheus', flyPrometheusPort, withFlyProxy(flyConfig.text, `127.0.0.1:${flyProxyPort}`), []);
  flyPrometheusUrl = `http://127.0.0.1:${flyPrometheusPort}`;

  // Twice, around a scrape: a series the first round creates (a status code's first request)
  // starts at its count, so only the second round makes its rate more than 0.
  await generateTraffic(appUrl);
  for (const [name, url, selector] of [
    ['Prometheus', prometheusUrl, 'job="app"'],
    ['the Fly-like Prometheus', flyPrometheusUrl, `app="${FLY_APP}"`],
  ] as const) {
    await waitFor(`${name} to scrape the first round of traffic`, async () => {
      const { data } = await instantQuery(url, `http_server_request_duration_seconds_count{${selector}, status_code=~"5.."}`);
      return (data?.result.length ?? 0) > 0 ? true : undefined;
    }, { deadlineMs: 30_000 });
  }
  await generateTraffic(appUrl);
}

live.before(startStack);

live.after(async () => {
  if (flyPrometheus) await stop(flyPrometheus);
  if (prometheus) await stop(prometheus);
  if (blackbox) await stop(blackbox);
  if (flyProxyStub) await new Promise((closed) => flyProxyStub?.close(closed));
  if (service) await service.stopGracefully();
  if (workdir) rmSync(workdir, { recursive: true, force: true });
});

live('Prometheus scrapes the service: up{job="app"} is 1', async () => {
  await waitFor('up{job="app"} == 1', async () => {
    const { data } = await instantQuery(prometheusUrl, 'up{job="app"} == 1');
    return (data?.result.length ?? 0) > 0 ? true : undefined;
  }, { deadlineMs: 30_000 });
});

live('Prometheus evaluates every rule group of the shipped config without a failure', async () => {
  const groups = ruleGroups().length + 1; // and the test's own group
  await waitFor(`all ${groups} rule groups to have run (scraped from Prometheus itself)`, async () => {
    const { data } = await instantQuery(prometheusUrl, 'prometheus_rule_group_iterations_total{job="prometheus"} > 0');
    return (data?.result.length ?? 0) >= groups ? true : undefined;
  }, { deadlineMs: 60_000 });
  const { data } = await instantQuery(prometheusUrl, 'prometheus_rule_evaluation_failures_total{job="prometheus"} > 0');
  assert.equal(data?.result, [], 'rule groups failed to evaluate');
});

/** Every panel, variable and annotation query of the dashboards in `dir`, as Grafana would send them. */
function dashboardQueries(dir: string | undefined, variables: Record<string, string>): PanelQuery[] {
  return dashboardFiles(dir).flatMap((file) => {
    const dashboard = readDashboard(file, dir);
    return [...panelQueries(dashboard), ...variableQueries(dashboard), ...annotationQueries(dashboard)].map(({ where, expr }) => ({
      where,
      expr: interpolate(expr, variables, { where, interval: RATE_INTERVAL }),
    }));
  });
}

/**
 * Runs every query until each returns data. Recording rules need a few evaluations after the
 * traffic; a query Prometheus rejects will not get better by waiting: stop at the first such answer.
 */
async function requireData(prometheusAt: string, queries: PanelQuery[]): Promise<void> {
  assert.ok(queries.length > 0, 'no dashboard queries found');
  let lastEmpty: string[] = [];
  const errors = await waitFor(
    'every dashboard query to return data',
    async () => {
      const rejected: string[] = [];
      const empty: string[] = [];
      for (const { where, expr } of queries) {
        const response = await instantQuery(prometheusAt, expr);
        if (response.status !== 'success') rejected.push(`${where}: ${response.error} in ${expr}`);
        else if ((response.data?.result.length ?? 0) === 0) empty.push(`${where}: no data for ${expr}`);
      }
      lastEmpty = empty;
      return rejected.length > 0 || empty.length === 0 ? rejected : undefined;
    },
    { deadlineMs: 90_000 },
  ).catch((error: unknown) => {
    throw new Error(`${(error as Error).message}\n${lastEmpty.join('\n')}`);
  });
  assert.equal(errors, [], errors.join('\n'));
}

live('every panel, variable and annotation query of every dashboard parses and returns data', async () => {
  await requireData(prometheusUrl, dashboardQueries(undefined, VARIABLES));
});

live('every query of the Fly.io dashboard returns data from a Prometheus like Fly\'s: app label, no job, no rules', async () => {
  await waitFor('the Fly-like Prometheus to store the service\'s series under app, without job', async () => {
    const { data } = await instantQuery(flyPrometheusUrl, `app_build_info{app="${FLY_APP}", job=""}`);
    return (data?.result.length ?? 0) > 0 ? true : undefined;
  }, { deadlineMs: 30_000 });
  const { data: recorded } = await instantQuery(flyPrometheusUrl, 'count({__name__=~".+:.+"}) or count(ALERTS)');
  assert.equal(recorded?.result, [], 'the Fly-like Prometheus has recorded series or alerts');
  await requireData(flyPrometheusUrl, dashboardQueries(FLY_DASHBOARDS_DIR, FLY_VARIABLES));
});

live('the headline figures count user-facing requests of the selected routes only', async () => {
  const overview = readDashboard('service-overview.json');
  const headline = (title: string) => {
    const query = panelQueries(overview).find(({ where }) => where.includes(`"${title}"`));
    if (!query) throw new Error(`no panel "${title}"`);
    return (route: string) => interpolate(query.expr, { ...VARIABLES, route }, { interval: RATE_INTERVAL });
  };
  const values = async (expr: string) =>
    ((await instantQuery(prometheusUrl, expr)).data?.result as { value: [number, string] }[]).map(({ value }) => Number(value[1]));
  const figures = ['Request rate', '5xx ratio', 'p99 latency'].map((title) => ({ title, expr: headline(title) }));

  // Probes and scrapes, even when they are all that is selected, are not user traffic.
  for (const { title, expr } of figures) {
    assert.equal(await values(expr('/health|/ready|/metrics')), [], `"${title}" counts probes or scrapes`);
  }
  // The traffic has 5xx on /api/work and none on unmatched URLs (404s): the ratio follows.
  const errorRatio = figures[1]?.expr ?? ((route: string) => route);
  await waitFor('a 5xx ratio above 0 over all routes', async () => {
    const [allRoutes] = await values(errorRatio('.*'));
    return (allRoutes ?? 0) > 0 ? true : undefined;
  }, { deadlineMs: 30_000 });
  assert.equal(await values(errorRatio('unmatched')), [0], '"5xx ratio" ignores the route selection');
});

live.run();
