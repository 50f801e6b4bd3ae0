// Runs gitlab-ci-local against a copy of this repository, so the pipeline tests never touch the
// working tree (jobs run `npm ci`, which would replace node_modules) and always see the same git
// facts: branch main, remote https://gitlab.com/acme/observable-service.
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import YAML from 'yaml';
import { REPO_ROOT } from '../../support/repo';

const execFileAsync = promisify(execFile);

export const PROJECT_PATH = 'acme/observable-service';
const GITLAB_CI_LOCAL = require.resolve('gitlab-ci-local/dist/index.js');

/**
 * .gitlab-ci.yml parsed as GitLab reads it: two YAML documents, the spec: header (pipeline inputs)
 * and the pipeline; `!reference [...]` tags kept as their lists.
 */
export function readCiFile(): Record<string, unknown> & { workflow: { rules: unknown[] }; variables: Record<string, string> } {
  const text = fs.readFileSync(path.join(REPO_ROOT, '.gitlab-ci.yml'), 'utf8');
  const reference = { tag: '!reference', collection: 'seq' as const, resolve: (value: unknown) => value };
  const documents = YAML.parseAllDocuments(text, { customTags: [reference] });
  return documents.at(-1)?.toJS() as ReturnType<typeof readCiFile>;
}

/** Predefined variables the scenarios set on purpose; gitlab-ci-local warns otherwise. */
const OVERRIDDEN_PREDEFINED = [
  'CI_PIPELINE_SOURCE',
  'CI_COMMIT_BRANCH',
  'CI_COMMIT_REF_NAME',
  'CI_COMMIT_TAG',
  'CI_DEFAULT_BRANCH',
  'CI_MERGE_REQUEST_IID',
  'CI_OPEN_MERGE_REQUESTS',
  'CI_PROJECT_DIR',
];

/** A pipeline kind, as the variables GitLab predefines for it. */
export interface Scenario {
  readonly variables: Readonly<Record<string, string>>;
  /** Variables GitLab does not set for this kind of pipeline. */
  readonly unset: readonly string[];
  /** Pipeline inputs (spec:inputs), as the run-pipeline form or the API passes them. */
  readonly inputs?: Readonly<Record<string, string>>;
}

export const SCENARIOS = {
  mergeRequest: {
    variables: {
      CI_PIPELINE_SOURCE: 'merge_request_event',
      CI_MERGE_REQUEST_IID: '7',
      CI_COMMIT_REF_NAME: 'feature/faster-health',
      CI_DEFAULT_BRANCH: 'main',
    },
    unset: ['CI_COMMIT_BRANCH', 'CI_COMMIT_TAG'],
  },
  defaultBranch: {
    variables: { CI_PIPELINE_SOURCE: 'push', CI_COMMIT_BRANCH: 'main', CI_COMMIT_REF_NAME: 'main', CI_DEFAULT_BRANCH: 'main' },
    unset: ['CI_COMMIT_TAG', 'CI_MERGE_REQUEST_IID'],
  },
  releaseTag: {
    variables: { CI_PIPELINE_SOURCE: 'push', CI_COMMIT_TAG: 'v1.4.0', CI_COMMIT_REF_NAME: 'v1.4.0', CI_DEFAULT_BRANCH: 'main' },
    unset: ['CI_COMMIT_BRANCH', 'CI_MERGE_REQUEST_IID'],
  },
  otherTag: {
    variables: { CI_PIPELINE_SOURCE: 'push', CI_COMMIT_TAG: 'nightly', CI_COMMIT_REF_NAME: 'nightly', CI_DEFAULT_BRANCH: 'main' },
    unset: ['CI_COMMIT_BRANCH', 'CI_MERGE_REQUEST_IID'],
  },
  otherBranch: {
    variables: {
      CI_PIPELINE_SOURCE: 'push',
      CI_COMMIT_BRANCH: 'feature/faster-health',
      CI_COMMIT_REF_NAME: 'feature/faster-health',
      CI_DEFAULT_BRANCH: 'main',
    },
    unset: ['CI_COMMIT_TAG', 'CI_MERGE_REQUEST_IID'],
  },
  otherBranchWithOpenMergeRequest: {
    variables: {
      CI_PIPELINE_SOURCE: 'push',
      CI_COMMIT_BRANCH: 'feature/faster-health',
      CI_COMMIT_REF_NAME: 'feature/faster-health',
      CI_DEFAULT_BRANCH: 'main',
      CI_OPEN_MERGE_REQUESTS: `${PROJECT_PATH}!7`,
    },
    unset: ['CI_COMMIT_TAG', 'CI_MERGE_REQUEST_IID'],
  },
} satisfies Record<string, Scenario>;

/** The CI/CD variables docs/ci-cd.md tells a maintainer to set (non-secret stand-ins). */
export const PROJECT_VARIABLES: Readonly<Record<string, string>> = {
  DOCKERHUB_REPO: 'acme/observable-service',
  DEPLOY_ROLE_ARN: 'arn:aws:iam::123456789012:role/observable-deploy',
  PREVIEW_ROLE_ARN: 'arn:aws:iam::123456789012:role/observable-preview',
  PULUMI_ORG: 'acme',
  PULUMI_OIDC_TEAM: 'previewers',
};

/** A scenario with more variables set (`undefined` leaves one out, as in a fork). */
export function withVariables(scenario: Scenario, variables: Readonly<Record<string, string | undefined>>): Scenario {
  const merged: Record<string, string> = { ...scenario.variables };
  const unset = [...scenario.unset];
  for (const [name, value] of Object.entries(variables)) {
    if (value === undefined) {
      delete merged[name];
      unset.push(name);
    } else {
      merged[name] = value;
    }
  }
  return { variables: merged, unset, ...(scenario.inputs ? { inputs: scenario.inputs } : {}) };
}

/** A scenario with pipeline inputs. */
export function withInputs(scenario: Scenario, inputs: Readonly<Record<string, string>>): Scenario {
  return { ...scenario, inputs: { ...scenario.inputs, ...inputs } };
}

export interface ListedJob {
  name: string;
  stage: string;
  when: string;
  allow_failure: boolean | unknown;
  needs: string[] | null;
}

/** The environment for gitlab-ci-local and its jobs: this process's, minus npm's own variables
 * (npm_config_local_prefix would point a job's `npm ci` at the real working tree). */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|GCL_)/i.test(key) || key === 'INIT_CWD' || key === 'FORCE_COLOR') continue;
    env[key] = value;
  }
  return { ...env, NO_COLOR: '1', ...extra };
}

function git(cwd: string, ...args: string[]): void {
  execFileSync('git', ['-c', 'user.name=pipeline-test', '-c', 'user.email=pipeline-test@example.invalid', ...args], {
    cwd,
    stdio: 'ignore',
  });
}

/** Files git would hand a runner: tracked ones plus new ones not ignored (the work in progress). */
function projectFiles(): string[] {
  const out = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO_ROOT });
  return out
    .toString('utf8')
    .split('\0')
    // Regular files only: inside a CI job the project directory also holds caches (.npm/, a link
    // to the npm cache where the job test runs) that git lists but a runner never clones.
    .filter((file) => file !== '' && !file.endsWith('/') && fs.existsSync(path.join(REPO_ROOT, file)) && fs.lstatSync(path.join(REPO_ROOT, file)).isFile());
}

export interface Checkout {
  readonly dir: string;
  remove(): void;
}

/**
 * A throwaway clone-like copy: a git repository on branch main with origin on gitlab.com.
 * `files` limits what is copied (listing jobs needs only .gitlab-ci.yml); `ciFile` replaces it.
 */
export function checkout(options: { files?: readonly string[]; ciFile?: string } = {}): Checkout {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pipeline-test-'));
  for (const file of options.files ?? projectFiles()) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.cpSync(path.join(REPO_ROOT, file), path.join(dir, file), { preserveTimestamps: true });
  }
  if (options.ciFile !== undefined) fs.writeFileSync(path.join(dir, '.gitlab-ci.yml'), options.ciFile);
  git(dir, 'init', '--quiet', '--initial-branch=main');
  git(dir, 'remote', 'add', 'origin', `https://gitlab.com/${PROJECT_PATH}.git`);
  git(dir, 'add', '--all');
  git(dir, 'commit', '--quiet', '--no-verify', '--message', 'pipeline test checkout');
  // As a clone has them: origin/main and origin/HEAD (rules:changes compares against them).
  git(dir, 'update-ref', 'refs/remotes/origin/main', 'HEAD');
  git(dir, 'symbolic-ref', 'refs/remotes/origin/HEAD', 'refs/remotes/origin/main');
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export interface GclResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * One gitlab-ci-local run; never throws on a non-zero exit, the caller asserts on it. `env` is
 * added to the environment it (and, with the shell executor, every job) runs in.
 */
export async function gitlabCiLocal(cwd: string, args: readonly string[], scenario?: Scenario, env: Record<string, string> = {}): Promise<GclResult> {
  const scenarioArgs = scenario
    ? [
        ...Object.entries(scenario.variables).flatMap(([key, value]) => ['--variable', `${key}=${value}`]),
        ...scenario.unset.flatMap((name) => ['--unset-variable', name]),
        ...Object.entries(scenario.inputs ?? {}).flatMap(([key, value]) => ['--input', `${key}=${value}`]),
      ]
    : [];
  const home = path.join(cwd, '.gitlab-ci-local-home');
  try {
    const { stdout, stderr } = await execFileAsync(
      process.execPath,
      [GITLAB_CI_LOCAL, '--home', home, '--no-color', '--ignore-predefined-vars', OVERRIDDEN_PREDEFINED.join(','), ...scenarioArgs, ...args],
      { cwd, env: cleanEnv(env), maxBuffer: 256 * 1024 * 1024 },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof code === 'number' ? code : 1, stdout: stdout ?? '', stderr: stderr ?? String(error) };
  }
}

/** The jobs GitLab would create for a scenario (when: never left out). */
export async function listJobs(cwd: string, scenario: Scenario): Promise<ListedJob[]> {
  const result = await gitlabCiLocal(cwd, ['--list-json'], scenario);
  if (result.code !== 0) throw new Error(`gitlab-ci-local --list-json failed:\n${result.stderr}${result.stdout}`);
  const json = result.stdout.slice(result.stdout.indexOf('['));
  return (JSON.parse(json) as ListedJob[]).filter((job) => job.when !== 'never');
}

export interface JobsRun extends GclResult {
  /** Each job's full output, by job name. */
  readonly logs: Readonly<Record<string, string>>;
}

/**
 * Runs jobs of this repository's pipeline for real (shell executor) in a throwaway copy, with `bin`
 * first on PATH so fakes stand in for docker, pulumi, flyctl and the like. No job names: the whole
 * pipeline. `copy` limits the copy to the files the jobs read; `variablesFile` is a .gitlab-ci-local-variables.yml (project variables, with their
 * environment scopes) and `files` replaces or adds files in the copy.
 */
export async function runJobs(
  jobs: readonly string[],
  scenario: Scenario,
  options: { bin: string; copy?: readonly string[]; variablesFile?: string; files?: Readonly<Record<string, string>>; withoutServices?: boolean },
): Promise<JobsRun> {
  // `copy`: the repository files the jobs read (default: all of them).
  const repo = checkout(options.copy ? { files: ['.gitlab-ci.yml', ...options.copy] } : {});
  try {
    if (options.variablesFile !== undefined) fs.writeFileSync(path.join(repo.dir, '.gitlab-ci-local-variables.yml'), options.variablesFile);
    for (const [file, text] of Object.entries(options.files ?? {})) fs.writeFileSync(path.join(repo.dir, file), text);
    if (options.withoutServices) {
      // gitlab-ci-local starts services (docker:dind) with `docker` even under the shell executor,
      // and the fake docker on PATH would answer: run the expanded file without them.
      const preview = await gitlabCiLocal(repo.dir, ['--preview'], scenario);
      if (preview.code !== 0) throw new Error(`gitlab-ci-local --preview failed:\n${preview.stderr}`);
      const expanded = YAML.parse(preview.stdout) as Record<string, unknown>;
      for (const job of Object.values(expanded)) if (typeof job === 'object' && job !== null) delete (job as { services?: unknown }).services;
      fs.writeFileSync(path.join(repo.dir, '.gitlab-ci.yml'), YAML.stringify(expanded));
    }
    // Jobs with an image get CI_PROJECT_DIR=/builds/<group>/<project>; the shell executor runs them here.
    const here = withVariables(scenario, { CI_PROJECT_DIR: repo.dir });
    const result = await gitlabCiLocal(repo.dir, ['--force-shell-executor', '--concurrency', '1', ...jobs], here, {
      PATH: `${options.bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    });
    const outputs = path.join(repo.dir, '.gitlab-ci-local', 'output');
    const logs: Record<string, string> = {};
    for (const file of fs.existsSync(outputs) ? fs.readdirSync(outputs) : []) {
      logs[file.replace(/\.log$/, '')] = fs.readFileSync(path.join(outputs, file), 'utf8');
    }
    return { ...result, logs };
  } finally {
    repo.remove();
  }
}
