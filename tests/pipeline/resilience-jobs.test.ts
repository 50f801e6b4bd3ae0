// The resilience jobs run as GitLab would (gitlab-ci-local, shell executor, fake npm/npx/node on
// PATH that record what they were asked to run): test:resilience runs exactly the resilience test
// files that need no Docker, test:resilience:docker runs the whole `npm run test:resilience`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SCENARIOS, runJobs } from './lib/gitlab-ci-local';
import { scratch } from './lib/harness';
import { REPO_ROOT } from '../support/repo';

const RESILIENCE = path.join(REPO_ROOT, 'tests', 'resilience');

/** A resilience test needs Docker when it (or a helper it imports from lib/) starts containers. */
function needsDocker(file: string): boolean {
  const text = fs.readFileSync(path.join(RESILIENCE, file), 'utf8');
  const helpers = [...text.matchAll(/from '\.\/lib\/([\w-]+)'/g)].map((match) => path.join(RESILIENCE, 'lib', `${match[1]}.ts`));
  return [text, ...helpers.filter((helper) => fs.existsSync(helper)).map((helper) => fs.readFileSync(helper, 'utf8'))].some((source) =>
    /support\/docker'|docker compose|'compose'/.test(source),
  );
}

/** The test files uvu selects for `uvu <dir> <pattern>`: every file under dir whose path matches. */
function uvuSelects(dir: string, pattern: string): string[] {
  const root = path.join(REPO_ROOT, dir);
  return fs
    .readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((file) => new RegExp(pattern).test(file) && fs.statSync(path.join(root, file)).isFile())
    .sort();
}

const Jobs = suite('resilience jobs');

Jobs('test:resilience builds the service, then runs every resilience test that needs no Docker and no other', async () => {
  const box = scratch();
  try {
    for (const tool of ['npm', 'npx', 'node']) box.fake(tool, 'exit 0');
    const result = await runJobs(['test:resilience'], SCENARIOS.mergeRequest, { bin: box.bin, copy: [] });
    assert.is(result.code, 0, result.stderr + result.stdout);
    const calls = box.calls();
    const build = calls.indexOf('npm run build');
    const uvu = calls.findIndex((call) => call.startsWith('npx uvu '));
    assert.ok(build >= 0 && uvu > build, `build, then the tests:\n${calls.join('\n')}`);
    // The recorded line is the arguments as the shell passed them: the folder, then the pattern.
    const [, dir, pattern] = /^npx uvu .* (\S+) (\S+)$/.exec(calls[uvu] ?? '') ?? [];
    const selected = uvuSelects(dir ?? '', pattern ?? '^$');
    const all = fs.readdirSync(RESILIENCE).filter((file) => file.endsWith('.test.ts'));
    const dockerFree = all.filter((file) => !needsDocker(file)).sort();
    assert.ok(dockerFree.length >= 4 && dockerFree.length < all.length, `Docker-free: ${dockerFree.join(', ')}`);
    assert.equal(selected, dockerFree);
  } finally {
    box.remove();
  }
});

Jobs('test:resilience:docker starts its own engine, builds, then runs all of npm run test:resilience', async () => {
  const box = scratch();
  try {
    for (const tool of ['npm', 'npx', 'node']) box.fake(tool, 'exit 0');
    // The engine start is scripts/ci-start-docker.sh's business (ci-start-docker.test.ts); here, its call.
    const files = { 'scripts/ci-start-docker.sh': `#!/bin/sh\necho "ci-start-docker.sh $*" >> '${box.state}/calls'\n` };
    const result = await runJobs(['test:resilience:docker'], SCENARIOS.defaultBranch, { bin: box.bin, copy: ['scripts/ci-start-docker.sh'], files });
    assert.is(result.code, 0, result.stderr + result.stdout);
    const calls = box.calls();
    const order = ['ci-start-docker.sh', 'npm ci', 'npm run build', 'npm run test:resilience'].map((prefix) => calls.findIndex((call) => call.startsWith(prefix)));
    assert.ok(order.every((index, i) => index >= 0 && (i === 0 || index > (order[i - 1] ?? -1))), calls.join('\n'));
  } finally {
    box.remove();
  }
});

Jobs.run();
