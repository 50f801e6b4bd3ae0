// The local stack exactly as README.md's "Run it locally with Docker" runs it: the commands of its
// fenced bash blocks, in order, start to stop, with Compose v2. Between the first block (start)
// and the last (stop) the suite checks what a user would look at: the service and its metrics,
// Prometheus scraping it and loading the rules, Alertmanager as a single instance that Prometheus
// sends to, links that open from the host, a configuration reload, and no container left at the end.
//
// Each run is its own compose project (COMPOSE_PROJECT_NAME) on free ports (APP_PORT, …), set in
// the environment the README's commands already read, so it never touches a user's stack. The only
// rewrite: services whose image the Docker engine lacks and cannot pull (Grafana, on a machine with no registry)
// are left out of the commands, and the log says so (tests/e2e/readme.ts, planCommand).
import * as assert from 'uvu/assert';
import { suite } from 'uvu';
import { needs } from '../support/tools';
import { docker, inspect, projectEnv, projectLeftovers, runId, stackImages } from '../support/docker';
import { waitFor } from '../support/wait';
import { parseCompose, planCommand, readmeBlocks, type ReadmeCommand, type StackImages } from './readme';
import { get, nodeIn, shell } from './support';

interface PromResponse<T> {
  status: string;
  data: T;
}
interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

const Stack = needs(['docker'], suite('the README local stack, start to stop'));

const project = runId('e2e-stack');
let blocks: ReadmeCommand[][] = [];
let images: StackImages = { defaultServices: [], missing: new Set() };
let env: NodeJS.ProcessEnv = {};
let appUrl = '';
let prometheusUrl = '';
let alertmanagerUrl = '';

const compose = (...args: string[]) => docker(['compose', ...args], { env, timeoutMs: 600_000 });
const containerOf = async (service: string) => (await compose('ps', '--all', '-q', service)).split('\n')[0] ?? '';
const started = () => images.defaultServices.filter((service) => !images.missing.has(service));

/** Runs one README command as written (or narrowed, or skipped, with a line saying so). */
async function runReadme(command: ReadmeCommand): Promise<void> {
  const plan = planCommand(command.text, images);
  if ('skip' in plan) {
    console.log(`\n  README: skipped \`${command.text}\`: ${plan.skip}`);
    return;
  }
  if (plan.note !== undefined) console.log(`\n  README: ran \`${plan.run}\` (${plan.note})`);
  await shell(plan.run, env);
}

async function promQuery(query: string): Promise<PromSample[]> {
  const answer = await get(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(query)}`);
  assert.is(answer.status, 200, answer.body);
  return (JSON.parse(answer.body) as PromResponse<{ result: PromSample[] }>).data.result;
}

/** A sample of one unlabelled series in a /metrics page (Prometheus' and Alertmanager's own). */
async function ownMetric(baseUrl: string, name: string): Promise<number> {
  const page = await get(`${baseUrl}/metrics`);
  const line = page.body.split('\n').find((candidate) => candidate.startsWith(`${name} `));
  if (line === undefined) throw new Error(`${baseUrl}/metrics has no ${name}`);
  return Number(line.split(' ')[1]);
}

async function startStack(): Promise<void> {
  blocks = readmeBlocks();
  const first = blocks[0] ?? [];
  const last = blocks.at(-1) ?? [];
  assert.ok(blocks.length >= 2, 'the README local-stack section needs a start block and a stop block');
  assert.ok(first.some((c) => parseCompose(c.text)?.subcommand === 'up'), `the first block starts nothing: ${JSON.stringify(first)}`);
  assert.ok(last.length > 0 && last.every((c) => parseCompose(c.text)?.subcommand === 'down'), `the last block is not the stop block: ${JSON.stringify(last)}`);

  images = await stackImages();
  if (images.missing.size > 0) console.log(`\n  no image here for: ${[...images.missing].join(', ')}; the README's commands run without them`);
  const { ports, env: stackEnv } = await projectEnv(project);
  env = stackEnv;
  appUrl = `http://127.0.0.1:${ports.app}`;
  prometheusUrl = `http://127.0.0.1:${ports.prometheus}`;
  alertmanagerUrl = `http://127.0.0.1:${ports.alertmanager}`;
  try {
    for (const command of first) await runReadme(command);
  } catch (error) {
    console.error(await compose('logs', '--no-color', '--tail', '30').catch(() => ''));
    throw error;
  }
}

Stack.before(startStack);
Stack.after(async () => {
  // Whatever a failed test left, and the images `up --build` built (the README keeps them for the user).
  await compose('--profile', 'loadgen', 'down', '--volumes', '--rmi', 'local', '--remove-orphans');
});

Stack('the start block leaves every service running and healthy, published on 127.0.0.1 only', async () => {
  for (const service of started()) {
    const container = await containerOf(service);
    assert.ok(container !== '', `no container for ${service}`);
    assert.is(await inspect(container, '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}'), 'running healthy', service);
  }
  for (const [service, port] of [['app', 8080], ['prometheus', 9090], ['alertmanager', 9093]] as const) {
    assert.match(await compose('port', service, String(port)), /^127\.0\.0\.1:\d+$/, service);
  }
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

Stack('the black-box exporter probes the app as a user reaches it, and Prometheus records the probe as a success', async () => {
  const probe = await waitFor('a successful probe of /health in Prometheus', async () => {
    const result = await promQuery('probe_success{job="probe"} == 1');
    return result.length > 0 ? result : undefined;
  });
  assert.is(probe[0]?.metric.instance, 'http://app:8080/health');
  // The probe checks the body, not only the status.
  const regexFailed = await promQuery('probe_failed_due_to_regex{job="probe"}');
  assert.equal(regexFailed.map((sample) => sample.value[1]), ['0']);
});

Stack('Prometheus loads the rule files and sends alerts to Alertmanager, which runs as one instance without gossip', async () => {
  const rules = await get(`${prometheusUrl}/api/v1/rules`);
  const groups = (JSON.parse(rules.body) as PromResponse<{ groups: { rules: { type: string }[] }[] }>).data.groups;
  assert.ok(groups.flatMap((g) => g.rules).some((r) => r.type === 'alerting'), 'no alerting rule is loaded');

  await waitFor('Prometheus to discover Alertmanager', async () => {
    const answer = await get(`${prometheusUrl}/api/v1/alertmanagers`);
    const active = (JSON.parse(answer.body) as PromResponse<{ activeAlertmanagers: { url: string }[] }>).data.activeAlertmanagers;
    return active.some((am) => am.url.includes('alertmanager:9093')) ? true : undefined;
  });
  // "disabled" only when --cluster.listen-address is empty (alertmanager api/v2/api.go, getStatusHandler).
  const status = await get(`${alertmanagerUrl}/api/v2/status`);
  assert.is(status.status, 200, status.body);
  assert.is((JSON.parse(status.body) as { cluster: { status: string } }).cluster.status, 'disabled');
});

Stack('Prometheus and Alertmanager know the URL the host reaches them at, so links in alerts open', async () => {
  const flags = await get(`${prometheusUrl}/api/v1/status/flags`);
  assert.is((JSON.parse(flags.body) as PromResponse<Record<string, string>>).data['web.external-url'], prometheusUrl);
  // Alertmanager's API does not report its external URL; its arguments are what it was given.
  const args = JSON.parse(await inspect(await containerOf('alertmanager'), '{{json .Args}}')) as string[];
  assert.ok(args.includes(`--web.external-url=${alertmanagerUrl}`), JSON.stringify(args));
});

Stack('the app runs as a non-root user on a read-only root file system', async () => {
  const app = await containerOf('app');
  assert.is(await inspect(app, '{{.HostConfig.ReadonlyRootfs}}'), 'true');
  assert.is(await nodeIn(app, 'process.stdout.write(String(process.getuid()))'), '65532');
  const write = await nodeIn(app, "try { require('fs').writeFileSync('/tmp/probe', 'x'); process.stdout.write('written') } catch (e) { process.stdout.write(e.code) }");
  assert.is(write, 'EROFS');
});

Stack('the loadgen profile the README starts drives /api/work with successes and failures', async () => {
  assert.ok((await containerOf('loadgen')) !== '', 'the README start block did not start the load generator');
  const statuses = await waitFor('loadgen traffic with 2xx, 4xx and 5xx in Prometheus', async () => {
    const result = await promQuery('sum by (status_code) (increase(http_server_request_duration_seconds_count{job="app",route="/api/work"}[1m]))');
    const total = result.reduce((sum, s) => sum + Number(s.value[1]), 0);
    const seen = new Set(result.filter((s) => Number(s.value[1]) > 0).map((s) => s.metric.status_code?.[0]));
    return total > 50 && seen.has('2') && seen.has('4') && seen.has('5') ? [...seen] : undefined;
  });
  assert.equal(statuses.sort(), ['2', '4', '5']);
});

Stack('the README commands between start and stop run as written; its reload makes Prometheus and Alertmanager re-read their files', async () => {
  const middle = blocks.slice(1, -1).flat();
  const reload = middle.find((c) => parseCompose(c.text)?.subcommand === 'kill' && /SIGHUP/.test(c.text));
  assert.ok(reload !== undefined, 'the README documents no configuration reload (docker compose kill -s SIGHUP …)');
  const reloadedAt = {
    prometheus: await ownMetric(prometheusUrl, 'prometheus_config_last_reload_success_timestamp_seconds'),
    alertmanager: await ownMetric(alertmanagerUrl, 'alertmanager_config_last_reload_success_timestamp_seconds'),
  };

  for (const command of middle) await runReadme(command);

  // Second resolution: the stack has been up for many seconds, so a reload moves the timestamp.
  await waitFor('Prometheus to reload its configuration', async () =>
    (await ownMetric(prometheusUrl, 'prometheus_config_last_reload_success_timestamp_seconds')) > reloadedAt.prometheus ? true : undefined,
  );
  await waitFor('Alertmanager to reload its configuration', async () =>
    (await ownMetric(alertmanagerUrl, 'alertmanager_config_last_reload_success_timestamp_seconds')) > reloadedAt.alertmanager ? true : undefined,
  );
  assert.is(await ownMetric(prometheusUrl, 'prometheus_config_last_reload_successful'), 1);
  assert.is(await ownMetric(alertmanagerUrl, 'alertmanager_config_last_reload_successful'), 1);
});

Stack('SIGTERM (docker compose stop app, as the README stops it) ends the app with exit code 0', async () => {
  const app = await containerOf('app');
  await compose('stop', 'app');
  assert.is(await inspect(app, '{{.State.ExitCode}}'), '0');
});

Stack('the README stop block leaves no container and no network, and its `down -v` no volume', async () => {
  for (const command of blocks.at(-1) ?? []) {
    await runReadme(command);
    const left = await projectLeftovers(project);
    assert.equal(left.containers, [], `containers left after \`${command.text}\``);
    assert.equal(left.networks, [], `networks left after \`${command.text}\``);
  }
  assert.equal((await projectLeftovers(project)).volumes, [], 'volumes left after the stop block');
});

Stack.run();
