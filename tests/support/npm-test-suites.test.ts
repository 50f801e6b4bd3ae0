// `npm test` runs every test file in the repository that needs no Docker: each *.test.ts is picked by
// one of its suites' uvu commands (read from the npm scripts they run), or by a Docker suite.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { NPM_TEST_SUITES, wantedSuites } from '../../scripts/run-tests';
import { REPO_ROOT } from './repo';

/** The suites README and docs/testing.md give apart from npm test, for what needs Docker. */
const DOCKER_SCRIPTS = ['test:e2e', 'test:resilience', 'test:grafana'];
const NOT_SOURCE = new Set(['node_modules', '.git', '.stryker-tmp', 'dist', 'reports', '.gitlab-ci-local']);

function testFiles(dir = REPO_ROOT): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (NOT_SOURCE.has(entry.name)) return [];
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(full);
    return entry.name.endsWith('.test.ts') ? [path.relative(REPO_ROOT, full)] : [];
  });
}

interface Selection {
  dir: string;
  pattern: RegExp;
  ignore: RegExp[];
}

/** What `uvu [-r …] <dir> '<pattern>' [-i|--ignore X]` in an npm script runs, the way uvu reads it (case-insensitive). */
export function uvuSelection(command: string, cwd: string): Selection {
  const match = /\buvu(?:\s+-r\s+(?:"[^"]*"|\S+))*\s+(\S+)\s+'([^']+)'((?:\s+(?:-i|--ignore)\s+\S+)*)/.exec(command);
  if (!match?.[1] || !match[2]) throw new Error(`not a uvu command with a folder and a pattern: ${command}`);
  const ignore = [...(match[3] ?? '').matchAll(/(?:-i|--ignore)\s+(\S+)/g)].map((m) => new RegExp(m[1] ?? '', 'i'));
  return { dir: path.join(cwd, match[1]), pattern: new RegExp(match[2], 'i'), ignore: [/^.git/i, /node_modules/i, ...ignore] };
}

function selects({ dir, pattern, ignore }: Selection, file: string): boolean {
  const relative = path.relative(dir, path.join(REPO_ROOT, file));
  if (relative.startsWith('..')) return false;
  // uvu tests its ignore patterns against every folder on the way down, and the file.
  const steps = relative.split(path.sep).map((_, i, parts) => parts.slice(0, i + 1).join(path.sep));
  return !steps.some((step) => ignore.some((re) => re.test(step))) && pattern.test(relative);
}

function scriptOf(script: string, workspace?: string): Selection {
  const folder = path.join(REPO_ROOT, workspace ?? '');
  const { scripts } = JSON.parse(readFileSync(path.join(folder, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const command = scripts[script];
  if (command === undefined) throw new Error(`${workspace ?? 'the root package'} has no script ${script}`);
  return uvuSelection(command, folder);
}

const Suites = suite('the suites npm test runs');

Suites('every test file is run by npm test or by a Docker suite', () => {
  const npmTest = NPM_TEST_SUITES.map(({ script, workspace }) => scriptOf(script, workspace));
  const docker = DOCKER_SCRIPTS.map((script) => scriptOf(script));
  const files = testFiles();
  assert.ok(files.includes(path.join('tests', 'support', 'npm-test-suites.test.ts')), 'the walk finds this file');
  const unrun = files.filter((file) => ![...npmTest, ...docker].some((selection) => selects(selection, file)));
  assert.equal(unrun, []);
});

Suites('the resilience tests that need no Docker run in npm test; the compose stack\'s does not', () => {
  const npmTest = NPM_TEST_SUITES.map(({ script, workspace }) => scriptOf(script, workspace));
  const inNpmTest = (file: string) => npmTest.some((selection) => selects(selection, file));
  for (const file of testFiles().filter((f) => f.startsWith(path.join('tests', 'resilience')))) {
    const needsDocker = /needs\(\['docker'\]/.test(readFileSync(path.join(REPO_ROOT, file), 'utf8'));
    assert.is(inNpmTest(file), !needsDocker, `${file} ${needsDocker ? 'needs Docker, yet npm test runs it' : 'needs no Docker, yet npm test leaves it out'}`);
  }
});

Suites('the suites asked for: the command line first, else TEST_SUITES (spaces or commas), else every suite', () => {
  assert.equal(wantedSuites(['pipeline'], { TEST_SUITES: 'service deploy' }), ['pipeline']);
  assert.equal(wantedSuites([], { TEST_SUITES: 'service deploy,readme' }), ['service', 'deploy', 'readme']);
  assert.equal(wantedSuites([], { TEST_SUITES: ' ' }), []);
  assert.equal(wantedSuites([], {}), []);
});

Suites('reads uvu\'s folder, pattern and ignores as uvu does', () => {
  const selection = uvuSelection(`uvu -r tsx -r "$PWD/x.cjs" tests/resilience '\\.test\\.ts$' --ignore stack-faults`, REPO_ROOT);
  assert.ok(selects(selection, path.join('tests', 'resilience', 'drain.test.ts')));
  assert.not.ok(selects(selection, path.join('tests', 'resilience', 'stack-faults.test.ts')));
  assert.not.ok(selects(selection, path.join('tests', 'deploy', 'fly.test.ts')));
  assert.not.ok(selects(selection, path.join('tests', 'resilience', 'lib', 'load.ts')));
});

Suites.run();
