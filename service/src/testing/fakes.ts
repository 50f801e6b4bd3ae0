import { type Clock } from '../clock';
import { type Random } from '../random';

/** Time that moves only when asked: sleeps return at once and are recorded. */
export class FakeClock implements Clock {
  readonly sleeps: number[] = [];
  private current = 0;

  now(): number {
    return this.current;
  }

  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.current += ms;
  }
}

/** Returns the given values in turn, then repeats the last one. */
export class FixedRandom implements Random {
  private index = 0;

  constructor(private readonly values: readonly number[]) {}

  next(): number {
    const value = this.values[Math.min(this.index, this.values.length - 1)] ?? 0;
    this.index += 1;
    return value;
  }
}
