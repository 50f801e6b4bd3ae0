// Bootstrap: GitLab's OIDC provider in IAM, the permissions boundary of the main stack's roles, the
// two roles the pipeline assumes and, optionally, the S3 bucket and KMS key of a self-managed state.
//   deploy  `pulumi up` from the protected refs in deployRefs (default: branch main) only
//   preview `pulumi preview` from any branch of this project (merge requests): the program's
//           lookups and the state, nothing that holds a secret
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { boundaryPolicy } from './boundary-policy';
import { MAIN_PROJECT, loadConfig } from './config';
import { deployPolicies } from './deploy-policy';
import { CI_IAM_PATH, GitLabCiRole } from './gitlab-ci-role';
import { GitLabOidcProvider } from './gitlab-oidc-provider';
import { previewPolicy } from './preview-policy';
import { type StackScope } from './stack-scope';
import { StateBackend, deployStateStatements, previewStateStatements } from './state-backend';
import { anyBranchSubject, subjectOf } from './trust';

const config = loadConfig();
const partition = aws.getPartitionOutput({});
const caller = aws.getCallerIdentityOutput({});
const region = aws.getRegionOutput({});

const scope = pulumi.all([partition.partition, caller.accountId]).apply(([p, accountId]): StackScope => ({
  partition: p,
  accountId,
  stackNamePrefix: config.stackNamePrefix,
  project: MAIN_PROJECT,
  stackName: config.stackName,
}));

const gitlab = new GitLabOidcProvider('gitlab', {
  gitlabUrl: config.gitlabUrl,
  ...(config.existingProviderArn ? { existingProviderArn: config.existingProviderArn } : {}),
});

const boundary = new aws.iam.Policy(`${config.stackNamePrefix}-stack-role-boundary`, {
  path: CI_IAM_PATH,
  description: `Permissions boundary of every IAM role the ${config.stackNamePrefix} stack creates`,
  policy: scope.apply((s) => JSON.stringify(boundaryPolicy({ ...s, imageCredentialsSecretArn: config.imageCredentialsSecretArn }))),
});

const state = config.stateBackend
  ? new StateBackend('pulumi-state', { region: region.region, stackNamePrefix: config.stackNamePrefix })
  : undefined;
const stateAccess = state ? pulumi.all([state.bucketArn, state.keyArn]).apply(([bucketArn, keyArn]) => ({ bucketArn, keyArn })) : undefined;

const deployDocuments = pulumi.all([scope, boundary.arn, stateAccess]).apply(([s, permissionsBoundaryArn, access]) => ({
  ...deployPolicies({
    ...s,
    permissionsBoundaryArn,
    hostedZoneIds: config.hostedZoneIds,
  }),
  ...(access ? { state: { Version: '2012-10-17' as const, Statement: deployStateStatements(access) } } : {}),
}));

const deploy = new GitLabCiRole('gitlab-deploy', {
  providerArn: gitlab.arn,
  gitlabUrl: config.gitlabUrl,
  subjects: config.deployRefs.map((ref) => subjectOf(config.projectPath, ref)),
  description: `pulumi up of the ${config.stackNamePrefix} stack from ${config.projectPath} (protected refs only)`,
  policyNames: ['iam', 'network', 'edge', 'workloads', ...(state ? ['state'] : [])],
  policies: deployDocuments,
  maxSessionDurationSeconds: 7200,
});

const preview = new GitLabCiRole('gitlab-preview', {
  providerArn: gitlab.arn,
  gitlabUrl: config.gitlabUrl,
  subjectPatterns: [anyBranchSubject(config.projectPath)],
  description: `pulumi preview of the ${config.stackNamePrefix} stack from merge requests of ${config.projectPath} (lookups and state reads only)`,
  policyNames: ['lookups'],
  policies: pulumi.all([partition.partition, stateAccess]).apply(([p, access]) => ({
    lookups: previewPolicy({ partition: p, ...(access ? { stateStatements: previewStateStatements(access) } : {}) }),
  })),
});

export const oidcProviderArn = gitlab.arn;
export const deployRoleArn = deploy.arn;
export const previewRoleArn = preview.arn;
/** Main stack config `iamPermissionsBoundaryArn`. */
export const permissionsBoundaryArn = boundary.arn;
/** CI variable PULUMI_BACKEND_URL; undefined unless `stateBackend: true`. */
export const stateBackendUrl = state?.url;
/** CI variable PULUMI_SECRETS_PROVIDER (`pulumi stack init --secrets-provider`); undefined unless `stateBackend: true`. */
export const secretsProvider = state?.secretsProvider;
