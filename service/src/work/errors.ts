// What the workload can refuse or fail with, in its own terms: the HTTP layer decides what a client
// sees (http/error-handler.ts), so the domain can run without HTTP.

/** A parameter of the workload is unknown, repeated or out of range: names it and what it accepts. */
export class InvalidWorkParameter extends Error {
  override readonly name = 'InvalidWorkParameter';
  constructor(
    readonly parameter: string,
    readonly accepts: string,
  ) {
    super(`${parameter} must be ${accepts}`);
  }
}

/** The failure a caller asked for with `error_rate`: it is meant to look like a server fault. */
export class InjectedFailure extends Error {
  override readonly name = 'InjectedFailure';
  constructor() {
    super('injected failure');
  }
}
