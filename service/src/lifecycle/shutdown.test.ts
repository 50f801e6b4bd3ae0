import { once } from 'node:events';
import { type Server as HttpServer } from 'node:http';
import { connect } from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { TOKENS } from '../di/tokens';
import { type Clock } from '../clock';
import { type RunningService, withService } from '../testing/harness';
import { waitFor } from '../../../tests/support/wait';
import { formatRequest, header, RawConnection } from '../../../tests/support/raw-http';

/** Real time for durations; every sleep waits until the test releases its length in ms. */
class GatedClock implements Clock {
  private readonly waiting = new Map<number, Array<() => void>>();

  now(): number {
    return performance.now();
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.waiting.set(ms, [...(this.waiting.get(ms) ?? []), resolve]));
  }

  isWaiting(ms: number): boolean {
    return (this.waiting.get(ms)?.length ?? 0) > 0;
  }

  release(ms: number): void {
    for (const resolve of this.waiting.get(ms) ?? []) resolve();
    this.waiting.delete(ms);
  }
}

const DELAY_MS = 1_000;
const WORK_MS = 7;

/** The connect error on 127.0.0.1:port, or undefined when the connection was accepted. */
function connectError(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('connect', () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code));
  });
}

/** A keep-alive connection that has carried one request and sits idle until the server ends it. */
async function idleConnection(port: number, target: string): Promise<{ closedByServer: (what: string) => Promise<true> }> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  let closed = false;
  socket.on('close', () => (closed = true));
  await new Promise<void>((resolve) => {
    socket.once('data', () => resolve());
    socket.write(`GET ${target} HTTP/1.1\r\nHost: localhost\r\n\r\n`);
  });
  return { closedByServer: (what) => waitFor(what, async () => (closed ? true : undefined), { deadlineMs: 10_000, intervalMs: 20 }) };
}

function refused(port: number, what: string): Promise<true> {
  return waitFor(what, async () => ((await connectError(port)) === 'ECONNREFUSED' ? true : undefined), { deadlineMs: 10_000, intervalMs: 20 });
}

interface Drain {
  readonly service: RunningService & { metrics: NonNullable<RunningService['metrics']> };
  readonly clock: GatedClock;
  readonly exits: number[];
  readonly shutdown: (signal: string) => Promise<void>;
}

/** The app main.ts runs, with both listeners and a gated clock; `exits` records what it would exit with. */
function withDrain(config: { shutdownTimeoutMs: number }, test: (drain: Drain) => Promise<void>): Promise<void> {
  const clock = new GatedClock();
  const exits: number[] = [];
  return withService(
    {
      // Keep-alive timeouts far beyond the test: only the shutdown may close an idle socket.
      config: { metricsPort: 0, shutdownDelayMs: DELAY_MS, keepAliveTimeoutMs: 600_000, headersTimeoutMs: 600_001, requestTimeoutMs: 600_001, ...config },
      override: (scope) => scope.register(TOKENS.Clock, { useValue: clock }),
      exit: (code) => exits.push(code),
    },
    async (service) => {
      const { metrics } = service;
      if (metrics === undefined) throw new Error('no metrics listener');
      await test({ service: { ...service, metrics }, clock, exits, shutdown: (signal) => service.app.shutdown(signal) });
    },
  );
}

const order = suite('graceful shutdown, both listeners in step');

order('readiness 503 first; after the delay both listeners stop accepting and close idle sockets; exit 0 once in-flight work ends', () =>
  withDrain({ shutdownTimeoutMs: 60_000 }, async ({ service, clock, exits, shutdown }) => {
    const idleMain = await idleConnection(service.port, '/health');
    const idleMetrics = await idleConnection(service.metrics.port, '/metrics');
    const inFlight = fetch(`${service.base}/api/work?latency_ms=${WORK_MS}&size=1`);
    // Awaited below; without this a failed assertion would surface as an unhandled rejection.
    inFlight.catch(() => undefined);
    await waitFor('the work request to be in flight', async () => (clock.isWaiting(WORK_MS) ? true : undefined));

    const done = shutdown('SIGTERM');
    const ready = await fetch(`${service.base}/ready`);
    assert.is(ready.status, 503, 'readiness says 503 at once');
    await ready.text();
    const scrape = await fetch(`${service.metrics.base}/metrics`);
    assert.is(scrape.status, 200, 'the metrics listener still answers during the readiness delay');
    await scrape.text();
    assert.ok(clock.isWaiting(DELAY_MS), 'shutdown waits the readiness delay');
    assert.equal(exits, []);

    clock.release(DELAY_MS);
    await refused(service.port, 'the main listener to refuse connections');
    await refused(service.metrics.port, 'the metrics listener to refuse connections');
    await idleMain.closedByServer('the main listener to close its idle keep-alive socket');
    await idleMetrics.closedByServer('the metrics listener to close its idle keep-alive socket');
    assert.equal(exits, [], 'no exit while a request is in flight');

    clock.release(WORK_MS);
    const work = await inFlight;
    assert.is(work.status, 200, 'the in-flight request completes');
    await work.text();
    await done;
    assert.equal(exits, [0]);
    const steps = service.logs.filter((line) => line.msg.startsWith('shutdown')).map((line) => line.msg);
    assert.equal(steps, ['shutdown: readiness is 503, draining', 'shutdown: no longer accepting connections', 'shutdown complete']);
  }),
);

order('a second signal during the drain changes nothing', () =>
  withDrain({ shutdownTimeoutMs: 60_000 }, async ({ clock, exits, shutdown }) => {
    const first = shutdown('SIGTERM');
    await shutdown('SIGINT');
    clock.release(DELAY_MS);
    await first;
    assert.equal(exits, [0]);
  }),
);

order('SHUTDOWN_TIMEOUT_MS counts from the signal, readiness delay included: it ends a delay that never ends, drops both listeners\' connections, exit code 1', () =>
  withDrain({ shutdownTimeoutMs: 300 }, async ({ service, clock, exits, shutdown }) => {
    const idleMetrics = await idleConnection(service.metrics.port, '/metrics');
    const inFlight = fetch(`${service.base}/api/work?latency_ms=${WORK_MS}&size=1`).then(
      (res) => res.status,
      () => 'dropped',
    );
    await waitFor('the work request to be in flight', async () => (clock.isWaiting(WORK_MS) ? true : undefined));
    void shutdown('SIGTERM');
    // The readiness delay never ends here: only the deadline can finish the shutdown.
    await waitFor('the deadline', async () => (exits.length > 0 ? true : undefined), { deadlineMs: 10_000, intervalMs: 20 });
    assert.equal(exits, [1]);
    assert.is(await inFlight, 'dropped');
    await idleMetrics.closedByServer('the metrics listener to drop its connection at the deadline');
  }),
);

/** A connection the service has accepted (its 'connection' event fired) and on which nothing is written yet. */
async function acceptedConnection(service: RunningService): Promise<RawConnection> {
  const accepted = once(service.server.server as HttpServer, 'connection');
  const { connection, errorCode } = await RawConnection.connect(service.port);
  if (connection === undefined) throw new Error(`connect failed: ${errorCode ?? ''}`);
  await accepted;
  return connection;
}

order('a connection accepted before the listener closed gets its first request answered, though it arrives after', () =>
  withDrain({ shutdownTimeoutMs: 60_000 }, async ({ service, clock, exits, shutdown }) => {
    const connection = await acceptedConnection(service);
    const done = shutdown('SIGTERM');
    clock.release(DELAY_MS);
    await refused(service.port, 'the main listener to refuse connections');
    const result = await connection.send(formatRequest({ method: 'GET', target: '/health' }, { keepAlive: true }), 'GET', 10_000);
    assert.is(result.outcome, 'complete', `${result.outcome} ${result.errorCode ?? ''}`);
    assert.is(result.response?.status, 200);
    assert.is(header(result.response, 'connection'), 'close', 'the answer during a drain closes the connection');
    await done;
    assert.equal(exits, [0]);
  }),
);

order('a connection made in the same turn as the delay ends is accepted and answered, not reset from the accept queue', () =>
  withDrain({ shutdownTimeoutMs: 60_000 }, async ({ service, clock, exits, shutdown }) => {
    const done = shutdown('SIGTERM');
    // The connect and the end of the delay in one turn: the kernel queues the connection before the listener may close.
    const socket = connect(service.port, '127.0.0.1');
    socket.write(formatRequest({ method: 'GET', target: '/health' }, { keepAlive: false }));
    clock.release(DELAY_MS);
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    const ended = await new Promise<string>((resolve) => {
      socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
      socket.once('close', () => resolve('closed'));
    });
    const answer = Buffer.concat(received).toString('latin1');
    assert.match(answer, /^HTTP\/1\.1 200 /, `${ended}: ${JSON.stringify(answer.slice(0, 80))}`);
    await done;
    assert.equal(exits, [0]);
  }),
);

order('a connection that never sends a request does not hold the drain to its deadline: it is closed, exit 0', () =>
  // Without the grace's end, only the deadline would close it: exit 1 after 10 s.
  withDrain({ shutdownTimeoutMs: 10_000 }, async ({ service, clock, exits, shutdown }) => {
    const connection = await acceptedConnection(service);
    const done = shutdown('SIGTERM');
    clock.release(DELAY_MS);
    await done;
    assert.equal(exits, [0]);
    await waitFor('the silent connection to be closed', async () => (connection.isClosed ? true : undefined), { deadlineMs: 10_000, intervalMs: 20 });
  }),
);

order.run();
