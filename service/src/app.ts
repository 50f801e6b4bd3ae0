import 'reflect-metadata';
import { type Server as HttpServer } from 'node:http';
import { type AddressInfo } from 'node:net';
import { type DependencyContainer } from 'tsyringe';
import { type Logger } from 'pino';
import { type Server } from 'restify';
import { type Config } from './config';
import { createLogger } from './logger';
import { createContainer, resolveServerDeps, resolveShutdown } from './di/container';
import { type Exit } from './lifecycle/shutdown';
import { buildMetricsServer, buildServer, type ServerDeps } from './server';

/** One listener of the app: which server, and where the config says it binds. */
export interface Listener {
  readonly name: 'main' | 'metrics';
  readonly server: Server;
  readonly host: string;
  readonly port: number;
}

/** A listener that could not bind (port taken, address the host does not have). */
export class ListenError extends Error {
  override readonly name = 'ListenError';
  constructor(
    readonly host: string,
    readonly port: number,
    override readonly cause: Error,
  ) {
    super(`cannot listen on ${host}:${port}: ${cause.message}`);
  }
}

export interface AppOptions {
  /** Where log lines go; the default writes JSON lines to stdout at `config.logLevel`. */
  readonly logger?: Logger;
  /** What the shutdown calls when it is done (0) or out of time (1): `process.exit` in production. */
  readonly exit: Exit;
  /** Re-register tokens (Clock, Random…) before anything is resolved; tests only. */
  readonly override?: (scope: DependencyContainer) => void;
  /** Extra routes on the main server, e.g. one that throws; tests only. */
  readonly extend?: (server: Server) => void;
}

export interface App {
  readonly scope: DependencyContainer;
  readonly deps: ServerDeps;
  /** The main listener first, then the metrics listener when `config.metricsPort` is set. */
  readonly listeners: readonly Listener[];
  /** Binds every listener to its address; rejects with a ListenError (and closes the others) if one cannot. */
  listen(): Promise<ReadonlyArray<{ readonly listener: Listener; readonly address: AddressInfo }>>;
  /** The graceful drain (readiness 503, delay, stop accepting, finish in-flight work), then `exit`. Idempotent. */
  shutdown(signal: string): Promise<void>;
}

function bind({ server, host, port }: Listener): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    // restify re-emits the node server's 'error' on itself, where nobody else listens: catch it there.
    const failed = (err: Error): void => reject(new ListenError(host, port, err));
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve(server.address() as AddressInfo);
    });
  });
}

/**
 * The one composition of the service, used alike by main.ts, the test harness and the shutdown
 * tests (Fastify's `build()`): container, servers, listeners and shutdown. Nothing listens until
 * `listen()`; the process (environment, signals, exit) stays in main.ts.
 */
export function createApp(config: Config, options: AppOptions): App {
  const scope = createContainer(config, options.logger ?? createLogger(config));
  options.override?.(scope);
  const deps = resolveServerDeps(scope);
  const main = buildServer(deps);
  options.extend?.(main);
  const listeners: Listener[] = [{ name: 'main', server: main, host: config.host, port: config.port }];
  if (config.metricsPort !== undefined) {
    listeners.push({ name: 'metrics', server: buildMetricsServer(deps), host: config.metricsHost, port: config.metricsPort });
  }
  const graceful = resolveShutdown(
    scope,
    listeners.map(({ server }) => server.server as HttpServer),
    options.exit,
  );

  return {
    scope,
    deps,
    listeners,
    listen: async () => {
      const results = await Promise.allSettled(listeners.map(bind));
      const failure = results.find((result) => result.status === 'rejected');
      if (failure !== undefined) {
        for (const { server } of listeners) (server.server as HttpServer).close();
        throw failure.reason;
      }
      return listeners.map((listener, index) => ({ listener, address: (results[index] as PromiseFulfilledResult<AddressInfo>).value }));
    },
    shutdown: (signal) => graceful.shutdown(signal),
  };
}
