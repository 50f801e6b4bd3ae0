/**
 * Injection tokens. Symbols, not classes: tsx and esbuild emit no decorator metadata,
 * so every constructor parameter names its token with an explicit `@inject(TOKENS.X)`.
 */
export const TOKENS = {
  Config: Symbol('Config'),
  Logger: Symbol('Logger'),
  Registry: Symbol('Registry'),
  Clock: Symbol('Clock'),
  Random: Symbol('Random'),
  Metrics: Symbol('Metrics'),
  Readiness: Symbol('Readiness'),
  WorkService: Symbol('WorkService'),
  /** Every listener the process opened (the main one, and the metrics one when METRICS_PORT is set). */
  HttpServers: Symbol('HttpServers'),
  Exit: Symbol('Exit'),
  GracefulShutdown: Symbol('GracefulShutdown'),
} as const;
