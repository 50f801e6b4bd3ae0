/**
 * The bare restify twin (restify-hello.ts) with the service's pieces added one at a time, each
 * step keeping the ones before it: ABLATION_STEP=k runs steps 0..k. The pieces are the service's
 * own functions, called the way server.ts and http/instrumentation.ts call them; the last step is
 * the service itself, built by createApp as main.ts builds it, to show the steps add up to it.
 */
export const STEPS = [
  'bare restify: sendRaw from a plain handler',
  "+ the service's createServer options (no Server header, its pino logger)",
  "+ an async handler answering with the service's send()",
  '+ the request guard (restify pre: URL length, URL parse, percent-encoding)',
  '+ the Node server hardening (timeouts, header limit, clientError/connect answers)',
  "+ 'request' hook: request id (X-Request-Id) and start time",
  "+ in-flight count, and 'after' hook: duration histogram",
  "+ 'after' hook: the log line's level check (debug for /health)",
  '= the service (createApp, as main.ts builds it), for the check that the steps add up',
] as const;

