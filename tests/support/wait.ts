// Polling for a condition, shared by the end-to-end and resilience suites.
import { setTimeout as sleep } from 'node:timers/promises';

/** Thrown by a probe to stop waiting at once: the condition can no longer come true. */
export class GiveUp extends Error {}

export interface WaitOptions {
  /** Ends a hung run only (this is a shared, noisy machine): nothing here asserts how fast anything is. */
  deadlineMs?: number;
  intervalMs?: number;
}

/**
 * Polls `probe` until it returns a value other than undefined. An error thrown by the probe counts
 * as "not yet" (its message ends up in the final failure), except a GiveUp, which ends the wait.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  { deadlineMs = 180_000, intervalMs = 500 }: WaitOptions = {},
): Promise<T> {
  const deadline = performance.now() + deadlineMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      if (error instanceof GiveUp) throw error;
      lastError = error;
    }
    if (performance.now() > deadline) {
      const reason = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`gave up waiting for ${what}${reason}`, { cause: lastError });
    }
    await sleep(intervalMs);
  }
}
