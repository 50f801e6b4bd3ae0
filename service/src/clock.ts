import { setTimeout as delay } from 'node:timers/promises';

/** Time, injected so tests decide how long "later" is. */
export interface Clock {
  /** Monotonic milliseconds, for measuring durations. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export class SystemClock implements Clock {
  now(): number {
    return performance.now();
  }

  async sleep(ms: number): Promise<void> {
    if (ms > 0) await delay(ms);
  }
}
