// The Alertmanager configuration every environment shares: routes checked by amtool itself, and
// inhibitions by a real Alertmanager running the shipped file, fed the labels the shipped rules
// give their alerts. Inhibition is decided when the API lists an alert (api/v2: setAlertStatus
// calls the inhibitor), so no notification has to go out for a test to see it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { suite } from 'uvu';
import { needs } from '../../tests/support/tools';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { giveUpIfExited, start, stop, type Started } from '../../tests/support/child-process';
import { freePort } from '../../tests/support/net';
import { prometheusTool } from '../../tests/support/prometheus-tools';
import { waitFor } from '../../tests/support/wait';
import { type ListedAlert } from '../../tests/support/alertmanager-api';
import { ALERTMANAGER_CONFIG, RULES_DIR } from './lib/paths';
import { rules, yamlFiles, type Rule, type RuleFile } from './lib/rule-files';

function amtool(...args: string[]): string {
  const { file, args: argv, origin } = prometheusTool('amtool', args, [{ path: dirname(ALERTMANAGER_CONFIG) }]);
  const result = spawnSync(file, argv, { encoding: 'utf8', timeout: 120_000 });
  assert.is(result.status, 0, `amtool ${args.join(' ')} (from ${origin}) failed:\n${result.error?.message ?? `${result.stdout}${result.stderr}`}`);
  return result.stdout.trim();
}

/** The receiver(s) Alertmanager would notify for an alert with these labels. */
const receiverOf = (labels: Record<string, string>) =>
  amtool('config', 'routes', 'test', `--config.file=${ALERTMANAGER_CONFIG}`, ...Object.entries(labels).map(([name, value]) => `${name}=${value}`));

/** The labels an alert of this rule carries (its own, the alert name, and the job it watches). */
const alertLabels = (rule: Rule, job = 'app'): Record<string, string> => ({ alertname: rule.alert ?? '', job, ...rule.labels });

/** Alert rules of the files Amazon Managed Service for Prometheus loads too. */
const shippedAlerts = (): Rule[] =>
  yamlFiles(RULES_DIR)
    .flatMap((path) => (parse(readFileSync(path, 'utf8')) as RuleFile).groups.flatMap((group) => group.rules))
    .filter((rule) => rule.alert !== undefined);

interface AlertmanagerFile {
  route: { routes?: { matchers?: string[] }[] };
  inhibit_rules?: { source_matchers?: string[]; target_matchers?: string[]; equal?: string[] }[];
  receivers: { name: string }[];
}

const routes = needs(['amtool'], suite('alertmanager.yml routes'));

routes('is a valid configuration for amtool check-config', () => {
  assert.match(amtool('check-config', ALERTMANAGER_CONFIG), /SUCCESS/);
});

routes('has exactly the receivers every environment maps: default, page, ticket, heartbeat', () => {
  const file = parse(readFileSync(ALERTMANAGER_CONFIG, 'utf8')) as AlertmanagerFile;
  assert.equal(file.receivers.map((receiver) => receiver.name).sort(), ['default', 'heartbeat', 'page', 'ticket']);
});

routes('routes Watchdog to the heartbeat receiver, never to the one people read, and repeats it within minutes', () => {
  assert.is(receiverOf({ alertname: 'Watchdog', severity: 'none' }), 'heartbeat');
  const file = parse(readFileSync(ALERTMANAGER_CONFIG, 'utf8')) as { route: { routes: { matchers: string[]; repeat_interval?: string }[] } };
  const heartbeat = file.route.routes.find((route) => route.matchers.includes('alertname="Watchdog"'));
  assert.ok(heartbeat?.repeat_interval !== undefined && /^[1-9]m$|^10m$/.test(heartbeat.repeat_interval), `heartbeat repeat_interval ${heartbeat?.repeat_interval}`);
});

routes('pages every critical alert of the rules, tickets every warning, and sends the rest to default', () => {
  const alerts = rules().filter((rule) => rule.alert !== undefined && rule.alert !== 'Watchdog');
  assert.ok(alerts.some((rule) => rule.labels?.severity === 'critical') && alerts.some((rule) => rule.labels?.severity === 'warning'));
  for (const rule of alerts) {
    const expected = { critical: 'page', warning: 'ticket' }[rule.labels?.severity ?? ''] ?? 'default';
    assert.is(receiverOf(alertLabels(rule)), expected, `${rule.alert} (${rule.labels?.severity})`);
  }
  assert.is(receiverOf({ alertname: 'SomethingNew', severity: 'info', job: 'app' }), 'default');
});

routes('names in its routes and inhibitions only alerts that rules/ defines, so AMP, which loads only rules/, gets the same behaviour', () => {
  const file = parse(readFileSync(ALERTMANAGER_CONFIG, 'utf8')) as AlertmanagerFile;
  const matchers = [
    ...(file.route.routes ?? []).flatMap((route) => route.matchers ?? []),
    ...(file.inhibit_rules ?? []).flatMap((rule) => [...(rule.source_matchers ?? []), ...(rule.target_matchers ?? [])]),
  ];
  const named = matchers.flatMap((matcher) => {
    const match = /^alertname\s*!?=~?\s*"(.*)"$/.exec(matcher.trim());
    return match?.[1]?.split('|') ?? [];
  });
  assert.ok(named.length > 0);
  const shipped = new Set(shippedAlerts().map((rule) => rule.alert));
  for (const name of named) assert.ok(shipped.has(name), `alertmanager.yml names ${name}, which rules/ does not define`);
});

routes.run();

const inhibit = needs(['alertmanager'], suite('alertmanager.yml inhibitions, in a real Alertmanager'));

let alertmanager: Started | undefined;
let baseUrl = '';
let workdir = '';
let origin = '';

inhibit.before(async () => {
  workdir = mkdtempSync(join(tmpdir(), 'alertmanager-'));
  const port = await freePort();
  const command = prometheusTool(
    'alertmanager',
    [`--config.file=${ALERTMANAGER_CONFIG}`, `--storage.path=${workdir}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address='],
    [{ path: dirname(ALERTMANAGER_CONFIG) }, { path: workdir, writable: true }],
  );
  origin = command.origin;
  alertmanager = start(command.file, command.args);
  baseUrl = `http://127.0.0.1:${port}`;
  await waitFor(`Alertmanager (from ${origin}) to be ready`, async () => {
    giveUpIfExited(alertmanager as Started, 'Alertmanager');
    const response = await fetch(`${baseUrl}/-/ready`).catch(() => undefined);
    await response?.arrayBuffer();
    return response?.ok ? true : undefined;
  }, { deadlineMs: 60_000, intervalMs: 250 });
});

inhibit.after(async () => {
  if (alertmanager) await stop(alertmanager);
  if (workdir) rmSync(workdir, { recursive: true, force: true });
});

let scenario = 0;

/**
 * Sends these alerts as firing and returns them as Alertmanager lists them, once all are
 * processed. Each scenario's jobs get a suffix of their own ("app" becomes "app-run-3"): every
 * inhibition compares job, so the alerts of one scenario never inhibit another's.
 */
async function fire(alerts: Record<string, string>[]): Promise<ListedAlert[]> {
  scenario += 1;
  const run = `run-${scenario}`;
  const now = Date.now();
  const body = alerts.map(({ job, ...labels }) => ({
    labels: { ...labels, ...(job ? { job: `${job}-${run}` } : {}), scenario: run },
    startsAt: new Date(now - 60_000).toISOString(),
    endsAt: new Date(now + 3_600_000).toISOString(),
  }));
  const posted = await fetch(`${baseUrl}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.is(posted.status, 200, await posted.text());
  // The inhibitor learns of new source alerts through a subscription: wait until the answer settles.
  let previous = '';
  return waitFor(`Alertmanager to list the ${alerts.length} alerts of ${run}`, async () => {
    const response = await fetch(`${baseUrl}/api/v2/alerts?filter=${encodeURIComponent(`scenario="${run}"`)}`);
    const listed = (await response.json()) as ListedAlert[];
    const settled = JSON.stringify(listed.map((alert) => [alert.fingerprint, alert.status.state, alert.status.inhibitedBy]));
    const done = listed.length === alerts.length && listed.every((alert) => alert.status.state !== 'unprocessed') && settled === previous;
    previous = settled;
    return done ? listed : undefined;
  }, { deadlineMs: 30_000, intervalMs: 300 });
}

const find = (listed: ListedAlert[], labels: Record<string, string>) => {
  const alert = listed.find((candidate) => Object.entries(labels).every(([name, value]) => candidate.labels[name] === value));
  if (!alert) throw new Error(`no alert ${JSON.stringify(labels)} in ${JSON.stringify(listed.map((a) => a.labels))}`);
  return alert;
};

const rule = (name: string, severity?: string): Rule => {
  const found = shippedAlerts().find((candidate) => candidate.alert === name && (severity === undefined || candidate.labels?.severity === severity));
  if (!found) throw new Error(`rules/ has no alert ${name}${severity ? ` of severity ${severity}` : ''}`);
  return found;
};

inhibit('no target of the app up: every other alert of job app is suppressed by it, another job\'s alerts and Watchdog are not', async () => {
  const down = alertLabels(rule('AppTargetDown', 'critical'));
  const symptoms = shippedAlerts()
    .filter((candidate) => !['Watchdog', 'AppTargetDown', 'AppTargetAbsent'].includes(candidate.alert ?? ''))
    .map((candidate) => alertLabels(candidate));
  assert.ok(symptoms.length >= 6, `only ${symptoms.length} symptom alerts in rules/`);
  const otherJob = { alertname: 'AppProbeFailed', job: 'probe', severity: 'critical' };
  const { job: _none, ...watchdog } = alertLabels(rule('Watchdog'));
  const listed = await fire([down, ...symptoms, otherJob, watchdog]);
  const source = find(listed, { alertname: 'AppTargetDown' });
  assert.is(source.status.state, 'active');
  for (const symptom of symptoms) {
    const { job: _job, ...labels } = symptom;
    const alert = find(listed, labels);
    assert.is(alert.status.state, 'suppressed', `${symptom.alertname} ${JSON.stringify(symptom)} is not inhibited by AppTargetDown`);
    assert.equal(alert.status.inhibitedBy, [source.fingerprint]);
  }
  assert.is(find(listed, { alertname: 'AppProbeFailed' }).status.state, 'active', 'another job\'s alert is inhibited');
  assert.is(find(listed, { alertname: 'Watchdog' }).status.state, 'active', 'Watchdog is inhibited');
});

inhibit('one target of several down (a ticket) inhibits nothing: the others still serve, their symptoms are real', async () => {
  const listed = await fire([alertLabels(rule('AppTargetDown', 'warning')), alertLabels(rule('AppAvailabilityFastBurn')), alertLabels(rule('AppHighP99Latency'))]);
  for (const alert of listed) assert.is(alert.status.state, 'active', `${alert.labels.alertname} is inhibited`);
});

inhibit('a page inhibits the tickets of its own objective, not those of another', async () => {
  const page = alertLabels(rule('AppAvailabilityFastBurn'));
  const sameObjective = [alertLabels(rule('AppAvailabilitySlowBurn')), alertLabels(rule('AppHighErrorRatio'))];
  const otherObjective = [alertLabels(rule('AppLatencySlowBurn')), alertLabels(rule('AppHighP99Latency'))];
  const listed = await fire([page, ...sameObjective, ...otherObjective]);
  const source = find(listed, { alertname: page.alertname ?? '' });
  assert.is(source.status.state, 'active');
  for (const ticket of sameObjective) {
    const alert = find(listed, { alertname: ticket.alertname ?? '' });
    assert.is(alert.status.state, 'suppressed', `${ticket.alertname} is not inhibited by ${page.alertname}`);
    assert.equal(alert.status.inhibitedBy, [source.fingerprint]);
  }
  for (const ticket of otherObjective) assert.is(find(listed, { alertname: ticket.alertname ?? '' }).status.state, 'active', `${ticket.alertname} is inhibited`);
});

inhibit('a page of an alert inhibits the ticket of the same alert and job, not of another job', async () => {
  const listed = await fire([
    { alertname: 'AppTargetDown', severity: 'critical', job: 'app', instance: 'a' },
    { alertname: 'AppTargetDown', severity: 'warning', job: 'app', instance: 'b' },
    { alertname: 'AppTargetDown', severity: 'warning', job: 'other', instance: 'c' },
  ]);
  assert.is(find(listed, { instance: 'a' }).status.state, 'active');
  assert.is(find(listed, { instance: 'b' }).status.state, 'suppressed');
  assert.is(find(listed, { instance: 'c' }).status.state, 'active');
});

inhibit.run();
