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
