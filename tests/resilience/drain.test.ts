// A stopping service loses no request it accepted.
//
// The clients behave like the load balancer the service is built for (ALB, ECS): they keep
// sending on pooled keep-alive connections, poll GET /ready the way a health check does, stop
// sending new requests once it answers 503 and leave their idle connections open (the server has
// to close them). A stray client ignores readiness and keeps opening fresh connections until the
// process is gone, to count what is refused once the listener closes. The service runs with
// METRICS_PORT, as in the cloud, and a scraper polls that port the way the collector does
// (keep-alive, reconnecting when told to close): the metrics listener drains with the main one.
//
// Accounting, per request:
//   refused    the TCP connect failed: the server never accepted it (fine once the drain ends);
//   accepted   the connection was established and the request written to it;
//   completed  an accepted request that got its whole response;
//   lost       an accepted request reset, closed or cut short before its response ended: a failure.
//   reset at close  for a client that ignores readiness (the stray, the health check, a scraper's
//              reconnect): a fresh connection reset before any response byte, after that client's
//              last answered request. The kernel completes handshakes on a listening socket until
//              close(2) and resets whatever is still in its accept queue then; the service accepts
//              all it has queued first (lifecycle/connections.ts, proven in-process by
//              shutdown.test.ts), so only connections made in the last instant can end so. Counted,
//              not lost: the service never read them. One reset before a later answer is lost.
import { setTimeout as sleep } from 'node:timers/promises';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { recordFigures } from './lib/figures';
import { runLoad } from './lib/load';
import { formatRequest, getStatus, RawConnection, type ExchangeResult } from '../support/raw-http';
import { describeExit, ServiceProcess } from '../support/service-process';
import { tally } from './lib/stats';

/** Short versions of the production values (5 s and 20 s), so the test ends quickly. */
const SHUTDOWN_DELAY_MS = 1_500;
const SHUTDOWN_TIMEOUT_MS = 10_000;
/** How often the simulated load balancer checks readiness; well under the delay, as in production. */
const READINESS_POLL_MS = 50;
const CONNECTIONS = 24;
const LOAD_BEFORE_SIGNAL_MS = 2_000;
/**
 * Clients whose first request, sent at the start, lasts past the moment the listener closes
 * (signal + readiness delay), so the drain has requests in flight to wait for.
 */
const SLOW_CLIENTS = 4;
const SLOW_LATENCY_MS = LOAD_BEFORE_SIGNAL_MS + SHUTDOWN_DELAY_MS + 1_000;
const LATENCIES_MS = [0, 5, 20, 50] as const;
/** The collector's scrape interval, shortened: several scrapes fall inside the readiness delay. */
const SCRAPE_EVERY_MS = 100;

interface Poll {
  at: number;
  result: ExchangeResult;
  /** The request went out on a connection opened for it. */
  fresh: boolean;
}

const isLost = (result: ExchangeResult) => result.connected && result.written && result.outcome !== 'complete';
const isAccepted = (result: ExchangeResult) => result.connected && result.written;

/** GET /metrics every SCRAPE_EVERY_MS on a keep-alive connection, reconnecting when needed, until `stop()`. */
async function scrapeUntil(port: number, stop: () => boolean): Promise<Poll[]> {
  const scrapes: Poll[] = [];
  const request = formatRequest({ method: 'GET', target: '/metrics' }, { keepAlive: true });
  let connection: RawConnection | undefined;
  while (!stop()) {
    if (!connection?.usable) {
      connection?.destroy();
      const connected = await RawConnection.connect(port);
      connection = connected.connection;
      if (!connection) {
        const result: ExchangeResult = { outcome: 'refused', connected: false, written: false, latencyMs: 0 };
        if (connected.errorCode !== undefined) result.errorCode = connected.errorCode;
        scrapes.push({ at: performance.now(), result, fresh: true });
        await sleep(20);
        continue;
      }
    }
    const fresh = connection.requests === 0;
    scrapes.push({ at: performance.now(), result: await connection.send(request, 'GET', SHUTDOWN_TIMEOUT_MS), fresh });
    await sleep(SCRAPE_EVERY_MS);
  }
  connection?.destroy();
  return scrapes;
}

/** The service's own log time of the first line with `msg`, in ms since the epoch. */
function loggedAt(service: ServiceProcess, msg: string): number {
  const line = service.logLines().find((entry) => entry.msg === msg);
  if (line === undefined) throw new Error(`the service never logged "${msg}":\n${service.output().slice(-2_000)}`);
  return Date.parse(String(line.time));
}

async function drainUnder(signal: NodeJS.Signals) {
  const service = await ServiceProcess.start(
    // info: the shutdown steps are logged with the service's own time.
    { SHUTDOWN_DELAY_MS: String(SHUTDOWN_DELAY_MS), SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS), LOG_LEVEL: 'info' },
    { metricsPort: true },
  );
  const metricsPort = service.metricsPort;
  if (metricsPort === undefined) throw new Error('the service has no metrics port');
  const openConnections: RawConnection[] = [];
  try {
    let exited = false;
    // Bounded: a service that ignores the signal is killed past its own deadline and reported so.
    const exit = service.waitForExit(SHUTDOWN_TIMEOUT_MS + 5_000).then(({ exit: info }) => {
      exited = true;
      return info;
    });
    let readinessSaid503 = false;
    let signalledAt = Number.POSITIVE_INFINITY;

    const balancer = runLoad({
      port: service.port,
      connections: CONNECTIONS,
      // The load balancer stops routing once its health check has seen the service leave.
      shouldStop: () => readinessSaid503 || exited,
      next: (sequence, client) => {
        const latency = client < SLOW_CLIENTS ? SLOW_LATENCY_MS : LATENCIES_MS[sequence % LATENCIES_MS.length];
        return { method: 'GET', target: `/api/work?latency_ms=${latency}` };
      },
      timeoutMs: SHUTDOWN_TIMEOUT_MS + 5_000,
      leaveConnectionsOpen: true,
    });

    const scraper = scrapeUntil(metricsPort, () => exited);

    await sleep(LOAD_BEFORE_SIGNAL_MS);
    signalledAt = performance.now();
    service.signal(signal);

    // The health check: a fresh connection each time, until the listener refuses connections.
    const polls: Poll[] = [];
    const readiness = (async () => {
      for (;;) {
        const result = await getStatus(service.port, '/ready', 2_000);
        polls.push({ at: performance.now(), result, fresh: true });
        if (result.response?.status === 503) readinessSaid503 = true;
        if (result.outcome === 'refused' || exited) return;
        await sleep(READINESS_POLL_MS);
      }
    })();

    // The stray client: ignores readiness, one fresh connection after another until the process is gone.
    const stray: Array<ExchangeResult & { at: number }> = [];
    const strayClient = (async () => {
      while (!exited) {
        const { connection, errorCode } = await RawConnection.connect(service.port);
        if (!connection) {
          stray.push({ outcome: 'refused', connected: false, written: false, errorCode, latencyMs: 0, at: performance.now() });
        } else {
          const request = formatRequest({ method: 'GET', target: '/api/work?latency_ms=0' }, { keepAlive: false });
          stray.push({ ...(await connection.send(request, 'GET', SHUTDOWN_TIMEOUT_MS)), at: performance.now() });
          connection.destroy();
        }
        await sleep(20);
      }
    })();

    const [exitInfo, load, , , scrapes] = await Promise.all([exit, balancer, readiness, strayClient, scraper]);
    openConnections.push(...load.openConnections);
    const delayServedMs = loggedAt(service, 'shutdown: no longer accepting connections') - loggedAt(service, 'shutdown: readiness is 503, draining');
    return { service, exitInfo, signalledAt, polls, results: load.results, stray, scrapes, delayServedMs };
  } finally {
    for (const connection of openConnections) connection.destroy();
    await service.kill();
  }
}

/**
 * The requests of one sequential client that were reset at close (see the accounting above): fresh
 * connections reset before any response byte, after the client's last answered request.
 */
function resetAtClose(requests: ReadonlyArray<{ result: ExchangeResult; fresh: boolean }>): Set<ExchangeResult> {
  const lastAnswered = requests.findLastIndex(({ result }) => result.outcome === 'complete');
  return new Set(
    requests
      .slice(lastAnswered + 1)
      .filter(({ result, fresh }) => fresh && result.connected && result.outcome === 'unanswered' && result.errorCode === 'ECONNRESET')
      .map(({ result }) => result),
  );
}

function checkDrain(signal: NodeJS.Signals, run: Awaited<ReturnType<typeof drainUnder>>) {
  const { exitInfo, signalledAt, polls, results, stray, scrapes, delayServedMs } = run;
  const drainMs = exitInfo.at - signalledAt;

  // Readiness: 503 from its first 503 until the listener closed, never 200 again.
  const resets = new Set([
    ...resetAtClose(polls),
    ...resetAtClose(stray.map((result) => ({ result, fresh: true }))),
    ...resetAtClose(scrapes),
  ]);
  const first503 = polls.findIndex((poll) => poll.result.response?.status === 503);
  const closedAt = polls.findIndex((poll) => poll.result.outcome === 'refused' || resets.has(poll.result));
  const during = first503 < 0 ? [] : polls.slice(first503, closedAt < 0 ? undefined : closedAt);
  const readinessStatuses = tally(polls.map((poll) => poll.result.response?.status ?? poll.result.outcome));
  const listenerClosedAt = closedAt < 0 ? exitInfo.at : (polls[closedAt]?.at ?? exitInfo.at);
  const inFlightAtClose = results.filter(
    (result) => result.issuedAt < listenerClosedAt && result.endedAt > listenerClosedAt && result.outcome === 'complete',
  ).length;

  const everything: ExchangeResult[] = [...results, ...stray];
  const accepted = everything.filter((result) => isAccepted(result) && !resets.has(result));
  const completed = accepted.filter((result) => result.outcome === 'complete');
  const lost = everything.filter((result) => isLost(result) && !resets.has(result));
  const refused = everything.filter((result) => result.outcome === 'refused');
  const non2xx = completed.filter((result) => (result.response?.status ?? 0) >= 300);

  const scrapesAfterSignal = scrapes.filter((scrape) => scrape.at > signalledAt);
  const scrapeOutcomes = tally(scrapesAfterSignal.map((scrape) => scrape.result.response?.status ?? scrape.result.outcome));
  const lostScrapes = scrapes.filter((scrape) => isLost(scrape.result) && !resets.has(scrape.result));
  const metricsClosedBeforeExit = scrapes.some((scrape) => scrape.result.outcome === 'refused' && scrape.at < exitInfo.at);

  recordFigures(`2 drain on ${signal}`, {
    shutdownDelayMs: SHUTDOWN_DELAY_MS,
    shutdownTimeoutMs: SHUTDOWN_TIMEOUT_MS,
    requestsSent: everything.length,
    accepted: accepted.length,
    completed: completed.length,
    lost: lost.length,
    refusedAfterListenerClosed: refused.length,
    resetAtListenerClose: resets.size,
    inFlightWhenListenerClosed: inFlightAtClose,
    readinessPolls: readinessStatuses,
    scrapesOnMetricsPortAfterSignal: scrapeOutcomes,
    exit: describeExit(exitInfo),
    signalToExitMs: Math.round(drainMs),
  });

  const lostDetail = JSON.stringify(tally(lost.map((result) => `${result.outcome} ${result.errorCode ?? ''}`)));
  assert.is(lost.length, 0, `${signal}: ${lost.length} accepted requests got no complete response: ${lostDetail}`);
  assert.is(non2xx.length, 0, `${signal}: non-2xx answers during the drain: ${JSON.stringify(tally(non2xx.map((r) => r.response?.status ?? 0)))}`);
  assert.is(lostScrapes.length, 0, `${signal}: scrapes accepted on the metrics port and not answered: ${JSON.stringify(scrapeOutcomes)}`);
  assert.ok(
    scrapesAfterSignal.some((scrape) => scrape.result.response?.status === 200),
    `${signal}: the metrics port answered no scrape after the signal: ${JSON.stringify(scrapeOutcomes)}`,
  );
  assert.ok(metricsClosedBeforeExit, `${signal}: the metrics listener never refused a connection before the exit: ${JSON.stringify(scrapeOutcomes)}`);
  assert.ok(first503 >= 0, `${signal}: /ready never answered 503 (polls: ${JSON.stringify(readinessStatuses)})`);
  assert.ok(
    during.every((poll) => poll.result.response?.status === 503),
    `${signal}: /ready answered something else than 503 during the drain: ${JSON.stringify(readinessStatuses)}`,
  );
  assert.ok(
    polls.slice(0, first503).every((poll) => poll.result.response?.status === 200),
    `${signal}: /ready answered neither 200 nor 503 before the drain: ${JSON.stringify(readinessStatuses)}`,
  );
  // The readiness delay is what lets the load balancer leave before the listener closes. Read from
  // the service's own log, so a test process starved of CPU (fewer polls) cannot fail it; the
  // millisecond of slack is the log's time resolution.
  assert.ok(
    delayServedMs >= SHUTDOWN_DELAY_MS - 1,
    `${signal}: the listener closed ${delayServedMs} ms after readiness went 503, before the ${SHUTDOWN_DELAY_MS} ms delay`,
  );
  assert.ok(inFlightAtClose > 0, `${signal}: no request was in flight when the listener closed, so nothing was drained`);
  assert.is(exitInfo.signal, null, `${signal}: the process was killed by ${exitInfo.signal ?? ''}`);
  assert.is(exitInfo.code, 0, `${signal}: exit code ${exitInfo.code ?? ''}`);
  assert.ok(drainMs < SHUTDOWN_TIMEOUT_MS, `${signal}: exit ${Math.round(drainMs)} ms after the signal, not before the ${SHUTDOWN_TIMEOUT_MS} ms deadline`);
}

const drain = suite('accepted requests are never lost while the service drains');

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  drain(`${signal}: readiness 503 for the whole drain, every accepted request answered, exit 0 in time`, async () => {
    checkDrain(signal, await drainUnder(signal));
  });
}

drain.run();
