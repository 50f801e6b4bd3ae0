import { createServer } from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { rawRequest } from '../../tests/support/raw-http';
import { jsonLines, runToExit, ServiceProcess, type ServiceEnv } from '../../tests/support/service-process';

/** From the source through tsx (these tests run before any build), at the service's default LOG_LEVEL (info logs "listening"). */
const FROM_SOURCE = { from: 'source' } as const;
const DEFAULT_LOG_LEVEL = { LOG_LEVEL: undefined };

/** Holds a port on 127.0.0.1 for the length of `test`. */
async function withTakenPort(test: (port: number) => Promise<void>): Promise<void> {
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  const address = holder.address();
  try {
    assert.ok(address !== null && typeof address === 'object');
    await test(address.port);
  } finally {
    await new Promise<void>((resolve) => holder.close(() => resolve()));
  }
}

/** Runs the service until it exits by itself and returns its exit code and JSON log lines. */
async function runUntilExit(env: ServiceEnv): Promise<{ code: number | null; lines: Array<Record<string, unknown>> }> {
  const { exit, stdout } = await runToExit({ ...DEFAULT_LOG_LEVEL, ...env }, 10_000, FROM_SOURCE);
  return { code: exit.code, lines: jsonLines(stdout) };
}

const startup = suite('start-up of the real process');

startup('a port already taken: one fatal line naming the address, exit 1', () =>
  withTakenPort(async (port) => {
    const { code, lines } = await runUntilExit({ HOST: '127.0.0.1', PORT: String(port) });
    assert.is(code, 1);
    assert.is(lines.length, 1, JSON.stringify(lines));
    assert.equal(
      { level: lines[0]?.level, msg: lines[0]?.msg, host: lines[0]?.host, port: lines[0]?.port },
      { level: 'fatal', msg: 'cannot listen', host: '127.0.0.1', port },
    );
    assert.match(JSON.stringify(lines[0]?.err), /EADDRINUSE/);
  }),
);

startup('METRICS_PORT already taken: the fatal line names that port, exit 1', () =>
  withTakenPort(async (metricsPort) => {
    const { code, lines } = await runUntilExit({ HOST: '127.0.0.1', PORT: '0', METRICS_PORT: String(metricsPort) });
    assert.is(code, 1);
    const fatal = lines.filter((line) => line.level === 'fatal');
    assert.is(fatal.length, 1, JSON.stringify(lines));
    assert.equal({ msg: fatal[0]?.msg, port: fatal[0]?.port }, { msg: 'cannot listen', port: metricsPort });
  }),
);

startup('METRICS_PORT set: "listening" names both addresses; /metrics answers there and is a 404 on PORT', async () => {
  const service = await ServiceProcess.start({ ...DEFAULT_LOG_LEVEL, HOST: '127.0.0.1' }, { ...FROM_SOURCE, metricsPort: true });
  const { port, metricsPort } = service;
  try {
    assert.ok(metricsPort !== undefined);
    const listening = await service.waitForLogLine('the "listening" line', (line) => line.msg === 'listening');
    assert.is((listening.address as { port: number }).port, port);
    assert.is((listening.metricsAddress as { port: number }).port, metricsPort);
    const request = 'GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n';
    assert.is((await rawRequest(port, request)).response?.status, 404);
    assert.is((await rawRequest(metricsPort, request)).response?.status, 200);
  } finally {
    await service.kill();
  }
});

startup.run();
