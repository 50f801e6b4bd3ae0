// The AMP alert manager definition built from the local Alertmanager file, without mocks.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { suite } from 'uvu';
import { parse } from 'yaml';
import { ampAlertmanagerDefinition, RECEIVER_TOPICS, routeReceivers } from './alertmanager-config';

const TOPICS = { alerts: 'arn:aws:sns:eu-west-1:123456789012:s-alerts', heartbeat: 'arn:aws:sns:eu-west-1:123456789012:s-heartbeat' };
const REAL_FILE = path.join(__dirname, '..', '..', 'observability', 'alertmanager', 'alertmanager.yml');

interface AmpConfig {
  route: { receiver: string; group_by?: string[]; routes?: { receiver: string; matchers: string[]; repeat_interval?: string }[] };
  inhibit_rules?: { source_matchers: string[]; target_matchers: string[]; equal: string[] }[];
  receivers: { name: string; sns_configs: { topic_arn: string; sigv4: { region: string }; attributes: Record<string, string> }[] }[];
}
const configOf = (definition: string): AmpConfig => parse((parse(definition) as { alertmanager_config: string }).alertmanager_config) as AmpConfig;
const topicOf = (config: AmpConfig, receiver: string) => config.receivers.find((r) => r.name === receiver)?.sns_configs[0]?.topic_arn;

const FIXTURE = `
route:
  receiver: default
  group_by: [alertname, job]
  routes:
    - matchers: ['alertname="Watchdog"']
      receiver: heartbeat
      repeat_interval: 5m
    - matchers: ['severity="critical"']
      receiver: page
      routes:
        - matchers: ['severity="warning"']
          receiver: ticket
inhibit_rules:
  - source_matchers: ['severity="critical"']
    target_matchers: ['severity="warning"']
    equal: [alertname, job]
receivers:
  - name: default
  - name: page
    webhook_configs: [{url: "https://pager.example/hook"}]
  - name: ticket
  - name: heartbeat
`;

const test = suite('ampAlertmanagerDefinition');
test('keeps the route tree and inhibit_rules as written, and maps each receiver to its topic', () => {
  const config = configOf(ampAlertmanagerDefinition(FIXTURE, TOPICS, 'eu-west-1', 'fixture'));
  const file = parse(FIXTURE) as { route: unknown; inhibit_rules: unknown };
  assert.deepEqual(config.route, file.route);
  assert.deepEqual(config.inhibit_rules, file.inhibit_rules);
  assert.deepEqual(config.receivers.map((r) => [r.name, r.sns_configs[0]?.topic_arn]), [
    ['default', TOPICS.alerts], ['heartbeat', TOPICS.heartbeat], ['page', TOPICS.alerts], ['ticket', TOPICS.alerts],
  ]);
  for (const r of config.receivers) {
    assert.deepEqual(r.sns_configs[0]?.sigv4, { region: 'eu-west-1' });
    // Never an empty attribute value, which SNS refuses with the whole publish (a group of mixed severities).
    assert.equal(r.sns_configs[0]?.attributes.severity, '{{ or .CommonLabels.severity "none" }}');
  }
  assert.ok(!JSON.stringify(config).includes('pager.example'), 'local-only receiver settings stay local');
});
test('a receiver without a topic, or a file without a route, names the file and the receiver', () => {
  assert.throws(() => ampAlertmanagerDefinition(FIXTURE.replace('receiver: ticket', 'receiver: tickets'), TOPICS, 'eu-west-1', 'alertmanager.yml'), /alertmanager\.yml: receiver "tickets" has no SNS topic.*default, page, ticket, heartbeat/);
  assert.throws(() => ampAlertmanagerDefinition('receivers: []\n', TOPICS, 'eu-west-1', 'alertmanager.yml'), /alertmanager\.yml: no route/);
});
test('routeReceivers walks nested routes', () => {
  assert.deepEqual(routeReceivers({ receiver: 'a', routes: [{ receiver: 'b', routes: [{ receiver: 'c' }] }, { receiver: 'a' }] }), ['a', 'b', 'c']);
});
test.run();

// The file the local Alertmanager loads is the file AMP gets: its receivers are named default,
// page, ticket and heartbeat, and Watchdog is routed to heartbeat.
const real = suite('observability/alertmanager/alertmanager.yml on AMP');
real('every receiver its route names has a topic, and Watchdog reaches the heartbeat topic', () => {
  const text = fs.readFileSync(REAL_FILE, 'utf8');
  const config = configOf(ampAlertmanagerDefinition(text, TOPICS, 'eu-west-1', REAL_FILE));
  for (const r of config.receivers) assert.ok(r.name in RECEIVER_TOPICS, r.name);
  const watchdog = config.route.routes?.find((r) => r.matchers.some((m) => /alertname\s*=\s*"?Watchdog"?/.test(m)));
  assert.equal(watchdog?.receiver, 'heartbeat');
  assert.equal(topicOf(config, 'heartbeat'), TOPICS.heartbeat);
  assert.equal(topicOf(config, config.route.receiver), TOPICS.alerts);
  assert.deepEqual(config.inhibit_rules ?? [], (parse(text) as { inhibit_rules?: unknown[] }).inhibit_rules ?? []);
});
real.run();
