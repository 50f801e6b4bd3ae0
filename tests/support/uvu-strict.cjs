// Preloaded by every test script (`uvu -r tsx -r "$PWD/…/uvu-strict.cjs"`). uvu 0.5.6 has two
// gaps that let a broken suite look green or never finish:
//
//   - It reports a suite whose before() or after() hook throws as passed, and exits 0, because its
//     runner returns from a `finally` and drops the error: a server that failed to start would turn
//     a whole suite green without running a test. Here a before() hook that throws fails every test
//     of its suite with that error; an after() hook that throws is printed and makes the run exit 1.
//   - It has no timeout: a test (or hook) whose promise never settles hangs the run forever. Here
//     every test and hook has one; past it the test fails with its name, the run goes on with the
//     next test, and once the run ends the process exits 1 even if the hung work still holds the
//     event loop open. A run whose tests all ended but left something open (a server, a child, a
//     timer) would hang too: a few seconds after uvu's totals it exits 1, naming what was left.
//
// The timeout is generous (TEST_TIMEOUT_SECONDS, 120 s unless set): it ends hangs only, it never
// judges speed. A suite that legitimately takes longer (a Docker build) raises its own with
// setTestTimeout() from tests/support/test-timeout.ts.
'use strict';

const uvu = require('uvu');

const DEFAULT_TIMEOUT_SECONDS = 120;
/** Where setTestTimeout() keeps a suite's own limit, in milliseconds (tests/support/test-timeout.ts). */
const SUITE_TIMEOUT = Symbol.for('uvu-strict.timeoutMs');
/** The suite's name, for messages about the suite (tests/support/tools.ts names it in a skip line). */
const SUITE_NAME = Symbol.for('uvu-strict.name');

function defaultTimeoutMs() {
  const raw = process.env.TEST_TIMEOUT_SECONDS;
  if (raw === undefined || raw === '') return DEFAULT_TIMEOUT_SECONDS * 1000;
  const seconds = Number(raw);
  if (!(seconds > 0) || !Number.isFinite(seconds)) {
    console.error(`TEST_TIMEOUT_SECONDS must be a positive number of seconds, not ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return seconds * 1000;
}
const DEFAULT_TIMEOUT_MS = defaultTimeoutMs();
/** How long the process may outlive uvu's totals (closing what the last after() hook stopped) before it counts as left open. */
const LINGER_MS = 5_000;

let afterHookFailed = false;
let timedOut = 0;
process.on('exit', (code) => {
  if ((afterHookFailed || timedOut > 0) && code === 0) process.exitCode = 1;
});

/**
 * `run()` bounded by the suite's timeout: past it, the returned promise rejects with an error that
 * names `what` (the test, or the hook and its suite). The timer is not unref'd, so a test whose
 * promise can never settle and holds nothing open still fails here instead of ending the process.
 */
function bounded(owner, what, run) {
  const ms = owner[SUITE_TIMEOUT] ?? DEFAULT_TIMEOUT_MS;
  let timer;
  const expired = new Promise((_, reject) => {
    timer = setTimeout(() => {
      timedOut += 1;
      reject(new Error(`${what} timed out after ${ms / 1000} s (a hang: TEST_TIMEOUT_SECONDS or setTestTimeout() raise the limit)`));
    }, ms);
  });
  return Promise.race([Promise.resolve().then(run), expired]).finally(() => clearTimeout(timer));
}

/** A suite with uvu's API (`test(name, fn)`, `.only`, `.skip`, `.before`, `.before.each`, `.after`, `.after.each`, `.run`), every handler bounded and the before/after hooks strict. */
function strict(raw, title) {
  const suiteName = () => (title ? `suite "${title}"` : 'the suite');
  const test = (name, handler) => raw(name, (context) => bounded(test, `test "${name}"`, () => handler(context)));
  test[SUITE_NAME] = title;
  test.only = (name, handler) => raw.only(name, (context) => bounded(test, `test "${name}"`, () => handler(context)));
  test.skip = (...args) => raw.skip(...args);
  test.run = () => raw.run();

  let setUpError;
  // Registered first, so it runs before every test and its own before.each hooks.
  raw.before.each(() => {
    if (setUpError !== undefined) throw setUpError;
  });

  test.before = (hook) =>
    raw.before(async (context) => {
      try {
        await bounded(test, `before() hook of ${suiteName()}`, () => hook(context));
      } catch (error) {
        setUpError ??= error;
      }
    });
  test.before.each = (hook) => raw.before.each((context) => bounded(test, `before.each() hook of ${suiteName()}`, () => hook(context)));

  test.after = (hook) =>
    raw.after(async (context) => {
      try {
        await bounded(test, `after() hook of ${suiteName()}`, () => hook(context));
      } catch (error) {
        afterHookFailed = true;
        console.error(`after() hook of suite "${context.__suite__}" failed:`, error);
      }
    });
  test.after.each = (hook) => raw.after.each((context) => bounded(test, `after.each() hook of ${suiteName()}`, () => hook(context)));
  return test;
}

const { suite, exec } = uvu;
uvu.suite = (...args) => strict(suite(...args), args[0]);
uvu.test = strict(uvu.test);

// A test that timed out may have left work that keeps the event loop alive (a socket, a child, a
// timer): once uvu has printed its totals, nothing else is coming, so end the process.
uvu.exec = async (...args) => {
  await exec(...args);
  if (timedOut > 0) process.exit(1);
  setTimeout(() => {
    // Left out: this very timer, and the pipes or terminal of stdout and stderr.
    const open = [...new Set(process.getActiveResourcesInfo())].filter((resource) => !['Timeout', 'PipeWrap', 'TTYWrap'].includes(resource));
    console.error(`uvu-strict: the tests ended, but ${open.join(', ') || 'a timer'} still holds the process open (a test left it running): exiting 1`);
    process.exit(1);
  }, LINGER_MS).unref();
};
