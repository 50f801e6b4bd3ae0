// Polling for a condition, shared by the end-to-end and resilience suites.
import { setTimeout as sleep } from 'node:timers/promises';

/** Thrown by a probe to stop waiting at once: the condition can no longer come true. */
export class GiveUp extends Error {}

export interface WaitOptions {
  /** Ends a hung run only (a CI runner may be busy): nothing here asserts how fast anything is. */
  deadlineMs?: number;
  intervalMs?: number;
  /**
   * Resolves, with the reason, once the condition can no longer come true (the process that would
   * make it true has exited: child-process.ts's `ended()`). The wait ends the moment it resolves,
   * even while a probe is still pending, with a GiveUp carrying the reason.
   */
  giveUpWhen?: Promise<string>;
}

/**
 * Polls `probe` until it returns a value other than undefined. An error thrown by the probe counts
 * as "not yet" (its message ends up in the final failure), except a GiveUp, which ends the wait.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  { deadlineMs = 180_000, intervalMs = 500, giveUpWhen }: WaitOptions = {},
): Promise<T> {
  // Ends the pause between probes too, so no timer outlives the wait and holds the process open.
  const pause = new AbortController();
  let givenUp: GiveUp | undefined;
  const gaveUp = giveUpWhen?.then((reason): never => {
    givenUp = new GiveUp(`gave up waiting for ${what}: ${reason}`);
    pause.abort();
    throw givenUp;
  });
  gaveUp?.catch(() => undefined); // observed below, where it is raced
  const unlessGivenUp = <R>(step: Promise<R>): Promise<R> => (gaveUp ? Promise.race([step, gaveUp]) : step);

  const deadline = performance.now() + deadlineMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await unlessGivenUp(probe());
      if (value !== undefined) return value;
    } catch (error) {
      if (error instanceof GiveUp) throw error;
      lastError = error;
    }
    if (performance.now() > deadline) {
      const reason = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`gave up waiting for ${what}${reason}`, { cause: lastError });
    }
    await sleep(intervalMs, undefined, { signal: pause.signal }).catch(() => undefined);
    if (givenUp) throw givenUp;
  }
}
