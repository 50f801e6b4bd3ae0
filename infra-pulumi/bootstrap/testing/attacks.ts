// What someone holding the deploy role's credentials (a compromised pipeline, a malicious merge to a
// deploy ref), a merge request's preview job, or a role the stack creates would try, as data: each
// row one concrete API request, on a concrete ARN, with the context IAM would see, and the source
// that names the technique. attacks.test.ts requires the bootstrap's real policies to deny every row
// (the local evaluator); `npm run test:iam-aws` asks IAM's SimulateCustomPolicy the same.
// DENY_PROBES holds, for each Deny statement of the policies, requests that the Deny alone must
// refuse, so a Deny that stops mattering (removed, or its condition weakened) fails a test even
// where the Allows happen to mask it. RESIDUAL lists what IAM cannot refuse, with the reason.
import { boundaryPolicy } from '../boundary-policy';
import { MAIN_PROJECT } from '../config';
import { deployPolicies } from '../deploy-policy';
import { previewPolicy } from '../preview-policy';
import { type StackScope, stackRolePath } from '../stack-scope';
import { deployStateStatements, previewStateStatements } from '../state-backend';
import { type PolicyDocument } from '../trust';
import { type SimulatedRequest } from './policy-simulator';

export const ACCOUNT = '123456789012';
export const OUTSIDE_ACCOUNT = '999999999999';
export const REGION = 'eu-west-1';
export const SCOPE: StackScope = { partition: 'aws', accountId: ACCOUNT, stackNamePrefix: 'prod', project: MAIN_PROJECT, stackName: 'prod' };
export const BOUNDARY_ARN = `arn:aws:iam::${ACCOUNT}:policy/gitlab-ci/prod-stack-role-boundary-abc1234`;
export const REGISTRY_SECRET = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:dockerhub-AbCdEf`;
export const STATE_KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1111-2222`;

/** Whose rights a row is evaluated against. */
export type Principal =
  | 'deploy'      // the deploy role's policies
  | 'preview'     // the preview role's policies (with the state backend)
  | 'stack-role'; // a role the stack creates: any identity policy, under the boundary

export interface Attack {
  /** The escalation this row is one step of. */
  readonly attack: string;
  readonly principal: Principal;
  readonly request: SimulatedRequest;
  /** Where the technique is described. */
  readonly source: string;
}

const SOURCES = {
  rhino: 'https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation/',
  iamTags: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/access_iam-tags.html',
  boundaries: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html#access_policies_boundaries-delegate',
  passRole: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html',
  trust: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html',
  abacCloudFront: 'https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/security_iam_id-based-policy-examples.html',
  ec2TagOnCreate: 'https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/supported-iam-actions-tagging.html',
  kmsViaService: 'https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service',
  secretsContext: 'https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html#security-encryption-encryption-context',
  ecr: 'https://docs.aws.amazon.com/AmazonECR/latest/userguide/security_iam_id-based-policy-examples.html',
  sns: 'https://docs.aws.amazon.com/sns/latest/dg/sns-using-identity-based-policies.html',
  pulumiState: 'https://www.pulumi.com/docs/iac/concepts/state-and-backends/',
  alarmActions: 'https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/iam-cw-condition-keys-alarm-actions.html',
  ssoAssignments: 'https://docs.aws.amazon.com/singlesignon/latest/userguide/iam-auth-access-using-id-policies.html',
  logsResourcePolicy: 'https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-and-resource-policy.html',
} as const;

const tags = (kind: 'RequestTag' | 'ResourceTag', project: string, stack: string): Record<string, string> =>
  ({ [`aws:${kind}/pulumi:project`]: project, [`aws:${kind}/pulumi:stack`]: stack });
const OURS = { request: tags('RequestTag', MAIN_PROJECT, 'prod'), resource: tags('ResourceTag', MAIN_PROJECT, 'prod') };
const THEIRS = tags('ResourceTag', 'billing', 'prod');
const withBoundary = { 'iam:PermissionsBoundary': BOUNDARY_ARN };

const role = (nameWithPath: string): string => `arn:aws:iam::${ACCOUNT}:role/${nameWithPath}`;
/** A role the stack created: under its path, with the boundary. */
export const STACK_ROLE = role(`${stackRolePath(MAIN_PROJECT, 'prod').slice(1)}prod-task-abc1234`);
/** An administrator role someone else made, named like the stack's roles. */
const LOOKALIKE_ADMIN = role('prod-admin');
const DEPLOY_ROLE = role('gitlab-ci/gitlab-deploy-role-abc1234');
const cloudfront = (kind: string, id: string): string => `arn:aws:cloudfront::${ACCOUNT}:${kind}/${id}`;

const ask = (attack: string, principal: Principal, source: string, action: string, resource: string, context: SimulatedRequest['context'] = {}): Attack =>
  ({ attack, principal, source, request: { action, resource, context } });

export const ATTACKS: readonly Attack[] = [
  // --- pull an existing role into the stack by tagging it, then make it ours
  ...[
    ask('claim a look-alike admin role by tagging it', 'deploy', SOURCES.iamTags, 'iam:TagRole', LOOKALIKE_ADMIN, { ...OURS.request, 'aws:TagKeys': ['pulumi:project', 'pulumi:stack'] }),
    ask('claim a look-alike admin role by tagging it', 'deploy', SOURCES.rhino, 'iam:UpdateAssumeRolePolicy', LOOKALIKE_ADMIN, OURS.resource),
    ask('claim a look-alike admin role by tagging it', 'deploy', SOURCES.rhino, 'iam:DetachRolePolicy', LOOKALIKE_ADMIN, { ...OURS.resource, 'iam:PolicyARN': `arn:aws:iam::${ACCOUNT}:policy/deny-production-data` }),
    ask('claim a look-alike admin role by tagging it', 'deploy', SOURCES.rhino, 'iam:DeleteRolePolicy', LOOKALIKE_ADMIN, OURS.resource),
    ask('claim a look-alike admin role by tagging it', 'deploy', SOURCES.rhino, 'iam:PutRolePolicy', LOOKALIKE_ADMIN, OURS.resource),
    // PassRole is what makes ecs:RunTask with that role possible (RunTask itself is service-wide).
    ask('claim a look-alike admin role by tagging it', 'deploy', SOURCES.passRole, 'iam:PassRole', LOOKALIKE_ADMIN, { ...OURS.resource, 'iam:PassedToService': 'ecs-tasks.amazonaws.com' }),
    ask('claim a look-alike admin role by tagging it', 'deploy', SOURCES.passRole, 'iam:PassRole', LOOKALIKE_ADMIN, { ...OURS.resource, 'iam:PassedToService': 'grafana.amazonaws.com' }),
  ],
  // --- the same trick on another stack's resources that carry their own tags
  ask('take over another stack\'s CloudFront distribution', 'deploy', SOURCES.abacCloudFront, 'cloudfront:TagResource', cloudfront('distribution', 'E2OTHERSTACK'), { ...OURS.request, ...THEIRS }),
  ask('take over another stack\'s CloudFront distribution', 'deploy', SOURCES.abacCloudFront, 'cloudfront:UntagResource', cloudfront('distribution', 'E2OTHERSTACK'), THEIRS),
  ask('take over another stack\'s CloudFront distribution', 'deploy', SOURCES.abacCloudFront, 'cloudfront:UpdateDistribution', cloudfront('distribution', 'E2OTHERSTACK'), THEIRS),
  ask('take over another stack\'s CloudFront VPC origin', 'deploy', SOURCES.abacCloudFront, 'cloudfront:TagResource', cloudfront('vpcorigin', 'vo_otherstack'), { ...OURS.request, ...THEIRS }),
  ask('take over another stack\'s CloudFront VPC origin', 'deploy', SOURCES.abacCloudFront, 'cloudfront:DeleteVpcOrigin', cloudfront('vpcorigin', 'vo_otherstack'), THEIRS),
  ask('take over another VPC by tagging it', 'deploy', SOURCES.ec2TagOnCreate, 'ec2:CreateTags', `arn:aws:ec2:${REGION}:${ACCOUNT}:vpc/vpc-0foreign`, OURS.request),
  ask('take over another VPC by tagging it', 'deploy', SOURCES.ec2TagOnCreate, 'ec2:DeleteVpc', `arn:aws:ec2:${REGION}:${ACCOUNT}:vpc/vpc-0foreign`),

  // --- make a bounded stack role (or the deploy role itself) trust someone else
  ask('make a stack role trust an outside account', 'deploy', SOURCES.trust, 'iam:UpdateAssumeRolePolicy', STACK_ROLE, { ...OURS.resource, ...withBoundary }),
  ask('make the deploy role trust someone else', 'deploy', SOURCES.rhino, 'iam:UpdateAssumeRolePolicy', DEPLOY_ROLE, OURS.resource),
  ask('widen the deploy role itself', 'deploy', SOURCES.rhino, 'iam:PutRolePolicy', DEPLOY_ROLE, { ...OURS.resource, ...withBoundary }),

  // --- get around the boundary
  ask('create a role without the boundary', 'deploy', SOURCES.boundaries, 'iam:CreateRole', STACK_ROLE, OURS.request),
  ask('create a role with another boundary', 'deploy', SOURCES.boundaries, 'iam:CreateRole', STACK_ROLE, { ...OURS.request, 'iam:PermissionsBoundary': `arn:aws:iam::${ACCOUNT}:policy/wide-open` }),
  ask('create a role outside the stack\'s path', 'deploy', SOURCES.boundaries, 'iam:CreateRole', role('prod-escalate'), { ...OURS.request, ...withBoundary }),
  ask('swap the boundary of a stack role', 'deploy', SOURCES.boundaries, 'iam:PutRolePermissionsBoundary', STACK_ROLE, { 'iam:PermissionsBoundary': `arn:aws:iam::${ACCOUNT}:policy/wide-open` }),
  ask('remove the boundary of a stack role', 'deploy', SOURCES.boundaries, 'iam:DeleteRolePermissionsBoundary', STACK_ROLE, withBoundary),
  ask('attach an administrator policy to a stack role', 'deploy', SOURCES.rhino, 'iam:AttachRolePolicy', STACK_ROLE, { ...withBoundary, 'iam:PolicyARN': 'arn:aws:iam::aws:policy/AdministratorAccess' }),
  ...['iam:CreatePolicyVersion', 'iam:SetDefaultPolicyVersion', 'iam:DeletePolicyVersion', 'iam:DeletePolicy'].map((action) =>
    ask('edit, version or delete the boundary policy', 'deploy', SOURCES.rhino, action, BOUNDARY_ARN)),
  ask('reconfigure or rewrite the history of the state bucket', 'deploy', SOURCES.pulumiState, 's3:PutBucketPolicy', 'arn:aws:s3:::pulumi-state-bucket-abc1234', { 's3:ResourceAccount': ACCOUNT }),
  ask('reconfigure or rewrite the history of the state bucket', 'deploy', SOURCES.pulumiState, 's3:DeleteObjectVersion',
    'arn:aws:s3:::pulumi-state-bucket-abc1234/.pulumi/stacks/observable-service/prod.json', { 's3:ResourceAccount': ACCOUNT }),
  // An alarm's actions run with CloudWatch's rights: stop or terminate instances, notify anyone.
  ask('make an alarm act outside the stack', 'deploy', SOURCES.alarmActions, 'cloudwatch:PutMetricAlarm', `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:prod-latency`,
    { 'cloudwatch:AlarmActions': [`arn:aws:automate:${REGION}:ec2:terminate`] }),
  ask('make an alarm act outside the stack', 'deploy', SOURCES.alarmActions, 'cloudwatch:PutMetricAlarm', `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:prod-latency`,
    { 'cloudwatch:AlarmActions': [`arn:aws:sns:${REGION}:${ACCOUNT}:prod-alerts`, `arn:aws:sns:${REGION}:${OUTSIDE_ACCOUNT}:collect`] }),
  ask('make an alarm act outside the stack', 'deploy', SOURCES.alarmActions, 'cloudwatch:PutMetricAlarm', `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:TargetTracking-service/prod-cluster/x-AlarmHigh`,
    { 'cloudwatch:AlarmActions': [`arn:aws:sns:${REGION}:${OUTSIDE_ACCOUNT}:collect`] }),
  ask('change another workload\'s alarms', 'deploy', SOURCES.alarmActions, 'cloudwatch:DeleteAlarms', `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:billing-errors`),
  ask('assign someone to another account\'s Identity Center application', 'deploy', SOURCES.ssoAssignments, 'sso:CreateApplicationAssignment',
    `arn:aws:sso::${OUTSIDE_ACCOUNT}:application/ssoins-0123456789abcdef/apl-0123456789abcdef`, { 'sso:ApplicationAccount': OUTSIDE_ACCOUNT }),
  ask('make a user with keys', 'deploy', SOURCES.rhino, 'iam:CreateAccessKey', `arn:aws:iam::${ACCOUNT}:user/admin`),

  // --- what a role under the boundary could do, whatever policy it is given
  ask('publish to a topic outside the stack', 'stack-role', SOURCES.sns, 'sns:Publish', `arn:aws:sns:${REGION}:${ACCOUNT}:billing-alerts`),
  ask('publish to a topic outside the stack', 'stack-role', SOURCES.sns, 'sns:Publish', `arn:aws:sns:${REGION}:${OUTSIDE_ACCOUNT}:prod-alerts`),
  ask('decrypt with a KMS key directly, not via Secrets Manager', 'stack-role', SOURCES.kmsViaService, 'kms:Decrypt', `arn:aws:kms:${REGION}:${ACCOUNT}:key/2222-3333`,
    { 'kms:EncryptionContext:SecretARN': `${REGISTRY_SECRET}` }),
  ask('decrypt another secret via Secrets Manager', 'stack-role', SOURCES.secretsContext, 'kms:Decrypt', `arn:aws:kms:${REGION}:${ACCOUNT}:key/2222-3333`,
    { 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com`, 'kms:EncryptionContext:SecretARN': `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:database-XyZ123` }),
  ask('read another secret', 'stack-role', SOURCES.secretsContext, 'secretsmanager:GetSecretValue', `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:database-XyZ123`),
  ask('pull images from another account', 'stack-role', SOURCES.ecr, 'ecr:BatchGetImage', `arn:aws:ecr:${REGION}:${OUTSIDE_ACCOUNT}:repository/tooling`),
  ask('pull images from a repository the stack does not use', 'stack-role', SOURCES.ecr, 'ecr:GetDownloadUrlForLayer', `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/payments-api`),
  ask('pass or assume a role from a stack role', 'stack-role', SOURCES.passRole, 'iam:PassRole', LOOKALIKE_ADMIN, { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' }),
  ask('pass or assume a role from a stack role', 'stack-role', SOURCES.rhino, 'sts:AssumeRole', role('OrganizationAccountAccessRole')),
  ask('write into another application\'s logs', 'stack-role', SOURCES.rhino, 'logs:PutLogEvents', `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/billing/api:log-stream:x`),
  ask('write metrics into another account\'s workspace', 'stack-role', SOURCES.rhino, 'aps:RemoteWrite', `arn:aws:aps:${REGION}:${OUTSIDE_ACCOUNT}:workspace/ws-1`),

  // --- a merge request's preview job (any branch can run it)
  ask('write the state from a merge request', 'preview', SOURCES.pulumiState, 's3:PutObject', 'arn:aws:s3:::pulumi-state-bucket-abc1234/.pulumi/stacks/observable-service/prod.json'),
  ask('encrypt new secrets into the state from a merge request', 'preview', SOURCES.pulumiState, 'kms:Encrypt', STATE_KEY),
  ask('read the registry credentials from a merge request', 'preview', SOURCES.secretsContext, 'secretsmanager:GetSecretValue', REGISTRY_SECRET),
  ask('read parameters from a merge request', 'preview', SOURCES.rhino, 'ssm:GetParameter', `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/prod/database-password`),
  ask('mint a Grafana key from a merge request', 'preview', SOURCES.rhino, 'grafana:CreateWorkspaceApiKey', `arn:aws:grafana:${REGION}:${ACCOUNT}:/workspaces/g-abcdef0123`),
];

/** Requests each Deny statement must refuse on its own, by Sid. */
export const DENY_PROBES: Readonly<Record<string, readonly SimulatedRequest[]>> = {
  NeverRemoveABoundary: [{ action: 'iam:DeleteRolePermissionsBoundary', resource: STACK_ROLE, context: withBoundary }],
  NeverAnotherBoundary: [
    { action: 'iam:CreateRole', resource: STACK_ROLE, context: { 'iam:PermissionsBoundary': `arn:aws:iam::${ACCOUNT}:policy/wide-open` } },
    { action: 'iam:CreateRole', resource: STACK_ROLE, context: {} },
    { action: 'iam:PutRolePermissionsBoundary', resource: STACK_ROLE, context: { 'iam:PermissionsBoundary': `arn:aws:iam::${ACCOUNT}:policy/wide-open` } },
  ],
  NeverEditTheBoundary: ['iam:CreatePolicyVersion', 'iam:SetDefaultPolicyVersion', 'iam:DeletePolicyVersion', 'iam:DeletePolicy'].map((action) => ({ action, resource: BOUNDARY_ARN })),
  CloudFrontNeverClaimAnothersResourceProject: [
    { action: 'cloudfront:TagResource', resource: cloudfront('distribution', 'E2OTHERSTACK'), context: { ...OURS.request, ...tags('ResourceTag', 'billing', 'prod') } },
    { action: 'cloudfront:UntagResource', resource: cloudfront('vpcorigin', 'vo_otherstack'), context: tags('ResourceTag', 'billing', 'prod') },
  ],
  CloudFrontNeverClaimAnothersResourceStack: [
    { action: 'cloudfront:TagResource', resource: cloudfront('vpcorigin', 'vo_otherstack'), context: { ...OURS.request, ...tags('ResourceTag', MAIN_PROJECT, 'staging') } },
  ],
  NothingElseOnTheStateBucket: [
    { action: 's3:PutBucketPolicy', resource: 'arn:aws:s3:::pulumi-state-bucket-abc1234' },
    { action: 's3:DeleteObjectVersion', resource: 'arn:aws:s3:::pulumi-state-bucket-abc1234/.pulumi/stacks/observable-service/prod.json' },
  ],
  NeverIdentityOrAccountChanges: [
    { action: 'iam:PassRole', resource: LOOKALIKE_ADMIN, context: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
    { action: 'iam:CreateAccessKey', resource: `arn:aws:iam::${ACCOUNT}:user/admin` },
    { action: 'sts:AssumeRole', resource: role('OrganizationAccountAccessRole') },
    { action: 'organizations:LeaveOrganization', resource: '*' },
  ],
};

/**
 * What IAM cannot refuse, and why; each is checked to be allowed, so the day AWS (or a policy change)
 * closes one, the test says so and the row moves to ATTACKS. docs/aws-bootstrap.md lists them.
 */
export const RESIDUAL: readonly (Attack & { readonly why: string })[] = [
  {
    ...ask('take over an untagged CloudFront distribution', 'deploy', SOURCES.abacCloudFront, 'cloudfront:TagResource', cloudfront('distribution', 'E3UNTAGGED'), OURS.request),
    why: 'CloudFront has no equivalent of ec2:CreateAction: the TagResource that CreateDistributionWithTags authorizes looks the same as a later one on an untagged distribution',
  },
  {
    ...ask('create a bounded stack role that trusts an outside account', 'deploy', SOURCES.trust, 'iam:CreateRole', STACK_ROLE, { ...OURS.request, ...withBoundary }),
    why: 'no IAM condition key describes a trust policy (CreateRole takes only tags, iam:PermissionsBoundary and iam:RoleTemplateARN): whoever it trusts gets at most the boundary',
  },
  {
    ...ask('rewrite the account\'s CloudWatch Logs resource policy', 'deploy', SOURCES.logsResourcePolicy, 'logs:PutResourcePolicy', '*', {}),
    why: 'AMP\'s logging configuration needs it to let the vended-logs delivery write, and the action takes no resource: a policy there can let other services, or accounts, write (never read) log groups',
  },
  {
    ...ask('change another workload\'s Route 53 health check', 'deploy', SOURCES.rhino, 'route53:UpdateHealthCheck', 'arn:aws:route53:::healthcheck/0b1c2d3e-other', {}),
    why: 'health checks have random ids and no tag condition keys',
  },
];

export const STATE_BUCKET = 'arn:aws:s3:::pulumi-state-bucket-abc1234';
const ZONE = 'Z0123456789ABCDEFGHIJ';

export interface PrincipalPolicies {
  readonly identity: readonly PolicyDocument[];
  readonly boundary?: PolicyDocument;
}

/** The bootstrap's real policies for SCOPE, with every optional part on (domain mode, registry secret, state backend). */
export function principals(): Record<Principal, PrincipalPolicies> {
  const state = { bucketArn: STATE_BUCKET, keyArn: STATE_KEY };
  const deploy = deployPolicies({ ...SCOPE, permissionsBoundaryArn: BOUNDARY_ARN, hostedZoneIds: [ZONE] });
  const everything: PolicyDocument = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
  return {
    deploy: { identity: [...Object.values(deploy), { Version: '2012-10-17', Statement: deployStateStatements(state) }] },
    preview: { identity: [previewPolicy({ partition: SCOPE.partition, stateStatements: previewStateStatements(state) })] },
    'stack-role': { identity: [everything], boundary: boundaryPolicy({ ...SCOPE, imageCredentialsSecretArn: REGISTRY_SECRET }) },
  };
}
