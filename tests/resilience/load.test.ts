// The real service holds sustained load. Three equal rounds of
// mixed-latency traffic on /api/work: no non-2xx, p99 within a correctness bound, no RSS growth
// from round 2 to round 3 (leak check). (Bounded labels: service/src/metrics/bounded.test.ts.)
import { setTimeout as sleep } from 'node:timers/promises';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { recordFigures } from './lib/figures';
import { after, runLoad, type LoadResult } from './lib/load';
import { sampleValue } from '../support/exposition';
import type { RequestSpec } from '../support/raw-http';
import { scrape } from './lib/scrape';
import { ServiceProcess } from '../support/service-process';
import { round, summarize, tally } from './lib/stats';

const LATENCIES_MS = [0, 5, 20, 50] as const;
const CONNECTIONS = 32;
const WARM_UP_MS = 3_000;
const ROUND_MS = 10_000;
const ROUNDS = 3;
/**
 * A correctness bound, not a speed goal: the slowest simulated latency plus a second for a shared,
 * noisy 2-core machine running the load driver and the service side by side. Exceeding it means a
 * request waited on something other than its own work (a blocked event loop, a queue, a lock).
 */
const P99_BOUND_MS = Math.max(...LATENCIES_MS) + 1_000;
/** After a forced GC, RSS and heap hold within a few percent; a leak grows them with every request. */
const RSS_GROWTH_TOLERANCE = 0.1;

/** Mixed traffic, GET with a query string and POST with a JSON body; never an injected failure. */
function workRequest(sequence: number): RequestSpec {
  const latency = LATENCIES_MS[sequence % LATENCIES_MS.length] ?? 0;
  const size = 1 + (sequence % 50);
  if (sequence % 3 === 0) {
    return {
      method: 'POST',
      target: '/api/work',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ latency_ms: latency, size, error_rate: 0 }),
    };
  }
  return { method: 'GET', target: `/api/work?latency_ms=${latency}&size=${size}` };
}

/**
 * RSS once the service is idle again and after a full garbage collection (forced through the
 * inspector): without it RSS swings by 10-15% with the GC cycle alone, more than a leak check can
 * tolerate. The median of a few samples, so a stray allocation does not decide.
 */
async function settledRss(service: ServiceProcess): Promise<number> {
  await sleep(500);
  await service.collectGarbage();
  const samples: number[] = [];
  for (let i = 0; i < 3; i++) {
    await sleep(200);
    samples.push(service.rssBytes());
  }
  return samples.sort((a, b) => a - b)[1] ?? 0;
}

const mib = (bytes: number) => round(bytes / 2 ** 20, 1);

function describeFailures(results: readonly LoadResult[]): string {
  const bad = results.filter((result) => result.outcome !== 'complete' || (result.response?.status ?? 0) >= 300);
  const kinds = tally(bad.map((result) => `${result.outcome} ${result.response?.status ?? result.errorCode ?? ''}`));
  return `${bad.length} of ${results.length} requests were not 2xx: ${JSON.stringify(kinds)}`;
}

const load = suite('load held: three rounds of mixed-latency /api/work traffic');

load('no non-2xx, bounded p99, no RSS growth from round 2 to 3', async () => {
  const service = await ServiceProcess.start({}, { inspector: true });
  try {
    const warmUp = await runLoad({ port: service.port, connections: CONNECTIONS, shouldStop: after(WARM_UP_MS), next: workRequest });
    assert.ok(warmUp.results.length > 0, 'the warm-up sent no request');
    // A scrape is counted once answered: scrape once, so every round's series figure includes the scrape's own.
    await scrape(service.port);

    const rounds = [];
    for (let index = 1; index <= ROUNDS; index++) {
      const { results } = await runLoad({ port: service.port, connections: CONNECTIONS, shouldStop: after(ROUND_MS), next: workRequest });
      const rssBytes = await settledRss(service);
      const metrics = await scrape(service.port);
      const latency = summarize(results.map((result) => result.latencyMs));
      const non2xx = results.filter((result) => result.outcome !== 'complete' || (result.response?.status ?? 0) >= 300).length;
      rounds.push({
        round: index,
        results,
        latency,
        non2xx,
        rssBytes,
        heapUsedBytes: sampleValue(metrics.series, 'nodejs_heap_size_used_bytes') ?? 0,
        seriesTotal: metrics.series.length,
      });
    }

    recordFigures('1 load held', {
      command: `${CONNECTIONS} keep-alive clients, latency_ms ${LATENCIES_MS.join('/')}, ${ROUNDS} rounds of ${ROUND_MS / 1000} s`,
      p99BoundMs: P99_BOUND_MS,
      rounds: rounds.map((r) => ({
        round: r.round,
        requests: r.results.length,
        non2xx: r.non2xx,
        requestsPerSecond: round(r.results.length / (ROUND_MS / 1000), 0),
        latencyMs: r.latency,
        rssMiB: mib(r.rssBytes),
        heapUsedMiB: mib(r.heapUsedBytes),
        seriesTotal: r.seriesTotal,
      })),
    });

    for (const r of rounds) {
      assert.is(r.non2xx, 0, `round ${r.round}: ${describeFailures(r.results)}`);
      assert.ok(r.latency.p99 <= P99_BOUND_MS, `round ${r.round}: p99 ${r.latency.p99} ms exceeds the ${P99_BOUND_MS} ms bound`);
    }
    const [, second, third] = rounds;
    if (!second || !third) throw new Error('three rounds expected');
    const growth = (third.rssBytes - second.rssBytes) / second.rssBytes;
    assert.ok(
      growth < RSS_GROWTH_TOLERANCE,
      `RSS grew ${round(growth * 100)}% from round 2 (${mib(second.rssBytes)} MiB) to round 3 (${mib(third.rssBytes)} MiB)`,
    );
    const heapGrowth = (third.heapUsedBytes - second.heapUsedBytes) / second.heapUsedBytes;
    assert.ok(
      heapGrowth < RSS_GROWTH_TOLERANCE,
      `heap used after GC grew ${round(heapGrowth * 100)}% from round 2 (${mib(second.heapUsedBytes)} MiB) to round 3 (${mib(third.heapUsedBytes)} MiB)`,
    );
    assert.ok(service.running, 'the service exited under load');
  } finally {
    await service.kill();
  }
});

load.run();
