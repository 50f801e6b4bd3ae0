// The AWS calls the main program makes, per configuration: what the mocks recorded (resources and
// data sources) turned into calls through program-actions.ts's rows. Used by program-coverage.test.ts
// (every call allowed, every granted action needed) and by the IAM run of the allow cases
// (iam-aws.ts), so both ask about the same calls.
import { boundaryPolicy } from '../boundary-policy';
import { MAIN_PROJECT } from '../config';
import { deployPolicies } from '../deploy-policy';
import { previewPolicy } from '../preview-policy';
import { type PolicyDocument, type PolicyStatement } from '../trust';
import { inputsOf } from '../../testing/helpers';
import { MOCK_ACCOUNT, MOCK_REGION, MOCK_ZONE_ID, type RecordedCall, type RecordedResource } from '../../testing/mocks';
import { type ProgramRun } from '../../testing/program';
import { type ApiCall, INVOKE_ROWS, PROGRAM_COMPONENT, RESOURCE_ROWS, type StackRole, type Target } from './program-actions';

export const PARTITION = 'aws';
/** The boundary the bootstrap creates (index.ts), set in the main stack as iamPermissionsBoundaryArn. */
export const boundaryArn = (prefix: string): string => `arn:aws:iam::${MOCK_ACCOUNT}:policy/gitlab-ci/${prefix}-stack-role-boundary-abc1234`;
export const REGISTRY_SECRET = `arn:aws:secretsmanager:${MOCK_REGION}:${MOCK_ACCOUNT}:secret:dockerhub-AbCdEf`;

export interface Scenario {
  /** The stack name; the program's namePrefix defaults to it. */
  stack: string;
  config: Record<string, string>;
  /** What the bootstrap is configured with for this stack. */
  hostedZoneIds: string[];
  /** The bootstrap's imageCredentialsSecretArn, which the boundary admits. */
  imageCredentialsSecretArn?: string;
}

// The configurations of index.test.ts, each deployed the way the bootstrap requires: with its boundary.
export const SCENARIOS: Record<string, Scenario> = {
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

/** The stack's tags: every AWS provider of the program (one per region it uses) sets the same. */
export function defaultTags(run: ProgramRun): Record<string, string> {
  const all = run.ofType('pulumi:providers:aws').map((p) => JSON.stringify((JSON.parse(String(p.inputs.defaultTags ?? '{}')) as { tags?: Record<string, string> }).tags ?? {}));
  if (new Set(all).size !== 1) throw new Error(`program-calls: the AWS providers tag differently: ${[...new Set(all)].join(' / ')}`);
  return JSON.parse(all[0] as string) as Record<string, string>;
}

/** The region a resource lives in: its provider's, when the program names one, else the stack's. */
function regionOf(run: ProgramRun, r: RecordedResource): string {
  const urn = r.provider?.split('::').slice(0, -1).join('::');
  const provider = run.ofType('pulumi:providers:aws').find((p) => urn !== undefined && urn.endsWith(`::${p.name}`));
  return typeof provider?.inputs.region === 'string' ? provider.inputs.region : MOCK_REGION;
}

/** Pulumi names an AWS resource after its Pulumi name plus "-" and 7 random characters, unless its inputs name it. */
export const awsNameOf = (r: RecordedResource): string => String(r.inputs.name ?? `${r.name}-1234567`);

function stackRoles(run: ProgramRun, stackTags: Record<string, string>): StackRole[] {
  return run.ofType('aws:iam/role:Role').map((r) => {
    const trust = JSON.parse(String(r.inputs.assumeRolePolicy)) as PolicyDocument;
    const principal = (trust.Statement[0] as PolicyStatement & { Principal?: { Service?: string } }).Principal;
    return {
      arn: `arn:${PARTITION}:iam::${MOCK_ACCOUNT}:role${String(r.inputs.path ?? '/')}${awsNameOf(r)}`,
      refs: [awsNameOf(r), `${r.name}-id`],
      permissionsBoundary: r.inputs.permissionsBoundary === undefined ? undefined : String(r.inputs.permissionsBoundary),
      trustedService: principal?.Service,
      tags: { ...stackTags, ...(r.inputs.tags as Record<string, string> | undefined) },
    };
  });
}

export interface Checked {
  /** "type" of every resource or data source without a row. */
  missing: string[];
  /** Every call, with who must be allowed to make it. */
  calls: Array<ApiCall & { by: string; roles: Array<'deploy' | 'preview'> }>;
}

/** Every AWS call the program's resources and data sources make, or the types that have no row. */
export function callsOf(run: ProgramRun): Checked {
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
      region: regionOf(run, r),
      name: r.name,
      awsName: awsNameOf(r),
      id: `${r.name}-id`,
      inputs,
      tags: { ...stackTags, ...(inputs.tags as Record<string, string> | undefined) },
    };
    checked.calls.push(...row.calls(target).map((call) => ({ ...call, by: `${type} ${r.name}`, roles: ['deploy' as const] })));
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

  for (const r of [...run.resources, ...ahead(run)]) resource(r.type, r);
  for (const call of run.result.calls) invoke(call);
  return checked;
}

/**
 * Resources the deploy role is granted before the program creates them (the alerting the program is
 * gaining: a heartbeat topic, health check and alarm, AMP's log group with a metric filter, AMP's
 * logging configuration). Each one the program does not create yet is checked as if it did, under
 * the names it will have; once the program creates it, what the program really asks is checked.
 */
function ahead(run: ProgramRun): RecordedResource[] {
  // The scenarios leave namePrefix at its default, the stack name.
  const name = defaultTags(run)['pulumi:stack'] ?? 'test';
  const topicArn = (topic: string): string => `arn:aws:sns:${MOCK_REGION}:${MOCK_ACCOUNT}:${name}-${topic}-1234567`;
  const vended = `/aws/vendedlogs/prometheus/${name}`;
  const planned: RecordedResource[] = [
    { type: 'aws:sns/topic:Topic', name: `${name}-heartbeat`, inputs: {}, provider: undefined, custom: true },
    { type: 'aws:route53/healthCheck:HealthCheck', name: `${name}-health`, inputs: { type: 'HTTPS' }, provider: undefined, custom: true },
    { type: 'aws:cloudwatch/metricAlarm:MetricAlarm', name: `${name}-heartbeat`, inputs: { alarmActions: [topicArn('alerts')], okActions: [topicArn('alerts')] }, provider: undefined, custom: true },
    { type: 'aws:cloudwatch/logGroup:LogGroup', name: `${name}-amp-logs`, inputs: { name: vended }, provider: undefined, custom: true },
    { type: 'aws:cloudwatch/logMetricFilter:LogMetricFilter', name: `${name}-rule-failures`, inputs: { logGroupName: vended }, provider: undefined, custom: true },
    { type: 'aws:amp/workspaceConfiguration:WorkspaceConfiguration', name: `${name}-amp-logging`, inputs: {}, provider: undefined, custom: true },
  ];
  // A topic or log group counts as there when one of that name is; any other type when one of it is.
  const named = new Set(['aws:sns/topic:Topic', 'aws:cloudwatch/logGroup:LogGroup']);
  const has = (r: RecordedResource): boolean => run.ofType(r.type).some((existing) => !named.has(r.type) || awsNameOf(existing).startsWith(String(r.inputs.name ?? r.name)));
  // AMP's logging configuration is either the workspace's input or a resource of its own.
  const ampLogging = run.ofType('aws:amp/workspace:Workspace').some((w) => w.inputs.loggingConfiguration !== undefined);
  return planned.filter((r) => !has(r) && !(r.type === 'aws:amp/workspaceConfiguration:WorkspaceConfiguration' && ampLogging));
}

export function policiesFor(s: Scenario): { deploy: PolicyDocument[]; preview: PolicyDocument[] } {
  const deploy = Object.values(deployPolicies({
    partition: PARTITION, accountId: MOCK_ACCOUNT, stackNamePrefix: s.stack, project: MAIN_PROJECT, stackName: s.stack,
    permissionsBoundaryArn: boundaryArn(s.stack), hostedZoneIds: s.hostedZoneIds,
  }));
  return { deploy, preview: [previewPolicy({ partition: PARTITION })] };
}

/** The boundary the bootstrap makes for a scenario's stack. */
export function boundaryFor(s: Scenario): PolicyDocument {
  return boundaryPolicy({
    partition: PARTITION, accountId: MOCK_ACCOUNT, stackNamePrefix: s.stack, project: MAIN_PROJECT, stackName: s.stack,
    imageCredentialsSecretArn: s.imageCredentialsSecretArn,
  });
}
