// The permissions boundary of every IAM role the main stack creates: the most any of them may ever
// do, whatever policy the deploy role puts on it. Derived from the stack's three roles:
//   task role       aps:RemoteWrite to the stack's AMP workspace (the ADOT collector)
//   execution role  AmazonECSTaskExecutionRolePolicy (ECR pulls, the task's log streams) and, when
//                   configured, the registry-credentials secret (private Docker Hub images)
//   Grafana role    queries, rules and alerts of AMP workspaces; publishing to the stack's topics
// A role's effective rights are its policies AND this boundary, so a deploy role that may only
// create roles carrying it cannot mint an administrator (the hole of issue 9's item 1).
import { type StackScope, secretArns, stackLogGroupArns } from './stack-scope';
import { type PolicyDocument } from './trust';

export interface BoundaryPolicyArgs extends StackScope {
  /** Secret with registry credentials that the execution role may read; none when unset. */
  readonly imageCredentialsSecretArn?: string | undefined;
}

/** What Amazon Managed Grafana's workspace role reads from AMP (AWS's AmazonPrometheusQueryAccess, plus rules and alerts). */
export const GRAFANA_AMP_READS = [
  'aps:QueryMetrics',
  'aps:GetSeries',
  'aps:GetLabels',
  'aps:GetMetricMetadata',
  'aps:DescribeWorkspace',
  'aps:ListRules',
  'aps:ListAlerts',
] as const;

export function boundaryPolicy(args: BoundaryPolicyArgs): PolicyDocument {
  const { partition: p, accountId } = args;
  const workspaces = `arn:${p}:aps:*:${accountId}:workspace/*`;
  const logGroups = stackLogGroupArns(args);
  const statements: PolicyDocument['Statement'] = [
    { Sid: 'RemoteWriteMetrics', Effect: 'Allow', Action: 'aps:RemoteWrite', Resource: workspaces },
    { Sid: 'GrafanaQueriesMetrics', Effect: 'Allow', Action: [...GRAFANA_AMP_READS], Resource: workspaces },
    { Sid: 'GrafanaListsWorkspaces', Effect: 'Allow', Action: 'aps:ListWorkspaces', Resource: '*' },
    { Sid: 'GrafanaNotifiesStackTopics', Effect: 'Allow', Action: 'sns:Publish', Resource: `arn:${p}:sns:*:${accountId}:${args.stackNamePrefix}-*` },
    // AmazonECSTaskExecutionRolePolicy grants these on "*"; the boundary keeps them to this account.
    { Sid: 'PullImagesFromEcr', Effect: 'Allow', Action: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'], Resource: `arn:${p}:ecr:*:${accountId}:repository/*` },
    { Sid: 'EcrLogin', Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
    // `log-group:<name>:log-stream:<stream>` falls under the log group's pattern.
    { Sid: 'WriteTaskLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: logGroups },
  ];
  if (args.imageCredentialsSecretArn !== undefined) {
    statements.push(
      { Sid: 'ReadRegistryCredentials', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: secretArns(args.imageCredentialsSecretArn) },
      // Only for a secret under a customer managed key, and only through Secrets Manager.
      {
        Sid: 'DecryptRegistryCredentials',
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: `arn:${p}:kms:*:${accountId}:key/*`,
        Condition: { StringLike: { 'kms:ViaService': 'secretsmanager.*.amazonaws.com' } },
      },
    );
  }
  // Belt and braces: the allow list above already excludes these; the explicit deny keeps them out
  // even if a later edit adds a wildcard.
  statements.push({
    Sid: 'NeverIdentityOrAccountChanges',
    Effect: 'Deny',
    Action: ['iam:*', 'organizations:*', 'account:*', 'sts:AssumeRole', 'sts:AssumeRoleWithWebIdentity', 'sts:AssumeRoleWithSAML', 'sts:GetFederationToken'],
    Resource: '*',
  });
  return { Version: '2012-10-17', Statement: statements };
}
