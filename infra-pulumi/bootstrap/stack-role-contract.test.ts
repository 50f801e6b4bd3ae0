// What the bootstrap's deploy policy relies on in the main program's roles (components/iam.ts):
// each is created under the stack's IAM path, the only one the deploy role may touch, and a new
// trust policy replaces the role, because the deploy role may not edit one (IAM cannot condition
// iam:UpdateAssumeRolePolicy on what a trust policy trusts).
import * as pulumi from '@pulumi/pulumi';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { stackRole } from '../components/iam';
import { settle } from '../testing/helpers';
import { createMocks, type RecordedCall, type RecordedResource } from '../testing/mocks';
import { MAIN_PROJECT } from './config';
import { stackRolePath } from './stack-scope';

const Contract = suite('the stack\'s roles, as the deploy policy expects them');

Contract('a stack role is created under /<project>/<stack>/ and replaced when its trust changes', async () => {
  const resources: RecordedResource[] = [];
  const calls: RecordedCall[] = [];
  await pulumi.runtime.setMocks(createMocks(resources, calls), MAIN_PROJECT, 'staging', false);
  const options: pulumi.ResourceOptions[] = [];
  const record: pulumi.ResourceTransformation = (args) => {
    options.push(args.opts);
    return undefined;
  };
  stackRole('staging-task', { service: 'ecs-tasks.amazonaws.com', permissionsBoundaryArn: 'arn:aws:iam::123456789012:policy/b', description: 'test' }, { transformations: [record] });
  await settle(() => resources.some((r) => r.type === 'aws:iam/role:Role'));
  const role = resources.find((r) => r.type === 'aws:iam/role:Role');
  assert.is(role?.inputs.path, stackRolePath(MAIN_PROJECT, 'staging'));
  assert.is(role?.inputs.path, '/observable-service/staging/');
  assert.equal(options[0]?.replaceOnChanges, ['assumeRolePolicy']);
});

Contract('the path is refused for names that are not a Pulumi project or stack name', () => {
  assert.throws(() => stackRolePath('observable-service', 'a/b'), /not a Pulumi project \/ stack name/);
  assert.throws(() => stackRolePath('', 'prod'), /not a Pulumi project/);
});

Contract.run();
