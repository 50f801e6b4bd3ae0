// What `pulumi up` of the main stack (infra-pulumi/) needs, as one policy document.
//
// Honest about its breadth: the stack creates and replaces VPCs, load balancers, CloudFront
// distributions, ECS services, AMP and Grafana workspaces, so the role has full rights on those
// services in the account. It is narrowed where IAM allows without breaking updates:
//   - IAM: only roles named `<stackNamePrefix>-*` (the main stack names its roles after its
//     namePrefix), passed only to ECS tasks and Grafana; no users, groups or access keys.
//   - SSM parameters: only `<stackNamePrefix>-*`.
//   - Service-linked roles: only for the services the stack uses.
// What is still admin-like, and why it is accepted: whoever can merge to the default branch
// can change the program, so can already do what this role can. Protect the default branch.
import { type PolicyDocument } from './trust';

export interface DeployPolicyArgs {
  readonly partition: string;
  readonly accountId: string;
  readonly stackNamePrefix: string;
}

/** Services whose resources the main stack creates, updates and deletes. */
export const MANAGED_SERVICES = [
  'ec2',
  'elasticloadbalancing',
  'ecs',
  'cloudfront',
  'logs',
  'aps',
  'grafana',
  'sns',
  'application-autoscaling',
  'acm',
  'route53',
  'cloudwatch',
] as const;

const SERVICE_LINKED_ROLE_SERVICES = [
  'ecs.amazonaws.com',
  'elasticloadbalancing.amazonaws.com',
  'ecs.application-autoscaling.amazonaws.com',
  'grafana.amazonaws.com',
];

export function deployPolicy(args: DeployPolicyArgs): PolicyDocument {
  const iam = `arn:${args.partition}:iam::${args.accountId}`;
  const ssm = `arn:${args.partition}:ssm:*:${args.accountId}`;
  const stackRoles = `${iam}:role/${args.stackNamePrefix}-*`;
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'StackServices',
        Effect: 'Allow',
        Action: MANAGED_SERVICES.map((service) => `${service}:*`),
        Resource: '*',
      },
      {
        Sid: 'StackRoles',
        Effect: 'Allow',
        Action: [
          'iam:CreateRole',
          'iam:DeleteRole',
          'iam:GetRole',
          'iam:UpdateRole',
          'iam:UpdateAssumeRolePolicy',
          'iam:TagRole',
          'iam:UntagRole',
          'iam:ListRoleTags',
          'iam:PutRolePolicy',
          'iam:GetRolePolicy',
          'iam:DeleteRolePolicy',
          'iam:ListRolePolicies',
          'iam:AttachRolePolicy',
          'iam:DetachRolePolicy',
          'iam:ListAttachedRolePolicies',
          'iam:ListInstanceProfilesForRole',
        ],
        Resource: stackRoles,
      },
      {
        Sid: 'PassStackRolesToTheirServices',
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: stackRoles,
        Condition: { StringEquals: { 'iam:PassedToService': ['ecs-tasks.amazonaws.com', 'grafana.amazonaws.com'] } },
      },
      {
        Sid: 'ServiceLinkedRoles',
        Effect: 'Allow',
        Action: 'iam:CreateServiceLinkedRole',
        Resource: `${iam}:role/aws-service-role/*`,
        Condition: { StringEquals: { 'iam:AWSServiceName': SERVICE_LINKED_ROLE_SERVICES } },
      },
      {
        Sid: 'ReadPolicies',
        Effect: 'Allow',
        Action: ['iam:GetPolicy', 'iam:GetPolicyVersion'],
        Resource: '*',
      },
      {
        Sid: 'CollectorConfigParameter',
        Effect: 'Allow',
        Action: ['ssm:PutParameter', 'ssm:GetParameter', 'ssm:GetParameters', 'ssm:DeleteParameter', 'ssm:AddTagsToResource', 'ssm:RemoveTagsFromResource', 'ssm:ListTagsForResource'],
        Resource: `${ssm}:parameter/${args.stackNamePrefix}-*`,
      },
      {
        Sid: 'DescribeParameters',
        Effect: 'Allow',
        Action: 'ssm:DescribeParameters',
        Resource: '*',
      },
      {
        // Managed Grafana with IAM Identity Center (AWS_SSO) registers an SSO application.
        Sid: 'GrafanaIdentityCenter',
        Effect: 'Allow',
        Action: [
          'sso:CreateManagedApplicationInstance',
          'sso:DeleteManagedApplicationInstance',
          'sso:DescribeRegisteredRegions',
          'sso:GetSharedSsoConfiguration',
          'organizations:DescribeOrganization',
        ],
        Resource: '*',
      },
    ],
  };
}
