// Preloaded by every test script (`uvu -r tsx -r "$PWD/…/uvu-strict.cjs"`): uvu 0.5.6 reports a
// suite whose before() or after() hook throws as passed, and exits 0, because its runner returns
// from a `finally` and drops the error. A server that failed to start would turn a whole suite
// green without running a test. With this loaded:
//   - a before() hook that throws fails every test of its suite with that error;
//   - an after() hook that throws is printed and makes the run exit 1.
'use strict';

const uvu = require('uvu');

let afterHookFailed = false;
process.on('exit', (code) => {
  if (afterHookFailed && code === 0) process.exitCode = 1;
});

/** Wraps a suite's hooks in place, keeping uvu's API (`before`, `before.each`, `after`, `after.each`). */
function strict(test) {
  const { before, after } = test;
  const beforeEach = before.each;
  const afterEach = after.each;
  let setUpError;

  // Registered first, so it runs before every test and its own before.each hooks.
  beforeEach(() => {
    if (setUpError !== undefined) throw setUpError;
  });

  const strictBefore = (hook) =>
    before(async (context) => {
      try {
        await hook(context);
      } catch (error) {
        setUpError ??= error;
      }
    });
  strictBefore.each = beforeEach;

  const strictAfter = (hook) =>
    after(async (context) => {
      try {
        await hook(context);
      } catch (error) {
        afterHookFailed = true;
        console.error(`after() hook of suite "${context.__suite__}" failed:`, error);
      }
    });
  strictAfter.each = afterEach;

  test.before = strictBefore;
  test.after = strictAfter;
  return test;
}

const { suite } = uvu;
uvu.suite = (...args) => strict(suite(...args));
strict(uvu.test);
