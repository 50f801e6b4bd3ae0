// scripts/ci-pulumi.sh with a fake `pulumi` (and `node` for the rollout check) on PATH.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { REPO_ROOT } from '../support/repo';
import { type Run, SCRIPTS_DIR as scriptsDir, fakeBody, read, run, scratch } from './lib/harness';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const DEPLOYED = `acme/observable-service@sha256:${'d'.repeat(64)}`;

/** A fake Pulumi CLI whose stacks and settings live in files under state/. */
const FAKE_PULUMI = fakeBody('pulumi');

interface PulumiRun extends Run {
  calls: string[];
  pulumi: string[];
  state: string;
  project: string;
}

interface PulumiSetup {
  stackExists?: boolean;
  deployedRegion?: string;
  /** The region written in the committed Pulumi.<stack>.yaml (here: the local config). */
  committedRegion?: string;
  loginRefused?: boolean;
  rolloutExit?: number;
  /** `pulumi up` fails. */
  upFails?: boolean;
}

async function ciPulumi(action: string, env: Record<string, string | undefined>, setup: PulumiSetup = {}): Promise<PulumiRun> {
  const box = scratch();
  try {
    const project = path.join(box.dir, 'project');
    fs.mkdirSync(path.join(project, 'infra-pulumi'), { recursive: true });
    fs.copyFileSync(path.join(REPO_ROOT, 'infra-pulumi', 'Pulumi.yaml'), path.join(project, 'infra-pulumi', 'Pulumi.yaml'));
    box.fake('pulumi', FAKE_PULUMI);
    box.fake('node', `exit ${setup.rolloutExit ?? 0}`);
    box.fake('curl', 'exit 0');
    if (setup.stackExists ?? true) fs.writeFileSync(path.join(box.state, 'stack-exists'), '');
    fs.mkdirSync(path.join(box.state, 'deployed'));
    fs.mkdirSync(path.join(box.state, 'config'));
    fs.writeFileSync(path.join(box.state, 'deployed', 'image'), DEPLOYED);
    if (setup.deployedRegion) fs.writeFileSync(path.join(box.state, 'deployed', 'aws:region'), setup.deployedRegion);
    if (setup.committedRegion) {
      fs.writeFileSync(path.join(project, 'infra-pulumi', 'Pulumi.prod.yaml'), `config:\n  aws:region: ${setup.committedRegion}\n`);
      fs.writeFileSync(path.join(box.state, 'config', 'aws:region'), setup.committedRegion);
    }
    if (setup.loginRefused) fs.writeFileSync(path.join(box.state, 'login-refused'), '');
    if (setup.upFails) fs.writeFileSync(path.join(box.state, 'up-fails'), '');
    const base: Record<string, string> = {
      PATH: `${box.bin}:/usr/bin:/bin`,
      HOME: box.dir,
      FAKE_STATE: box.state,
      PULUMI_VERSION: '3.276.0',
      PULUMI_STACK: 'prod',
      CI_PROJECT_DIR: project,
      // As .gitlab-ci.yml sets it: in the project directory, where the plugin cache is.
      PULUMI_HOME: path.join(project, '.pulumi'),
      CI_COMMIT_SHA: 'c0ffee',
      AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/observable-deploy',
      AWS_ID_TOKEN: 'aws-id-token-jwt',
      PULUMI_ID_TOKEN: 'pulumi-id-token-jwt',
      PULUMI_ORG: 'acme',
      DOCKERHUB_REPO: 'acme/observable-service',
      IMAGE_REF: `acme/observable-service@${DIGEST}`,
      AWS_REGION: 'eu-west-1',
    };
    const merged: Record<string, string> = { ...base };
    for (const [key, value] of Object.entries(env)) {
      if (value === undefined) delete merged[key];
      else merged[key] = value;
    }
    const result = await run(path.join(scriptsDir, 'ci-pulumi.sh'), [action], merged);
    const calls = box.calls();
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'ci-pulumi-result-'));
    fs.cpSync(box.state, path.join(copy, 'state'), { recursive: true });
    fs.cpSync(project, path.join(copy, 'project'), { recursive: true });
    return { ...result, calls, pulumi: calls.filter((call) => call.startsWith('pulumi ')), state: path.join(copy, 'state'), project: path.join(copy, 'project') };
  } finally {
    box.remove();
  }
}

const loginOf = (result: PulumiRun): string => result.pulumi.find((call) => call.startsWith('pulumi login')) ?? '';

const Pulumi = suite('scripts/ci-pulumi.sh');

Pulumi('`up` logs in with the organization token even when PULUMI_OIDC_TEAM is set; previews use the team', async () => {
  const up = await ciPulumi('up', { PULUMI_OIDC_TEAM: 'previewers' });
  assert.is(up.code, 0, up.output);
  assert.not.match(loginOf(up), /--oidc-team/, 'the deploy gets a token that can write');
  const preview = await ciPulumi('preview', { PULUMI_OIDC_TEAM: 'previewers', AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/observable-preview' });
  assert.is(preview.code, 0, preview.output);
  assert.match(loginOf(preview), /--oidc-team previewers/);
});

Pulumi('the ID tokens reach Pulumi and AWS in files, never in argv or the environment; stray static keys are unset', async () => {
  const up = await ciPulumi('up', { AWS_ACCESS_KEY_ID: 'AKIASTRAY', AWS_SECRET_ACCESS_KEY: 'stray', PULUMI_ACCESS_TOKEN: 'pul-stray' });
  assert.is(up.code, 0, up.output);
  assert.match(loginOf(up), /--oidc-token file:\/\/\S+ --oidc-org acme/);
  assert.not.ok(up.calls.some((call) => call.includes('pulumi-id-token-jwt') || call.includes('aws-id-token-jwt')), 'no token in any argv');
  assert.is(read(path.join(up.state, 'oidc-token-seen')), 'pulumi-id-token-jwt', 'the CLI read the token from the file');
  assert.is(read(path.join(up.state, 'login-env')), '', 'neither tokens nor stray keys in the environment');
});

Pulumi('the stack is named fully (org/project/stack)', async () => {
  const up = await ciPulumi('up', {});
  assert.ok(up.pulumi.includes('pulumi stack select acme/observable-service/prod'), up.pulumi.join('\n'));
});

Pulumi('no preview without a read-only token (Team edition, no maintainers-only policy): exit 3, no login', async () => {
  const preview = await ciPulumi('preview', {});
  assert.is(preview.code, 3, preview.output);
  assert.match(preview.output, /no read-only token for previews/);
  assert.is(loginOf(preview), '', 'no organization token was asked for');
});

Pulumi('a merge request whose author the maintainers-only policy refuses is skipped (exit 3), not failed', async () => {
  const preview = await ciPulumi('preview', { PULUMI_PREVIEW_MAINTAINERS_ONLY: 'true' }, { loginRefused: true });
  assert.is(preview.code, 3, preview.output);
  assert.match(preview.output, /preview skipped/);
});

Pulumi('the first merge request before any deploy previews nothing and creates no stack', async () => {
  const preview = await ciPulumi('preview', { PULUMI_OIDC_TEAM: 'previewers' }, { stackExists: false });
  assert.is(preview.code, 0, preview.output);
  assert.not.ok(preview.pulumi.some((call) => /--create|stack init|pulumi preview/.test(call)), preview.pulumi.join('\n'));
  assert.match(read(path.join(preview.project, 'pulumi-preview.txt')), /does not exist yet/);
});

Pulumi('self-managed state logs in to the bucket and creates the stack with the awskms:// secrets provider', async () => {
  const provider = 'awskms://alias/observable-pulumi?region=eu-west-1';
  const up = await ciPulumi('up', { PULUMI_BACKEND_URL: 's3://acme-pulumi-state', PULUMI_SECRETS_PROVIDER: provider, PULUMI_ID_TOKEN: undefined }, { stackExists: false });
  assert.is(up.code, 0, up.output);
  assert.is(loginOf(up), 'pulumi login s3://acme-pulumi-state');
  assert.ok(up.pulumi.includes(`pulumi stack init organization/observable-service/prod --secrets-provider ${provider}`), up.pulumi.join('\n'));
});

Pulumi('self-managed state without PULUMI_SECRETS_PROVIDER stops with one line naming it', async () => {
  const up = await ciPulumi('up', { PULUMI_BACKEND_URL: 's3://acme-pulumi-state' }, { stackExists: false });
  assert.is(up.code, 1, up.output);
  assert.match(up.output, /PULUMI_SECRETS_PROVIDER/);
  assert.not.ok(up.pulumi.some((call) => call.startsWith('pulumi up')));
});

Pulumi('AWS_REGION never moves a stack that has a region', async () => {
  const committed = await ciPulumi('up', { AWS_REGION: 'us-east-1' }, { committedRegion: 'eu-west-1' });
  assert.is(committed.code, 0, committed.output);
  assert.not.ok(committed.pulumi.some((call) => call.startsWith('pulumi config set aws:region')), committed.pulumi.join('\n'));
  assert.match(committed.output, /stays in eu-west-1; AWS_REGION=us-east-1 is ignored/);

  const deployed = await ciPulumi('up', { AWS_REGION: 'us-east-1' }, { deployedRegion: 'eu-west-1' });
  assert.is(deployed.code, 0, deployed.output);
  assert.ok(deployed.pulumi.includes('pulumi config refresh'), 'settings of the last deployment restored');
  assert.not.ok(deployed.pulumi.some((call) => call.startsWith('pulumi config set aws:region')), deployed.pulumi.join('\n'));

  const fresh = await ciPulumi('up', { AWS_REGION: 'us-east-1' }, { stackExists: false });
  assert.ok(fresh.pulumi.includes('pulumi config set aws:region us-east-1'), 'a new stack takes AWS_REGION');
});

Pulumi('`up` confirms the ECS rollout of the new task definition before reporting the URL', async () => {
  const up = await ciPulumi('up', {});
  assert.is(up.code, 0, up.output);
  const check = up.calls.find((call) => call.startsWith('node '));
  assert.ok(check, 'the rollout check ran');
  assert.match(check, /scripts\/ci-rollout-check\.mts --cluster observable-cluster --service observable-service --task-definition arn:aws:ecs:eu-west-1:123456789012:task-definition\/observable-service:8 --region eu-west-1/);
  assert.ok(up.calls.indexOf(check) > up.calls.findIndex((call) => call.startsWith('pulumi up')), 'after pulumi up');
  assert.match(read(path.join(up.project, 'deploy.env')), /^DEPLOY_URL=https:\/\/d111\.cloudfront\.net$/m);
});

Pulumi('a rolled-back deploy fails the job and hands no URL to the smoke test', async () => {
  const up = await ciPulumi('up', {}, { rolloutExit: 1 });
  assert.is(up.code, 1, up.output);
  assert.is(read(path.join(up.project, 'deploy.env')), '');
});

Pulumi('a preview uses the image deployed today unless the merge request changes the image', async () => {
  const unchanged = await ciPulumi('preview', { PULUMI_OIDC_TEAM: 'previewers', IMAGE_CHANGED: 'false' });
  assert.is(unchanged.code, 0, unchanged.output);
  assert.ok(unchanged.pulumi.includes(`pulumi config set image ${DEPLOYED}`), unchanged.pulumi.join('\n'));
  const changed = await ciPulumi('preview', { PULUMI_OIDC_TEAM: 'previewers', IMAGE_CHANGED: 'true' });
  assert.ok(changed.pulumi.includes('pulumi config set image acme/observable-service:c0ffee'), changed.pulumi.join('\n'));
});

Pulumi('a deploy names only a digest of DOCKERHUB_REPO (a pipeline variable cannot swap in another image)', async () => {
  for (const image of ['evil/image@' + DIGEST, 'acme/observable-service:latest']) {
    const up = await ciPulumi('up', { IMAGE_REF: image });
    assert.is(up.code, 1, up.output);
    assert.match(up.output, /refusing to deploy/);
    assert.not.ok(up.pulumi.some((call) => call.startsWith('pulumi up')));
  }
});

Pulumi('rollback deploys ROLLBACK_IMAGE with the current program and confirms the rollout', async () => {
  const image = `acme/observable-service@sha256:${'b'.repeat(64)}`;
  const rollback = await ciPulumi('rollback', { ROLLBACK_IMAGE: image });
  assert.is(rollback.code, 0, rollback.output);
  assert.ok(rollback.pulumi.includes(`pulumi config set image ${image}`));
  assert.ok(rollback.calls.some((call) => call.startsWith('node ') && call.includes('ci-rollout-check.mts')));
  assert.match(read(path.join(rollback.project, 'deploy.env')), new RegExp(`DEPLOYED_IMAGE=${image.replace(/[@/]/g, '\\$&')}`));
  const missing = await ciPulumi('rollback', {});
  assert.is(missing.code, 1);
  assert.match(missing.output, /ROLLBACK_IMAGE/);
});

Pulumi('the Pulumi login file never outlives the script: removed after a deploy, a failed deploy and a preview', async () => {
  const runs = [
    ['up', await ciPulumi('up', {})],
    ['failed up', await ciPulumi('up', {}, { upFails: true })],
    ['preview', await ciPulumi('preview', { PULUMI_OIDC_TEAM: 'previewers' })],
  ] as const;
  for (const [what, result] of runs) {
    assert.ok(fs.existsSync(path.join(result.state, 'credentials-written')), `${what}: pulumi login wrote its credentials`);
    assert.not.ok(fs.existsSync(path.join(result.project, '.pulumi', 'credentials.json')), `${what}: credentials.json is left in the project directory`);
  }
  assert.is(runs[1][1].code, 1, 'the deploy failed');
});

Pulumi.run();
