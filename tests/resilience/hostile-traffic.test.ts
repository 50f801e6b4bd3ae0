// Hostile traffic does not break the service.
//  - A property-based fuzzer sends thousands of random requests over raw sockets; none gets a 5xx
//    (no request can ask for an injected failure), the process never dies, /health answers 200
//    throughout, and http_server_active_requests comes back to the scrape alone. (That labels stay
//    bounded is proven once, in service/src/metrics/bounded.test.ts.)
//  - Slow-header and slow-body clients (slowloris) are cut off by the server's timeouts while
//    ordinary clients keep their usual latency.
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { recordFigures } from './lib/figures';
import { hostileRequest, type HostileRequest } from './lib/hostile-requests';
import { after, runLoad, type LoadResult } from './lib/load';
import { sampleValue } from '../support/exposition';
import { exchange, getStatus, RawConnection, type ExchangeResult } from '../support/raw-http';
import { scrape } from './lib/scrape';
import { ServiceProcess } from '../support/service-process';
import { summarize, tally } from './lib/stats';

/** Timeouts short enough for a test, in the order production keeps them (keep-alive < headers < request). */
const TIMEOUTS = { KEEP_ALIVE_TIMEOUT_MS: '1000', HEADERS_TIMEOUT_MS: '2000', REQUEST_TIMEOUT_MS: '4000' } as const;
const REQUEST_TIMEOUT_MS = Number(TIMEOUTS.REQUEST_TIMEOUT_MS);

const FUZZ_RUNS = 1_000;
const FUZZ_BATCH = 8;
/** A client waits this long for an answer; a request with a Content-Length it never sends ends by the server's timeout. */
const FUZZ_CLIENT_TIMEOUT_MS = REQUEST_TIMEOUT_MS + 3_000;
const HEALTH_POLL_MS = 100;

function healthWatch(port: number) {
  const statuses: Array<number | string> = [];
  let stopped = false;
  const done = (async () => {
    while (!stopped) {
      const result = await getStatus(port, '/health', 5_000);
      statuses.push(result.response?.status ?? result.outcome);
      await sleep(HEALTH_POLL_MS);
    }
  })();
  return {
    statuses,
    stop: async () => {
      stopped = true;
      await done;
    },
  };
}

const hostile = suite('hostile traffic: fuzzed requests and slow clients');

hostile('fuzzed raw requests: no 5xx, no crash, /health 200 throughout, no request left counted in flight', async () => {
  const service = await ServiceProcess.start({ ...TIMEOUTS });
  const health = healthWatch(service.port);
  try {
    // Every route answered once, so the baseline has their series.
    for (const target of ['/health', '/ready', '/api/work', '/nope']) await getStatus(service.port, target);
    const before = await scrape(service.port);

    const outcomes: string[] = [];
    const statuses: number[] = [];
    const seed = Number(process.env.RESILIENCE_FUZZ_SEED ?? Date.now() % 2 ** 31);
    const send = (request: HostileRequest): Promise<ExchangeResult> =>
      exchange(service.port, request.bytes, request.method, FUZZ_CLIENT_TIMEOUT_MS);

    await fc.assert(
      fc.asyncProperty(fc.array(hostileRequest, { minLength: FUZZ_BATCH, maxLength: FUZZ_BATCH }), async (batch) => {
        const results = await Promise.all(batch.map(send));
        results.forEach((result, index) => {
          outcomes.push(result.outcome);
          if (result.response) statuses.push(result.response.status);
          const status = result.response?.status ?? 0;
          if (status >= 500) {
            throw new Error(`${status} for ${String(batch[index])}: ${result.response?.body.toString('utf8').slice(0, 300)}`);
          }
        });
        if (!service.running) throw new Error(`the service died:\n${service.output().slice(-2_000)}`);
      }),
      { numRuns: FUZZ_RUNS, seed, endOnFailure: false },
    );

    await health.stop();
    assert.ok(service.running, 'the service exited during the fuzz');
    // Every fuzzed request has ended (answered, or its socket closed): only the scrape itself is in flight.
    let afterFuzz = await scrape(service.port);
    for (let attempt = 0; attempt < 20 && sampleValue(afterFuzz.series, 'http_server_active_requests') !== 1; attempt++) {
      await sleep(250);
      afterFuzz = await scrape(service.port);
    }
    const failures = afterFuzz.series.find((entry) => entry.name === 'app_work_requests_total' && entry.labels.outcome === 'failure');

    recordFigures('3 hostile traffic: fuzz', {
      seed,
      cases: outcomes.length,
      outcomes: tally(outcomes),
      statuses: tally(statuses),
      healthPolls: tally(health.statuses),
      seriesBefore: before.series.length,
      seriesAfter: afterFuzz.series.length,
      injectedFailures: failures?.value ?? 0,
    });

    assert.equal(
      health.statuses.filter((status) => status !== 200),
      [],
      `/health did not answer 200 on every poll: ${JSON.stringify(tally(health.statuses))}`,
    );
    assert.ok(health.statuses.length > 0, 'no /health poll finished during the fuzz');
    assert.is(failures?.value ?? 0, 0, 'a fuzzed request triggered an injected failure');
    assert.is(
      sampleValue(afterFuzz.series, 'http_server_active_requests'),
      1,
      'http_server_active_requests did not return to 1 (the scrape itself): some ended request is still counted',
    );
  } finally {
    await health.stop();
    await service.kill();
  }
});

const SLOW_HEADER_CLIENTS = 100;
const SLOW_BODY_CLIENTS = 100;
const TRICKLE_EVERY_MS = 500;
/** A slow client still connected this long after it started was not cut off: the test fails. */
const SLOW_CLIENT_GIVE_UP_MS = REQUEST_TIMEOUT_MS + 10_000;
const NORMAL_CONNECTIONS = 8;
const NORMAL_LATENCIES_MS = [0, 5, 20] as const;
const NORMAL_PHASE_MS = 5_000;
/** Generous on purpose (shared 2-core machine): ordinary clients may slow down, not starve. */
const P99_FACTOR = 5;
const P99_SLACK_MS = 100;

interface SlowClientResult {
  kind: 'slow headers' | 'slow body';
  result: ExchangeResult;
  /** Milliseconds from connect to the server's cut (or to giving up). */
  heldMs: number;
}

/** A client that starts a request and then sends one more byte every TRICKLE_EVERY_MS, never finishing. */
async function slowClient(port: number, kind: SlowClientResult['kind']): Promise<SlowClientResult> {
  const startedAt = performance.now();
  const { connection, errorCode } = await RawConnection.connect(port);
  if (!connection) {
    return { kind, result: { outcome: 'refused', connected: false, written: false, errorCode, latencyMs: 0 }, heldMs: 0 };
  }
  const method = kind === 'slow headers' ? 'GET' : 'POST';
  const opening =
    kind === 'slow headers'
      ? 'GET /api/work HTTP/1.1\r\nHost: 127.0.0.1\r\n'
      : // Under the service's body limit, so the server has to wait for the body rather than refuse it.
        'POST /api/work HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n{';
  connection.trickle(Buffer.from(opening, 'latin1'));
  const trickle = setInterval(
    () => connection.trickle(Buffer.from(kind === 'slow headers' ? 'X-Slow: 1\r\n' : ' ', 'latin1')),
    TRICKLE_EVERY_MS,
  );
  try {
    const result = await connection.expect(method, SLOW_CLIENT_GIVE_UP_MS);
    return { kind, result, heldMs: performance.now() - startedAt };
  } finally {
    clearInterval(trickle);
    connection.destroy();
  }
}

function normalTraffic(port: number, durationMs: number): Promise<LoadResult[]> {
  return runLoad({
    port,
    connections: NORMAL_CONNECTIONS,
    shouldStop: after(durationMs),
    next: (sequence) => ({ method: 'GET', target: `/api/work?latency_ms=${NORMAL_LATENCIES_MS[sequence % NORMAL_LATENCIES_MS.length]}` }),
  }).then((run) => run.results);
}

const not2xx = (results: readonly LoadResult[]) =>
  results.filter((result) => result.outcome !== 'complete' || (result.response?.status ?? 0) >= 300);

hostile('slowloris: slow-header and slow-body clients are cut off, ordinary clients keep their latency', async () => {
  const service = await ServiceProcess.start({ ...TIMEOUTS });
  try {
    const baseline = await normalTraffic(service.port, NORMAL_PHASE_MS);

    const attack = Promise.all([
      ...Array.from({ length: SLOW_HEADER_CLIENTS }, () => slowClient(service.port, 'slow headers')),
      ...Array.from({ length: SLOW_BODY_CLIENTS }, () => slowClient(service.port, 'slow body')),
    ]);
    await sleep(500);
    const duringAttack = await normalTraffic(service.port, NORMAL_PHASE_MS);
    const slowClients = await attack;

    const base = summarize(baseline.map((result) => result.latencyMs));
    const attacked = summarize(duringAttack.map((result) => result.latencyMs));
    const notCut = slowClients.filter((client) => client.result.outcome === 'timeout' || client.result.outcome === 'refused');
    const heldMs = (kind: SlowClientResult['kind']) =>
      summarize(slowClients.filter((client) => client.kind === kind).map((client) => client.heldMs));
    const bound = P99_FACTOR * base.p99 + P99_SLACK_MS;

    recordFigures('3 hostile traffic: slowloris', {
      timeouts: TIMEOUTS,
      slowClients: SLOW_HEADER_CLIENTS + SLOW_BODY_CLIENTS,
      cutOff: slowClients.length - notCut.length,
      serverAnswers: tally(slowClients.map((client) => client.result.response?.status ?? client.result.outcome)),
      slowHeadersHeldMs: heldMs('slow headers'),
      slowBodyHeldMs: heldMs('slow body'),
      normalBaselineLatencyMs: base,
      normalDuringAttackLatencyMs: attacked,
      p99BoundDuringAttackMs: bound,
    });

    assert.equal(not2xx(baseline).length, 0, 'ordinary clients got non-2xx before the attack');
    assert.equal(not2xx(duringAttack).length, 0, `ordinary clients got non-2xx during the attack: ${JSON.stringify(tally(not2xx(duringAttack).map((r) => r.response?.status ?? r.outcome)))}`);
    assert.is(notCut.length, 0, `${notCut.length} slow clients were still connected after ${SLOW_CLIENT_GIVE_UP_MS} ms`);
    assert.ok(attacked.p99 <= bound, `p99 during the attack ${attacked.p99} ms, above ${bound} ms (baseline p99 ${base.p99} ms)`);
    assert.ok(service.running, 'the service exited during the attack');
  } finally {
    await service.kill();
  }
});

hostile.run();
