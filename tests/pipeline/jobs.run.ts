// The lint, test and observability jobs, run for real by gitlab-ci-local with the shell executor
// in a throwaway copy of the repository: their before_script (`npm ci`) and script pass as written.
//
// `npm run test:pipeline-jobs` runs this file, and .ci/run runs that after `npm test`; `npm test`
// does not, since the test job it executes runs `npm test` again (here with three of its suites).
// Inside a CI job (GitLab sets GITLAB_CI=true, gitlab-ci-local GITLAB_CI=false) the jobs are this run.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SCENARIOS, checkout, gitlabCiLocal } from './lib/gitlab-ci-local';

const JOBS = ['lint', 'test', 'test:observability'];
/** The suites of `npm test` the test job runs here: a workspace's, a root folder's, and the README's. */
const SUITES_IN_JOB = 'service deploy readme';

const Jobs = suite('pipeline jobs run with gitlab-ci-local --force-shell-executor');

/** gitlab-ci-local's summary line for a passed job: ` PASS  lint`, or ` PASS  [ 40 s] lint` with timings. */
const passLine = (job: string): RegExp => new RegExp(`PASS\\s+(?:\\[[^\\]]*\\]\\s+)?${job.replace(':', '\\:')}(?=\\s|$)`, 'm');

if (process.env.GITLAB_CI !== undefined) {
  Jobs(`not re-run inside a CI job (GITLAB_CI=${process.env.GITLAB_CI}): ${JOBS.join(', ')} are this run`, () => {
    console.log(`pipeline jobs not re-run inside a CI job (GITLAB_CI=${process.env.GITLAB_CI})`);
  });
} else {
  Jobs(`${JOBS.join(', ')} pass as the default branch would run them`, async () => {
    const repo = checkout();
    try {
      // The jobs' `npm ci --cache .npm --prefer-offline` reads this machine's npm cache, as a
      // runner reads its restored CI cache, so the copy installs without downloading.
      const npmCache = process.env.npm_config_cache ?? path.join(os.homedir(), '.npm');
      fs.symlinkSync(npmCache, path.join(repo.dir, '.npm'));
      // The test job runs `npm test` as written, but only the suites named here: the whole of it has
      // just run outside (.ci/run), and what this proves is the job (tools, install, build, runner).
      const result = await gitlabCiLocal(
        repo.dir,
        ['--force-shell-executor', '--concurrency', '1', '--timestamps', '--variable', `TEST_SUITES=${SUITES_IN_JOB}`, ...JOBS],
        SCENARIOS.defaultBranch,
      );
      const log = `${result.stdout}\n${result.stderr}`;
      if (result.code !== 0) {
        // gitlab-ci-local keeps each job's full output in its state folder; show the failed ones'.
        const outputs = path.join(repo.dir, '.gitlab-ci-local', 'output');
        const failed = JOBS.filter((job) => !passLine(job).test(log));
        const details = (fs.existsSync(outputs) ? fs.readdirSync(outputs) : []).map((file) => {
          const text = fs.readFileSync(path.join(outputs, file), 'utf8');
          return `--- ${file} (last 120 lines)\n${text.split('\n').slice(-120).join('\n')}`;
        });
        assert.unreachable(`jobs failed: ${failed.join(', ')}\n${details.join('\n')}`);
      }
      for (const job of JOBS) assert.match(log, passLine(job), `${job} passed`);
      for (const name of SUITES_IN_JOB.split(' ')) assert.match(log, new RegExp(`^.*\\b${name}\\s+\\d+\\s+0\\s+`, 'm'), `the test job ran the ${name} suite`);
    } finally {
      repo.remove();
    }
  });
}

Jobs.run();
