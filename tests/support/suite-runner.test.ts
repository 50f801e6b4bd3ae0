// The runner behind `npm test` (suite-runner.ts), over fixture suites run by real uvu processes:
// every suite runs whatever the ones before did, every failure is reported, and the run ends with
// the table and the line `N passed, N failed, N skipped` that CI's log reader counts.
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { REPO_ROOT } from './repo';
import { report, runSuites, suiteResult, uvuCounts, type SuiteSpec } from './suite-runner';

const UVU = path.join(path.dirname(require.resolve('uvu')), '..', 'bin.js');
const PRELOAD = path.join(__dirname, 'uvu-strict.cjs');
const FIXTURES = path.relative(REPO_ROOT, path.join(__dirname, 'fixtures'));

const fixtureSuite = (name: string, pattern: string): SuiteSpec => ({
  name,
  command: [process.execPath, UVU, '-r', 'tsx', '-r', PRELOAD, FIXTURES, pattern],
  cwd: REPO_ROOT,
});

const Runner = suite('npm test\'s suite runner');

Runner('runs every suite after a failing or crashing one, counts each, and ends with the totals line', async () => {
  let printed = '';
  const { ok, results } = await runSuites(
    [
      fixtureSuite('mixed', '^runner-mixed\\.fixture\\.ts$'),
      fixtureSuite('crash', '^runner-crash\\.fixture\\.ts$'),
      fixtureSuite('pass', '^runner-pass\\.fixture\\.ts$'),
      fixtureSuite('empty', '^no-such\\.fixture\\.ts$'),
    ],
    { write: (text) => (printed += text) },
  );
  assert.is(ok, false);
  const counts = results.map(({ name, passed, failed, skipped }) => ({ name, passed, failed, skipped }));
  assert.equal(counts, [
    { name: 'mixed', passed: 2, failed: 1, skipped: 1 },
    { name: 'crash', passed: 0, failed: 1, skipped: 0 },
    { name: 'pass', passed: 1, failed: 0, skipped: 0 },
    { name: 'empty', passed: 0, failed: 1, skipped: 0 },
  ]);
  const lines = printed.trimEnd().split('\n');
  assert.is(lines.at(-1), '3 passed, 3 failed, 1 skipped');
  assert.ok(lines.some((line) => /^mixed\s+2\s+1\s+1\s+\d+\.\d$/.test(line)), printed);
  assert.ok(lines.includes('  mixed: mixed  "fails on purpose"'), printed);
  assert.ok(lines.includes('  crash: exited 1 without uvu\'s totals'), printed);
  assert.ok(lines.includes('  empty: ran no test'), printed);
  assert.match(printed, /this file cannot be loaded/, 'the suite\'s own output is passed through');
});

Runner('a run where everything passes is ok', async () => {
  const { ok } = await runSuites([fixtureSuite('pass', '^runner-pass\\.fixture\\.ts$')], { write: () => undefined });
  assert.is(ok, true);
});

Runner('a suite past its deadline is killed and counted failed', async () => {
  let printed = '';
  const { ok, results } = await runSuites(
    [{ name: 'hangs', command: [process.execPath, '-e', 'setInterval(() => {}, 1000)'] }],
    { suiteDeadlineMs: 500, write: (text) => (printed += text) },
  );
  assert.is(ok, false);
  assert.is(results[0]?.failed, 1);
  assert.match(printed, /hangs: still running after 0\.5 s: killed/);
});

const Parse = suite('reading uvu\'s totals');

Parse('reads the last totals, colours and all', () => {
  const output = '\u001b[32m  Total:     3\n\u001b[32m  Passed:    2\u001b[39m\n  Skipped:   \u001b[33m4\u001b[39m\n  Duration:  1.00ms\n';
  assert.equal(uvuCounts(output), { total: 3, passed: 2, skipped: 4 });
  assert.is(uvuCounts('  Total:     3\n  Passed:    3\n'), undefined);
});

Parse('a process that failed with every test passed counts one failure (a failed after() hook)', () => {
  const result = suiteResult('s', '  Total:     2\n  Passed:    2\n  Skipped:   0\n', 1, null, 1);
  assert.is(result.failed, 1);
  assert.match(result.problem ?? '', /exited 1 although every test passed/);
  assert.is(suiteResult('s', '  Total:     2\n  Passed:    2\n  Skipped:   0\n', 0, null, 1).failed, 0);
  assert.is(suiteResult('s', '  Total:     0\n  Passed:    0\n  Skipped:   3\n', 0, null, 1).failed, 0, 'a suite of skips ran');
});

Parse('the report ends with the plain totals line', () => {
  const text = report([
    { name: 'a', passed: 5, failed: 0, skipped: 1, seconds: 1.25, failures: [] },
    { name: 'b', passed: 2, failed: 2, skipped: 0, seconds: 3, failures: ['x  "y"', 'x  "z"'] },
  ]);
  assert.is(text.trimEnd().split('\n').at(-1), '7 passed, 2 failed, 1 skipped');
  assert.match(text, /^total\s+7\s+2\s+1\s+4\.3$/m);
  assert.match(text, /^ {2}b: x {2}"z"$/m);
});

Runner.run();
Parse.run();
