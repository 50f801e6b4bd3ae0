// The alerting path of the local stack end to end, under Compose v2: the service fails its users
// (5xx, so its availability page fires and reaches Alertmanager), then stops. The black-box probe
// sees it from outside and AppProbeFailed reaches Alertmanager as a page of its own; AppTargetDown
// pages; the symptoms of the stopped job (the burn-rate page, the error ticket) stay listed but
// inhibited, so the incident pages once per signal, not once per symptom.
// The stack is docker-compose.yml's app, blackbox, Prometheus and Alertmanager, with Prometheus
// reading a copy of observability/prometheus whose interval and the `for:` of the alerts watched
// here are shortened (tests/e2e/alert-stack.ts); the shipped alertmanager.yml routes and inhibits.
// Each run is its own compose project on free ports.
import { rmSync } from 'node:fs';
import * as assert from 'uvu/assert';
import { suite } from 'uvu';
import { COMPOSE_FILE, docker, projectEnv, runId } from '../support/docker';
import { waitFor } from '../support/wait';
import { writeShortenedStack } from './alert-stack';
import { get } from './support';
import { type ListedAlert } from '../support/alertmanager-api';

const TIMINGS = {
  intervalSeconds: 1,
  forSeconds: { AppTargetDown: 5, AppProbeFailed: 5, AppAvailabilityFastBurn: 5, AppHighErrorRatio: 5 },
} as const;

const Alerting = suite('alerts of the local stack, from the service failing to Alertmanager');

const project = runId('e2e-alerting');
let env: NodeJS.ProcessEnv = {};
let files: string[] = [];
let workdir = '';
let appUrl = '';
let alertmanagerUrl = '';

const compose = (...args: string[]) => docker(['compose', ...files.flatMap((file) => ['-f', file]), ...args], { env, timeoutMs: 600_000 });

async function alertmanagerAlerts(): Promise<ListedAlert[]> {
  const answer = await get(`${alertmanagerUrl}/api/v2/alerts`);
  assert.is(answer.status, 200, answer.body);
  return JSON.parse(answer.body) as ListedAlert[];
}

/** The alert of that name (and severity) in Alertmanager once it is listed in `state`. */
function listedAs(alertname: string, state: ListedAlert['status']['state'], severity?: string): Promise<ListedAlert> {
  return waitFor(`${alertname}${severity ? ` (${severity})` : ''} to be ${state} in Alertmanager`, async () => {
    const alert = (await alertmanagerAlerts()).find(
      (candidate) => candidate.labels.alertname === alertname && (severity === undefined || candidate.labels.severity === severity),
    );
    return alert?.status.state === state ? alert : undefined;
  }, { deadlineMs: 180_000, intervalMs: 500 });
}

Alerting.before(async () => {
  const stack = writeShortenedStack(TIMINGS);
  workdir = stack.dir;
  files = [COMPOSE_FILE, stack.override];
  const { ports, env: stackEnv } = await projectEnv(project);
  env = stackEnv;
  appUrl = `http://127.0.0.1:${ports.app}`;
  alertmanagerUrl = `http://127.0.0.1:${ports.alertmanager}`;
  try {
    await compose('up', '--build', '--wait', 'app', 'blackbox', 'prometheus', 'alertmanager');
  } catch (error) {
    console.error(await compose('logs', '--no-color', '--tail', '30').catch(() => ''));
    throw error;
  }
});

Alerting.after(async () => {
  await compose('down', '--volumes', '--rmi', 'local', '--remove-orphans').catch((error: unknown) => console.error(String(error)));
  if (workdir) rmSync(workdir, { recursive: true, force: true });
});

Alerting('failing requests page once as AppAvailabilityFastBurn, active in Alertmanager, while the probe still succeeds', async () => {
  // Enough 5xx for the paging floor (0.1 requests a second over 5 minutes) and every window above 14.4%.
  await waitFor('the burn-rate page to fire', async () => {
    const failures = await Promise.all(Array.from({ length: 20 }, () => get(`${appUrl}/api/work?error_rate=1`)));
    assert.ok(failures.every((answer) => answer.status === 500));
    return (await alertmanagerAlerts()).some((alert) => alert.labels.alertname === 'AppAvailabilityFastBurn' && alert.status.state === 'active')
      ? true
      : undefined;
  }, { deadlineMs: 180_000, intervalMs: 2_000 });
  const names = (await alertmanagerAlerts()).map((alert) => alert.labels.alertname);
  assert.not.ok(names.includes('AppProbeFailed'), 'the probe fails while the service answers /health');
  assert.not.ok(names.includes('AppTargetDown'), 'AppTargetDown fires while the service runs');
  // A page of the objective inhibits its ticket.
  const ticket = await listedAs('AppHighErrorRatio', 'suppressed');
  const page = await listedAs('AppAvailabilityFastBurn', 'active');
  assert.equal(ticket.status.inhibitedBy, [page.fingerprint]);
});

Alerting('the stopped service is seen from outside: AppProbeFailed and AppTargetDown page, its symptoms are inhibited by AppTargetDown', async () => {
  await compose('stop', 'app');
  const probe = await listedAs('AppProbeFailed', 'active');
  assert.is(probe.labels.severity, 'critical');
  assert.is(probe.labels.job, 'probe');
  const down = await listedAs('AppTargetDown', 'active', 'critical');
  // The burn rates still read the failures of the last minutes: they fire, silenced.
  for (const symptom of ['AppAvailabilityFastBurn', 'AppHighErrorRatio']) {
    const alert = await listedAs(symptom, 'suppressed');
    assert.ok(alert.status.inhibitedBy.includes(down.fingerprint), `${symptom} is suppressed by ${JSON.stringify(alert.status.inhibitedBy)}, not AppTargetDown`);
  }
  // Nothing inhibits the probe's page, nor the heartbeat.
  assert.is((await listedAs('AppProbeFailed', 'active')).status.inhibitedBy.length, 0);
  assert.is((await listedAs('Watchdog', 'active')).labels.severity, 'none');
});

Alerting.run();
