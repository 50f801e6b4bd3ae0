/**
 * The load generator: one long-lived process (compiled, plain node) that run.ts starts once,
 * pinned to a core of its own where taskset exists, and sends one LoadOptions message per
 * measurement; it answers each with one LoadFigures message. The orchestrator only waits.
 */
import autocannon from 'autocannon';

export interface LoadOptions {
  readonly url: string;
  readonly connections: number;
  readonly pipelining: number;
  /** Seconds; or `amount` requests. */
  readonly duration?: number;
  readonly amount?: number;
  /** Every tenth request goes to `url`'s path, the others to this many distinct unrouted paths. */
  readonly distinctPaths?: number;
  /** Seconds before autocannon gives up on a response and resets the connection (its default: 10). */
  readonly timeoutSeconds?: number;
}

export interface LoadFigures {
  readonly requestsPerSecond: number;
  /** Responses received in the whole run. */
  readonly requests: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Socket errors; `timeouts` counts requests lost when autocannon's 10 s response timeout reset a connection. */
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
}

async function measure(options: LoadOptions): Promise<LoadFigures> {
  const { pathname } = new URL(options.url);
  let n = 0;
  const distinct = options.distinctPaths;
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    pipelining: options.pipelining,
    ...(options.timeoutSeconds === undefined ? {} : { timeout: options.timeoutSeconds }),
    ...(options.amount === undefined ? { duration: options.duration ?? 10 } : { amount: options.amount }),
    ...(distinct === undefined
      ? {}
      : {
          requests: [
            {
              setupRequest: (req) => {
                n += 1;
                return { ...req, path: n % 10 === 0 ? pathname : `/bench/${n % distinct}?n=${n}` };
              },
            },
          ],
        }),
  });
  return {
    requestsPerSecond: result.requests.average,
    requests: result.requests.total,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
  };
}

process.on('message', (options: LoadOptions) => {
  void measure(options).then((figures) => process.send?.(figures));
});
// The orchestrator gone (finished or killed) means there is nothing left to measure.
process.on('disconnect', () => process.exit(0));
