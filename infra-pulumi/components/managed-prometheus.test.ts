import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { suite } from 'uvu';
import { construct, inputOf, resolved } from '../testing/component';
import { ManagedPrometheus } from './managed-prometheus';

const T = { rules: 'aws:amp/ruleGroupNamespace:RuleGroupNamespace', subscription: 'aws:sns/topicSubscription:TopicSubscription', alertmanager: 'aws:amp/alertManagerDefinition:AlertManagerDefinition' };

const test = suite('ManagedPrometheus');
test('one rule group namespace per rule file, named after it; no collector config of its own', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amp-rules-'));
  fs.writeFileSync(path.join(dir, 'alerts.yml'), 'groups: []\n');
  fs.writeFileSync(path.join(dir, 'recording.yaml'), 'groups: []\n');
  fs.writeFileSync(path.join(dir, 'README.md'), 'not a rule file\n');
  try {
    const built = await construct('amp', () => new ManagedPrometheus('amp', { region: 'eu-west-1', rulesDir: dir, alertEmail: 'oncall@example.com' }), Object.values(T));
    await resolved(built.component.alertTopicArn);
    assert.deepEqual(built.ofType(T.rules).map((r) => inputOf(r, 'name')).sort(), ['alerts', 'recording']);
    assert.equal(inputOf(built.one(T.subscription), 'endpoint'), 'oncall@example.com');
    assert.deepEqual(built.resources.filter((r) => r.type.startsWith('aws:ssm/')), []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
test.run();
