import { connect } from 'node:net';
import { Agent, request } from 'node:http';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { exitCode, spawnService, waitForLog } from '../testing/process';

function get(port: number, path: string, agent: Agent | false = false): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', (err) => reject(new Error(`GET ${path}: ${err.message}`)));
    req.end();
  });
}

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

async function activeRequests(port: number): Promise<number> {
  const { body } = await get(port, '/metrics');
  return Number(/^http_server_active_requests (\d+)$/m.exec(body)?.[1] ?? 0);
}

const shutdown = suite('graceful shutdown of the real process');

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  shutdown(`${signal}: ready 503, in-flight request completes, idle sockets close, new connections refused, exit 0`, async () => {
    const child = spawnService({ HOST: '127.0.0.1', PORT: '0', SHUTDOWN_DELAY_MS: '500', SHUTDOWN_TIMEOUT_MS: '15000' });
    const exited = exitCode(child);
    const keepAlive = new Agent({ keepAlive: true });
    try {
      const listening = await waitForLog(child, (line) => line.msg === 'listening');
      const port = (listening.address as { port: number }).port;

      // An idle keep-alive connection: the drain must close it, not wait 65 s for it.
      const idle = connect(port, '127.0.0.1');
      const idleClosed = new Promise<void>((resolve) => idle.on('close', () => resolve()));
      idle.on('error', () => undefined);
      await new Promise<void>((resolve) => {
        idle.once('data', () => resolve());
        idle.write('GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n');
      });

      // Keep-alive, so its socket goes idle only after close(): the drain must still close it.
      const slow = get(port, '/api/work?latency_ms=4000', keepAlive);
      // Awaited below; without this a failed assertion would surface as an unhandled rejection.
      slow.catch(() => undefined);
      while ((await activeRequests(port)) < 2) {
        // The scrape plus the slow request: the slow one has arrived.
      }
      const stopping = waitForLog(child, (line) => line.msg === 'shutdown: no longer accepting connections');
      child.kill(signal);

      let ready = await get(port, '/ready');
      while (ready.status === 200) ready = await get(port, '/ready');
      assert.is(ready.status, 503);

      await stopping;
      assert.is(await connectError(port), 'ECONNREFUSED', 'no new connections after the drain');

      const finished = await slow;
      assert.is(finished.status, 200, 'the in-flight request completes');
      await idleClosed;
      assert.is(await exited, 0);
    } finally {
      keepAlive.destroy();
      child.kill('SIGKILL');
    }
  });
}

shutdown.run();
