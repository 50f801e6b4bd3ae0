// Do the CI roles fit what the main program really does? The main program (infra-pulumi/index.ts)
// runs under the infra tests' mocks in each configuration those tests use; every resource type it
// creates and every data source it calls is mapped to its AWS calls (program-actions.ts), and each
// call goes through the bootstrap's policies (policy-simulator.ts):
//   deploy   every create, read, update and delete call of every resource, on the ARN shape the
//            stack gives it, with the stack's tags and boundary as the conditions see them
//   both     every data source's reads (a preview runs them too)
// A type or data source without a row fails, so a new one in the program forces an IAM review; and
// an action the policies name that no row needs fails too, so a grant the program dropped goes.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MOCK_ACCOUNT, MOCK_REGION, MOCK_ZONE_ID, type RecordedCall, type RecordedResource } from '../testing/mocks';
import { ProgramRun, runProgram } from '../testing/program';
import { boundaryPolicy } from './boundary-policy';
import { MAIN_PROJECT } from './config';
import { SERVICE_WIDE, deployPolicies } from './deploy-policy';
import { isAllowed } from './policy-simulator';
import { previewPolicy } from './preview-policy';
import {
  type ApiCall, AWSX_VPC, INVOKE_ROWS, PROGRAM_COMPONENT, RESOURCE_ROWS, type StackRole, type Target,
} from './program-actions';
import { type PolicyDocument, type PolicyStatement } from './trust';

const PARTITION = 'aws';
/** The boundary the bootstrap creates (index.ts), set in the main stack as iamPermissionsBoundaryArn. */
const boundaryArn = (prefix: string): string => `arn:aws:iam::${MOCK_ACCOUNT}:policy/gitlab-ci/${prefix}-stack-role-boundary-abc1234`;
const REGISTRY_SECRET = `arn:aws:secretsmanager:${MOCK_REGION}:${MOCK_ACCOUNT}:secret:dockerhub-AbCdEf`;

interface Scenario {
  /** The stack name; the program's namePrefix defaults to it. */
  stack: string;
  config: Record<string, string>;
  /** What the bootstrap is configured with for this stack. */
  hostedZoneIds: string[];
  /** The bootstrap's imageCredentialsSecretArn, which the boundary admits. */
  imageCredentialsSecretArn?: string;
}

// The configurations of index.test.ts, each deployed the way the bootstrap requires: with its boundary.
const SCENARIOS: Record<string, Scenario> = {
  'cloudfront, default profile, Grafana': { stack: 'test', config: {}, hostedZoneIds: [] },
  'domain, NAT per zone, alert e-mail': {
    stack: 'prod',
    config: {
      httpsMode: 'domain', domainName: 'app.example.com', hostedZone: 'example.com', natGateways: 'perAz', availabilityZones: '3',
      minTasks: '3', maxTasks: '7', alertEmail: 'oncall@example.com', shutdownTimeoutMs: '30000', shutdownDelayMs: '8000',
    },
    hostedZoneIds: [MOCK_ZONE_ID],
  },
  'no Grafana': { stack: 'test', config: { grafana: 'false' }, hostedZoneIds: [] },
  // Fargate Spot runs X86_64 tasks only, so Spot in the small profile comes with x86 (the program
  // refuses Spot with ARM64); apart from the capacity providers, the calls are the on-demand ones.
  'small profile, Fargate Spot (x86_64)': { stack: 'small', config: { profile: 'small', fargateSpot: 'true', cpuArchitecture: 'X86_64' }, hostedZoneIds: [] },
  'Grafana sign-in, private image': {
    stack: 'extras',
    config: {
      grafanaVersion: '10.4', grafanaAdmins: '["group:g-admins","user:u-alice"]', grafanaEditors: '["user:u-bob"]', grafanaViewers: '["group:g-viewers"]',
      imageCredentialsSecretArn: REGISTRY_SECRET, scrapeIntervalSeconds: '30',
    },
    hostedZoneIds: [],
    imageCredentialsSecretArn: REGISTRY_SECRET,
  },
};

const runs = Object.fromEntries(Object.entries(SCENARIOS).map(([label, s]) => [
  label,
  runProgram({ ...s.config, iamPermissionsBoundaryArn: boundaryArn(s.stack) }, s.stack),
])) as Record<string, Promise<ProgramRun>>;
const withoutBoundary = runProgram({}, 'test');

// --- from what the mocks recorded to targets of program-actions.ts

/** Secret inputs reach the mocks wrapped as { <signature>: ..., value }. */
function plain(value: unknown): unknown {
  if (value !== null && typeof value === 'object' && '4dabf18193072939515e22adb298388d' in value) return (value as unknown as { value: unknown }).value;
  return value;
}
const inputsOf = (r: RecordedResource): Record<string, unknown> => Object.fromEntries(Object.entries(r.inputs).map(([k, v]) => [k, plain(v)]));

function defaultTags(run: ProgramRun): Record<string, string> {
  const provider = run.one('pulumi:providers:aws');
  return (JSON.parse(String(provider.inputs.defaultTags)) as { tags: Record<string, string> }).tags;
}

/** Pulumi names an AWS resource after its Pulumi name plus "-" and 7 random characters, unless its inputs name it. */
const awsNameOf = (r: RecordedResource): string => String(r.inputs.name ?? `${r.name}-1234567`);

function stackRoles(run: ProgramRun, stackTags: Record<string, string>): StackRole[] {
  return run.ofType('aws:iam/role:Role').map((r) => {
    const trust = JSON.parse(String(r.inputs.assumeRolePolicy)) as PolicyDocument;
    const principal = (trust.Statement[0] as PolicyStatement & { Principal?: { Service?: string } }).Principal;
    return {
      arn: `arn:${PARTITION}:iam::${MOCK_ACCOUNT}:role/${awsNameOf(r)}`,
      refs: [awsNameOf(r), `${r.name}-id`],
      permissionsBoundary: r.inputs.permissionsBoundary === undefined ? undefined : String(r.inputs.permissionsBoundary),
      trustedService: principal?.Service,
      tags: { ...stackTags, ...(r.inputs.tags as Record<string, string> | undefined) },
    };
  });
}

interface Checked {
  /** "type" of every resource or data source without a row. */
  missing: string[];
  /** Every call, with who must be allowed to make it. */
  calls: Array<ApiCall & { by: string; roles: Array<'deploy' | 'preview'> }>;
}

/** Every AWS call the program's resources and data sources make, or the types that have no row. */
function callsOf(run: ProgramRun): Checked {
  const stackTags = defaultTags(run);
  const roles = stackRoles(run, stackTags);
  const checked: Checked = { missing: [], calls: [] };
  const base = { partition: PARTITION, accountId: MOCK_ACCOUNT, region: MOCK_REGION, stackTags, roles };

  const resource = (type: string, r: RecordedResource): void => {
    if (PROGRAM_COMPONENT.test(type)) return;
    const row = RESOURCE_ROWS[type];
    if (row === undefined) {
      checked.missing.push(type);
      return;
    }
    const inputs = inputsOf(r);
    const target: Target = {
      ...base,
      name: r.name,
      awsName: awsNameOf(r),
      id: `${r.name}-id`,
      inputs,
      tags: { ...stackTags, ...(inputs.tags as Record<string, string> | undefined) },
    };
    checked.calls.push(...row.calls(target).map((call) => ({ ...call, by: `${type} ${r.name}`, roles: ['deploy' as const] })));
    // A remote component's children and lookups, which its plugin makes and the mocks replace.
    for (const child of row.children?.(inputs) ?? []) resource(child, { ...r, type: child, name: `${r.name}-${child.split(':').pop()?.toLowerCase()}`, inputs: { tags: inputs.tags } });
    for (const token of row.invokes?.(inputs) ?? []) invoke({ token, inputs: {} });
  };
  const invoke = (call: RecordedCall): void => {
    const row = INVOKE_ROWS[call.token];
    if (row === undefined) {
      checked.missing.push(call.token);
      return;
    }
    const calls = row.calls({ partition: PARTITION, accountId: MOCK_ACCOUNT, inputs: call.inputs, zoneId: MOCK_ZONE_ID });
    checked.calls.push(...calls.map((c) => ({ ...c, by: call.token, roles: ['deploy' as const, 'preview' as const] })));
  };

  for (const r of run.resources) resource(r.type, r);
  for (const call of run.result.calls) invoke(call);
  return checked;
}

function policiesFor(s: Scenario): { deploy: PolicyDocument[]; preview: PolicyDocument[] } {
  const deploy = Object.values(deployPolicies({
    partition: PARTITION, accountId: MOCK_ACCOUNT, stackNamePrefix: s.stack, project: MAIN_PROJECT, stackName: s.stack,
    permissionsBoundaryArn: boundaryArn(s.stack), hostedZoneIds: s.hostedZoneIds,
  }));
  return { deploy, preview: [previewPolicy({ partition: PARTITION })] };
}

const describe = (c: ApiCall & { by: string }): string => `${c.by}: ${c.phase} ${c.action} on ${c.resource}`;

function refused(checked: Checked, policies: { deploy: PolicyDocument[]; preview: PolicyDocument[] }, role: 'deploy' | 'preview'): string[] {
  return checked.calls.filter((c) => c.roles.includes(role) && !isAllowed(policies[role], c)).map(describe);
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
    assert.equal(refused(checked, policiesFor(scenario), 'deploy'), []);
  });

  Coverage(`${label}: the preview role may make every data source's reads`, async () => {
    const run = (await runs[label]) as ProgramRun;
    const checked = callsOf(run);
    assert.ok(checked.calls.some((c) => c.roles.includes('preview')), 'the program looks something up');
    assert.equal(refused(checked, policiesFor(scenario), 'preview'), []);
  });
}

// The other side of the boundary: a right the program gives a role that the boundary cuts off
// breaks the service silently (a task that cannot write metrics), with no error at deploy time.
for (const [label, scenario] of Object.entries(SCENARIOS)) {
  Coverage(`${label}: the boundary admits every right the program gives its roles`, async () => {
    const run = (await runs[label]) as ProgramRun;
    const boundary = boundaryPolicy({
      partition: PARTITION, accountId: MOCK_ACCOUNT, stackNamePrefix: scenario.stack, project: MAIN_PROJECT, stackName: scenario.stack,
      imageCredentialsSecretArn: scenario.imageCredentialsSecretArn,
    });
    const rights = run.ofType('aws:iam/rolePolicy:RolePolicy').flatMap((r) => (JSON.parse(String(plain(r.inputs.policy))) as PolicyDocument).Statement
      .filter((st) => st.Effect === 'Allow')
      .flatMap((st) => [st.Action ?? []].flat().flatMap((action) => [st.Resource ?? []].flat().map((resource) => ({ action, resource, by: r.name })))));
    assert.ok(rights.some((r) => r.action === 'aps:RemoteWrite'), 'the task role writes metrics');
    // AmazonECSTaskExecutionRolePolicy grants its log writes on "*": under the boundary, on the stack's log group.
    const logGroup = awsNameOf(run.one('aws:cloudwatch/logGroup:LogGroup'));
    for (const action of ['logs:CreateLogStream', 'logs:PutLogEvents']) {
      rights.push({ action, resource: `arn:aws:logs:${MOCK_REGION}:${MOCK_ACCOUNT}:log-group:${logGroup}:log-stream:app/app/0123`, by: 'AmazonECSTaskExecutionRolePolicy' });
    }
    const everything: PolicyDocument = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
    const cutOff = rights.filter((r) => !isAllowed([everything], r, boundary)).map((r) => `${r.by}: ${r.action} on ${r.resource}`);
    assert.equal(cutOff, []);
  });
}

Coverage('the data sources are the ones the program is known to call, in some configuration', async () => {
  const tokens = new Set<string>();
  for (const label of Object.keys(SCENARIOS)) {
    const run = (await runs[label]) as ProgramRun;
    for (const call of run.result.calls) tokens.add(call.token);
    if (run.resources.some((r) => r.type === AWSX_VPC)) tokens.add('aws:index/getAvailabilityZones:getAvailabilityZones');
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
  const actions = new Set(refused(callsOf(run), policiesFor(scenario), 'deploy').map((line) => /: \w+ (\S+) on/.exec(line)?.[1]));
  assert.equal([...actions].sort(), ['iam:AttachRolePolicy', 'iam:CreateRole', 'iam:PutRolePermissionsBoundary', 'iam:PutRolePolicy']);
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
