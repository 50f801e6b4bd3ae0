import type { Test } from 'uvu';

/**
 * Runs `setUp` once before a suite's tests and `tearDown` after them (even when set-up failed).
 * uvu 0.5 reports a suite whose before() hook throws as passed (its runner returns from a
 * `finally`), so set-up runs in before() and every test awaits it through before.each(): when
 * set-up fails, every test fails with its error.
 */
export function setUpOnce<T>(test: Test<T>, setUp: (context: T) => Promise<void>, tearDown: (context: T) => Promise<void>): void {
  let started: Promise<void> = Promise.resolve();
  test.before((context) => {
    started = setUp(context);
    started.catch(() => undefined);
  });
  test.before.each(() => started);
  test.after(async (context) => {
    await started.catch(() => undefined);
    await tearDown(context);
  });
}
