// The bootstrap stack under Pulumi mocks: who can assume the CI roles, and what they may do.
// Sample GitLab ID tokens are run through the roles' trust policies with IAM's matching rules
// (StringEquals: exact; StringLike: * and ?), and sample API calls through the roles' policies and
// the stack roles' boundary (policy-simulator.ts), so each assertion reads as "this job can / cannot".
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { resolved, settle, wildcardMatch } from '../testing/helpers';
import { MOCK_ACCOUNT, MOCK_KMS_KEY_ID, MOCK_REGION, type RecordedCall, type RecordedResource, createMocks } from '../testing/mocks';
import { boundaryPolicy } from './boundary-policy';
import { MAIN_PROJECT, parseDeployRef, parseGitlabUrl, parseHostedZoneIds, parseSecretArn } from './config';
import { STACK_MANAGED_POLICY_ARNS, deployPolicies } from './deploy-policy';
import { previewPolicy } from './preview-policy';
import { type StackScope, stackRolePath } from './stack-scope';
import { LOCKS_PREFIX, StateBackend } from './state-backend';
import { isAllowed } from './testing/policy-simulator';
import { type PolicyDocument, type PolicyStatement } from './trust';

const PROJECT = 'gitlab-ci-bootstrap';
const PROJECT_PATH = 'acme/observable-service';
const ACCOUNT = MOCK_ACCOUNT;
const GITLAB = 'https://gitlab.com';
const ZONE = 'Z0123456789ABCDEFGHIJ';
const SECRET = `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:dockerhub-AbCdEf`;
/** The main stack's provider tags every resource with these (infra-pulumi/config.ts). */
const STACK_TAGS = { 'pulumi:project': 'observable-service', 'pulumi:stack': 'prod' };
const OTHER_TAGS = { 'pulumi:project': 'billing', 'pulumi:stack': 'prod' };
const IAM_POLICY_MAX_CHARS = 6144;

type Recorded = RecordedResource;

interface Claims {
  sub: string;
  aud: string;
}

const sub = (projectPath: string, refType: 'branch' | 'tag', ref: string): string =>
  `project_path:${projectPath}:ref_type:${refType}:ref:${ref}`;

/** Would a web-identity token with these claims be allowed to assume the role? */
function trusts(policy: PolicyDocument, issuerKey: string, claims: Claims): boolean {
  return policy.Statement.some((statement) => {
    if (statement.Effect !== 'Allow' || statement.Action !== 'sts:AssumeRoleWithWebIdentity') return false;
    return Object.entries(statement.Condition ?? {}).every(([operator, keys]) =>
      Object.entries(keys).every(([key, expected]) => {
        const claim = key === `${issuerKey}:sub` ? claims.sub : key === `${issuerKey}:aud` ? claims.aud : undefined;
        if (claim === undefined) return false;
        const values = Array.isArray(expected) ? expected : [expected];
        if (operator === 'StringEquals') return values.includes(claim);
        if (operator === 'StringLike') return values.some((pattern) => wildcardMatch(pattern, claim));
        return false;
      }),
    );
  });
}

function actionsOf(statement: PolicyStatement): string[] {
  const action = statement.Action ?? [];
  return Array.isArray(action) ? action : [action];
}

const tagContext = (kind: 'RequestTag' | 'ResourceTag', tags: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:${kind}/${k}`, v]));

/**
 * IAM ARNs as AWS makes them, for what the bootstrap reads back: a role's holds its path, a bucket's
 * no region; the rest is the shared mocks' (testing/mocks.ts).
 */
function bootstrapState(type: string, name: string, inputs: Record<string, unknown>): Record<string, unknown> | undefined {
  switch (type) {
    case 'aws:iam/role:Role': return { arn: `arn:aws:iam::${ACCOUNT}:role${String(inputs.path ?? '/')}${name}`, name };
    case 'aws:s3/bucket:Bucket': return { arn: `arn:aws:s3:::${name}-abc1234`, bucket: `${name}-abc1234` };
    default: return undefined;
  }
}

interface Context {
  records: Recorded[];
  outputs: Record<string, string | undefined>;
  /** Types of the resources a StateBackend creates with `protect: true` (mocks do not see options). */
  protectedTypes: string[];
}

const Program = suite<Context>('bootstrap program', { records: [], outputs: {}, protectedTypes: [] });

Program.before(async (context) => {
  const calls: RecordedCall[] = [];
  await pulumi.runtime.setMocks(createMocks(context.records, calls, bootstrapState), PROJECT, 'prod', false);
  pulumi.runtime.setAllConfig({
    [`${PROJECT}:projectPath`]: PROJECT_PATH,
    [`${PROJECT}:stateBackend`]: 'true',
    [`${PROJECT}:hostedZoneIds`]: JSON.stringify([ZONE]),
    [`${PROJECT}:imageCredentialsSecretArn`]: SECRET,
    'aws:region': MOCK_REGION,
  });

  const program = await import('./index.js');
  const recordProtected: pulumi.ResourceTransformation = (args) => {
    if (args.opts.protect === true) context.protectedTypes.push(args.type);
    return undefined;
  };
  const protectCheck = new StateBackend('protect-check', { region: 'eu-west-1', stackNamePrefix: 'check' }, { transformations: [recordProtected] });
  await resolved(protectCheck.url);
  context.outputs = {
    oidcProviderArn: await resolved(program.oidcProviderArn),
    deployRoleArn: await resolved(program.deployRoleArn),
    previewRoleArn: await resolved(program.previewRoleArn),
    permissionsBoundaryArn: await resolved(program.permissionsBoundaryArn),
    stateBackendUrl: program.stateBackendUrl ? await resolved(program.stateBackendUrl) : undefined,
    secretsProvider: program.secretsProvider ? await resolved(program.secretsProvider) : undefined,
  };
  // deploy: iam, network, edge, workloads, state; preview: lookups; plus the boundary. Two state
  // backends (the program's and protect-check), each ending with its bucket policy.
  await settle(() =>
    context.records.filter((r) => r.type === 'aws:iam/policy:Policy').length === 7 &&
    context.records.filter((r) => r.type === 'aws:iam/rolePolicyAttachment:RolePolicyAttachment').length === 6 &&
    context.records.filter((r) => r.type === 'aws:s3/bucketPolicy:BucketPolicy').length === 2,
  );
});

function policyDocument(record: Recorded): PolicyDocument {
  return JSON.parse(String(record.inputs.policy)) as PolicyDocument;
}

function role(records: Recorded[], name: string): { trust: PolicyDocument; policies: PolicyDocument[]; policyArns: string[]; inline: Recorded[] } {
  const resource = records.find((r) => r.type === 'aws:iam/role:Role' && r.name === `${name}-role`);
  assert.ok(resource, `role ${name} is created`);
  const policyArns = records
    .filter((r) => r.type === 'aws:iam/rolePolicyAttachment:RolePolicyAttachment' && r.name.startsWith(`${name}-`))
    .map((a) => String(a.inputs.policyArn));
  const policies = policyArns.map((arn) => {
    const policy = records.find((r) => r.type === 'aws:iam/policy:Policy' && arn.endsWith(`/${r.name}`));
    assert.ok(policy, `${arn} is a policy this stack creates, not an AWS managed one`);
    return policyDocument(policy);
  });
  return {
    trust: JSON.parse(String(resource.inputs.assumeRolePolicy)) as PolicyDocument,
    policies,
    policyArns,
    inline: records.filter((r) => r.type === 'aws:iam/rolePolicy:RolePolicy' && r.name.startsWith(`${name}-`)),
  };
}

function boundaryOf(context: Context): PolicyDocument {
  const record = context.records.find((r) => r.type === 'aws:iam/policy:Policy' && r.name === 'prod-stack-role-boundary');
  assert.ok(record, 'the boundary policy is created');
  return policyDocument(record);
}

/** A role of the main stack: under its IAM path, named after its prefix. */
const stackRole = `arn:aws:iam::${ACCOUNT}:role${stackRolePath(MAIN_PROJECT, 'prod')}prod-task-abc1234`;
/** The same name at the default path: a role the stack did not create (an attacker's or another team's). */
const unpathedRole = `arn:aws:iam::${ACCOUNT}:role/prod-task-abc1234`;
const bucketArn = `arn:aws:s3:::pulumi-state-bucket-abc1234`;

Program('creates one IAM OIDC provider for gitlab.com whose audience is gitlab.com', ({ records, outputs }) => {
  const providers = records.filter((r) => r.type === 'aws:iam/openIdConnectProvider:OpenIdConnectProvider');
  assert.is(providers.length, 1);
  assert.is(providers[0]?.inputs.url, GITLAB);
  assert.equal(providers[0]?.inputs.clientIdLists, [GITLAB]);
  assert.match(outputs.oidcProviderArn ?? '', /:oidc-provider\/gitlab\.com$/);
});

Program('only the default branch of this project can assume the deploy role', ({ records }) => {
  const { trust } = role(records, 'gitlab-deploy');
  const can = (claims: Claims): boolean => trusts(trust, 'gitlab.com', claims);
  assert.ok(can({ sub: sub(PROJECT_PATH, 'branch', 'main'), aud: GITLAB }), 'main of this project deploys');
  assert.not.ok(can({ sub: sub(PROJECT_PATH, 'branch', 'feature/x'), aud: GITLAB }), 'a feature branch (merge request) does not');
  assert.not.ok(can({ sub: sub(PROJECT_PATH, 'branch', 'main-2'), aud: GITLAB }), 'a look-alike branch does not');
  assert.not.ok(can({ sub: sub(PROJECT_PATH, 'tag', 'main'), aud: GITLAB }), 'a tag named main does not');
  assert.not.ok(can({ sub: sub('acme/observable-service-fork', 'branch', 'main'), aud: GITLAB }), 'main of another project does not');
  assert.not.ok(can({ sub: sub('someone/observable-service', 'branch', 'main'), aud: GITLAB }), 'a fork does not');
  assert.not.ok(can({ sub: sub(PROJECT_PATH, 'branch', 'main'), aud: 'https://gitlab.example.com' }), 'a token minted for another audience does not');
  assert.is(JSON.stringify(trust).includes('*'), false, 'no wildcard in the deploy trust policy');
});

// GitLab (since 18.2.2, gitlab-org/gitlab#548165) puts the fork's path in project_path even when a
// maintainer runs the fork's merge request pipeline in this project.
Program('the preview role trusts branches of this project, never a fork\'s merge request or a tag', ({ records }) => {
  const { trust } = role(records, 'gitlab-preview');
  const can = (claims: Claims): boolean => trusts(trust, 'gitlab.com', claims);
  assert.ok(can({ sub: sub(PROJECT_PATH, 'branch', 'feature/x'), aud: GITLAB }));
  assert.ok(can({ sub: sub(PROJECT_PATH, 'branch', 'main'), aud: GITLAB }));
  assert.not.ok(can({ sub: sub('someone/observable-service', 'branch', 'feature/x'), aud: GITLAB }), 'a fork\'s merge request pipeline');
  assert.not.ok(can({ sub: sub('acme/observable-service-evil', 'branch', 'x'), aud: GITLAB }), 'a look-alike project');
  assert.not.ok(can({ sub: sub(PROJECT_PATH, 'tag', 'v1.2.3'), aud: GITLAB }));
  assert.not.ok(can({ sub: sub(PROJECT_PATH, 'branch', 'x'), aud: 'https://evil.example' }));
});

Program('the CI roles live under their own IAM path, out of reach of the stack-role pattern', ({ records }) => {
  for (const name of ['gitlab-deploy-role', 'gitlab-preview-role']) {
    const resource = records.find((r) => r.type === 'aws:iam/role:Role' && r.name === name);
    assert.is(resource?.inputs.path, '/gitlab-ci/', name);
  }
  const { policies } = role(records, 'gitlab-deploy');
  for (const action of ['iam:UpdateAssumeRolePolicy', 'iam:PutRolePolicy', 'iam:DeleteRole']) {
    assert.not.ok(isAllowed(policies, {
      action,
      resource: `arn:aws:iam::${ACCOUNT}:role/gitlab-ci/gitlab-deploy-role`,
      context: { ...tagContext('ResourceTag', STACK_TAGS), 'iam:PermissionsBoundary': `arn:aws:iam::${ACCOUNT}:policy/gitlab-ci/prod-stack-role-boundary` },
    }), `the deploy role cannot ${action} itself`);
  }
});

Program('exports the boundary the main stack sets as iamPermissionsBoundaryArn', ({ outputs }) => {
  assert.is(outputs.permissionsBoundaryArn, `arn:aws:iam::${ACCOUNT}:policy/gitlab-ci/prod-stack-role-boundary`);
});

Program('a stack role under the boundary can do its job and nothing that reaches IAM, STS or other data', (context) => {
  const boundary = boundaryOf(context);
  const everything = { Version: '2012-10-17' as const, Statement: [{ Effect: 'Allow' as const, Action: '*', Resource: '*' }] };
  const can = (action: string, resource: string, extra: Record<string, string> = {}): boolean =>
    isAllowed([everything], { action, resource, context: extra }, boundary);
  assert.ok(can('aps:RemoteWrite', `arn:aws:aps:eu-west-1:${ACCOUNT}:workspace/ws-1`), 'the collector writes metrics');
  assert.ok(can('aps:QueryMetrics', `arn:aws:aps:eu-west-1:${ACCOUNT}:workspace/ws-1`), 'Grafana queries them');
  assert.ok(can('aps:ListRules', `arn:aws:aps:eu-west-1:${ACCOUNT}:workspace/ws-1`), 'Grafana lists rules');
  assert.not.ok(can('ecr:BatchGetImage', `arn:aws:ecr:eu-west-1:${ACCOUNT}:repository/prod-app`), 'no ECR: the images come from Docker Hub or ECR Public');
  assert.ok(can('logs:PutLogEvents', `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:prod-logs-abc1234:log-stream:app/app/1`), 'tasks write their logs');
  assert.ok(can('secretsmanager:GetSecretValue', SECRET), 'the execution role reads the registry credentials');
  assert.not.ok(can('secretsmanager:GetSecretValue', `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:database-XyZ123`), 'but no other secret');
  assert.not.ok(can('logs:PutLogEvents', `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:/other/app:log-stream:x`), 'nor another application\'s logs');
  const probes: Array<[string, string]> = [
    ['iam:CreateRole', stackRole], ['iam:AttachRolePolicy', stackRole], ['iam:PassRole', stackRole],
    ['sts:AssumeRole', `arn:aws:iam::${ACCOUNT}:role/OrganizationAccountAccessRole`],
    ['s3:GetObject', 'arn:aws:s3:::prod-alb-logs-abc1234/AWSLogs/x.log.gz'],
    ['ssm:GetParameter', `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/prod/database-password`],
    ['ec2:RunInstances', `arn:aws:ec2:eu-west-1:${ACCOUNT}:instance/i-0123456789abcdef0`],
    ['kms:Decrypt', `arn:aws:kms:eu-west-1:${ACCOUNT}:key/${MOCK_KMS_KEY_ID}`],
    ['aps:RemoteWrite', `arn:aws:aps:eu-west-1:999999999999:workspace/ws-1`],
  ];
  for (const [action, resource] of probes) assert.not.ok(can(action, resource), `not ${action} on ${resource}`);
});

Program('every deploy statement that can create or change a role carries the boundary condition', (context) => {
  const { policies } = role(context.records, 'gitlab-deploy');
  const boundaryArn = context.outputs.permissionsBoundaryArn;
  const roleChanging = ['iam:CreateRole', 'iam:PutRolePolicy', 'iam:AttachRolePolicy', 'iam:PutRolePermissionsBoundary'];
  const statements = policies.flatMap((p) => p.Statement);
  let checked = 0;
  for (const statement of statements.filter((s) => s.Effect === 'Allow')) {
    const actions = actionsOf(statement);
    if (!roleChanging.some((changing) => actions.some((a) => wildcardMatch(a, changing, true)))) continue;
    checked++;
    assert.is(statement.Condition?.StringEquals?.['iam:PermissionsBoundary'], boundaryArn, `${statement.Sid} requires the boundary`);
  }
  assert.ok(checked >= 3, 'create, put and attach statements were found');
});

Program('nothing grants iam:*, and AttachRolePolicy only with a PolicyARN condition', (context) => {
  const { policies } = role(context.records, 'gitlab-deploy');
  const allows = policies.flatMap((p) => p.Statement).filter((s) => s.Effect === 'Allow');
  for (const statement of allows) {
    for (const action of actionsOf(statement)) {
      assert.not.ok(action === '*' || (/^iam:/i.test(action) && action.includes('*')), `${statement.Sid}: ${action}`);
    }
    assert.not.ok(statement.NotAction, `${statement.Sid}: an Allow with NotAction`);
    if (actionsOf(statement).includes('iam:AttachRolePolicy')) {
      assert.equal(statement.Condition?.ArnEquals?.['iam:PolicyARN'], STACK_MANAGED_POLICY_ARNS('aws'), `${statement.Sid} names the policies`);
    }
  }
});

Program('the deploy role cannot make an administrator: boundary required, kept, and only the stack\'s managed policies', (context) => {
  const { policies } = role(context.records, 'gitlab-deploy');
  const boundaryArn = context.outputs.permissionsBoundaryArn ?? '';
  const tagged = { ...tagContext('ResourceTag', STACK_TAGS), 'iam:PermissionsBoundary': boundaryArn };
  const can = (action: string, resource: string, extra: Record<string, string>): boolean => isAllowed(policies, { action, resource, context: extra });
  assert.ok(can('iam:CreateRole', stackRole, { ...tagContext('RequestTag', STACK_TAGS), 'iam:PermissionsBoundary': boundaryArn }), 'a stack role with the boundary');
  assert.not.ok(can('iam:CreateRole', stackRole, tagContext('RequestTag', STACK_TAGS)), 'a role without a boundary');
  assert.not.ok(can('iam:CreateRole', stackRole, { ...tagContext('RequestTag', STACK_TAGS), 'iam:PermissionsBoundary': `arn:aws:iam::${ACCOUNT}:policy/wide-open` }), 'a role with another boundary');
  assert.not.ok(can('iam:CreateRole', `arn:aws:iam::${ACCOUNT}:role${stackRolePath(MAIN_PROJECT, 'staging')}prod-x`, { 'iam:PermissionsBoundary': boundaryArn }), 'a role under another stack\'s path');
  assert.not.ok(can('iam:CreateRole', unpathedRole, { ...tagContext('RequestTag', STACK_TAGS), 'iam:PermissionsBoundary': boundaryArn }), 'a role outside the stack\'s path, tags or not');
  assert.ok(can('iam:PutRolePolicy', stackRole, tagged));
  assert.not.ok(can('iam:PutRolePolicy', stackRole, tagContext('ResourceTag', STACK_TAGS)), 'no inline policy on a role without the boundary');
  assert.ok(can('iam:AttachRolePolicy', stackRole, { ...tagged, 'iam:PolicyARN': 'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy' }));
  assert.not.ok(can('iam:AttachRolePolicy', stackRole, { ...tagged, 'iam:PolicyARN': 'arn:aws:iam::aws:policy/AdministratorAccess' }), 'no AdministratorAccess');
  assert.not.ok(can('iam:DeleteRolePermissionsBoundary', stackRole, tagged), 'a boundary is never removed');
  assert.not.ok(can('iam:PutRolePermissionsBoundary', stackRole, { ...tagContext('ResourceTag', STACK_TAGS), 'iam:PermissionsBoundary': `arn:aws:iam::${ACCOUNT}:policy/wide-open` }), 'nor replaced');
  assert.ok(can('iam:PutRolePermissionsBoundary', stackRole, tagged), 'an existing stack role may be given the boundary');
  assert.ok(can('iam:DeleteRolePolicy', stackRole, tagged), 'a stack role\'s policy can be removed');
  assert.not.ok(can('iam:DeleteRolePolicy', stackRole, tagContext('ResourceTag', STACK_TAGS)), 'not from a role without the boundary (removing a Deny widens rights)');
  assert.not.ok(can('iam:DetachRolePolicy', unpathedRole, tagged), 'nor from a role outside the path');
  assert.not.ok(can('iam:UpdateAssumeRolePolicy', stackRole, tagged), 'no trust policy changes: IAM cannot see what a trust policy trusts');
  for (const action of ['iam:CreatePolicyVersion', 'iam:SetDefaultPolicyVersion', 'iam:DeletePolicy']) {
    assert.not.ok(can(action, boundaryArn, {}), `the boundary policy cannot be edited (${action})`);
  }
  for (const [action, resource] of [
    ['iam:CreateUser', `arn:aws:iam::${ACCOUNT}:user/prod-x`], ['iam:CreateAccessKey', `arn:aws:iam::${ACCOUNT}:user/prod-x`],
    ['iam:AttachUserPolicy', `arn:aws:iam::${ACCOUNT}:user/prod-x`], ['iam:CreatePolicy', `arn:aws:iam::${ACCOUNT}:policy/prod-x`],
  ] as const) {
    assert.not.ok(can(action, resource, {}), `${action} on ${resource}`);
  }
});

Program('stack roles are passed only to ECS tasks and Grafana', ({ records }) => {
  const { policies } = role(records, 'gitlab-deploy');
  const pass = (service: string): boolean =>
    isAllowed(policies, { action: 'iam:PassRole', resource: stackRole, context: { ...tagContext('ResourceTag', STACK_TAGS), 'iam:PassedToService': service } });
  assert.ok(pass('ecs-tasks.amazonaws.com'));
  assert.ok(pass('grafana.amazonaws.com'));
  for (const service of ['ec2.amazonaws.com', 'lambda.amazonaws.com', 'ecs.amazonaws.com', 'cloudformation.amazonaws.com']) {
    assert.not.ok(pass(service), service);
  }
  assert.not.ok(isAllowed(policies, { action: 'iam:PassRole', resource: `arn:aws:iam::${ACCOUNT}:role/OrganizationAccountAccessRole`, context: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } }));
  assert.not.ok(isAllowed(policies, { action: 'iam:PassRole', resource: unpathedRole, context: { ...tagContext('ResourceTag', STACK_TAGS), 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } }), 'a role that only carries the tags');
});

Program('EC2, CloudFront, logs, Route 53 and S3 rights stop at the stack\'s own resources', ({ records }) => {
  const { policies } = role(records, 'gitlab-deploy');
  const ec2 = (type: string): string => `arn:aws:ec2:eu-west-1:${ACCOUNT}:${type}/x-123`;
  const can = (action: string, resource: string, extra: Record<string, string> = {}): boolean => isAllowed(policies, { action, resource, context: extra });
  const created = tagContext('RequestTag', STACK_TAGS);
  const ours = tagContext('ResourceTag', STACK_TAGS);
  const theirs = tagContext('ResourceTag', OTHER_TAGS);

  assert.ok(can('ec2:CreateVpc', ec2('vpc'), created), 'creates a tagged VPC');
  assert.not.ok(can('ec2:CreateVpc', ec2('vpc')), 'not an untagged one');
  assert.ok(can('ec2:CreateSubnet', ec2('subnet'), created) && can('ec2:CreateSubnet', ec2('vpc'), { ...created, ...ours }), 'a subnet in its VPC');
  assert.not.ok(can('ec2:CreateSubnet', ec2('vpc'), { ...created, ...theirs }), 'not in another stack\'s VPC');
  assert.ok(can('ec2:AuthorizeSecurityGroupIngress', ec2('security-group'), ours));
  assert.not.ok(can('ec2:AuthorizeSecurityGroupIngress', ec2('security-group'), { ...created, ...theirs }), 'no rule in another stack\'s security group');
  assert.not.ok(can('ec2:DeleteVpc', ec2('vpc'), theirs), 'no deleting another stack\'s VPC');
  assert.not.ok(can('ec2:RunInstances', ec2('instance'), created), 'no instances');

  const cf = `arn:aws:cloudfront::${ACCOUNT}`;
  assert.ok(can('cloudfront:CreateDistribution', '*', created) && can('cloudfront:CreateVpcOrigin', '*', created));
  // CreateDistribution takes no resource ARN: "*" is what IAM evaluates.
  assert.not.ok(can('cloudfront:CreateDistribution', '*'), 'no untagged distribution');
  assert.ok(can('cloudfront:UpdateDistribution', `${cf}:distribution/E1`, ours));
  assert.not.ok(can('cloudfront:UpdateDistribution', `${cf}:distribution/E2`, theirs), 'not another distribution');
  assert.not.ok(can('cloudfront:DeleteVpcOrigin', `${cf}:vpcorigin/vo_1`, theirs));

  assert.ok(can('logs:CreateLogGroup', `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:prod-logs-abc1234`));
  assert.not.ok(can('logs:DeleteLogGroup', `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:/aws/lambda/billing`), 'not another log group');

  assert.ok(can('route53:ChangeResourceRecordSets', `arn:aws:route53:::hostedzone/${ZONE}`), 'records in the configured zone');
  assert.not.ok(can('route53:ChangeResourceRecordSets', 'arn:aws:route53:::hostedzone/ZOTHERZONE'), 'not in another zone');

  assert.ok(can('s3:PutBucketPolicy', 'arn:aws:s3:::prod-alb-logs-abc1234', { 's3:ResourceAccount': ACCOUNT }), 'the access-log bucket');
  assert.not.ok(can('s3:GetObject', 'arn:aws:s3:::prod-alb-logs-abc1234/AWSLogs/x.log.gz', { 's3:ResourceAccount': ACCOUNT }), 'never reads the logs');
  assert.not.ok(can('s3:DeleteBucket', 'arn:aws:s3:::billing-exports', { 's3:ResourceAccount': ACCOUNT }), 'not another bucket');
  // The program only names the registry secret in the task definition (program-coverage.test.ts).
  for (const action of ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue']) {
    assert.not.ok(can(action, SECRET), `the deploy role never reads the registry credentials (${action})`);
  }

  const statements = policies.flatMap((p) => p.Statement).filter((s) => s.Effect === 'Allow');
  for (const service of ['ec2', 'logs', 'route53', 'cloudfront', 's3', 'secretsmanager', 'ssm']) {
    assert.not.ok(statements.some((s) => actionsOf(s).includes(`${service}:*`)), `no ${service}:*`);
  }
});

// What RoleAssociation needs: grafana:UpdatePermissions/ListPermissions (terraform-provider-aws,
// internal/service/grafana/role_association.go), AWSGrafanaWorkspacePermissionManagementV2's reads and the
// application-assignment policy AMG's guide adds to it:
// https://docs.aws.amazon.com/grafana/latest/userguide/security-iam-awsmanpol.html
Program('Grafana sign-in: the deploy role can create role associations and resolve Identity Center users and groups', ({ records }) => {
  const { policies } = role(records, 'gitlab-deploy');
  const can = (action: string, resource = '*', context: Record<string, string> = {}): boolean => isAllowed(policies, { action, resource, context });
  assert.ok(can('grafana:UpdatePermissions', `arn:aws:grafana:eu-west-1:${ACCOUNT}:/workspaces/g-1`));
  assert.ok(can('grafana:ListPermissions', `arn:aws:grafana:eu-west-1:${ACCOUNT}:/workspaces/g-1`));
  for (const action of ['sso:DescribeRegisteredRegions', 'sso:GetSharedSsoConfiguration', 'sso:ListDirectoryAssociations', 'sso:GetManagedApplicationInstance', 'sso:ListProfiles', 'sso:GetProfile', 'sso:ListProfileAssociations', 'sso-directory:DescribeUser', 'sso-directory:DescribeGroup', 'identitystore:DescribeUser', 'identitystore:DescribeGroup']) {
    assert.ok(can(action), action);
  }
  const application = (account: string): string => `arn:aws:sso::${account}:application/ssoins-0123456789abcdef/apl-0123456789abcdef`;
  assert.ok(can('sso:CreateApplicationAssignment', application(ACCOUNT), { 'sso:ApplicationAccount': ACCOUNT }), 'assigns users to the workspace\'s application');
  assert.ok(can('sso:DeleteApplicationAssignment', application('999999999999'), { 'sso:ApplicationAccount': ACCOUNT }), 'in an organization instance owned by the management account');
  assert.not.ok(can('sso:CreateApplicationAssignment', application('999999999999'), { 'sso:ApplicationAccount': '999999999999' }), 'not to another account\'s application');
  assert.not.ok(can('sso:CreateAccountAssignment', `arn:aws:sso:::permissionSet/ssoins-0123456789abcdef/ps-0123456789abcdef`), 'no AWS account access through Identity Center');
  assert.not.ok(can('sso:AssociateProfile', application(ACCOUNT), { 'sso:ApplicationAccount': ACCOUNT }), 'no Identity Center writes beyond assignments');
  // AMG's guide asks for application assignment (create and delete) only; the provider reads back with grafana:ListPermissions.
  for (const action of ['sso:DescribeApplicationAssignment', 'sso:ListApplicationAssignments', 'sso:PutApplicationAssignmentConfiguration']) {
    assert.not.ok(can(action, application(ACCOUNT), { 'sso:ApplicationAccount': ACCOUNT }), action);
  }
  assert.not.ok(can('identitystore:CreateUser', 'arn:aws:identitystore::123456789012:identitystore/d-0123456789'));
});

Program('every CI policy fits IAM\'s size limit, and a role has at most 10 of them', ({ records }) => {
  for (const record of records.filter((r) => r.type === 'aws:iam/policy:Policy')) {
    const size = String(record.inputs.policy).replace(/\s/g, '').length;
    assert.ok(size <= IAM_POLICY_MAX_CHARS, `${record.name}: ${size} characters`);
  }
  for (const name of ['gitlab-deploy', 'gitlab-preview']) assert.ok(role(records, name).policyArns.length <= 10);
});

Program('the preview role reads no parameter, object, secret, listener rule or distribution config', ({ records }) => {
  const { policies, policyArns, inline } = role(records, 'gitlab-preview');
  assert.not.ok(policyArns.some((arn) => arn.includes(':aws:policy/')), 'no AWS managed policy (ReadOnlyAccess)');
  assert.equal(inline, []);
  const can = (action: string, resource = '*'): boolean => isAllowed(policies, { action, resource });
  const probes: Array<[string, string]> = [
    ['ssm:GetParameter', `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/prod/database-password`],
    ['ssm:GetParameters', `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/prod/database-password`],
    ['ssm:GetParametersByPath', `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/prod`],
    ['secretsmanager:GetSecretValue', SECRET],
    // DescribeRules takes no resource ARN: "*" is what IAM evaluates.
    ['elasticloadbalancing:DescribeRules', '*'],
    ['cloudfront:GetDistributionConfig', `arn:aws:cloudfront::${ACCOUNT}:distribution/E1ABCDEF`],
    ['cloudfront:GetDistribution', `arn:aws:cloudfront::${ACCOUNT}:distribution/E1ABCDEF`],
    ['kms:Encrypt', `arn:aws:kms:eu-west-1:${ACCOUNT}:key/${MOCK_KMS_KEY_ID}`],
    ['s3:PutObject', `${bucketArn}/.pulumi/stacks/observable-service/prod.json`],
    ['iam:GetRole', stackRole],
    ['grafana:CreateWorkspaceApiKey', `arn:aws:grafana:eu-west-1:${ACCOUNT}:/workspaces/g-1`],
  ];
  for (const [action, resource] of probes) assert.not.ok(can(action, resource), `${action} on ${resource}`);
  assert.ok(can('iam:SimulateCustomPolicy'), 'asks IAM to evaluate policies (npm run test:iam-aws), which reads nothing of the account');
  assert.not.ok(can('s3:GetObject', 'arn:aws:s3:::prod-alb-logs-abc1234/AWSLogs/x'), 'no objects outside the state bucket');
  assert.ok(can('s3:GetObject', `${bucketArn}/.pulumi/stacks/observable-service/prod.json`), 'reads the state');
  assert.not.ok(can('s3:PutObject', `${bucketArn}/${LOCKS_PREFIX}acme/observable-service/prod/x.json`), 'a preview takes no lock (diy backend)');
  assert.ok(can('kms:Decrypt', `arn:aws:kms:eu-west-1:${ACCOUNT}:key/${MOCK_KMS_KEY_ID}`), 'decrypts the stack\'s secrets');
  for (const action of ['ec2:DescribeAvailabilityZones', 'ec2:DescribeSecurityGroups', 'cloudfront:ListCachePolicies', 'cloudfront:GetOriginRequestPolicy', 'route53:ListHostedZones', 'route53:GetHostedZone']) {
    assert.ok(can(action), `the program's lookup ${action}`);
  }
});

Program('self-managed state: a versioned, encrypted, private, TLS-only bucket and a rotating KMS key, exported as CI variables', ({ records, outputs }) => {
  const state = (type: string): Recorded | undefined => records.find((r) => r.type === type && r.name.startsWith('pulumi-state-'));
  assert.is((state('aws:s3/bucketVersioning:BucketVersioning')?.inputs.versioningConfiguration as { status?: string })?.status, 'Enabled');
  const sse = state('aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration');
  assert.match(JSON.stringify(sse?.inputs.rules), /"sseAlgorithm":"AES256"/);
  const block = state('aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock')?.inputs ?? {};
  assert.equal([block.blockPublicAcls, block.blockPublicPolicy, block.ignorePublicAcls, block.restrictPublicBuckets], [true, true, true, true]);
  const tls = JSON.parse(String(state('aws:s3/bucketPolicy:BucketPolicy')?.inputs.policy)) as { Statement: Array<{ Effect: string; Condition: unknown }> };
  assert.equal(tls.Statement[0]?.Effect, 'Deny');
  assert.equal(tls.Statement[0]?.Condition, { Bool: { 'aws:SecureTransport': 'false' } });
  const meta = state('aws:s3/bucketObjectv2:BucketObjectv2')?.inputs ?? {};
  assert.equal([meta.key, meta.content], ['.pulumi/meta.yaml', 'version: 1\n'], 'the backend is initialised, so a read-only preview can log in');
  const key = state('aws:kms/key:Key');
  assert.is(key?.inputs.enableKeyRotation, true);
  assert.is(outputs.stateBackendUrl, 's3://pulumi-state-bucket-abc1234');
  assert.is(outputs.secretsProvider, 'awskms://alias/pulumi-prod?region=eu-west-1');
});

Program('the state bucket and the key are protected: losing either orphans the stack or its secrets', ({ protectedTypes }) => {
  assert.equal([...protectedTypes].sort(), ['aws:kms/key:Key', 'aws:s3/bucket:Bucket']);
});

Program('the deploy role reads and writes the state and creates stacks, but cannot reconfigure the state bucket', ({ records }) => {
  const { policies } = role(records, 'gitlab-deploy');
  const can = (action: string, resource: string): boolean => isAllowed(policies, { action, resource, context: { 's3:ResourceAccount': ACCOUNT } });
  assert.ok(can('s3:PutObject', `${bucketArn}/.pulumi/stacks/observable-service/prod.json`));
  assert.ok(can('s3:PutObject', `${bucketArn}/${LOCKS_PREFIX}organization/observable-service/prod/1.json`));
  assert.ok(can('kms:Encrypt', `arn:aws:kms:eu-west-1:${ACCOUNT}:key/${MOCK_KMS_KEY_ID}`), 'stack init encrypts the data key');
  assert.ok(can('kms:Decrypt', `arn:aws:kms:eu-west-1:${ACCOUNT}:key/${MOCK_KMS_KEY_ID}`));
  for (const action of ['s3:DeleteBucket', 's3:PutBucketPolicy', 's3:PutBucketVersioning']) {
    assert.not.ok(can(action, bucketArn), action);
  }
  assert.not.ok(can('s3:DeleteObjectVersion', `${bucketArn}/.pulumi/stacks/observable-service/prod.json`), 'no rewriting the state\'s history');
});

Program('exports the role ARNs the pipeline needs', ({ outputs }) => {
  assert.match(outputs.deployRoleArn ?? '', /^arn:aws:iam::\d{12}:role\/gitlab-ci\//);
  assert.match(outputs.previewRoleArn ?? '', /^arn:aws:iam::\d{12}:role\/gitlab-ci\//);
});

Program.run();

const Policies = suite('CI policies without the optional parts');

const scope: StackScope = { partition: 'aws', accountId: ACCOUNT, stackNamePrefix: 'prod', project: 'observable-service', stackName: 'prod' };

Policies('CloudFront mode: no Route 53 record writes anywhere; no secret rights without a registry secret', () => {
  const documents = Object.values(deployPolicies({ ...scope, permissionsBoundaryArn: 'arn:aws:iam::123456789012:policy/b', hostedZoneIds: [] }));
  assert.not.ok(isAllowed(documents, { action: 'route53:ChangeResourceRecordSets', resource: 'arn:aws:route53:::hostedzone/ZANY' }));
  assert.not.ok(documents.flatMap((d) => d.Statement).some((s) => actionsOf(s).some((a) => a.startsWith('secretsmanager:'))));
  const boundary = boundaryPolicy(scope);
  assert.not.ok(boundary.Statement.some((s) => s.Effect === 'Allow' && actionsOf(s).some((a) => a.startsWith('secretsmanager:'))), 'the boundary admits no secret');
});

Policies('without a state bucket the preview role has no S3 or KMS rights at all', () => {
  const document = previewPolicy({ partition: 'aws' });
  assert.not.ok(document.Statement.some((s) => actionsOf(s).some((a) => /^(s3|kms):/.test(a))));
});

Policies('the stack tags the policies rely on are the main program\'s: its project name', () => {
  const mainProject = /^name:\s*(\S+)/m.exec(readFileSync(path.join(__dirname, '..', 'Pulumi.yaml'), 'utf8'))?.[1];
  assert.is(MAIN_PROJECT, mainProject);
});

Policies.run();

const Config = suite('bootstrap configuration');

Config('deploy refs are exact protected branch or tag names, never patterns', () => {
  assert.equal(parseDeployRef('branch:main'), { type: 'branch', name: 'main' });
  assert.equal(parseDeployRef('tag:v1.2.3'), { type: 'tag', name: 'v1.2.3' });
  assert.throws(() => parseDeployRef('branch:*'), /no wildcards/);
  assert.throws(() => parseDeployRef('branch:release-?'), /no wildcards/);
  assert.throws(() => parseDeployRef('main'), /branch:<name> or tag:<name>/);
});

Config('a self-managed GitLab URL is accepted, plain http is not', () => {
  assert.is(parseGitlabUrl('https://gitlab.example.com/'), 'https://gitlab.example.com');
  assert.throws(() => parseGitlabUrl('http://gitlab.example.com'), /https:\/\//);
  assert.throws(() => parseGitlabUrl('gitlab.com'), /not a URL/);
});

Config('hosted zone ids and the registry secret are checked, with the key named', () => {
  assert.equal(parseHostedZoneIds([ZONE]), [ZONE]);
  assert.throws(() => parseHostedZoneIds(['example.com']), /"hostedZoneIds"/);
  assert.throws(() => parseHostedZoneIds('Z123'), /"hostedZoneIds"/);
  assert.is(parseSecretArn(SECRET), SECRET);
  assert.throws(() => parseSecretArn('dockerhub'), /"imageCredentialsSecretArn"/);
});

Config.run();
