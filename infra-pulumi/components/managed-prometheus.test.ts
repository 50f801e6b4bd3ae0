import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { suite } from 'uvu';
import { parse } from 'yaml';
import { construct, type Constructed } from '../testing/component';
import { inputOf, resolved } from '../testing/helpers';
import { AMP_ERROR_FILTER, ampErrorsMetric, ManagedPrometheus } from './managed-prometheus';

const T = {
  rules: 'aws:amp/ruleGroupNamespace:RuleGroupNamespace',
  subscription: 'aws:sns/topicSubscription:TopicSubscription',
  alertmanager: 'aws:amp/alertManagerDefinition:AlertManagerDefinition',
  workspace: 'aws:amp/workspace:Workspace',
  logGroup: 'aws:cloudwatch/logGroup:LogGroup',
  filter: 'aws:cloudwatch/logMetricFilter:LogMetricFilter',
  alarm: 'aws:cloudwatch/metricAlarm:MetricAlarm',
  topic: 'aws:sns/topic:Topic',
  topicPolicy: 'aws:sns/topicPolicy:TopicPolicy',
};
const ALERTMANAGER = `route:
  receiver: default
  routes:
    - matchers: ['alertname="Watchdog"']
      receiver: heartbeat
receivers: [{name: default}, {name: heartbeat}]
`;

function fixtureDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amp-rules-'));
  fs.writeFileSync(path.join(dir, 'alerts.yml'), 'groups: []\n');
  fs.writeFileSync(path.join(dir, 'recording.yaml'), 'groups: []\n');
  fs.writeFileSync(path.join(dir, 'README.md'), 'not a rule file\n');
  fs.writeFileSync(path.join(dir, 'alertmanager.yml.txt'), ALERTMANAGER);
  return dir;
}
const argsFor = (dir: string) => ({ region: 'eu-west-1', rulesDir: dir, alertmanagerFile: path.join(dir, 'alertmanager.yml.txt'), alertEmail: 'oncall@example.com', logRetentionDays: 30 });

/** Builds a ManagedPrometheus over a fresh rules folder, hands it to `check`, then removes the folder. */
async function withBuilt(name: string, check: (built: Constructed<ManagedPrometheus>) => Promise<void>): Promise<void> {
  const dir = fixtureDir();
  try {
    await check(await construct(name, () => new ManagedPrometheus(name, argsFor(dir)), Object.values(T)));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const test = suite('ManagedPrometheus');
test('one rule group namespace per rule file, named after it; no collector config of its own', () => withBuilt('amp', async (built) => {
  await resolved(built.component.alertTopicArn);
  assert.deepEqual(built.ofType(T.rules).map((r) => inputOf(r, 'name')).sort(), ['alerts', 'recording']);
  assert.equal(inputOf(built.one(T.subscription), 'endpoint'), 'oncall@example.com');
  assert.deepEqual(built.resources.filter((r) => r.type.startsWith('aws:ssm/')).map((r) => r.name), []);
}));

test('Watchdog goes to a heartbeat topic of its own; other alerts to the alerts topic; both admit only this workspace and this account\'s alarms', () => withBuilt('amp2', async (built) => {
  const [alertsArn, heartbeatArn] = [await resolved(built.component.alertTopicArn), await resolved(built.component.heartbeatTopicArn)];
  assert.notEqual(alertsArn, heartbeatArn);
  const definition = parse(parse(inputOf<string>(built.one(T.alertmanager), 'definition')).alertmanager_config) as { receivers: { name: string; sns_configs: { topic_arn: string }[] }[] };
  assert.deepEqual(definition.receivers.map((r) => [r.name, r.sns_configs[0]?.topic_arn]), [['default', alertsArn], ['heartbeat', heartbeatArn]]);
  const policies = built.ofType(T.topicPolicy).map((p) => JSON.parse(inputOf<string>(p, 'policy')) as { Statement: { Principal: { Service: string }; Action: string[]; Resource: string; Condition: { ArnLike: Record<string, string> } }[] });
  assert.equal(policies.length, 2);
  for (const policy of policies) {
    assert.deepEqual(policy.Statement.map((s) => [s.Principal.Service, s.Action]), [['aps.amazonaws.com', ['sns:Publish']], ['cloudwatch.amazonaws.com', ['sns:Publish']]]);
    assert.match(policy.Statement[0]?.Condition.ArnLike['aws:SourceArn'] ?? '', /^arn:aws:aps:.*:workspace\//);
    assert.equal(policy.Statement[1]?.Condition.ArnLike['aws:SourceArn'], 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:*');
  }
}));

// AMP user guide, "Monitor Amazon Managed Service for Prometheus events with CloudWatch Logs".
test('AMP writes its ruler and alert manager logs to a vended log group, and errors there raise an alarm to the alerts topic', () => withBuilt('amp3', async (built) => {
  const alertsArn = await resolved(built.component.alertTopicArn);
  const logGroup = built.one(T.logGroup);
  assert.equal(inputOf(logGroup, 'name'), '/aws/vendedlogs/prometheus/amp3');
  assert.equal(inputOf(logGroup, 'retentionInDays'), 30);
  assert.deepEqual(inputOf(built.one(T.workspace), 'loggingConfiguration'), { logGroupArn: `${`arn:aws:cloudwatch:eu-west-1:123456789012:amp3-amp-logs`}:*` });
  const filter = built.one(T.filter);
  assert.equal(inputOf(filter, 'logGroupName'), '/aws/vendedlogs/prometheus/amp3');
  assert.equal(inputOf(filter, 'pattern'), AMP_ERROR_FILTER);
  assert.deepEqual(inputOf(filter, 'metricTransformation'), { namespace: 'ObservableService/amp3', name: 'AmpRulerAndAlertmanagerErrors', value: '1' });
  const alarm = built.one(T.alarm);
  assert.deepEqual([inputOf(alarm, 'namespace'), inputOf(alarm, 'metricName')], [ampErrorsMetric('amp3').namespace, 'AmpRulerAndAlertmanagerErrors']);
  assert.deepEqual([inputOf(alarm, 'comparisonOperator'), inputOf(alarm, 'threshold')], ['GreaterThanThreshold', 0]);
  assert.deepEqual(inputOf(alarm, 'alarmActions'), [alertsArn]);
}));
// The events AWS documents for the ruler and the alert manager, put through the filter's own terms:
// https://docs.aws.amazon.com/prometheus/latest/userguide/Troubleshooting-rule-fail-error.html and
// the same guide's "Troubleshoot alert manager with CloudWatch Logs"
const AMP_DOC_EVENTS = [
  { counted: true, event: { workspaceId: 'ws-12345c67-89c0-4d12-345b-f14db70f7a99', message: { log: 'Evaluating rule failed, name=failure, group=g, namespace=n, err=found duplicate series', level: 'ERROR', name: 'failure', group: 'g', namespace: 'n' }, component: 'ruler' } },
  { counted: true, event: { workspaceId: 'ws-abcd1234-ef56-78ab-cd90-1234abcd0000', message: { log: 'Notify for alerts failed, AMP is not authorized to perform: SNS:Publish on resource: arn:aws:sns:us-west-2:12345:testSnsReceiver', level: 'ERROR' }, component: 'alertmanager' } },
  { counted: false, event: { workspaceId: 'ws-efdc5b42-b051-11ec-b123-4567ac120002', message: { log: 'too many alerts, limit: 1000', level: 'WARN' }, component: 'alertmanager' } },
] as const;

/** CloudWatch Logs' JSON filter terms `$.a.b = "v"`, joined by `&&` and `||` in parentheses, as this filter uses them. */
function matchesFilter(pattern: string, event: unknown): boolean {
  const body = /^\{ (.*) \}$/.exec(pattern)?.[1];
  assert.ok(body, pattern);
  const term = (text: string): boolean => {
    const m = /^\$\.([\w.]+) = "([^"]*)"$/.exec(text.trim());
    assert.ok(m, `unsupported term: ${text}`);
    const value = (m[1] as string).split('.').reduce<unknown>((v, key) => (v as Record<string, unknown> | undefined)?.[key], event);
    return value === m[2];
  };
  return body.split(' && ').every((part) => part.replace(/^\(|\)$/g, '').split(' || ').some(term));
}

test('the error filter counts the ruler and alert-manager errors AWS documents, and not their warnings', () => {
  for (const { counted, event } of AMP_DOC_EVENTS) assert.equal(matchesFilter(AMP_ERROR_FILTER, event), counted, JSON.stringify(event));
});
test.run();
