// Rolling back under GitLab's "Minimum role to use pipeline variables: No one allowed" (gitlab.com's
// default for new projects): no pipeline variable is needed. A pipeline started on the default
// branch with the input rollback_image runs the rollback job alone, and that job deploys the image.
// Inputs are declared with spec:inputs and validated when the pipeline is created; they are not
// pipeline variables (https://docs.gitlab.com/ci/inputs/, "CI/CD inputs"; GitLab's blog, "Migrate
// from pipeline variables to pipeline inputs for better security", recommends "No one allowed").
import * as fs from 'node:fs';
import * as path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  type Checkout,
  PROJECT_VARIABLES,
  SCENARIOS,
  type Scenario,
  checkout,
  gitlabCiLocal,
  listJobs,
  readCiFile,
  runJobs,
  withInputs,
  withVariables,
} from './lib/gitlab-ci-local';
import { fakeBody, read, scratch } from './lib/harness';
import { REPO_ROOT } from '../support/repo';

const GOOD = `acme/observable-service@sha256:${'b'.repeat(64)}`;
const DEPLOYED = `acme/observable-service@sha256:${'d'.repeat(64)}`;

/** A pipeline someone starts from the run-pipeline form on main, with the project set up. */
const started = (source: string, inputs: Record<string, string>): Scenario =>
  withInputs(withVariables(SCENARIOS.defaultBranch, { ...PROJECT_VARIABLES, CI_PIPELINE_SOURCE: source }), inputs);

const Rollback = suite<{ repo?: Checkout }>('rolling back with the pipeline input rollback_image', {});

Rollback.before((context) => {
  context.repo = checkout({ files: ['.gitlab-ci.yml'] });
});

Rollback.after((context) => context.repo?.remove());

const names = async (repo: Checkout | undefined, scenario: Scenario): Promise<string[]> => {
  assert.ok(repo);
  return (await listJobs(repo.dir, scenario)).map((job) => job.name).sort();
};

Rollback('a pipeline started on main with rollback_image runs the rollback job and nothing else, without a manual step', async ({ repo }) => {
  for (const source of ['web', 'api']) {
    assert.ok(repo);
    const jobs = await listJobs(repo.dir, started(source, { rollback_image: GOOD }));
    assert.equal(jobs.map((job) => `${job.name} ${job.when}`), ['rollback on_success'], `${source} pipeline`);
  }
});

Rollback('without rollback_image no pipeline has a rollback job (push, web, schedule)', async ({ repo }) => {
  for (const source of ['push', 'web', 'schedule']) {
    assert.not.ok((await names(repo, started(source, {}))).includes('rollback'), `${source} pipeline`);
  }
});

Rollback('rollback_image on a push, a schedule or another branch creates no pipeline at all', async () => {
  const ciText = fs.readFileSync(path.join(REPO_ROOT, '.gitlab-ci.yml'), 'utf8');
  // The workflow decision, through gitlab-ci-local's rule engine (it lists jobs even when workflow says never).
  const rules = JSON.stringify(readCiFile().workflow.rules);
  const probe = checkout({ files: ['.gitlab-ci.yml'], ciFile: `${ciText}\nworkflow-probe:\n  stage: lint\n  script: ["true"]\n  rules: ${rules}\n` });
  try {
    const creates = async (scenario: Scenario): Promise<boolean> => (await names(probe, scenario)).includes('workflow-probe');
    assert.ok(await creates(started('web', { rollback_image: GOOD })), 'started on main: a pipeline');
    assert.not.ok(await creates(started('push', { rollback_image: GOOD })), 'push');
    assert.not.ok(await creates(started('schedule', { rollback_image: GOOD })), 'schedule');
    const otherBranch = withInputs(withVariables(SCENARIOS.otherBranch, { ...PROJECT_VARIABLES, CI_PIPELINE_SOURCE: 'web' }), { rollback_image: GOOD });
    assert.not.ok(await creates(otherBranch), 'another branch');
  } finally {
    probe.remove();
  }
});

Rollback('anything but <repo>@sha256:<64 hex> is refused when the pipeline is created', async ({ repo }) => {
  assert.ok(repo);
  for (const bad of ['acme/observable-service:latest', `acme/observable-service@sha256:${'b'.repeat(63)}`, '$(curl evil)', 'a b']) {
    const result = await gitlabCiLocal(repo.dir, ['--list-json'], started('web', { rollback_image: bad }));
    assert.is.not(result.code, 0, `${bad} accepted`);
    assert.match(result.stderr + result.stdout, /rollback_image.*does not match required regex/);
  }
});

Rollback('the rollback job, run as GitLab would, deploys the input image with the current program, confirms it and smoke-tests it', async () => {
  const box = scratch();
  try {
    fs.writeFileSync(path.join(box.state, 'stack-exists'), '');
    fs.mkdirSync(path.join(box.state, 'deployed'));
    fs.mkdirSync(path.join(box.state, 'config'));
    fs.writeFileSync(path.join(box.state, 'deployed', 'image'), DEPLOYED);
    fs.writeFileSync(path.join(box.state, 'deployed', 'aws:region'), 'eu-west-1');
    box.fake('pulumi', `FAKE_STATE='${box.state}'\n${fakeBody('pulumi')}`);
    box.fake('npm', 'exit 0');
    box.fake('node', 'exit 0');
    box.fake('curl', fakeBody('curl-live-service'));
    // GitLab mints these from the job's id_tokens; gitlab-ci-local does not.
    const scenario = withVariables(started('web', { rollback_image: GOOD }), { AWS_ID_TOKEN: 'aws-jwt', PULUMI_ID_TOKEN: 'pulumi-jwt' });
    const copy = ['scripts/ci-pulumi.sh', 'scripts/ci-smoke-test.sh', 'scripts/ci-download-verified.sh', 'scripts/ci-rollout-check.mts', 'infra-pulumi/Pulumi.yaml'];
    const run = await runJobs([], scenario, { bin: box.bin, copy });
    const log = run.logs.rollback ?? '';
    assert.is(run.code, 0, `${run.stderr}\n${run.stdout}\n${log}`);
    assert.equal(Object.keys(run.logs), ['rollback'], 'only the rollback job ran');
    const calls = box.calls();
    assert.ok(calls.includes(`pulumi config set image ${GOOD}`), calls.join('\n'));
    assert.ok(calls.some((call) => call.startsWith('pulumi up')), 'pulumi up ran');
    assert.ok(calls.some((call) => call.startsWith('node ') && call.includes('ci-rollout-check.mts')), 'rollout confirmed');
    assert.match(log, /Smoke test passed against https:\/\/d111\.cloudfront\.net/);
    assert.is(read(path.join(box.state, 'config', 'image')), GOOD);
  } finally {
    box.remove();
  }
});

Rollback.run();
