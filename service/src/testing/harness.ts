import 'reflect-metadata';
import { type AddressInfo, connect } from 'node:net';
import { type DependencyContainer } from 'tsyringe';
import { type Server } from 'restify';
import { type Config, loadConfig } from '../config';
import { createLogger } from '../logger';
import { createContainer, resolveServerDeps } from '../di/container';
import { buildServer } from '../server';

export interface LogLine {
  readonly level: string;
  readonly msg: string;
  readonly [field: string]: unknown;
}

export interface RunningService {
  readonly base: string;
  readonly port: number;
  readonly server: Server;
  readonly scope: DependencyContainer;
  readonly logs: LogLine[];
  close(): Promise<void>;
}

export interface StartOptions {
  readonly config?: Partial<Config>;
  /** Re-register tokens (Clock, Random…) before anything is resolved. */
  readonly override?: (scope: DependencyContainer) => void;
  /** Extra routes, e.g. one that throws. */
  readonly extend?: (server: Server) => void;
}

/** A real service on 127.0.0.1, port 0, with its own container and an in-memory log. */
export async function startService(options: StartOptions = {}): Promise<RunningService> {
  const config: Config = Object.freeze({ ...loadConfig({}), host: '127.0.0.1', port: 0, logLevel: 'info', ...options.config });
  const logs: LogLine[] = [];
  const logger = createLogger(config, { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) });
  const scope = createContainer(config, logger);
  options.override?.(scope);
  const server = buildServer(resolveServerDeps(scope));
  options.extend?.(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    port,
    server,
    scope,
    logs,
    close: () =>
      new Promise<void>((resolve) => {
        server.server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface RawResponse {
  readonly status: number;
  readonly headers: string;
  readonly body: string;
  /** Everything the server sent, verbatim. */
  readonly raw: string;
}

/**
 * Writes `payload` to a fresh TCP connection and collects the answer until the server closes
 * the socket or `Connection: close`-style full response arrives. The timeout only catches hangs.
 */
export function rawRequest(port: number, payload: string | Buffer, hangAfterMs = 5_000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${hangAfterMs} ms; got ${JSON.stringify(Buffer.concat(chunks).toString('latin1').slice(0, 200))}`));
    }, hangAfterMs);
    const finish = (): void => {
      clearTimeout(timer);
      const raw = Buffer.concat(chunks).toString('latin1');
      const split = raw.indexOf('\r\n\r\n');
      const head = split === -1 ? raw : raw.slice(0, split);
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
      resolve({ status, headers: head, body: split === -1 ? '' : raw.slice(split + 4), raw });
    };
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      // A complete response with a Content-Length is enough; keep-alive would otherwise wait.
      const raw = Buffer.concat(chunks).toString('latin1');
      const split = raw.indexOf('\r\n\r\n');
      const length = /\r\ncontent-length: *(\d+)/i.exec(raw.slice(0, split));
      if (split !== -1 && length !== null && raw.length - split - 4 >= Number(length[1])) {
        socket.destroy();
        finish();
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', finish);
    socket.write(payload);
  });
}

/** Liveness after a hostile request: the process must still answer. */
export async function healthStatus(base: string): Promise<number> {
  const res = await fetch(`${base}/health`);
  await res.text();
  return res.status;
}
