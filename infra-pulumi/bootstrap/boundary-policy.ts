// The permissions boundary of every IAM role the main stack creates: the most any of them may ever
// do, whatever policy the deploy role puts on it. Derived from the stack's three roles:
//   task role       aps:RemoteWrite to the stack's AMP workspace (the ADOT collector)
//   execution role  the task's log streams (from AmazonECSTaskExecutionRolePolicy) and, when
//                   configured, the registry-credentials secret (private Docker Hub images). No ECR:
//                   the stack's images come from Docker Hub or ECR Public, which needs no IAM, so the
//                   ECR pulls the managed policy grants on "*" stop here.
//   Grafana role    queries, rules and alerts of AMP workspaces; publishing to the stack's topics
// A role's effective rights are its policies AND this boundary, so a deploy role that may only
// create roles carrying it cannot mint an administrator, and whoever a stack role trusts (IAM cannot
// restrict a trust policy's content) gets no more than this.
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
    // `log-group:<name>:log-stream:<stream>` falls under the log group's pattern.
    { Sid: 'WriteTaskLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: logGroups },
  ];
  if (args.imageCredentialsSecretArn !== undefined) {
    statements.push(
      { Sid: 'ReadRegistryCredentials', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: secretArns(args.imageCredentialsSecretArn) },
      // Only for that secret under a customer managed key, and only through Secrets Manager.
      {
        Sid: 'DecryptRegistryCredentials',
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: `arn:${p}:kms:*:${accountId}:key/*`,
        // Secrets Manager puts the secret's ARN in the encryption context of every data key.
        Condition: { StringLike: { 'kms:ViaService': 'secretsmanager.*.amazonaws.com', 'kms:EncryptionContext:SecretARN': secretArns(args.imageCredentialsSecretArn) } },
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
