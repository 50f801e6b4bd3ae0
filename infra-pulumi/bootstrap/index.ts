// Bootstrap: GitLab's OIDC provider in IAM and the two roles the pipeline assumes.
//   deploy  `pulumi up` from the protected refs in deployRefs (default: branch main) only
//   preview `pulumi preview` from any branch of this project (merge requests), read-only
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { loadConfig } from './config';
import { deployPolicy } from './deploy-policy';
import { GitLabCiRole } from './gitlab-ci-role';
import { GitLabOidcProvider } from './gitlab-oidc-provider';
import { anyBranchSubject, subjectOf } from './trust';

const config = loadConfig();
const partition = aws.getPartitionOutput({});
const caller = aws.getCallerIdentityOutput({});

const gitlab = new GitLabOidcProvider('gitlab', {
  gitlabUrl: config.gitlabUrl,
  ...(config.existingProviderArn ? { existingProviderArn: config.existingProviderArn } : {}),
});

const deploy = new GitLabCiRole('gitlab-deploy', {
  providerArn: gitlab.arn,
  gitlabUrl: config.gitlabUrl,
  subjects: config.deployRefs.map((ref) => subjectOf(config.projectPath, ref)),
  description: `pulumi up of the ${config.stackNamePrefix} stack from ${config.projectPath} (protected refs only)`,
  policy: pulumi
    .all([partition.partition, caller.accountId])
    .apply(([p, accountId]) => deployPolicy({ partition: p, accountId, stackNamePrefix: config.stackNamePrefix })),
  maxSessionDurationSeconds: 7200,
});

const preview = new GitLabCiRole('gitlab-preview', {
  providerArn: gitlab.arn,
  gitlabUrl: config.gitlabUrl,
  subjectPatterns: [anyBranchSubject(config.projectPath)],
  description: `pulumi preview of the ${config.stackNamePrefix} stack from merge requests of ${config.projectPath} (read-only)`,
  managedPolicyArns: [partition.partition.apply((p) => `arn:${p}:iam::aws:policy/ReadOnlyAccess`)],
});

export const oidcProviderArn = gitlab.arn;
export const deployRoleArn = deploy.arn;
export const previewRoleArn = preview.arn;
