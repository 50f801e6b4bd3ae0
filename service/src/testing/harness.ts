import 'reflect-metadata';
import { type AddressInfo } from 'node:net';
import { type DependencyContainer } from 'tsyringe';
import { type Server } from 'restify';
import { type Config, loadConfig } from '../config';
import { createLogger } from '../logger';
import { createContainer, resolveServerDeps } from '../di/container';
import { buildMetricsServer, buildServer } from '../server';

export interface LogLine {
  readonly level: string;
  readonly msg: string;
  readonly [field: string]: unknown;
}

export interface RunningService {
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
}

async function listenOnAnyPort(server: Server): Promise<{ base: string; port: number }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { base: `http://127.0.0.1:${port}`, port };
}

function closeNow(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.server.closeAllConnections();
    server.close(() => resolve());
  });
}

/** A real service on 127.0.0.1, port 0, with its own container and an in-memory log. Close it in `finally`. */
export async function startService(options: StartOptions = {}): Promise<RunningService> {
  const config: Config = Object.freeze({ ...loadConfig({}), host: '127.0.0.1', port: 0, logLevel: 'info', ...options.config });
  const logs: LogLine[] = [];
  const logger = createLogger(config, { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) });
  const scope = createContainer(config, logger);
  options.override?.(scope);
  const deps = resolveServerDeps(scope);
  const server = buildServer(deps);
  options.extend?.(server);
  const main = await listenOnAnyPort(server);
  let metrics: RunningService['metrics'];
  if (config.metricsPort !== undefined) {
    const metricsServer = buildMetricsServer(deps);
    metrics = { ...(await listenOnAnyPort(metricsServer)), server: metricsServer };
  }
  return {
    ...main,
    server,
    ...(metrics === undefined ? {} : { metrics }),
    scope,
    logs,
    close: async () => {
      await Promise.all([closeNow(server), ...(metrics === undefined ? [] : [closeNow(metrics.server)])]);
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
