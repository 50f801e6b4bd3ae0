// The uvu preload (uvu-strict.cjs) run the way every test script runs it, in a uvu process of its
// own over a fixture: a hung test or hook fails with its name, the run goes on and then exits 1,
// instead of hanging the whole `npm test`.
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { start, waitForExit } from './child-process';
import { REPO_ROOT } from './repo';

/** uvu's CLI (its package exports no path to it). */
const UVU = path.join(path.dirname(require.resolve('uvu')), '..', 'bin.js');
const PRELOAD = path.join(__dirname, 'uvu-strict.cjs');
/** Ends the fixture's run if the preload let it hang: the assertion on `timedOut` then fails. */
const KILL_AFTER_MS = 90_000;

async function runFixture(fixture: string, env: NodeJS.ProcessEnv) {
  const started = start(
    process.execPath,
    [UVU, '-r', 'tsx', '-r', PRELOAD, path.relative(REPO_ROOT, path.join(__dirname, 'fixtures')), `^${fixture.replace('.', '\\.')}$`],
    { ...process.env, ...env },
    { cwd: REPO_ROOT },
  );
  const { exit, timedOut } = await waitForExit(started, KILL_AFTER_MS);
  return { exit, timedOut, output: stripVTControlCharacters(started.output()) };
}

const Strict = suite('uvu-strict.cjs timeouts');

Strict('a test that never settles fails with its name, the next test still runs, and the process exits 1', async () => {
  const { exit, timedOut, output } = await runFixture('hangs.fixture.ts', { TEST_TIMEOUT_SECONDS: '1' });
  assert.not.ok(timedOut, `the run hung:\n${output}`);
  assert.is(exit.code, 1, output);
  assert.match(output, /FAIL\s+a suite with a hung test\s+"waits for a promise nothing settles"/);
  assert.match(output, /test "waits for a promise nothing settles" timed out after 1 s/);
  assert.match(output, /Total:\s+2\s+Passed:\s+1\s/, 'the test after the hung one ran and passed');
});

Strict('a suite\'s own timeout (setTestTimeout) wins over TEST_TIMEOUT_SECONDS, and a hung before() fails every test', async () => {
  const { exit, timedOut, output } = await runFixture('hook-hangs.fixture.ts', { TEST_TIMEOUT_SECONDS: '600' });
  assert.not.ok(timedOut, `the run hung:\n${output}`);
  assert.is(exit.code, 1, output);
  assert.match(output, /before\(\) hook of suite "a suite whose set-up hangs" timed out after 1 s/);
  assert.match(output, /Total:\s+1\s+Passed:\s+0\s/);
});

Strict('a run whose tests passed but left a server listening exits 1 naming it, instead of hanging', async () => {
  const { exit, timedOut, output } = await runFixture('leaves-server.fixture.ts', {});
  assert.not.ok(timedOut, `the run hung:\n${output}`);
  assert.is(exit.code, 1, output);
  assert.match(output, /Total:\s+1\s+Passed:\s+1\s/);
  assert.match(output, /uvu-strict: the tests ended, but TCPServerWrap still holds the process open \(a test left it running\): exiting 1/);
});

Strict('a TEST_TIMEOUT_SECONDS that is not a positive number stops the run with one line naming it', async () => {
  const { exit, output } = await runFixture('hangs.fixture.ts', { TEST_TIMEOUT_SECONDS: '2m' });
  assert.is(exit.code, 2, output);
  assert.is(output.trim(), 'TEST_TIMEOUT_SECONDS must be a positive number of seconds, not "2m"');
});

Strict.run();
