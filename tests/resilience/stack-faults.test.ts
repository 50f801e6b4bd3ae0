// Faults in the stack are seen, and bad configuration stops the container, against the real compose stack under
// Compose v2 (docker-compose.yml + tests/resilience/overrides/docker-compose.resilience.yml), with
// app, Prometheus and Alertmanager (Grafana is not needed to see a fault):
//  - a crashed app container is brought back by its restart policy, and Prometheus sees it;
//  - a killed app (down until someone starts it) is recorded as up == 0, AppTargetDown goes
//    pending then firing in Prometheus and reaches Alertmanager (with a link that opens from the
//    host), and resolves in both once the app is back;
//  - Prometheus recreated from scratch still answers for the samples it stored before (volume);
//  - the service image with a bad configuration value exits non-zero and is never healthy.
// Needs a Docker engine (`docker` and `docker compose` on PATH); the image is built by compose.
import { setTimeout as sleep } from 'node:timers/promises';
import { suite } from 'uvu';
import { needs } from '../support/tools';
import * as assert from 'uvu/assert';
import { ComposeStack } from './lib/compose-stack';
import { recordFigures } from './lib/figures';
import { AlertmanagerApi, PrometheusApi, type Alert, type AlertmanagerAlert } from './lib/prometheus-api';
import { round } from './lib/stats';
import { containerLogs, docker, inspect, waitHealthy } from '../support/docker';
import { waitFor } from '../support/wait';

const TARGET_DOWN_ALERT = 'AppTargetDown';
const TIMINGS = { intervalSeconds: 1, alert: TARGET_DOWN_ALERT, alertForSeconds: 10 } as const;
const UP = 'up{job="app"}';

const seconds = (ms: number) => round(ms / 1000, 1);
const epochSeconds = () => Date.now() / 1000;

interface Context {
  stack?: ComposeStack;
  prometheus?: PrometheusApi;
  alertmanager?: AlertmanagerApi;
  startedAtEpoch: number;
}

const stackFaults = needs(['docker'], suite<Context>('faults in the compose stack are seen', { startedAtEpoch: 0 }));

function stackOf(context: Context): { stack: ComposeStack; prometheus: PrometheusApi; alertmanager: AlertmanagerApi } {
  if (!context.stack || !context.prometheus || !context.alertmanager) throw new Error('the stack did not start');
  return { stack: context.stack, prometheus: context.prometheus, alertmanager: context.alertmanager };
}

async function upValue(prometheus: PrometheusApi): Promise<string | undefined> {
  return (await prometheus.query(UP))[0]?.value[1];
}

async function targetDownAlert(prometheus: PrometheusApi): Promise<Alert | undefined> {
  return (await prometheus.alerts()).find((alert) => alert.labels.alertname === TARGET_DOWN_ALERT);
}

async function targetDownInAlertmanager(alertmanager: AlertmanagerApi): Promise<AlertmanagerAlert | undefined> {
  return (await alertmanager.alerts()).find((alert) => alert.labels.alertname === TARGET_DOWN_ALERT);
}

async function startStack(context: Context): Promise<void> {
  const stack = await ComposeStack.create(TIMINGS);
  context.stack = stack;
  await stack.compose(['up', '--build', '--wait', 'app', 'prometheus', 'alertmanager']);
  const prometheus = new PrometheusApi(stack.prometheusUrl(''));
  const alertmanager = new AlertmanagerApi(stack.alertmanagerUrl(''));
  context.prometheus = prometheus;
  context.alertmanager = alertmanager;
  await waitHealthy(await stack.container('app'));
  await waitFor('Prometheus to be ready', async () => ((await prometheus.ready()) ? true : undefined));
  await waitFor('Alertmanager to be ready', async () => ((await alertmanager.ready()) ? true : undefined));
  await waitFor('Prometheus to scrape the app', async () => ((await upValue(prometheus)) === '1' ? true : undefined));
  context.startedAtEpoch = epochSeconds();
  // A few scrapes of history before any fault.
  await sleep(5_000);
}

stackFaults.before(startStack);
stackFaults.after(async (context) => {
  await context.stack?.down();
});

stackFaults('a crashed app container is brought back by its restart policy, and Prometheus sees the new process', async (context) => {
  const { stack, prometheus } = stackOf(context);
  const container = await stack.container('app');
  const restartsBefore = Number(await inspect(container, '{{.RestartCount}}'));
  // SIGKILL to the node process itself, from the host: what an OOM kill or a crash looks like.
  // (`docker kill` would not do: Docker counts it as a manual stop, which `unless-stopped` respects.)
  const processes = await docker(['top', container, '-o', 'pid,args']);
  const nodeLine = processes.split('\n').find((line) => /main\.js/.test(line));
  const pid = Number(nodeLine?.trim().split(/\s+/)[0]);
  assert.ok(Number.isInteger(pid) && pid > 0, `no service process in the app container:\n${processes}`);
  const killedAt = performance.now();
  process.kill(pid, 'SIGKILL');

  await waitFor('the app container to restart', async () => {
    const [status, restarts] = (await inspect(container, '{{.State.Status}} {{.RestartCount}}')).split(' ');
    if (status === 'exited' || status === 'dead') throw new Error(`the app container is ${status} and was not restarted`);
    return Number(restarts) > restartsBefore ? true : undefined;
  }, { deadlineMs: 60_000 });
  await waitHealthy(container, { deadlineMs: 60_000 });
  const healthyAfterMs = performance.now() - killedAt;
  await waitFor('Prometheus to scrape the restarted app', async () => {
    const changes = await prometheus.query(`changes(process_start_time_seconds{job="app"}[5m])`);
    return Number(changes[0]?.value[1] ?? 0) >= 1 && (await upValue(prometheus)) === '1' ? true : undefined;
  }, { deadlineMs: 60_000 });
  const lowestUp = (await prometheus.query(`min_over_time(${UP}[5m])`))[0]?.value[1];

  recordFigures('4 stack faults: crash', {
    restartCount: Number(await inspect(container, '{{.RestartCount}}')),
    crashToHealthySeconds: seconds(healthyAfterMs),
    upZeroRecordedDuringRestart: lowestUp === '0',
  });
});

stackFaults('a killed app is recorded as down, the target-down alert goes pending then firing, reaches Alertmanager, and resolves in both after recovery', async (context) => {
  const { stack, prometheus, alertmanager } = stackOf(context);
  assert.is(await targetDownAlert(prometheus), undefined, `${TARGET_DOWN_ALERT} is active before the fault`);
  assert.is(await targetDownInAlertmanager(alertmanager), undefined, `${TARGET_DOWN_ALERT} is in Alertmanager before the fault`);
  const killedAt = performance.now();
  await stack.compose(['kill', 'app']);

  const seen: Record<string, number> = {};
  await waitFor(`${TARGET_DOWN_ALERT} to fire`, async () => {
    if (seen.down === undefined && (await upValue(prometheus)) === '0') seen.down = performance.now() - killedAt;
    const alert = await targetDownAlert(prometheus);
    if (alert?.state === 'pending' && seen.pending === undefined) seen.pending = performance.now() - killedAt;
    if (alert?.state === 'firing') {
      seen.firing = performance.now() - killedAt;
      return true;
    }
    return undefined;
  }, { deadlineMs: 120_000, intervalMs: 250 });
  const received = await waitFor(`${TARGET_DOWN_ALERT} to be active in Alertmanager`, async () => {
    const alert = await targetDownInAlertmanager(alertmanager);
    return alert?.status.state === 'active' ? alert : undefined;
  }, { deadlineMs: 120_000, intervalMs: 250 });
  const inAlertmanagerAfterMs = performance.now() - killedAt;
  // --web.external-url: the alert's link back to Prometheus opens from the host, not at the container name.
  assert.ok(received.generatorURL.startsWith(stack.prometheusUrl('/')), `generatorURL ${received.generatorURL} does not open from the host`);

  const restartedAt = performance.now();
  await stack.compose(['start', 'app']);
  await waitHealthy(await stack.container('app'), { deadlineMs: 60_000 });
  await waitFor(`${TARGET_DOWN_ALERT} to resolve`, async () =>
    (await targetDownAlert(prometheus)) === undefined && (await upValue(prometheus)) === '1' ? true : undefined,
  { deadlineMs: 120_000, intervalMs: 250 });
  const resolvedAfterMs = performance.now() - restartedAt;
  // Prometheus sends the resolved alert (endsAt in the past); Alertmanager then lists it no more.
  await waitFor(`${TARGET_DOWN_ALERT} to resolve in Alertmanager`, async () =>
    (await targetDownInAlertmanager(alertmanager)) === undefined ? true : undefined,
  { deadlineMs: 120_000, intervalMs: 250 });
  const resolvedInAlertmanagerAfterMs = performance.now() - restartedAt;

  recordFigures('4 stack faults: target down', {
    scrapeAndEvaluationIntervalSeconds: TIMINGS.intervalSeconds,
    alertForSeconds: TIMINGS.alertForSeconds,
    killToUpZeroSeconds: seconds(seen.down ?? Number.NaN),
    killToPendingSeconds: seconds(seen.pending ?? Number.NaN),
    killToFiringSeconds: seconds(seen.firing ?? Number.NaN),
    killToActiveInAlertmanagerSeconds: seconds(inAlertmanagerAfterMs),
    startToResolvedSeconds: seconds(resolvedAfterMs),
    startToResolvedInAlertmanagerSeconds: seconds(resolvedInAlertmanagerAfterMs),
  });
  assert.ok(seen.down !== undefined, 'Prometheus never recorded up == 0 for the app');
  assert.ok(seen.pending !== undefined, `${TARGET_DOWN_ALERT} fired without being seen pending first`);
  assert.ok((seen.pending ?? 0) < (seen.firing ?? 0), `${TARGET_DOWN_ALERT} went firing before pending`);
});

stackFaults('Prometheus recreated from scratch still answers for the samples stored before (named volume)', async (context) => {
  const { stack, prometheus } = stackOf(context);
  const window = Math.ceil(epochSeconds() - context.startedAtEpoch) + 5;
  const at = epochSeconds();
  const sampleTimes = async () =>
    ((await prometheus.rawSamples(`${UP}[${window}s]`, at))[0]?.values ?? []).map(([timestamp]) => timestamp);
  const before = await sampleTimes();
  assert.ok(before.length >= 10, `only ${before.length} samples of ${UP} before the restart`);

  // Stronger than `docker compose restart`: a new container (as after an image upgrade) with fresh
  // anonymous volumes (compose would otherwise copy them over), so only the named volume can carry the data.
  await stack.compose(['up', '-d', '--force-recreate', '--renew-anon-volumes', '--no-deps', 'prometheus']);
  await waitFor('Prometheus to be ready again', async () => ((await prometheus.ready()) ? true : undefined));
  const after = await waitFor('the stored samples to be queryable', async () => {
    const times = await sampleTimes();
    return times.length > 0 ? times : undefined;
  }, { deadlineMs: 60_000 });

  const kept = new Set(after);
  const missing = before.filter((timestamp) => !kept.has(timestamp));
  recordFigures('4 stack faults: Prometheus recreated', {
    samplesBefore: before.length,
    samplesAfter: after.length,
    missingAfter: missing.length,
    windowSeconds: window,
  });
  assert.is(missing.length, 0, `${missing.length} of ${before.length} samples stored before the restart are gone`);
});

stackFaults('the service image with a bad configuration value exits non-zero and is never healthy', async (context) => {
  const { stack } = stackOf(context);
  const image = await stack.imageOf('app');
  const figures: Record<string, unknown> = {};
  for (const [variable, value] of [['PORT', 'abc'], ['SHUTDOWN_TIMEOUT_MS', 'soon']] as const) {
    const name = `${stack.project}-badconfig-${variable.toLowerCase().replace(/_/g, '-')}`;
    // The same hardening as compose; the image's own HEALTHCHECK decides health.
    await docker(['run', '-d', '--name', name, '--init', '--read-only', '--cap-drop', 'ALL', '-e', `${variable}=${value}`, image]);
    try {
      const states: string[] = [];
      const exitCode = await waitFor(`the container with ${variable}=${value} to exit`, async () => {
        const [status, health, code] = (
          await inspect(name, '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}} {{.State.ExitCode}}')
        ).split(' ');
        states.push(health ?? '');
        return status === 'exited' || status === 'dead' ? Number(code) : undefined;
      }, { deadlineMs: 60_000, intervalMs: 250 });
      const lines = (await containerLogs(name)).split('\n').filter((line) => line.trim() !== '');
      figures[`${variable}=${value}`] = { exitCode, healthSeen: [...new Set(states.filter(Boolean))], log: lines };
      assert.ok(exitCode !== 0, `${variable}=${value}: the container exited 0`);
      assert.not.ok(states.includes('healthy'), `${variable}=${value}: the container was reported healthy`);
      assert.ok(
        lines.some((line) => line.includes(variable)),
        `${variable}=${value}: no log line names ${variable}:\n${lines.join('\n')}`,
      );
    } finally {
      await docker(['rm', '-f', name]).catch(() => undefined);
    }
  }
  recordFigures('5 configuration faults: container', figures);
});

stackFaults.run();
