// What `pulumi up` of the main stack (infra-pulumi/) needs, as customer managed policies (each at
// most 6,144 characters, IAM's limit; a role's inline policies share 10,240, too few for this).
//
// IAM: the deploy role may create and change only roles under the stack's own IAM path
// (`/<project>/<stack>/`, stack-scope.ts), each carrying the permissions boundary
// (boundary-policy.ts); it may attach only STACK_MANAGED_POLICY_ARNS, never remove a boundary, set
// another one or edit it, and pass the roles only to ECS tasks and Grafana. A role it creates can
// therefore do no more than the boundary. IAM cannot read a trust policy, so the role may not
// change one (a trust change replaces the role); what a new role trusts is capped by the boundary.
//
// Narrowed with the Service Authorization Reference (which actions take a resource ARN, which
// honour aws:RequestTag / aws:ResourceTag):
//   ec2         creates only with both stack tags in the request, one statement per created
//               resource type (so a tagged create cannot reach into another stack's VPC, subnet or
//               security group); tagging only on create (ec2:CreateAction); every change or delete
//               only on resources carrying the tags.
//   cloudfront  distributions and VPC origins: created with the tags, changed only when tagged.
//               CreateDistribution and CreateVpcOrigin take no resource ARN, so "*" with RequestTag.
//               CloudFront cannot tell tag-on-create from a later TagResource: a resource another
//               stack tagged is denied; an untagged one is not (docs/aws-bootstrap.md).
//   logs        the stack's log groups: `<stackNamePrefix>-*` and AMP's vended-logs group.
//   cloudwatch  alarms named `<stackNamePrefix>-*` (notifying the stack's topics only) and the
//               target-tracking alarms of the stack's cluster.
//   route53     records only in the hosted zones named in `hostedZoneIds` (none in CloudFront mode);
//               health checks account-wide (random ids, no tag conditions).
//   s3          buckets named `<stackNamePrefix>-*` (the ALB access-log bucket); no object reads.
//   sns         topics named `<stackNamePrefix>-*`.
//   sso         application assignments of this account's applications (Grafana sign-in).
//   secrets     none: the program names the registry secret, it never reads or describes it.
// What stays service-wide, and why: read-only Describe/List/Get calls (most take only "*"), and
// elasticloadbalancing, ecs, application-autoscaling, acm, aps and grafana. None of those reaches
// IAM (passing a role still needs iam:PassRole, which is limited above), so their worst case is
// changing another workload of the same services in this account: give the stack an account of its
// own. Whoever can merge to a deploy ref can change the program, and so can do what this role can:
// protect those refs.
// program-coverage.test.ts checks both directions against the program: every call its resources
// and data sources make is allowed, and every action named here is one of those calls;
// attacks.test.ts checks that the escalations in testing/attacks.ts are all refused.
import {
  PROJECT_TAG, STACK_TAG, type StackScope, requestTags, resourceTags, stackAlarmArns, stackLogGroupArns, stackRoleArns, vendedLogGroupArns,
} from './stack-scope';
import { type PolicyDocument, type PolicyStatement } from './trust';

export interface DeployPolicyArgs extends StackScope {
  /** ARN of the boundary policy every stack role must carry. */
  readonly permissionsBoundaryArn: string;
  /** Route 53 zones the stack writes records to (domain mode). */
  readonly hostedZoneIds: readonly string[];
}

/** AWS managed policies the main stack attaches to its roles; the deploy role may attach no other. */
export function STACK_MANAGED_POLICY_ARNS(partition: string): string[] {
  return [`arn:${partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy`];
}

/** Services the stack uses whose service-linked role the first deploy in an account creates. */
export const SERVICE_LINKED_ROLE_SERVICES = [
  'ecs.amazonaws.com',
  'elasticloadbalancing.amazonaws.com',
  'ecs.application-autoscaling.amazonaws.com',
  'grafana.amazonaws.com',
  'vpcorigin.cloudfront.amazonaws.com',
] as const;

/** The services a stack role may be passed to (iam:PassedToService). */
export const PASS_ROLE_SERVICES = ['ecs-tasks.amazonaws.com', 'grafana.amazonaws.com'] as const;

/** Services kept service-wide (see the header for why). */
export const SERVICE_WIDE = ['elasticloadbalancing', 'ecs', 'application-autoscaling', 'acm', 'aps', 'grafana'] as const;

/** Each EC2 create action and the resource type it creates (aws:RequestTag applies to that one). */
export const EC2_CREATES: ReadonlyArray<readonly [readonly string[], string]> = [
  [['ec2:CreateVpc'], 'vpc'],
  [['ec2:CreateSubnet'], 'subnet'],
  [['ec2:CreateInternetGateway'], 'internet-gateway'],
  [['ec2:AllocateAddress'], 'elastic-ip'],
  [['ec2:CreateNatGateway'], 'natgateway'],
  [['ec2:CreateRouteTable'], 'route-table'],
  [['ec2:CreateSecurityGroup'], 'security-group'],
  // aws.vpc.SecurityGroupIngressRule/EgressRule are tagged rules, created by Authorize*.
  [['ec2:AuthorizeSecurityGroupIngress', 'ec2:AuthorizeSecurityGroupEgress'], 'security-group-rule'],
];

/** Changes to existing stack resources; each names only resources of the types below. */
export const EC2_CHANGES = [
  'ec2:CreateSubnet', 'ec2:CreateRouteTable', 'ec2:CreateSecurityGroup', 'ec2:CreateNatGateway',
  'ec2:AttachInternetGateway', 'ec2:DetachInternetGateway', 'ec2:DeleteInternetGateway',
  'ec2:ModifyVpcAttribute', 'ec2:DeleteVpc', 'ec2:ModifySubnetAttribute', 'ec2:DeleteSubnet',
  'ec2:DisassociateAddress', 'ec2:ReleaseAddress', 'ec2:DeleteNatGateway',
  'ec2:CreateRoute', 'ec2:ReplaceRoute', 'ec2:DeleteRoute', 'ec2:DeleteRouteTable',
  'ec2:AssociateRouteTable', 'ec2:DisassociateRouteTable', 'ec2:ReplaceRouteTableAssociation',
  'ec2:AuthorizeSecurityGroupIngress', 'ec2:AuthorizeSecurityGroupEgress',
  'ec2:RevokeSecurityGroupIngress', 'ec2:RevokeSecurityGroupEgress', 'ec2:ModifySecurityGroupRules',
  'ec2:DeleteSecurityGroup', 'ec2:CreateTags', 'ec2:DeleteTags',
] as const;

const EC2_TYPES = ['vpc', 'subnet', 'internet-gateway', 'elastic-ip', 'natgateway', 'route-table', 'security-group', 'security-group-rule'];

function iamStatements(args: DeployPolicyArgs): PolicyStatement[] {
  // Every role statement names only the stack's IAM path (stack-scope.ts): a role's path is fixed
  // at creation, so neither tags nor names can bring a role made elsewhere into reach.
  const roles = stackRoleArns(args);
  const boundary = { 'iam:PermissionsBoundary': args.permissionsBoundaryArn };
  return [
    {
      Sid: 'CreateStackRolesWithTheBoundary',
      Effect: 'Allow',
      Action: 'iam:CreateRole',
      Resource: roles,
      Condition: { StringEquals: boundary },
    },
    {
      // Every call that changes what a role may do, or removes something from it, needs the role to
      // carry the boundary: removing a policy widens rights when that policy denies.
      Sid: 'ChangeStackRolesOnlyUnderTheBoundary',
      Effect: 'Allow',
      Action: ['iam:PutRolePolicy', 'iam:PutRolePermissionsBoundary', 'iam:DeleteRolePolicy', 'iam:DetachRolePolicy', 'iam:DeleteRole', 'iam:UpdateRole', 'iam:UpdateRoleDescription'],
      Resource: roles,
      Condition: { StringEquals: boundary },
    },
    {
      Sid: 'AttachOnlyTheStacksManagedPolicies',
      Effect: 'Allow',
      Action: 'iam:AttachRolePolicy',
      Resource: roles,
      Condition: {
        StringEquals: boundary,
        ArnEquals: { 'iam:PolicyARN': STACK_MANAGED_POLICY_ARNS(args.partition) },
      },
    },
    // Tags are labels here, not the scope: TagRole and UntagRole take no iam:PermissionsBoundary.
    // No iam:UpdateAssumeRolePolicy: IAM cannot see a trust policy's content (its only condition key
    // is iam:PermissionsBoundary), so the program replaces a role whose trust changes instead.
    { Sid: 'TagStackRoles', Effect: 'Allow', Action: ['iam:TagRole', 'iam:UntagRole'], Resource: roles },
    {
      Sid: 'ReadStackRoles',
      Effect: 'Allow',
      Action: ['iam:GetRole', 'iam:GetRolePolicy', 'iam:ListRolePolicies', 'iam:ListAttachedRolePolicies', 'iam:ListRoleTags', 'iam:ListInstanceProfilesForRole'],
      Resource: roles,
    },
    {
      Sid: 'PassStackRolesToTheirServices',
      Effect: 'Allow',
      Action: 'iam:PassRole',
      Resource: roles,
      Condition: { StringEquals: { 'iam:PassedToService': [...PASS_ROLE_SERVICES] } },
    },
    {
      Sid: 'ServiceLinkedRoles',
      Effect: 'Allow',
      Action: 'iam:CreateServiceLinkedRole',
      Resource: `arn:${args.partition}:iam::${args.accountId}:role/aws-service-role/*`,
      Condition: { StringEquals: { 'iam:AWSServiceName': [...SERVICE_LINKED_ROLE_SERVICES] } },
    },
    { Sid: 'NeverRemoveABoundary', Effect: 'Deny', Action: 'iam:DeleteRolePermissionsBoundary', Resource: '*' },
    {
      Sid: 'NeverAnotherBoundary',
      Effect: 'Deny',
      Action: ['iam:CreateRole', 'iam:PutRolePermissionsBoundary'],
      Resource: '*',
      Condition: { StringNotEquals: boundary },
    },
    {
      Sid: 'NeverEditTheBoundary',
      Effect: 'Deny',
      Action: ['iam:CreatePolicyVersion', 'iam:DeletePolicyVersion', 'iam:SetDefaultPolicyVersion', 'iam:DeletePolicy'],
      Resource: args.permissionsBoundaryArn,
    },
  ];
}

function networkStatements(args: DeployPolicyArgs): PolicyStatement[] {
  const ec2 = (type: string): string => `arn:${args.partition}:ec2:*:${args.accountId}:${type}/*`;
  return [
    { Sid: 'Ec2Reads', Effect: 'Allow', Action: 'ec2:Describe*', Resource: '*' },
    ...EC2_CREATES.map(([actions, type]): PolicyStatement => ({
      Sid: `Ec2CreateTagged${type.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase())}`,
      Effect: 'Allow',
      Action: [...actions],
      Resource: ec2(type),
      Condition: { StringEquals: requestTags(args) },
    })),
    {
      Sid: 'Ec2TagOnCreate',
      Effect: 'Allow',
      Action: 'ec2:CreateTags',
      Resource: EC2_TYPES.map(ec2),
      Condition: { StringEquals: { 'ec2:CreateAction': EC2_CREATES.flatMap(([actions]) => actions.map((a) => a.replace(/^ec2:/, ''))), ...requestTags(args) } },
    },
    { Sid: 'Ec2ChangeTaggedStackResources', Effect: 'Allow', Action: [...EC2_CHANGES], Resource: EC2_TYPES.map(ec2), Condition: { StringEquals: resourceTags(args) } },
    // Releasing a NAT gateway's address names the gateway's interface, which AWS creates untagged.
    { Sid: 'Ec2DisassociateFromNatInterfaces', Effect: 'Allow', Action: 'ec2:DisassociateAddress', Resource: ec2('network-interface') },
  ];
}

function edgeStatements(args: DeployPolicyArgs): PolicyStatement[] {
  const cf = `arn:${args.partition}:cloudfront::${args.accountId}`;
  const statements: PolicyStatement[] = [
    {
      Sid: 'CloudFrontReads',
      Effect: 'Allow',
      Action: ['cloudfront:ListCachePolicies', 'cloudfront:ListOriginRequestPolicies', 'cloudfront:GetCachePolicy', 'cloudfront:GetOriginRequestPolicy'],
      Resource: '*',
    },
    { Sid: 'CloudFrontCreateTagged', Effect: 'Allow', Action: ['cloudfront:CreateDistribution', 'cloudfront:CreateVpcOrigin'], Resource: '*', Condition: { StringEquals: requestTags(args) } },
    { Sid: 'CloudFrontTagOnCreate', Effect: 'Allow', Action: 'cloudfront:TagResource', Resource: [`${cf}:distribution/*`, `${cf}:vpcorigin/*`], Condition: { StringEquals: requestTags(args) } },
    // CloudFront has no ec2:CreateAction: the tag-on-create Allow above also lets a TagResource
    // claim an existing resource. This keeps it off every resource another stack has tagged
    // (one statement per tag key: keys of one operator AND together, the Deny needs either).
    ...[PROJECT_TAG, STACK_TAG].map((tag): PolicyStatement => ({
      Sid: `CloudFrontNeverClaimAnothersResource${tag === PROJECT_TAG ? 'Project' : 'Stack'}`,
      Effect: 'Deny',
      Action: ['cloudfront:TagResource', 'cloudfront:UntagResource'],
      Resource: [`${cf}:distribution/*`, `${cf}:vpcorigin/*`],
      Condition: {
        Null: { [`aws:ResourceTag/${tag}`]: 'false' },
        StringNotEquals: { [`aws:ResourceTag/${tag}`]: tag === PROJECT_TAG ? args.project : args.stackName },
      },
    })),
    {
      Sid: 'CloudFrontChangeTagged',
      Effect: 'Allow',
      Action: [
        'cloudfront:GetDistribution', 'cloudfront:GetDistributionConfig', 'cloudfront:UpdateDistribution', 'cloudfront:DeleteDistribution',
        'cloudfront:GetVpcOrigin', 'cloudfront:UpdateVpcOrigin', 'cloudfront:DeleteVpcOrigin',
        'cloudfront:ListTagsForResource', 'cloudfront:TagResource', 'cloudfront:UntagResource',
      ],
      Resource: [`${cf}:distribution/*`, `${cf}:vpcorigin/*`],
      Condition: { StringEquals: resourceTags(args) },
    },
    { Sid: 'Route53Lookups', Effect: 'Allow', Action: ['route53:ListHostedZones', 'route53:ListHostedZonesByName'], Resource: '*' },
  ];
  if (args.hostedZoneIds.length > 0) {
    statements.push(
      {
        Sid: 'Route53RecordsInTheStacksZones',
        Effect: 'Allow',
        Action: ['route53:GetHostedZone', 'route53:ListResourceRecordSets', 'route53:ChangeResourceRecordSets', 'route53:ListTagsForResource'],
        Resource: args.hostedZoneIds.map((id) => `arn:${args.partition}:route53:::hostedzone/${id}`),
      },
      { Sid: 'Route53WaitForChanges', Effect: 'Allow', Action: 'route53:GetChange', Resource: `arn:${args.partition}:route53:::change/*` },
    );
  }
  return statements;
}

/**
 * The statements for what the stack runs (ECS, load balancing, logs, metrics, alarms, topics, Grafana).
 * Longer than a function should be, on purpose: it is a policy document, one statement per service in
 * the order a reviewer reads the stack, and splitting it would scatter one document over several.
 */
function workloadStatements(args: DeployPolicyArgs): PolicyStatement[] {
  const { partition: p, accountId, stackNamePrefix: prefix } = args;
  const bucket = `arn:${p}:s3:::${prefix}-*`;
  const statements: PolicyStatement[] = [
    { Sid: 'ServiceWide', Effect: 'Allow', Action: SERVICE_WIDE.map((service) => `${service}:*`), Resource: '*' },
    {
      // The task log group, and the one AMP writes its rule and alerting logs to (vended logs).
      Sid: 'StackLogGroups',
      Effect: 'Allow',
      Action: [
        'logs:CreateLogGroup', 'logs:DeleteLogGroup', 'logs:PutRetentionPolicy', 'logs:DeleteRetentionPolicy',
        'logs:TagResource', 'logs:UntagResource', 'logs:ListTagsForResource',
        'logs:PutMetricFilter', 'logs:DeleteMetricFilter', 'logs:DescribeMetricFilters',
      ],
      Resource: [stackLogGroupArns(args), ...vendedLogGroupArns(args)],
    },
    { Sid: 'ListLogGroups', Effect: 'Allow', Action: 'logs:DescribeLogGroups', Resource: '*' },
    {
      // AMP's logging configuration delivers to the log group through CloudWatch Logs' vended-log
      // deliveries. AMP's user guide lists these (with logs:DescribeLogGroups, above, and the
      // aps:*LoggingConfiguration actions) on Resource "*": none takes a resource ARN.
      // https://docs.aws.amazon.com/prometheus/latest/userguide/CW-logs.html ("Configuring CloudWatch Logs")
      Sid: 'AmpLogDelivery',
      Effect: 'Allow',
      Action: [
        'logs:CreateLogDelivery', 'logs:GetLogDelivery', 'logs:UpdateLogDelivery', 'logs:DeleteLogDelivery', 'logs:ListLogDeliveries',
        'logs:PutResourcePolicy', 'logs:DescribeResourcePolicies',
      ],
      Resource: '*',
    },
    {
      // Alarms of the stack: its own (`<prefix>-…`), which may notify only the stack's topics, and the
      // ones Application Auto Scaling makes for the service's target tracking, named after its cluster.
      Sid: 'StackAlarmsNotifyStackTopics',
      Effect: 'Allow',
      Action: 'cloudwatch:PutMetricAlarm',
      Resource: stackAlarmArns(args).own,
      Condition: { 'ForAllValues:ArnLike': { 'cloudwatch:AlarmActions': `arn:${p}:sns:*:${accountId}:${prefix}-*` } },
    },
    {
      // Application Auto Scaling puts these with the caller's rights; their only action is the scaling policy.
      Sid: 'TargetTrackingAlarms',
      Effect: 'Allow',
      Action: 'cloudwatch:PutMetricAlarm',
      Resource: stackAlarmArns(args).targetTracking,
      Condition: { 'ForAllValues:ArnLike': { 'cloudwatch:AlarmActions': `arn:${p}:autoscaling:*:${accountId}:scalingPolicy:*` } },
    },
    {
      Sid: 'StackAlarmLifecycle',
      Effect: 'Allow',
      Action: ['cloudwatch:DeleteAlarms', 'cloudwatch:DescribeAlarms', 'cloudwatch:TagResource', 'cloudwatch:UntagResource', 'cloudwatch:ListTagsForResource'],
      Resource: [stackAlarmArns(args).own, stackAlarmArns(args).targetTracking],
    },
    {
      // Route 53 health checks have random ids and no tag conditions: the whole account's, the
      // tightest IAM allows (CreateHealthCheck takes no resource at all).
      Sid: 'HealthChecks',
      Effect: 'Allow',
      Action: ['route53:CreateHealthCheck'],
      Resource: '*',
    },
    {
      Sid: 'HealthCheckLifecycle',
      Effect: 'Allow',
      Action: ['route53:GetHealthCheck', 'route53:UpdateHealthCheck', 'route53:DeleteHealthCheck', 'route53:ChangeTagsForResource', 'route53:ListTagsForResource'],
      Resource: `arn:${p}:route53:::healthcheck/*`,
    },
    { Sid: 'StackTopics', Effect: 'Allow', Action: 'sns:*', Resource: `arn:${p}:sns:*:${accountId}:${prefix}-*` },
    {
      // The ALB access-log bucket: its configuration, and emptying it on destroy; never reading logs.
      Sid: 'AccessLogBucket',
      Effect: 'Allow',
      Action: [
        's3:CreateBucket', 's3:DeleteBucket', 's3:ListBucket', 's3:ListBucketVersions', 's3:GetBucket*', 's3:PutBucket*', 's3:DeleteBucketPolicy',
        's3:GetEncryptionConfiguration', 's3:PutEncryptionConfiguration', 's3:GetLifecycleConfiguration', 's3:PutLifecycleConfiguration',
        's3:GetAccelerateConfiguration', 's3:GetReplicationConfiguration', 's3:DeleteObject', 's3:DeleteObjectVersion',
      ],
      Resource: [bucket, `${bucket}/*`],
      // S3 ARNs name no account: only buckets this account owns.
      Condition: { StringEquals: { 's3:ResourceAccount': accountId } },
    },
    {
      // AWS_SSO workspaces register an Identity Center application (CreateWorkspace's dependent
      // actions in the Service Authorization Reference). RoleAssociation (Grafana sign-in) calls
      // grafana:UpdatePermissions and grafana:ListPermissions (terraform-provider-aws,
      // internal/service/grafana/role_association.go), and AMG resolves the users and groups in Identity
      // Center with the caller's rights: the sso and sso-directory reads of the managed policy
      // AWSGrafanaWorkspacePermissionManagementV2, and the identity store's user and group reads
      // (AMG's guide asks for AWSSSODirectoryReadOnly there):
      // https://docs.aws.amazon.com/grafana/latest/userguide/security-iam-awsmanpol.html
      // https://docs.aws.amazon.com/grafana/latest/userguide/security_iam_id-based-policy-examples.html
      Sid: 'GrafanaIdentityCenter',
      Effect: 'Allow',
      Action: [
        'sso:CreateManagedApplicationInstance', 'sso:DeleteManagedApplicationInstance', 'sso:GetManagedApplicationInstance',
        'sso:DescribeRegisteredRegions', 'sso:GetSharedSsoConfiguration', 'sso:ListDirectoryAssociations',
        'sso:ListProfiles', 'sso:GetProfile', 'sso:ListProfileAssociations',
        'sso-directory:DescribeUser', 'sso-directory:DescribeGroup', 'identitystore:DescribeUser', 'identitystore:DescribeGroup',
        'organizations:DescribeOrganization',
      ],
      Resource: '*',
    },
    {
      // Assigning the workspace's admins, editors and viewers assigns them to its Identity Center
      // application: AMG's guide adds "a policy to provide access to Application assignment" on the
      // Grafana application's ARN, arn:aws:sso::<owner account>:application/ssoins-…/apl-…
      // (https://docs.aws.amazon.com/grafana/latest/userguide/security-iam-awsmanpol.html, after
      // AWSGrafanaWorkspacePermissionManagementV2). Application ids are random and made by AMG, and
      // with an organization instance the ARN's account may be the instance's, so the scope is the
      // condition the Service Authorization Reference gives these actions: applications whose owning
      // account (sso:ApplicationAccount) is this one.
      Sid: 'GrafanaApplicationAssignments',
      Effect: 'Allow',
      Action: ['sso:CreateApplicationAssignment', 'sso:DeleteApplicationAssignment'],
      Resource: `arn:${p}:sso::*:application/*`,
      Condition: { StringEquals: { 'sso:ApplicationAccount': accountId } },
    },
  ];
  return statements;
}

const document = (statements: PolicyStatement[]): PolicyDocument => ({ Version: '2012-10-17', Statement: statements });

/** The deploy role's rights, one customer managed policy per concern. */
export function deployPolicies(args: DeployPolicyArgs): Record<'iam' | 'network' | 'edge' | 'workloads', PolicyDocument> {
  return {
    iam: document(iamStatements(args)),
    network: document(networkStatements(args)),
    edge: document(edgeStatements(args)),
    workloads: document(workloadStatements(args)),
  };
}
