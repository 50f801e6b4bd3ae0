// .gitlab-ci.yml as GitLab would read it, checked offline with gitlab-ci-local: the file passes
// GitLab's JSON schema, every `needs` resolves in every kind of pipeline, and each kind of
// pipeline gets exactly the jobs it should.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { suite } from 'uvu';
import { needs } from '../support/tools';
import * as assert from 'uvu/assert';
import YAML from 'yaml';
import { type Checkout, type ListedJob, type Scenario, PROJECT_VARIABLES, SCENARIOS, checkout, gitlabCiLocal, listJobs, readCiFile, withVariables } from './lib/gitlab-ci-local';
import { REPO_ROOT } from '../support/repo';

const ciText = fs.readFileSync(path.join(REPO_ROOT, '.gitlab-ci.yml'), 'utf8');
const ci = readCiFile();

const CHECKS = ['lint', 'test', 'test:observability'];
/** Jobs that need a privileged runner (their own Docker engine). */
const DOCKER = ['test:e2e', 'test:resilience:docker'];
/** Each kind of pipeline of this project, with its CI/CD variables set as docs/ci-cd.md says. */
const EXPECTED: Record<'mergeRequest' | 'defaultBranch' | 'releaseTag' | 'otherBranch', string[]> = {
  mergeRequest: [...CHECKS, ...DOCKER, 'audit', 'image:build', 'preview', 'test:iam-aws'],
  defaultBranch: [...CHECKS, ...DOCKER, 'image:publish', 'deploy', 'smoke-test'],
  releaseTag: [...CHECKS, ...DOCKER, 'image:release'],
  otherBranch: CHECKS,
};
const project = (scenario: Scenario, extra: Record<string, string> = {}): Scenario => withVariables(scenario, { ...PROJECT_VARIABLES, ...extra });
const ALL_JOBS = [...new Set([...Object.values(EXPECTED).flat(), 'deploy:fly', 'rollback'])].sort();
const DEPLOYING = ['deploy', 'smoke-test', 'rollback', 'deploy:fly'];

/**
 * gitlab-ci-local reads workflow:rules only for their variables; it still creates jobs when they
 * say `never`. So the workflow decision runs through its rule engine as a probe job carrying the
 * same rules: the probe is listed exactly when GitLab would create a pipeline.
 */
const PROBE = 'workflow-probe';
const probeFile = `${ciText}\n${PROBE}:\n  stage: lint\n  script: ["true"]\n  rules: ${JSON.stringify(ci.workflow.rules)}\n`;

const Pipeline = needs(['git'], suite<{ repo?: Checkout; probe?: Checkout }>('.gitlab-ci.yml under gitlab-ci-local', {}));

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

/** Job names in a `needs:` list, written as strings or as {job: ...}. */
const needNames = (needs: unknown): string[] =>
  ((needs ?? []) as (string | { job: string })[]).map((need) => (typeof need === 'string' ? need : need.job));

async function job(cwd: string, scenario: Scenario, name: string): Promise<ListedJob | undefined> {
  return (await listJobs(cwd, scenario)).find((listed) => listed.name === name);
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
    const result = await gitlabCiLocal(dir(repo), ['--validate-dependency-chain'], project(scenario, { FLY_APP: 'observable-demo' }));
    assert.is(result.code, 0, result.stderr + result.stdout);
    assert.match(result.stdout, /All job dependencies are valid/);
  });
}

Pipeline('needs: still resolves on runners without privileged Docker (E2E_DISABLED=true)', async ({ repo }) => {
  const scenario = project(SCENARIOS.defaultBranch, { E2E_DISABLED: 'true' });
  const result = await gitlabCiLocal(dir(repo), ['--validate-dependency-chain'], scenario);
  assert.is(result.code, 0, result.stderr + result.stdout);
  const names = await jobNames(dir(repo), scenario);
  for (const job of DOCKER) assert.not.ok(names.includes(job), `${job} is off`);
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
    const names = await jobNames(dir(repo), project(SCENARIOS[kind]));
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
    const deploying = DEPLOYING.includes(name);
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
  // Otherwise the next pipeline's deploy can run between this deploy and its smoke test.
  assert.is(jobs['smoke-test']?.resource_group, 'production', 'the smoke test checks the deploy it follows, not a newer one');
});

Pipeline('cloud credentials come from ID tokens, never from stored keys', async ({ repo }) => {
  const preview = await gitlabCiLocal(dir(repo), ['--preview']);
  const jobs = YAML.parse(preview.stdout) as Record<string, { id_tokens?: Record<string, { aud: string }> }>;
  for (const name of ['deploy', 'preview', 'rollback']) {
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

// A fork's pipelines run without this project's variables.
Pipeline('a fork\'s merge request builds and scans the image but runs no preview (no role, no secrets)', async ({ repo }) => {
  const names = await jobNames(dir(repo), SCENARIOS.mergeRequest);
  expectJobs('fork merge request', names, [...CHECKS, ...DOCKER, 'audit', 'image:build']);
});

Pipeline('a fork\'s own default branch publishes and deploys nothing', async ({ repo }) => {
  const names = await jobNames(dir(repo), SCENARIOS.defaultBranch);
  expectJobs('fork default branch', names, [...CHECKS, ...DOCKER]);
});

// Only push pipelines of the default branch publish and deploy.
for (const source of ['schedule', 'web', 'api', 'trigger', 'pipeline']) {
  Pipeline(`a ${source} pipeline on the default branch publishes and deploys nothing`, async ({ repo }) => {
    const scenario = project(withVariables(SCENARIOS.defaultBranch, { CI_PIPELINE_SOURCE: source }), { FLY_APP: 'observable-demo' });
    expectJobs(`${source} on main`, await jobNames(dir(repo), scenario), [...CHECKS, ...DOCKER]);
  });
}

Pipeline('a tag pushed by anything but a push (API, schedule) releases nothing', async ({ repo }) => {
  const scenario = project(withVariables(SCENARIOS.releaseTag, { CI_PIPELINE_SOURCE: 'api' }));
  expectJobs('api tag pipeline', await jobNames(dir(repo), scenario), [...CHECKS, ...DOCKER]);
});

// Never a write-capable Pulumi token for an unprotected branch.
Pipeline('previews need a read-only Pulumi token: none without a team, self-managed state or the maintainers-only policy', async ({ repo }) => {
  const withoutTeam = project(SCENARIOS.mergeRequest, {});
  const noTeam = withVariables(withoutTeam, { PULUMI_OIDC_TEAM: undefined });
  assert.not.ok((await jobNames(dir(repo), noTeam)).includes('preview'), 'organization token only: no preview');

  const selfManaged = withVariables(noTeam, { PULUMI_BACKEND_URL: 's3://acme-pulumi-state' });
  assert.ok((await jobNames(dir(repo), selfManaged)).includes('preview'), 'self-managed state: preview with the read-only role');

  const maintainersOnly = withVariables(noTeam, { PULUMI_PREVIEW_MAINTAINERS_ONLY: 'true' });
  const preview = await job(dir(repo), maintainersOnly, 'preview');
  assert.ok(preview, 'Team edition with a maintainers-only policy: preview');
  assert.equal(preview.allow_failure, { exit_codes: [3] }, 'a refused token (not a maintainer) skips the preview without failing the merge request');
  // Each run mints the tokens again for the merge request's code: no automatic retry does that.
  const expanded = YAML.parse((await gitlabCiLocal(dir(repo), ['--preview'])).stdout) as Record<string, { retry?: unknown }>;
  assert.is(expanded.preview?.retry, 0, 'the runner never retries a preview');

  assert.ok((await jobNames(dir(repo), project(SCENARIOS.mergeRequest))).includes('preview'), 'team token: preview');
});

// The preview waits for `test`; no separate infrastructure job repeats `npm test`.
Pipeline('no test:infra job; the preview needs test', async ({ repo }) => {
  const preview = await gitlabCiLocal(dir(repo), ['--preview']);
  const jobs = YAML.parse(preview.stdout) as Record<string, { needs?: unknown[] }>;
  assert.not.ok('test:infra' in jobs, 'test:infra is gone');
  assert.equal(needNames(jobs.preview?.needs), ['test']);
});

// A rollback redeploys a chosen digest with the current program (rollback.test.ts runs it).
Pipeline('the rollback job deploys in the production group and environment, then smoke-tests', async ({ repo }) => {
  const preview = await gitlabCiLocal(dir(repo), ['--preview']);
  const jobs = YAML.parse(preview.stdout) as Record<string, { script?: string[]; resource_group?: string; environment?: { name: string }; needs?: unknown }>;
  assert.is(jobs.rollback?.resource_group, 'production', 'never beside a deploy');
  assert.is(jobs.rollback?.environment?.name, 'production');
  assert.equal(needNames(jobs.rollback?.needs), [], 'it needs no build: it deploys an image that exists');
  assert.match((jobs.rollback?.script ?? []).join('\n'), /ci-pulumi\.sh rollback[\s\S]*ci-smoke-test\.sh/, 'then smoke-tested');
});

// The optional Fly.io deploy of the published digest.
Pipeline('deploy:fly runs on the default branch only when FLY_APP is set, after image:publish', async ({ repo }) => {
  assert.not.ok((await jobNames(dir(repo), project(SCENARIOS.defaultBranch))).includes('deploy:fly'), 'no FLY_APP: no job');
  const fly = await job(dir(repo), project(SCENARIOS.defaultBranch, { FLY_APP: 'observable-demo' }), 'deploy:fly');
  assert.ok(fly, 'FLY_APP: deploy:fly');
  assert.equal(needNames(fly.needs), ['image:publish'], 'it deploys the digest image:publish pushed');
  assert.not.ok((await jobNames(dir(repo), project(SCENARIOS.mergeRequest, { FLY_APP: 'observable-demo' }))).includes('deploy:fly'), 'never from a merge request');
  assert.not.ok((await jobNames(dir(repo), project(SCENARIOS.releaseTag, { FLY_APP: 'observable-demo' }))).includes('deploy:fly'), 'never from a tag');
});

// Hygiene and secrets within reach.
Pipeline('hygiene: timeouts, retries on runner failures, verify environment, developer-only preview artifacts', async ({ repo }) => {
  const defaults = ci.default as { timeout?: string; retry?: { max: number; when: string[] } };
  assert.ok(defaults.timeout, 'a default timeout');
  assert.ok(defaults.retry?.when.includes('runner_system_failure'), 'retry on runner system failures');
  const preview = await gitlabCiLocal(dir(repo), ['--preview']);
  const jobs = YAML.parse(preview.stdout) as Record<string, { environment?: unknown; artifacts?: { access?: string }; timeout?: string }>;
  assert.equal(jobs['smoke-test']?.environment, { name: 'production', action: 'verify' });
  assert.is(jobs.preview?.artifacts?.access, 'developer');
  for (const name of ALL_JOBS) assert.ok(jobs[name]?.timeout ?? defaults.timeout, `${name} has a timeout`);
});

Pipeline('secrets: Docker Hub credentials reach only the image jobs (environment docker-hub); Pulumi jobs run no install scripts', async ({ repo }) => {
  const preview = await gitlabCiLocal(dir(repo), ['--preview']);
  const jobs = YAML.parse(preview.stdout) as Record<string, { environment?: { name?: string; action?: string }; before_script?: string[] }>;
  for (const name of ['image:publish', 'image:release']) assert.equal(jobs[name]?.environment, { name: 'docker-hub', action: 'access' });
  for (const name of ALL_JOBS.filter((n) => !n.startsWith('image:'))) assert.is.not(jobs[name]?.environment?.name, 'docker-hub', `${name} gets no Docker Hub secrets`);
  for (const name of ['preview', 'deploy', 'rollback']) {
    const install = (jobs[name]?.before_script ?? []).join('\n');
    assert.match(install, /npm ci --workspace infra-pulumi --ignore-scripts/, `${name} installs only infra-pulumi, without install scripts`);
  }
  // Any job handed a cloud ID token installs without install scripts, whatever else it installs.
  const withTokens = Object.entries(jobs).filter(([, job]) => Object.keys((job as { id_tokens?: object }).id_tokens ?? {}).length > 0);
  assert.ok(withTokens.some(([name]) => name === 'test:iam-aws'), 'the IAM simulation job holds an ID token');
  for (const [name, job] of withTokens) {
    for (const line of (job.before_script ?? []).filter((command) => /\bnpm (ci|install)\b/.test(command))) {
      assert.match(line, /--ignore-scripts/, `${name} holds an ID token: ${line}`);
    }
  }
});

Pipeline('caches: npm written by `test` only; Pulumi plugins kept in the project, the login never', () => {
  const node = ci['.node'] as { cache: { policy: string } };
  assert.is(node.cache.policy, 'pull');
  assert.is((ci.test as { cache: { policy: string } }).cache.policy, 'pull-push');
  assert.is(ci.variables.PULUMI_HOME, '$CI_PROJECT_DIR/.pulumi');
  const pulumiCaches = (ci['.pulumi'] as { cache: { paths: string[] }[] }).cache.flatMap((cache) => cache.paths);
  assert.ok(pulumiCaches.includes('.pulumi/plugins/'));
  assert.not.ok(pulumiCaches.some((cached) => cached === '.pulumi/' || cached === '.pulumi'), 'credentials.json is not cached');
});

// Dind services.
Pipeline('dind: the runner waits for its TLS port, and it pulls through the same mirror as every engine', () => {
  const docker = ci['.docker'] as { services: { variables?: Record<string, string>; command?: string[] }[] };
  const dind = docker.services[0];
  assert.is(dind?.variables?.HEALTHCHECK_TCP_PORT, '2376');
  assert.equal(dind?.command, ['--registry-mirror', ci.variables.DOCKER_REGISTRY_MIRROR]);
});

// GitLab reads a resource group's process mode only from its API (https://docs.gitlab.com/api/resource_groups/),
// never from .gitlab-ci.yml: the setup steps must say how to set oldest_first for every group the file uses.
Pipeline('every resource group the pipeline uses has its oldest_first step in docs/ci-cd.md', async ({ repo }) => {
  const preview = await gitlabCiLocal(dir(repo), ['--preview']);
  const jobs = YAML.parse(preview.stdout) as Record<string, { resource_group?: string }>;
  const groups = [...new Set(Object.values(jobs).flatMap((job) => (job && typeof job === 'object' && job.resource_group ? [job.resource_group] : [])))].sort();
  assert.equal(groups, ['fly', 'production']);
  const docs = fs.readFileSync(path.join(REPO_ROOT, 'docs', 'ci-cd.md'), 'utf8');
  assert.match(docs, /--data process_mode=oldest_first/);
  for (const group of groups) assert.match(docs, new RegExp(`/resource_groups/${group}\\b`), `docs/ci-cd.md sets ${group}`);
});

Pipeline('SAST and secret-detection templates are not included: gitlab-ci-local fetches include:template from the network', () => {
  // gitlab-ci-local turns `include: template:` into a project include of gitlab-org/gitlab on
  // gitlab.com, so this suite could no longer run offline; docs/ci-cd.md says so.
  assert.not.match(ciText, /template:/);
  const docs = fs.readFileSync(path.join(REPO_ROOT, 'docs', 'ci-cd.md'), 'utf8');
  assert.match(docs, /SAST/);
});

Pipeline.run();

const Versions = suite('one version per tool');

Versions('NODE_IMAGE is the Node.js release the Dockerfile builds with and .nvmrc names', () => {
  const dockerfile = fs.readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
  const nodeVersion = /^ARG NODE_VERSION=(\S+)$/m.exec(dockerfile)?.[1];
  assert.ok(nodeVersion, 'the Dockerfile declares ARG NODE_VERSION');
  assert.ok(/FROM (--platform=\S+ )?node:\$\{NODE_VERSION\}-bookworm-slim\b/.test(dockerfile), 'the Dockerfile builds FROM node:${NODE_VERSION}-bookworm-slim');
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

const Suites = suite('where the job-executing test runs');

Suites('npm test does not execute pipeline jobs (that ran the whole suite again); .ci/run does, right after npm test', () => {
  const scripts = (JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const patternOf = (script: string | undefined): RegExp => new RegExp(/'([^']+)'$/.exec(script ?? '')?.[1] ?? '^$');
  // Test files that hand gitlab-ci-local the flag that executes the real jobs (spelt apart so this
  // file is not one); lib/gitlab-ci-local.ts runs jobs only against fakes.
  const executesJobs = `['${['--force', 'shell', 'executor'].join('-')}'`;
  const executing = fs
    .readdirSync(path.join(REPO_ROOT, 'tests', 'pipeline'))
    .filter((file) => /\.ts$/.test(file) && fs.readFileSync(path.join(REPO_ROOT, 'tests', 'pipeline', file), 'utf8').includes(executesJobs));
  assert.ok(executing.length > 0, 'a test executes the jobs');
  for (const file of executing) {
    assert.not.ok(patternOf(scripts['test:pipeline']).test(file), `npm test (test:pipeline) does not run ${file}`);
    assert.ok(patternOf(scripts['test:pipeline-jobs']).test(file), `npm run test:pipeline-jobs runs ${file}`);
  }
  const ciRun = fs.readFileSync(path.join(REPO_ROOT, '.ci', 'run'), 'utf8');
  assert.match(ciRun, /^npm test\n(?:\n|step .*\n|#.*\n)*npm run test:pipeline-jobs$/m);
});

Suites.run();
