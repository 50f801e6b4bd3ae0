// The local stack as the README runs it: `docker compose up --build -d`, then the service and
// Prometheus through their published ports, the load generator profile, and a clean stop.
//
// E2E_SERVICES (space- or comma-separated) limits what starts, for machines that lack an image:
// here, `E2E_SERVICES="app prometheus alertmanager"` (no Grafana image offline). Unset: every
// service, exactly the README's command. Each run is its own compose project on free ports, so it
// never touches a stack the user already has.
import * as assert from 'uvu/assert';
import { suite } from 'uvu';
import { docker, inspect, runId, waitHealthy } from '../support/docker';
import { freePort } from '../support/net';
import { waitFor } from '../support/wait';
import { get, nodeIn } from './support';

interface PromResponse<T> {
  status: string;
  data: T;
}
interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

const Stack = suite('compose stack');

const project = runId('e2e-stack');
const selected = (process.env.E2E_SERVICES ?? '').split(/[\s,]+/).filter(Boolean);
let env: NodeJS.ProcessEnv = {};
let appUrl = '';
let prometheusUrl = '';

// `up --build` builds the image: allow it minutes, not docker()'s default bound.
const compose = (...args: string[]) => docker(['compose', ...args], { env, timeoutMs: 600_000 });
const containerOf = async (service: string) => (await compose('ps', '-q', service)).split('\n')[0] ?? '';

async function promQuery(query: string): Promise<PromSample[]> {
  const answer = await get(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(query)}`);
  assert.is(answer.status, 200, answer.body);
  return (JSON.parse(answer.body) as PromResponse<{ result: PromSample[] }>).data.result;
}

async function startStack(): Promise<void> {
  const [app, prometheus, alertmanager, grafana] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  env = {
    COMPOSE_PROJECT_NAME: project,
    APP_PORT: String(app),
    PROMETHEUS_PORT: String(prometheus),
    ALERTMANAGER_PORT: String(alertmanager),
    GRAFANA_PORT: String(grafana),
  };
  appUrl = `http://127.0.0.1:${app}`;
  prometheusUrl = `http://127.0.0.1:${prometheus}`;
  try {
    await compose('up', '--build', '-d', ...selected);
    // No `up --wait` in docker-compose 1.29: poll every container's own health check.
    const containers = (await compose('ps', '-q')).split('\n').filter(Boolean);
    assert.ok(containers.length > 0, 'compose started no container');
    await Promise.all(containers.map((id) => waitHealthy(id)));
  } catch (error) {
    const logs = await compose('logs', '--no-color', '--tail', '30').catch(() => '');
    console.error(logs);
    throw error;
  }
}

Stack.before(startStack);
Stack.after(async () => {
  await compose('--profile', 'loadgen', 'down', '--volumes', '--rmi', 'local', '--remove-orphans');
});

Stack('publishes the service on 127.0.0.1 only, and /health answers 200', async () => {
  assert.match(await compose('port', 'app', '8080'), /^127\.0\.0\.1:\d+$/);
  const health = await get(`${appUrl}/health`);
  assert.is(health.status, 200);
  assert.match(health.contentType, /^text\/plain/);
});

Stack('/api/work answers success, injected failure and a bad parameter', async () => {
  const ok = await get(`${appUrl}/api/work?latency_ms=5&size=10`);
  assert.is(ok.status, 200, ok.body);
  assert.match(ok.contentType, /^application\/json/);

  const failed = await get(`${appUrl}/api/work?error_rate=1`);
  assert.is(failed.status, 500, failed.body);
  assert.type((JSON.parse(failed.body) as { error?: unknown }).error, 'string');

  const bad = await get(`${appUrl}/api/work?latency_ms=-1`);
  assert.is(bad.status, 400, bad.body);
  assert.is((JSON.parse(bad.body) as { parameter?: unknown }).parameter, 'latency_ms');
});

Stack('/metrics counts requests by route template and status code', async () => {
  const metrics = await get(`${appUrl}/metrics`);
  assert.is(metrics.status, 200);
  assert.match(metrics.body, /^http_server_request_duration_seconds_count\{[^}]*route="\/api\/work"[^}]*status_code="500"[^}]*\} [1-9]/m);
  assert.match(metrics.body, /^app_build_info\{[^}]*\} 1$/m);
});

Stack('Prometheus scrapes the app and its metrics are queryable', async () => {
  await waitFor('Prometheus to report the app target up', async () => {
    const answer = await get(`${prometheusUrl}/api/v1/targets?state=active`);
    const targets = (JSON.parse(answer.body) as PromResponse<{ activeTargets: { labels: Record<string, string>; health: string }[] }>).data
      .activeTargets;
    return targets.some((t) => t.labels.job === 'app' && t.health === 'up') ? true : undefined;
  });
  const series = await waitFor('the /api/work request histogram in Prometheus', async () => {
    const result = await promQuery('http_server_request_duration_seconds_count{job="app",route="/api/work"}');
    return result.length > 0 ? result : undefined;
  });
  assert.ok(series.some((s) => s.metric.status_code === '200'), JSON.stringify(series));
});

Stack('Prometheus loaded the rule files, and knows Alertmanager when it runs', async () => {
  const rules = await get(`${prometheusUrl}/api/v1/rules`);
  const groups = (JSON.parse(rules.body) as PromResponse<{ groups: { rules: { type: string }[] }[] }>).data.groups;
  assert.ok(groups.flatMap((g) => g.rules).some((r) => r.type === 'alerting'), 'no alerting rule is loaded');

  if ((await containerOf('alertmanager')) === '') return;
  await waitFor('Prometheus to discover Alertmanager', async () => {
    const answer = await get(`${prometheusUrl}/api/v1/alertmanagers`);
    const active = (JSON.parse(answer.body) as PromResponse<{ activeAlertmanagers: unknown[] }>).data.activeAlertmanagers;
    return active.length > 0 ? true : undefined;
  });
});

Stack('the app runs as a non-root user on a read-only root file system', async () => {
  const app = await containerOf('app');
  assert.is(await inspect(app, '{{.HostConfig.ReadonlyRootfs}}'), 'true');
  assert.is(await nodeIn(app, 'process.stdout.write(String(process.getuid()))'), '65532');
  const write = await nodeIn(app, "try { require('fs').writeFileSync('/tmp/probe', 'x'); process.stdout.write('written') } catch (e) { process.stdout.write(e.code) }");
  assert.is(write, 'EROFS');
});

Stack('the loadgen profile drives /api/work with successes and failures', async () => {
  await compose('--profile', 'loadgen', 'up', '-d', 'loadgen');
  // Far more requests than the tests above sent, with every class of answer among them.
  const statuses = await waitFor('loadgen traffic with 2xx, 4xx and 5xx in Prometheus', async () => {
    const result = await promQuery('sum by (status_code) (increase(http_server_request_duration_seconds_count{job="app",route="/api/work"}[1m]))');
    const total = result.reduce((sum, s) => sum + Number(s.value[1]), 0);
    const seen = new Set(result.filter((s) => Number(s.value[1]) > 0).map((s) => s.metric.status_code?.[0]));
    return total > 50 && seen.has('2') && seen.has('4') && seen.has('5') ? [...seen] : undefined;
  });
  assert.equal(statuses.sort(), ['2', '4', '5']);
});

Stack('SIGTERM (docker compose stop) ends the app with exit code 0', async () => {
  const app = await containerOf('app');
  await compose('stop', 'app');
  assert.is(await inspect(app, '{{.State.ExitCode}}'), '0');
});

Stack.run();
