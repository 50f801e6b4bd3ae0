/**
 * The load generator, in a process of its own: the orchestrator (run.ts) waits for it and does
 * nothing else, and the server under test has the other core. Prints one JSON line of figures.
 *   node --import tsx bench/load.ts '{"url":"http://127.0.0.1:8080/health","connections":100,...}'
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
}

export interface LoadFigures {
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Socket errors; `timeouts` counts requests lost when autocannon's 10 s response timeout reset a connection. */
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
}

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? '{}') as LoadOptions;
  const { pathname } = new URL(options.url);
  let n = 0;
  const distinct = options.distinctPaths;
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    pipelining: options.pipelining,
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
  const figures: LoadFigures = {
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
  };
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}

void main();
