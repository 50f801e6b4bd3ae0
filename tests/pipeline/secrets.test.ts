// Which jobs receive the project's secrets, proven by running a whole default-branch pipeline in
// gitlab-ci-local with the CI/CD variables exactly as docs/ci-cd.md's table tells a maintainer to
// set them (masked, protected, environment scope). Every job's scripts are replaced by one line
// that records which secrets it was given; rules, environments, needs and variables stay as written.
// Environment scopes: https://docs.gitlab.com/ci/environments/#limit-the-environment-scope-of-a-cicd-variable
import * as fs from 'node:fs';
import * as path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import YAML from 'yaml';
import { PROJECT_VARIABLES, SCENARIOS, checkout, gitlabCiLocal, runJobs } from './lib/gitlab-ci-local';
import { read, scratch } from './lib/harness';
import { REPO_ROOT } from '../support/repo';

interface DocumentedVariable {
  name: string;
  masked: boolean;
  protected: boolean;
  /** `*` for "all". */
  scope: string;
}

/** docs/ci-cd.md's variables table: | `NAME` | masked | protected | environment | what |. */
function documentedVariables(): DocumentedVariable[] {
  const docs = fs.readFileSync(path.join(REPO_ROOT, 'docs', 'ci-cd.md'), 'utf8');
  const rows = [...docs.matchAll(/^\| `([A-Z0-9_]+)` \| (yes|no)[^|]*\| (yes|no)[^|]*\| ([^|]+)\|/gm)];
  return rows.map(([, name, masked, isProtected, scope]) => {
    const env = (scope ?? '').trim().replace(/^`|`$/g, '');
    return { name: name ?? '', masked: masked === 'yes', protected: isProtected === 'yes', scope: env === 'all' ? '*' : env };
  });
}

const SECRETS = ['FLY_API_TOKEN', 'DOCKERHUB_TOKEN', 'DOCKERHUB_USERNAME'];

/** The expanded pipeline with every job's work replaced by a line that records the secrets it sees. */
async function recordingPipeline(record: string): Promise<string> {
  const repo = checkout({ files: ['.gitlab-ci.yml'] });
  try {
    const preview = await gitlabCiLocal(repo.dir, ['--preview']);
    assert.is(preview.code, 0, preview.stderr);
    const expanded = YAML.parse(preview.stdout) as Record<string, Record<string, unknown>>;
    const secretFlags = SECRETS.map((name) => `${name}=\${${name}:+given}`).join(' ');
    for (const [name, job] of Object.entries(expanded)) {
      if (name.startsWith('.') || typeof job !== 'object' || job === null || !('script' in job)) continue;
      for (const key of ['image', 'services', 'before_script', 'after_script', 'cache', 'artifacts', 'id_tokens']) delete job[key];
      job.script = [`echo "$CI_JOB_NAME ${secretFlags}" >> '${record}'`];
    }
    return YAML.stringify(expanded);
  } finally {
    repo.remove();
  }
}

const Secrets = suite('secrets reach only the jobs that use them');

Secrets('docs/ci-cd.md scopes FLY_API_TOKEN to the fly environment and the Docker Hub credentials to docker-hub', () => {
  const documented = new Map(documentedVariables().map((variable) => [variable.name, variable]));
  assert.equal(documented.get('FLY_API_TOKEN'), { name: 'FLY_API_TOKEN', masked: true, protected: true, scope: 'fly' });
  assert.is(documented.get('DOCKERHUB_TOKEN')?.scope, 'docker-hub');
  assert.is(documented.get('DOCKERHUB_USERNAME')?.scope, 'docker-hub');
});

Secrets('in a default-branch pipeline with Fly.io on, only deploy:fly gets FLY_API_TOKEN and only image:publish the Docker Hub credentials', async () => {
  const box = scratch();
  try {
    const record = path.join(box.dir, 'record');
    // Each documented variable, with a stand-in value, in the scope the table gives it.
    const variables: Record<string, { type: string; values: Record<string, string> }> = {};
    for (const variable of documentedVariables()) {
      const value = PROJECT_VARIABLES[variable.name] ?? (variable.name === 'FLY_APP' ? 'observable-demo' : `stand-in-${variable.name.toLowerCase()}`);
      variables[variable.name] = { type: 'variable', values: { [variable.scope]: value } };
    }
    for (const name of ['E2E_DISABLED', 'PULUMI_PREVIEW_MAINTAINERS_ONLY', 'PULUMI_BACKEND_URL', 'PULUMI_SECRETS_PROVIDER', 'PULUMI_STACK']) delete variables[name];
    const result = await runJobs([], SCENARIOS.defaultBranch, {
      bin: box.bin,
      copy: [],
      files: { '.gitlab-ci.yml': await recordingPipeline(record) },
      variablesFile: YAML.stringify(variables),
    });
    assert.is(result.code, 0, result.stderr + result.stdout);
    const seen = new Map(
      read(record)
        .trim()
        .split('\n')
        .map((line) => [line.slice(0, line.indexOf(' ')), line.slice(line.indexOf(' ') + 1)]),
    );
    assert.ok(seen.has('deploy:fly'), `deploy:fly ran (jobs: ${[...seen.keys()].join(', ')})`);
    assert.ok(seen.has('deploy') && seen.has('test') && seen.has('image:publish'), [...seen.keys()].join(', '));
    for (const [job, flags] of seen) {
      assert.is(flags.includes('FLY_API_TOKEN=given'), job === 'deploy:fly', `${job}: ${flags}`);
      assert.is(flags.includes('DOCKERHUB_TOKEN=given'), job === 'image:publish', `${job}: ${flags}`);
      assert.is(flags.includes('DOCKERHUB_USERNAME=given'), job === 'image:publish', `${job}: ${flags}`);
    }
  } finally {
    box.remove();
  }
});

Secrets.run();
