// The bootstrap stack under Pulumi mocks: who can assume the CI roles, and what they may do.
// Sample GitLab ID tokens are run through the roles' trust policies with IAM's matching rules
// (StringEquals: exact; StringLike: * and ?), so each assertion reads as "this job can / cannot".
import * as pulumi from '@pulumi/pulumi';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseDeployRef, parseGitlabUrl } from './config';
import { type PolicyDocument, type PolicyStatement } from './trust';

const PROJECT = 'gitlab-ci-bootstrap';
const PROJECT_PATH = 'acme/observable-service';
const ACCOUNT = '123456789012';
const GITLAB = 'https://gitlab.com';

interface Recorded {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

interface Claims {
  sub: string;
  aud: string;
}

const sub = (projectPath: string, refType: 'branch' | 'tag', ref: string): string =>
  `project_path:${projectPath}:ref_type:${refType}:ref:${ref}`;

/** IAM's StringLike: `*` any run of characters, `?` one character. */
function like(pattern: string, value: string): boolean {
  const regex = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${regex}$`).test(value);
}

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
        if (operator === 'StringLike') return values.some((pattern) => like(pattern, claim));
        return false;
      }),
    );
  });
}

function actionsOf(statement: PolicyStatement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

function resourcesOf(statement: PolicyStatement): string[] {
  const resource = statement.Resource ?? [];
  return Array.isArray(resource) ? resource : [resource];
}

const resolved = <T>(output: pulumi.Output<T>): Promise<T> => new Promise((resolve) => output.apply(resolve));

/** Lets registrations whose inputs wait on other outputs reach the mock; bounded, never timed. */
async function settle(done: () => boolean): Promise<void> {
  for (let turn = 0; turn < 500 && !done(); turn++) await new Promise((resolve) => setImmediate(resolve));
}

const Program = suite<{ records: Recorded[]; outputs: Record<string, string> }>('bootstrap program', { records: [], outputs: {} });

Program.before(async (context) => {
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        context.records.push({ type: args.type, name: args.name, inputs: args.inputs as Record<string, unknown> });
        const arn = args.type === 'aws:iam/openIdConnectProvider:OpenIdConnectProvider'
          ? `arn:aws:iam::${ACCOUNT}:oidc-provider/gitlab.com`
          : `arn:aws:iam::${ACCOUNT}:role/${args.name}`;
        return { id: `${args.name}-id`, state: { ...args.inputs, arn, name: args.inputs.name ?? `${args.name}-1234567` } };
      },
      call: (args) => {
        if (args.token === 'aws:index/getPartition:getPartition') return { partition: 'aws', dnsSuffix: 'amazonaws.com', id: 'aws' };
        if (args.token === 'aws:index/getCallerIdentity:getCallerIdentity') {
          return { accountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:user/admin`, userId: 'AIDAEXAMPLE', id: ACCOUNT };
        }
        throw new Error(`unexpected invoke ${args.token}`);
      },
    },
    PROJECT,
    'prod',
    false,
  );
  pulumi.runtime.setAllConfig({ [`${PROJECT}:projectPath`]: PROJECT_PATH, 'aws:region': 'eu-west-1' });

  const program = await import('./index.js');
  context.outputs = {
    oidcProviderArn: await resolved(program.oidcProviderArn),
    deployRoleArn: await resolved(program.deployRoleArn),
    previewRoleArn: await resolved(program.previewRoleArn),
  };
  await settle(() =>
    context.records.some((r) => r.type === 'aws:iam/rolePolicy:RolePolicy') &&
    context.records.some((r) => r.type === 'aws:iam/rolePolicyAttachment:RolePolicyAttachment'),
  );
});

function role(records: Recorded[], name: string): { trust: PolicyDocument; inline: PolicyDocument[]; managed: string[] } {
  const resource = records.find((r) => r.type === 'aws:iam/role:Role' && r.name === `${name}-role`);
  assert.ok(resource, `role ${name} is created`);
  const policies = records.filter((r) => r.type === 'aws:iam/rolePolicy:RolePolicy' && r.name.startsWith(`${name}-`));
  const attachments = records.filter((r) => r.type === 'aws:iam/rolePolicyAttachment:RolePolicyAttachment' && r.name.startsWith(`${name}-`));
  return {
    trust: JSON.parse(String(resource.inputs.assumeRolePolicy)) as PolicyDocument,
    inline: policies.map((p) => JSON.parse(String(p.inputs.policy)) as PolicyDocument),
    managed: attachments.map((a) => String(a.inputs.policyArn)),
  };
}

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

Program('the preview role trusts every branch of this project and nothing else', ({ records }) => {
  const { trust } = role(records, 'gitlab-preview');
  const can = (claims: Claims): boolean => trusts(trust, 'gitlab.com', claims);
  assert.ok(can({ sub: sub(PROJECT_PATH, 'branch', 'feature/x'), aud: GITLAB }));
  assert.ok(can({ sub: sub(PROJECT_PATH, 'branch', 'main'), aud: GITLAB }));
  assert.not.ok(can({ sub: sub(PROJECT_PATH, 'tag', 'v1.2.3'), aud: GITLAB }));
  assert.not.ok(can({ sub: sub('acme/observable-service-evil', 'branch', 'x'), aud: GITLAB }));
  assert.not.ok(can({ sub: sub(PROJECT_PATH, 'branch', 'x'), aud: 'https://evil.example' }));
});

Program('the preview role is read-only: ReadOnlyAccess and nothing inline', ({ records }) => {
  const { inline, managed } = role(records, 'gitlab-preview');
  assert.equal(managed, ['arn:aws:iam::aws:policy/ReadOnlyAccess']);
  assert.equal(inline, []);
});

Program('the deploy role manages only the main stack\'s IAM roles and passes them only to their services', ({ records }) => {
  const { inline, managed } = role(records, 'gitlab-deploy');
  assert.equal(managed, []);
  assert.is(inline.length, 1);
  const statements = inline[0]?.Statement ?? [];
  const everyAction = statements.flatMap(actionsOf);
  assert.not.ok(everyAction.includes('*'), 'no Action "*"');
  assert.not.ok(everyAction.includes('iam:*'), 'no iam:*');
  assert.not.ok(everyAction.some((a) => /^iam:.*(User|Group|AccessKey|LoginProfile|CreatePolicyVersion)/.test(a)), 'no IAM users, groups, keys or policy versions');
  for (const statement of statements) {
    const iamWrites = actionsOf(statement).filter((a) => a.startsWith('iam:') && !/^iam:(Get|List)/.test(a));
    if (iamWrites.length === 0 || iamWrites.every((a) => a === 'iam:CreateServiceLinkedRole')) continue;
    assert.equal(resourcesOf(statement), [`arn:aws:iam::${ACCOUNT}:role/prod-*`], `${statement.Sid} is limited to the stack's roles`);
  }
  const passRole = statements.find((s) => actionsOf(s).includes('iam:PassRole'));
  assert.ok(passRole?.Condition?.StringEquals?.['iam:PassedToService'], 'PassRole names the services');
});

Program('exports the role ARNs the pipeline needs', ({ outputs }) => {
  assert.match(outputs.deployRoleArn ?? '', /^arn:aws:iam::\d{12}:role\//);
  assert.match(outputs.previewRoleArn ?? '', /^arn:aws:iam::\d{12}:role\//);
});

Program.run();

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

Config.run();
