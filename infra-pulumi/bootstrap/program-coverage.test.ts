// Do the CI roles fit what the main program really does? The main program (infra-pulumi/index.ts)
// runs under the infra tests' mocks in each configuration those tests use; every resource type it
// creates and every data source it calls is mapped to its AWS calls (testing/program-actions.ts), and
// each call goes through the bootstrap's policies (testing/policy-simulator.ts):
//   deploy   every create, read, update and delete call of every resource, on the ARN shape the
//            stack gives it, with the stack's tags and boundary as the conditions see them
//   both     every data source's reads (a preview runs them too)
// A type or data source without a row fails, so a new one in the program forces an IAM review; and
// an action the policies name that no row needs fails too, so a grant the program dropped goes.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { plain } from '../testing/helpers';
import { MOCK_ACCOUNT, MOCK_REGION, type RecordedCall, type RecordedResource } from '../testing/mocks';
import { ProgramRun, runProgram } from '../testing/program';
import { SERVICE_WIDE } from './deploy-policy';
import { isAllowed } from './testing/policy-simulator';
import { asIamSeesIt, policyProblems, requestProblems } from './testing/sar';
import { type ApiCall } from './testing/program-actions';
import { type Checked, SCENARIOS, type Scenario, awsNameOf, boundaryArn, boundaryFor, callsOf, policiesFor } from './testing/program-calls';
import { type PolicyDocument } from './trust';

const runs = Object.fromEntries(Object.entries(SCENARIOS).map(([label, s]) => [
  label,
  runProgram({ ...s.config, iamPermissionsBoundaryArn: boundaryArn(s.stack) }, s.stack),
])) as Record<string, Promise<ProgramRun>>;
const withoutBoundary = runProgram({}, 'test');

const describe = (c: ApiCall & { by: string }): string => `${c.by}: ${c.phase} ${c.action} on ${c.resource}`;

/** The calls a role may not make, each asked the way IAM sees it (only the context keys its action supports). */
async function refused(checked: Checked, policies: { deploy: PolicyDocument[]; preview: PolicyDocument[] }, role: 'deploy' | 'preview'): Promise<string[]> {
  const calls = await Promise.all(checked.calls.filter((c) => c.roles.includes(role)).map(asIamSeesIt));
  return calls.filter((c) => !isAllowed(policies[role], c)).map(describe);
}

// --- per configuration

const Coverage = suite('CI roles cover what the main program does');

for (const [label, scenario] of Object.entries(SCENARIOS)) {
  Coverage(`${label}: every resource type and data source of the program has a row in program-actions.ts`, async () => {
    const run = await runs[label];
    assert.is(run?.result.error, undefined);
    assert.equal([...new Set(callsOf(run as ProgramRun).missing)], [], 'types with no IAM row: add one (program-actions.ts), then the policy');
  });

  Coverage(`${label}: the deploy role may make every call of every resource, and the data sources' reads`, async () => {
    const run = (await runs[label]) as ProgramRun;
    const checked = callsOf(run);
    assert.ok(checked.calls.length > 200, `${checked.calls.length} calls checked`);
    assert.equal(await refused(checked, policiesFor(scenario), 'deploy'), []);
  });

  Coverage(`${label}: the preview role may make every data source's reads`, async () => {
    const run = (await runs[label]) as ProgramRun;
    const checked = callsOf(run);
    assert.ok(checked.calls.some((c) => c.roles.includes('preview')), 'the program looks something up');
    assert.equal(await refused(checked, policiesFor(scenario), 'preview'), []);
  });
}

// The other side of the boundary: a right the program gives a role that the boundary cuts off
// breaks the service silently (a task that cannot write metrics), with no error at deploy time.
for (const [label, scenario] of Object.entries(SCENARIOS)) {
  Coverage(`${label}: the boundary admits every right the program gives its roles`, async () => {
    const run = (await runs[label]) as ProgramRun;
    const boundary = boundaryFor(scenario);
    const rights = run.ofType('aws:iam/rolePolicy:RolePolicy').flatMap((r) => (JSON.parse(String(plain(r.inputs.policy))) as PolicyDocument).Statement
      .filter((st) => st.Effect === 'Allow')
      .flatMap((st) => [st.Action ?? []].flat().flatMap((action) => [st.Resource ?? []].flat().map((resource) => ({ action, resource, by: r.name })))));
    assert.ok(rights.some((r) => r.action === 'aps:RemoteWrite'), 'the task role writes metrics');
    // AmazonECSTaskExecutionRolePolicy grants its log writes on "*": under the boundary, on the stack's log group.
    // The task's log group (AMP's vended-logs group is written by AMP, not by a stack role).
    const taskLogGroups = run.ofType('aws:cloudwatch/logGroup:LogGroup').map(awsNameOf).filter((n) => !n.startsWith('/aws/'));
    assert.is(taskLogGroups.length, 1, taskLogGroups.join(', '));
    const logGroup = taskLogGroups[0] as string;
    for (const action of ['logs:CreateLogStream', 'logs:PutLogEvents']) {
      rights.push({ action, resource: `arn:aws:logs:${MOCK_REGION}:${MOCK_ACCOUNT}:log-group:${logGroup}:log-stream:app/app/0123`, by: 'AmazonECSTaskExecutionRolePolicy' });
    }
    const everything: PolicyDocument = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
    const cutOff = rights.filter((r) => !isAllowed([everything], r, boundary)).map((r) => `${r.by}: ${r.action} on ${r.resource}`);
    assert.equal(cutOff, []);
  });
}

// The Service Authorization Reference as data (testing/sar.ts): IAM ignores what it cannot apply, so
// a misspelt action, an ARN of the wrong type or an unsupported key would pass the evaluator above
// and still fail (or silently widen) in AWS.
for (const [label, scenario] of Object.entries(SCENARIOS)) {
  Coverage(`${label}: the program's role policies and trust policies name real actions, resources and condition keys`, async () => {
    const run = (await runs[label]) as ProgramRun;
    const documents = [
      ...run.ofType('aws:iam/rolePolicy:RolePolicy').map((r) => ({ where: `${r.name} policy`, doc: JSON.parse(String(plain(r.inputs.policy))) as PolicyDocument })),
      ...run.ofType('aws:iam/role:Role').map((r) => ({ where: `${r.name} trust`, doc: JSON.parse(String(plain(r.inputs.assumeRolePolicy))) as PolicyDocument })),
    ];
    assert.ok(documents.length >= 3, `${documents.length} policies checked`);
    const problems = (await Promise.all(documents.map(({ where, doc }) => policyProblems(doc, where)))).flat();
    assert.equal(problems, []);
    assert.equal((await Promise.all(Object.values(policiesFor(scenario)).flat().map((d, i) => policyProblems(d, `CI policy #${i}`)))).flat(), []);
  });

  Coverage(`${label}: every call in program-actions.ts is a real action on a resource it takes, with keys it supports`, async () => {
    const run = (await runs[label]) as ProgramRun;
    const seen = new Set<string>();
    const calls = callsOf(run).calls.filter((c) => {
      const key = `${c.action} ${c.resource} ${Object.keys(c.context).sort().join(',')}`;
      return !seen.has(key) && seen.add(key);
    });
    const problems = (await Promise.all(calls.map((c) => requestProblems(c, `${c.by}: ${c.phase}`, false)))).flat();
    assert.equal([...new Set(problems)], []);
  });
}

Coverage('the data sources are the ones the program is known to call, in some configuration', async () => {
  const tokens = new Set<string>();
  for (const label of Object.keys(SCENARIOS)) {
    const run = (await runs[label]) as ProgramRun;
    for (const call of run.result.calls) tokens.add(call.token);
  }
  assert.equal([...tokens].sort(), [
    'aws:cloudfront/getCachePolicy:getCachePolicy',
    'aws:cloudfront/getOriginRequestPolicy:getOriginRequestPolicy',
    'aws:ec2/getSecurityGroup:getSecurityGroup',
    'aws:elb/getServiceAccount:getServiceAccount',
    'aws:index/getAvailabilityZones:getAvailabilityZones',
    'aws:index/getCallerIdentity:getCallerIdentity',
    'aws:index/getPartition:getPartition',
    'aws:route53/getZone:getZone',
  ]);
});

Coverage('without iamPermissionsBoundaryArn the deploy role refuses the stack\'s role writes, and nothing else', async () => {
  const run = await withoutBoundary;
  const scenario = SCENARIOS['cloudfront, default profile, Grafana'] as Scenario;
  const actions = new Set((await refused(callsOf(run), policiesFor(scenario), 'deploy')).map((line) => /: \w+ (\S+) on/.exec(line)?.[1]));
  // Every write to a role needs the boundary on it, removals included (removing a Deny widens rights).
  assert.equal([...actions].sort(), [
    'iam:AttachRolePolicy', 'iam:CreateRole', 'iam:DeleteRole', 'iam:DeleteRolePolicy', 'iam:DetachRolePolicy',
    'iam:PutRolePermissionsBoundary', 'iam:PutRolePolicy', 'iam:UpdateRole', 'iam:UpdateRoleDescription',
  ]);
});

Coverage('every action the CI policies name is one the program needs (nothing left over from an older program)', async () => {
  const needed = new Set<string>();
  for (const label of Object.keys(SCENARIOS)) for (const c of callsOf((await runs[label]) as ProgramRun).calls) needed.add(c.action.toLowerCase());
  const granted = (documents: PolicyDocument[]): string[] => documents.flatMap((d) => d.Statement)
    .filter((s) => s.Effect === 'Allow')
    .flatMap((s) => (s.Action === undefined ? [] : typeof s.Action === 'string' ? [s.Action] : s.Action))
    // Wildcards are the documented service-wide grants and the EC2 Describe* reads; the other tests bound those.
    .filter((a) => !a.includes('*'));
  const domain = SCENARIOS['domain, NAT per zone, alert e-mail'] as Scenario;
  const extras = SCENARIOS['Grafana sign-in, private image'] as Scenario;
  const unused = [...new Set([...granted(policiesFor(domain).deploy), ...granted(policiesFor(extras).deploy), ...granted(policiesFor(domain).preview)])]
    .filter((a) => !needed.has(a.toLowerCase()) && !(SERVICE_WIDE as readonly string[]).includes(a.split(':')[0] ?? ''));
  assert.equal(unused.sort(), [
    // sts:GetCallerIdentity needs no permission; the preview policy lists it to say which calls a preview makes.
    'sts:GetCallerIdentity',
    // Not the program's: the merge-request job that runs the attack table through IAM (npm run test:iam-aws).
    'iam:SimulateCustomPolicy',
    // The other way the provider may look a zone up by name (ListHostedZones is in the getZone row).
    'route53:ListHostedZonesByName',
    // Kept on the stack's tagged distributions only: not shown to be unused by the provider's distribution code.
    'cloudfront:GetDistributionConfig',
  ].sort());
});

Coverage('a resource type or data source with no row is reported, so a new one forces an IAM review', async () => {
  const run = (await runs['no Grafana']) as ProgramRun;
  const instance: RecordedResource = { type: 'aws:ec2/instance:Instance', name: 'test-bastion', inputs: {}, provider: undefined, custom: true };
  const secret: RecordedCall = { token: 'aws:secretsmanager/getSecretVersion:getSecretVersion', inputs: {} };
  const grown = new ProgramRun({ ...run.result, resources: [...run.resources, instance], calls: [...run.result.calls, secret] });
  assert.equal(callsOf(grown).missing, ['aws:ec2/instance:Instance', 'aws:secretsmanager/getSecretVersion:getSecretVersion']);
});

Coverage.run();
