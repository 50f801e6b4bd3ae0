// Every action, resource ARN and condition key the bootstrap's policies name, and every request of
// the attacker's table, against the Service Authorization Reference (testing/sar.ts). The main
// program's own policies and the rows of program-actions.ts are checked in program-coverage.test.ts,
// which runs the program.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ATTACKS, DENY_PROBES, RESIDUAL, principals } from './testing/attacks';
import { policyProblems, requestProblems, statementProblems } from './testing/sar';
import { trustPolicy } from './trust';

const Sar = suite('Service Authorization Reference: the bootstrap\'s policies');

for (const [principal, policies] of Object.entries(principals())) {
  Sar(`${principal}: every action exists, every ARN is one its actions take, every condition key is supported`, async () => {
    // A stack role's identity policy stands for "anything": its boundary is the policy under test.
    const documents = policies.boundary ? [policies.boundary] : policies.identity;
    const problems = (await Promise.all(documents.map((d, i) => policyProblems(d, `${principal}#${i}`)))).flat();
    assert.equal(problems, []);
  });
}

Sar('the CI roles\' trust policy: sts:AssumeRoleWithWebIdentity exists', async () => {
  const trust = trustPolicy({ providerArn: 'arn:aws:iam::123456789012:oidc-provider/gitlab.com', gitlabUrl: 'https://gitlab.com', subjects: ['project_path:a/b:ref_type:branch:ref:main'] });
  // The provider's own claims (gitlab.com:sub, :aud) are keys IAM takes from the token, not the SAR.
  const problems = (await Promise.all(trust.Statement.map((s) => statementProblems({ ...s, Condition: {} }, 'trust')))).flat();
  assert.equal(problems, []);
});

Sar('every request of the attacker\'s table is a real action on a resource it takes, with keys it supports', async () => {
  const requests = [
    ...ATTACKS.map((a) => ({ ...a.request, where: `${a.attack}: ${a.request.action}` })),
    ...RESIDUAL.map((a) => ({ ...a.request, where: `${a.attack}: ${a.request.action}` })),
    ...Object.entries(DENY_PROBES).flatMap(([sid, probes]) => probes.map((p) => ({ ...p, where: `${sid}: ${p.action}` }))),
  ];
  const problems = (await Promise.all(requests.map((r) => requestProblems(r, r.where)))).flat();
  assert.equal(problems, []);
});

Sar('a wrong action, an ARN of the wrong type and an unsupported key are each reported, naming the statement', async () => {
  const problems = await statementProblems({
    Sid: 'Broken',
    Effect: 'Allow',
    Action: ['sns:Publsh', 'logs:PutLogEvents', 'iam:PassRole'],
    Resource: 'arn:aws:sns:eu-west-1:123456789012:prod-alerts',
    Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
  }, 'example');
  assert.ok(problems.includes('example Broken: sns:Publsh does not exist'), problems.join('\n'));
  assert.ok(problems.includes('example Broken: logs:PutLogEvents takes none of the resources named'), problems.join('\n'));
  assert.ok(problems.includes('example Broken: logs:PutLogEvents does not support the condition key iam:PassedToService'), problems.join('\n'));
  assert.not.ok(problems.some((p) => p.includes('iam:PassRole does not support')), 'PassRole supports iam:PassedToService');
});

Sar.run();
