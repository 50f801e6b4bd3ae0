import 'reflect-metadata';
import { type Server as HttpServer } from 'node:http';
import { type DependencyContainer } from 'tsyringe';
import { type Server } from 'restify';
import { type App, createApp } from '../app';
import { type Config, loadConfig } from '../config';
import { type Exit } from '../lifecycle/shutdown';
import { createLogger } from '../logger';

export interface LogLine {
  readonly level: string;
  readonly msg: string;
  readonly [field: string]: unknown;
}

export interface RunningService {
  readonly app: App;
  readonly base: string;
  readonly port: number;
  readonly server: Server;
  /** The metrics listener, when the config asked for one (`metricsPort` set; the harness listens on port 0). */
  readonly metrics?: { readonly base: string; readonly port: number; readonly server: Server };
  readonly scope: DependencyContainer;
  readonly logs: LogLine[];
  close(): Promise<void>;
}

export interface StartOptions {
  /** `metricsPort: 0` gives the service a metrics listener of its own, on any free port. */
  readonly config?: Partial<Config>;
  /** Re-register tokens (Clock, Random…) before anything is resolved. */
  readonly override?: (scope: DependencyContainer) => void;
  /** Extra routes, e.g. one that throws. */
  readonly extend?: (server: Server) => void;
  /** What the app's shutdown calls at its end; by default nothing (the test process must not exit). */
  readonly exit?: Exit;
}

function closeNow(server: Server): Promise<void> {
  const http = server.server as HttpServer;
  return new Promise<void>((resolve) => {
    http.closeAllConnections();
    // An error only says it was not listening (a test that shut it down already).
    http.close(() => resolve());
  });
}

/**
 * The app main.ts runs (createApp), on 127.0.0.1 and port 0 for every listener, with its own
 * container and an in-memory log. Close it in `finally`.
 */
export async function startService(options: StartOptions = {}): Promise<RunningService> {
  const loopback = { host: '127.0.0.1', metricsHost: '127.0.0.1', port: 0 };
  const config: Config = Object.freeze({ ...loadConfig({}), ...loopback, logLevel: 'info', ...options.config });
  const logs: LogLine[] = [];
  const logger = createLogger(config, { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) });
  const app = createApp(config, { logger, exit: options.exit ?? (() => undefined), override: options.override, extend: options.extend });
  const bound = await app.listen();
  const where = bound.map(({ listener, address }) => ({ server: listener.server, port: address.port, base: `http://127.0.0.1:${address.port}` }));
  const [main, metrics] = where;
  if (main === undefined) throw new Error('the app has no main listener');
  return {
    app,
    ...main,
    ...(metrics === undefined ? {} : { metrics }),
    scope: app.scope,
    logs,
    close: async () => {
      await Promise.all(app.listeners.map(({ server }) => closeNow(server)));
    },
  };
}

/** Runs `test` against a service of its own, closed afterwards whatever happens. */
export async function withService(options: StartOptions, test: (service: RunningService) => Promise<void>): Promise<void> {
  const service = await startService(options);
  try {
    await test(service);
  } finally {
    await service.close();
  }
}

/** Liveness after a hostile request: the process must still answer. */
export async function healthStatus(base: string): Promise<number> {
  const res = await fetch(`${base}/health`);
  await res.text();
  return res.status;
}
