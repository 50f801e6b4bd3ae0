// Each test's timeout comes from the uvu preload (tests/support/uvu-strict.cjs): TEST_TIMEOUT_SECONDS,
// 120 s unless set. A suite whose tests legitimately take longer (a Docker build, a stack that waits
// for an alert to fire) raises its own here; the limit ends a hang, it never judges speed.
import type { Test } from 'uvu';

const SUITE_TIMEOUT = Symbol.for('uvu-strict.timeoutMs');

/** Every test and hook of `suite` may run for `seconds` before it fails as hung. */
export function setTestTimeout<T>(suite: Test<T>, seconds: number): void {
  if (!(seconds > 0) || !Number.isFinite(seconds)) throw new Error(`setTestTimeout: a positive number of seconds, not ${seconds}`);
  (suite as unknown as Record<symbol, number>)[SUITE_TIMEOUT] = seconds * 1000;
}
