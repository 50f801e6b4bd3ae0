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

/** Randomness, injected so tests can pin an outcome. */
export interface Random {
  /** A number in [0, 1). */
  next(): number;
}

/** Failure injection needs no cryptographic quality. */
export class MathRandom implements Random {
  next(): number {
    return Math.random();
  }
}
