// .gitlab-ci.yml as GitLab would read it, checked offline with gitlab-ci-local: the file passes
// GitLab's JSON schema, every `needs` resolves in every kind of pipeline, and each kind of
// pipeline gets exactly the jobs it should.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import YAML from 'yaml';
import { type Checkout, type Scenario, SCENARIOS, checkout, gitlabCiLocal, listJobs } from './gitlab-ci-local';
import { REPO_ROOT } from '../support/repo';

const ciText = fs.readFileSync(path.join(REPO_ROOT, '.gitlab-ci.yml'), 'utf8');
const referenceTag = { tag: '!reference', collection: 'seq' as const, resolve: (value: unknown) => value };
const ci = YAML.parse(ciText, { customTags: [referenceTag] }) as Record<string, unknown> & {
  workflow: { rules: unknown[] };
  variables: Record<string, string>;
};

const CHECKS = ['lint', 'test', 'test:infra', 'test:observability'];
const EXPECTED: Record<'mergeRequest' | 'defaultBranch' | 'releaseTag' | 'otherBranch', string[]> = {
  mergeRequest: [...CHECKS, 'test:e2e', 'image:build', 'preview'],
  defaultBranch: [...CHECKS, 'test:e2e', 'image:publish', 'deploy', 'smoke-test'],
  releaseTag: [...CHECKS, 'test:e2e', 'image:publish'],
  otherBranch: CHECKS,
};
const ALL_JOBS = [...new Set(Object.values(EXPECTED).flat())].sort();

/**
 * gitlab-ci-local reads workflow:rules only for their variables; it still creates jobs when they
 * say `never`. So the workflow decision runs through its rule engine as a probe job carrying the
 * same rules: the probe is listed exactly when GitLab would create a pipeline.
 */
const PROBE = 'workflow-probe';
const probeFile = `${ciText}\n${PROBE}:\n  stage: lint\n  script: ["true"]\n  rules: ${JSON.stringify(ci.workflow.rules)}\n`;

const Pipeline = suite<{ repo?: Checkout; probe?: Checkout }>('.gitlab-ci.yml under gitlab-ci-local', {});

Pipeline.before((context) => {
  context.repo = checkout({ files: ['.gitlab-ci.yml'] });
  context.probe = checkout({ files: ['.gitlab-ci.yml'], ciFile: probeFile });
});

Pipeline.after((context) => {
  context.repo?.remove();
  context.probe?.remove();
});

const dir = (c: Checkout | undefined): string => {
  assert.ok(c, 'checkout exists');
  return c.dir;
};

async function jobNames(cwd: string, scenario: Scenario): Promise<string[]> {
  return (await listJobs(cwd, scenario)).map((job) => job.name).sort();
}

function expectJobs(kind: string, actual: string[], expected: string[]): void {
  const missing = expected.filter((job) => !actual.includes(job));
  const extra = actual.filter((job) => !expected.includes(job));
  assert.equal(actual, [...expected].sort(), `${kind}: missing ${JSON.stringify(missing)}, unexpected ${JSON.stringify(extra)}`);
}

Pipeline('the file passes GitLab\'s JSON schema, and a schema error would be caught', async ({ repo }) => {
  const ok = await gitlabCiLocal(dir(repo), ['--preview']);
  assert.is(ok.code, 0, ok.stderr);
  assert.match(ok.stderr, /json schema validated/);

  const broken = checkout({ files: ['.gitlab-ci.yml'], ciFile: ciText.replace('  needs: [deploy]', '  needz: [deploy]') });
  try {
    const bad = await gitlabCiLocal(broken.dir, ['--preview']);
    assert.is.not(bad.code, 0, 'a misspelt keyword fails validation');
    assert.match(bad.stderr + bad.stdout, /needz/);
  } finally {
    broken.remove();
  }
});

for (const [kind, scenario] of Object.entries(SCENARIOS)) {
  Pipeline(`every needs: resolves in a ${kind} pipeline`, async ({ repo }) => {
    const result = await gitlabCiLocal(dir(repo), ['--validate-dependency-chain'], scenario);
    assert.is(result.code, 0, result.stderr + result.stdout);
    assert.match(result.stdout, /All job dependencies are valid/);
  });
}

Pipeline('needs: still resolves on runners without privileged Docker (E2E_DISABLED=true)', async ({ repo }) => {
  const scenario = { ...SCENARIOS.defaultBranch, variables: { ...SCENARIOS.defaultBranch.variables, E2E_DISABLED: 'true' } };
  const result = await gitlabCiLocal(dir(repo), ['--validate-dependency-chain'], scenario);
  assert.is(result.code, 0, result.stderr + result.stdout);
  const names = await jobNames(dir(repo), scenario);
  assert.not.ok(names.includes('test:e2e'));
  assert.ok(names.includes('image:publish') && names.includes('deploy'));
});

Pipeline('workflow: pipelines for merge requests, branches, release tags; no duplicate branch pipeline', async ({ probe }) => {
  const creates = async (scenario: Scenario): Promise<boolean> => (await jobNames(dir(probe), scenario)).includes(PROBE);
  assert.ok(await creates(SCENARIOS.mergeRequest), 'merge request');
  assert.ok(await creates(SCENARIOS.defaultBranch), 'default branch');
  assert.ok(await creates(SCENARIOS.releaseTag), 'vX.Y.Z tag');
  assert.ok(await creates(SCENARIOS.otherBranch), 'a branch without a merge request');
  assert.not.ok(await creates(SCENARIOS.otherBranchWithOpenMergeRequest), 'a branch whose merge request pipeline runs instead');
  assert.not.ok(await creates(SCENARIOS.otherTag), 'a tag that is not a release');
});

for (const kind of Object.keys(EXPECTED) as (keyof typeof EXPECTED)[]) {
  Pipeline(`a ${kind} pipeline runs ${EXPECTED[kind].join(', ')} and nothing else`, async ({ repo }) => {
    const names = await jobNames(dir(repo), SCENARIOS[kind]);
    expectJobs(kind, names, EXPECTED[kind]);
    const skipped = ALL_JOBS.filter((job) => !EXPECTED[kind].includes(job));
    for (const job of skipped) assert.not.ok(names.includes(job), `${kind} does not run ${job}`);
  });
}

Pipeline('deploys are never interrupted or run side by side; everything else is interruptible', async ({ repo }) => {
  const preview = await gitlabCiLocal(dir(repo), ['--preview']);
  const jobs = YAML.parse(preview.stdout) as Record<string, Record<string, unknown>>;
  // GitLab applies `default: interruptible`; gitlab-ci-local's expansion leaves that keyword out.
  const byDefault = (ci.default as { interruptible?: boolean } | undefined)?.interruptible;
  for (const name of ALL_JOBS) {
    const job = jobs[name];
    assert.ok(job, `${name} is in the expanded file`);
    const deploying = name === 'deploy' || name === 'smoke-test';
    assert.is(job.interruptible ?? byDefault, !deploying, `${name} interruptible: ${!deploying}`);
  }
  const deploy = jobs.deploy ?? {};
  assert.is(deploy.resource_group, 'production');
  assert.equal(deploy.environment, { name: 'production', url: '$DEPLOY_URL' });
  assert.equal((deploy.artifacts as { reports: unknown }).reports, { dotenv: 'deploy.env' });
  const needed = (job: Record<string, unknown> | undefined): string[] =>
    ((job?.needs ?? []) as (string | { job: string })[]).map((need) => (typeof need === 'string' ? need : need.job));
  assert.equal(needed(deploy), ['image:publish'], 'deploy waits for the published image (which waits for every check)');
  assert.equal(needed(jobs['smoke-test']), ['deploy']);
});

Pipeline('cloud credentials come from ID tokens, never from stored keys', async ({ repo }) => {
  const preview = await gitlabCiLocal(dir(repo), ['--preview']);
  const jobs = YAML.parse(preview.stdout) as Record<string, { id_tokens?: Record<string, { aud: string }> }>;
  for (const name of ['deploy', 'preview']) {
    assert.equal(jobs[name]?.id_tokens, {
      AWS_ID_TOKEN: { aud: '$CI_SERVER_URL' },
      PULUMI_ID_TOKEN: { aud: 'urn:pulumi:org:$PULUMI_ORG' },
    });
  }
  assert.not.match(ciText, /AWS_SECRET_ACCESS_KEY|AWS_ACCESS_KEY_ID|PULUMI_ACCESS_TOKEN/);
});

Pipeline('the image is published with its digest recorded for the deploy', async ({ repo }) => {
  const preview = await gitlabCiLocal(dir(repo), ['--preview']);
  const jobs = YAML.parse(preview.stdout) as Record<string, { artifacts?: { reports?: unknown } }>;
  assert.equal(jobs['image:publish']?.artifacts?.reports, { dotenv: 'image.env' });
});

Pipeline.run();

const Versions = suite('one version per tool');

Versions('NODE_IMAGE is the Node.js release the Dockerfile builds with and .nvmrc names', () => {
  const dockerfile = fs.readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
  const nodeVersion = /^ARG NODE_VERSION=(\S+)$/m.exec(dockerfile)?.[1];
  assert.ok(nodeVersion, 'the Dockerfile declares ARG NODE_VERSION');
  assert.ok(/FROM node:\$\{NODE_VERSION\}-bookworm-slim\b/.test(dockerfile), 'the Dockerfile builds FROM node:${NODE_VERSION}-bookworm-slim');
  assert.is(ci.variables.NODE_IMAGE, `node:${nodeVersion}-bookworm-slim`);
  const nvmrc = fs.readFileSync(path.join(REPO_ROOT, '.nvmrc'), 'utf8').trim();
  assert.ok(nodeVersion.startsWith(`${nvmrc}.`) || nodeVersion === nvmrc, `.nvmrc (${nvmrc}) names the same release line`);
});

Versions('PROMETHEUS_IMAGE is the image docker-compose runs', () => {
  const compose = YAML.parse(fs.readFileSync(path.join(REPO_ROOT, 'docker-compose.yml'), 'utf8')) as {
    services: Record<string, { image?: string }>;
  };
  assert.is(ci.variables.PROMETHEUS_IMAGE, compose.services.prometheus?.image);
});

Versions('PULUMI_VERSION is the @pulumi/pulumi release the infrastructure program uses', () => {
  const infra = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'infra-pulumi/package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  assert.is(ci.variables.PULUMI_VERSION, infra.dependencies['@pulumi/pulumi']);
});

Versions.run();
