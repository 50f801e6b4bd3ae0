import { EventEmitter } from 'node:events';
import { type Server as HttpServer } from 'node:http';
import { connect, createServer } from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type App } from './app';
import { main, type ServiceProcess } from './main';
import { rawRequest } from '../../tests/support/raw-http';
import { freePort } from '../../tests/support/net';
import { ServiceProcess as ChildService } from '../../tests/support/service-process';
import { waitFor } from '../../tests/support/wait';

/** `process` as main() sees it: signals are emitted by the test, exit codes and stderr recorded. */
class FakeProcess extends EventEmitter implements ServiceProcess {
  readonly exits: number[] = [];
  readonly stderrLines: string[] = [];
  readonly logs: Array<Record<string, unknown>> = [];
  readonly stderr = { write: (text: string) => this.stderrLines.push(...text.split('\n').filter((line) => line !== '')) };
  readonly logDestination = { write: (line: string) => void this.logs.push(JSON.parse(line) as Record<string, unknown>) };

  constructor(readonly env: Record<string, string>) {
    super();
  }

  exit(code: number): void {
    this.exits.push(code);
  }

  exited(): Promise<number> {
    return waitFor('main to call exit', async () => this.exits[0], { deadlineMs: 10_000, intervalMs: 10 });
  }
}

/** Runs main() in this process with `env` on top of loopback, any free port and no drain delay. */
async function runMain(env: Record<string, string>): Promise<{ proc: FakeProcess; app: App | undefined }> {
  const proc = new FakeProcess({ HOST: '127.0.0.1', PORT: '0', SHUTDOWN_DELAY_MS: '0', ...env });
  const app = await main(proc, { logDestination: proc.logDestination });
  return { proc, app };
}

async function closeApp(app: App | undefined): Promise<void> {
  await Promise.all(
    (app?.listeners ?? []).map(
      ({ server }) =>
        new Promise<void>((resolve) => {
          const http = server.server as HttpServer;
          http.closeAllConnections();
          http.close(() => resolve());
        }),
    ),
  );
}

/** The address and port each listener of `app` is bound to, as the kernel reports them. */
function boundAddresses(app: App | undefined): Record<string, string> {
  return Object.fromEntries(
    (app?.listeners ?? []).map(({ name, server }) => {
      const address = (server.server as HttpServer).address();
      return [name, typeof address === 'object' && address !== null ? address.address : String(address)];
    }),
  );
}

/** Whether a TCP connection to host:port is accepted (the kernel answers for a bound address). */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function portOf(app: App | undefined, name: string): number {
  const address = (app?.listeners.find((listener) => listener.name === name)?.server.server as HttpServer | undefined)?.address();
  if (typeof address !== 'object' || address === null) throw new Error(`${name} is not listening`);
  return address.port;
}

const process_ = suite('main: environment, signals and exit codes, in-process');

process_('a bad setting: one line on stderr naming it, exit code 2, nothing listens', async () => {
  const cases = [
    ['PORT', { PORT: 'eighty' }],
    ['METRICS_HOST', { METRICS_PORT: '9464', METRICS_HOST: 'not a host' }],
    ['METRICS_HOST', { HOST: '0.0.0.0', METRICS_HOST: '127.0.0.1' }],
  ] as const;
  for (const [variable, env] of cases) {
    const { proc, app } = await runMain(env);
    assert.equal(proc.exits, [2], JSON.stringify(env));
    assert.is(app, undefined);
    assert.is(proc.stderrLines.length, 1, proc.stderrLines.join('\n'));
    assert.ok(proc.stderrLines[0]?.startsWith(`configuration error: ${variable} must be `), proc.stderrLines[0]);
    assert.equal(proc.logs, []);
  }
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process_(`${signal} drains both listeners, then exit code 0`, async () => {
    const { proc, app } = await runMain({ METRICS_PORT: String(await freePort()) });
    try {
      const [main, metrics] = [portOf(app, 'main'), portOf(app, 'metrics')];
      assert.ok(await accepts('127.0.0.1', main));
      proc.emit(signal);
      assert.is(await proc.exited(), 0);
      assert.equal(proc.exits, [0]);
      assert.not.ok(await accepts('127.0.0.1', main), 'the main listener is closed');
      assert.not.ok(await accepts('127.0.0.1', metrics), 'the metrics listener is closed');
      const steps = proc.logs.filter((line) => String(line.msg).startsWith('shutdown'));
      assert.equal(steps[0]?.signal, signal);
      assert.equal(steps.at(-1)?.msg, 'shutdown complete');
    } finally {
      await closeApp(app);
    }
  });
}

process_('an exception nobody caught: one fatal line, exit code 1', async () => {
  const { proc, app } = await runMain({});
  try {
    proc.emit('uncaughtException', new Error('boom'));
    assert.equal(proc.exits, [1]);
    const fatal = proc.logs.filter((line) => line.level === 'fatal');
    assert.is(fatal.length, 1);
    assert.is(fatal[0]?.msg, 'uncaught exception');
  } finally {
    await closeApp(app);
  }
});

process_('a port already taken: one fatal line naming address and port, exit code 1, the other listener closed again', async () => {
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  const taken = (holder.address() as { port: number }).port;
  try {
    const cases: Array<Record<string, string>> = [{ PORT: String(taken) }, { METRICS_PORT: String(taken) }];
    for (const env of cases) {
      const { proc, app } = await runMain(env);
      assert.is(app, undefined);
      assert.equal(proc.exits, [1], JSON.stringify(env));
      assert.is(proc.logs.length, 1, JSON.stringify(proc.logs));
      const [line] = proc.logs;
      assert.equal({ level: line?.level, msg: line?.msg, host: line?.host, port: line?.port }, { level: 'fatal', msg: 'cannot listen', host: '127.0.0.1', port: taken });
      assert.match(JSON.stringify(line?.err), /EADDRINUSE/);
    }
  } finally {
    await new Promise<void>((resolve) => holder.close(() => resolve()));
  }
});

const addresses = suite('main: the address each listener binds');

// On Linux all of 127.0.0.0/8 is loopback: a listener bound to 0.0.0.0 also accepts on 127.0.0.2,
// one bound to 127.0.0.1 refuses it. So the probe tells "this address only" from "every address".
const OTHER_LOCAL_ADDRESS = '127.0.0.2';

addresses('METRICS_HOST unset: the metrics listener binds HOST, like the main one', async () => {
  const { proc, app } = await runMain({ METRICS_PORT: String(await freePort()) });
  try {
    assert.equal(boundAddresses(app), { main: '127.0.0.1', metrics: '127.0.0.1' });
    assert.not.ok(await accepts(OTHER_LOCAL_ADDRESS, portOf(app, 'metrics')), 'the metrics listener answers on another address');
    const listening = proc.logs.find((line) => line.msg === 'listening');
    assert.is((listening?.address as { port: number }).port, portOf(app, 'main'));
    assert.is((listening?.metricsAddress as { port: number }).port, portOf(app, 'metrics'));
  } finally {
    await closeApp(app);
  }
});

addresses('HOST=0.0.0.0 and METRICS_HOST=127.0.0.1: the main listener takes every address, the metrics listener loopback only', async () => {
  const { app } = await runMain({ HOST: '0.0.0.0', METRICS_HOST: '127.0.0.1', METRICS_PORT: String(await freePort()) });
  try {
    assert.equal(boundAddresses(app), { main: '0.0.0.0', metrics: '127.0.0.1' });
    assert.ok(await accepts(OTHER_LOCAL_ADDRESS, portOf(app, 'main')), 'the main listener refuses another address');
    assert.ok(await accepts('127.0.0.1', portOf(app, 'metrics')));
    assert.not.ok(await accepts(OTHER_LOCAL_ADDRESS, portOf(app, 'metrics')), 'the metrics listener answers on another address');
  } finally {
    await closeApp(app);
  }
});

addresses('METRICS_PORT unset: one listener, on HOST', async () => {
  const { app } = await runMain({});
  try {
    assert.equal(boundAddresses(app), { main: '127.0.0.1' });
  } finally {
    await closeApp(app);
  }
});

process_.run();
addresses.run();

const entry = suite('the real process (src/main.ts as its own entry point)');

entry('METRICS_PORT set: "listening" names both addresses; /metrics answers there and is a 404 on PORT', async () => {
  // From the source through tsx (these tests run before any build), at the default LOG_LEVEL (info logs "listening").
  const service = await ChildService.start({ LOG_LEVEL: undefined, HOST: '127.0.0.1', SHUTDOWN_DELAY_MS: '0' }, { from: 'source', metricsPort: true });
  const { port, metricsPort } = service;
  try {
    assert.ok(metricsPort !== undefined);
    const listening = await service.waitForLogLine('the "listening" line', (line) => line.msg === 'listening');
    assert.is((listening.address as { port: number }).port, port);
    assert.is((listening.metricsAddress as { port: number }).port, metricsPort);
    const request = 'GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n';
    assert.is((await rawRequest(port, request)).response?.status, 404);
    assert.is((await rawRequest(metricsPort, request)).response?.status, 200);
    assert.is((await service.stopGracefully('SIGTERM')).code, 0, 'SIGTERM ends the real process with exit code 0');
  } finally {
    await service.kill();
  }
});

entry.run();
