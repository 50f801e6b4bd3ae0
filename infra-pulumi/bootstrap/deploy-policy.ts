// What `pulumi up` of the main stack (infra-pulumi/) needs, as customer managed policies (each at
// most 6,144 characters, IAM's limit; a role's inline policies share 10,240, too few for this).
//
// IAM: the deploy role may create and change only roles named `<stackNamePrefix>-*`, tagged with the
// stack's project and stack, carrying the permissions boundary (boundary-policy.ts); it may attach
// only STACK_MANAGED_POLICY_ARNS, never remove a boundary or set another one, and pass the roles
// only to ECS tasks and Grafana. A role it creates can therefore do no more than the boundary.
//
// Narrowed with the Service Authorization Reference (which actions take a resource ARN, which
// honour aws:RequestTag / aws:ResourceTag):
//   ec2         creates only with both stack tags in the request, one statement per created
//               resource type (so a tagged create cannot reach into another stack's VPC, subnet or
//               security group); every change or delete only on resources carrying the tags.
//   cloudfront  distributions and VPC origins: created with the tags, changed only when tagged.
//               CreateDistribution and CreateVpcOrigin take no resource ARN, so "*" with RequestTag.
//   logs        log groups named `<stackNamePrefix>-*` only (the stack's one log group).
//   route53     records only in the hosted zones named in `hostedZoneIds` (none in CloudFront mode).
//   s3          buckets named `<stackNamePrefix>-*` (the ALB access-log bucket); no object reads.
//   sns         topics named `<stackNamePrefix>-*`.
//   secrets     none: the program names the registry secret, it never reads or describes it.
// What stays service-wide, and why: read-only Describe/List/Get calls (most take only "*"), and
// elasticloadbalancing, ecs, application-autoscaling, acm, aps, grafana and cloudwatch. None of
// those reaches IAM (passing a role still needs iam:PassRole, which is limited above), so their
// worst case is changing another workload of the same services in this account: give the stack an
// account of its own. Whoever can merge to a deploy ref can change the program, and so can do what
// this role can: protect those refs.
// program-coverage.test.ts checks both directions against the program: every call its resources
// and data sources make is allowed, and every action named here is one of those calls.
import { type StackScope, requestTags, resourceTags, stackLogGroupArns, stackRoleArns } from './stack-scope';
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
export const SERVICE_WIDE = ['elasticloadbalancing', 'ecs', 'application-autoscaling', 'acm', 'aps', 'grafana', 'cloudwatch'] as const;

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
  const roles = stackRoleArns(args);
  const boundary = { 'iam:PermissionsBoundary': args.permissionsBoundaryArn };
  return [
    {
      Sid: 'CreateStackRolesWithTheBoundary',
      Effect: 'Allow',
      Action: 'iam:CreateRole',
      Resource: roles,
      Condition: { StringEquals: { ...boundary, ...requestTags(args) } },
    },
    {
      Sid: 'ChangeRolePoliciesOnlyUnderTheBoundary',
      Effect: 'Allow',
      Action: ['iam:PutRolePolicy', 'iam:PutRolePermissionsBoundary'],
      Resource: roles,
      Condition: { StringEquals: { ...boundary, ...resourceTags(args) } },
    },
    {
      Sid: 'AttachOnlyTheStacksManagedPolicies',
      Effect: 'Allow',
      Action: 'iam:AttachRolePolicy',
      Resource: roles,
      Condition: {
        StringEquals: { ...boundary, ...resourceTags(args) },
        ArnEquals: { 'iam:PolicyARN': STACK_MANAGED_POLICY_ARNS(args.partition) },
      },
    },
    {
      // Removing rights never widens them, and a role made before the boundary existed must stay
      // deletable: DeleteRolePolicy and DetachRolePolicy need the stack's tags, not the boundary.
      Sid: 'ManageStackRoles',
      Effect: 'Allow',
      Action: ['iam:DeleteRole', 'iam:UpdateRole', 'iam:UpdateRoleDescription', 'iam:UpdateAssumeRolePolicy', 'iam:TagRole', 'iam:UntagRole', 'iam:DeleteRolePolicy', 'iam:DetachRolePolicy'],
      Resource: roles,
      Condition: { StringEquals: resourceTags(args) },
    },
    // CreateRole with tags also authorizes iam:TagRole, before the role has any.
    { Sid: 'TagStackRolesOnCreate', Effect: 'Allow', Action: 'iam:TagRole', Resource: roles, Condition: { StringEquals: requestTags(args) } },
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
      Condition: { StringEquals: { 'iam:PassedToService': [...PASS_ROLE_SERVICES], ...resourceTags(args) } },
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

function workloadStatements(args: DeployPolicyArgs): PolicyStatement[] {
  const { partition: p, accountId, stackNamePrefix: prefix } = args;
  const bucket = `arn:${p}:s3:::${prefix}-*`;
  const statements: PolicyStatement[] = [
    { Sid: 'ServiceWide', Effect: 'Allow', Action: SERVICE_WIDE.map((service) => `${service}:*`), Resource: '*' },
    {
      Sid: 'StackLogGroups',
      Effect: 'Allow',
      Action: [
        'logs:CreateLogGroup', 'logs:DeleteLogGroup', 'logs:PutRetentionPolicy', 'logs:DeleteRetentionPolicy',
        'logs:TagResource', 'logs:UntagResource', 'logs:ListTagsForResource',
      ],
      Resource: stackLogGroupArns(args),
    },
    { Sid: 'ListLogGroups', Effect: 'Allow', Action: 'logs:DescribeLogGroups', Resource: '*' },
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
      // AWS_SSO workspaces register an Identity Center application; RoleAssociation (Grafana
      // sign-in) calls grafana:UpdatePermissions and resolves users and groups in Identity Center:
      // the reads of AWS's AWSGrafanaWorkspacePermissionManagementV2, plus the identitystore API's.
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
