import 'reflect-metadata';
import { type DestinationStream } from 'pino';
import { type App, createApp, ListenError } from './app';
import { ConfigError, loadConfig } from './config';
import { createLogger } from './logger';
import { holdNextTickShape } from './lifecycle/next-tick-shape';

/** A bad setting: the orchestrator must not restart into the same mistake as if it were a crash. */
export const EXIT_BAD_CONFIG = 2;
/** A listener could not bind, or an exception nobody caught: state unknown, let the orchestrator restart us. */
export const EXIT_FAILURE = 1;
/** ECS and Kubernetes stop with SIGTERM; a developer with Ctrl-C (SIGINT). Both drain. */
export const SHUTDOWN_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/** The parts of `process` the service touches, so tests run `main` in-process with a stand-in. */
export interface ServiceProcess {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stderr: { write(text: string): unknown };
  on(event: (typeof SHUTDOWN_SIGNALS)[number] | 'uncaughtException', listener: (error: Error) => void): unknown;
  exit(code: number): void;
}

export interface MainOptions {
  /** Where log lines go (tests read them); stdout by default. */
  readonly logDestination?: DestinationStream;
}

/**
 * Reads the environment, starts the app on the addresses it names, and ties signals and exit
 * codes to it. Resolves with the running app, or undefined once it has called `exit` because it
 * cannot start (a test's stand-in `exit` returns, so this must not go on after calling it).
 */
export async function main(proc: ServiceProcess, options: MainOptions = {}): Promise<App | undefined> {
  let config;
  try {
    config = loadConfig(proc.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    proc.stderr.write(`configuration error: ${err.message}\n`);
    proc.exit(EXIT_BAD_CONFIG);
    return undefined;
  }

  // Keeps process.nextTick off V8's slow path after the first idle spell (see next-tick-shape.ts).
  await holdNextTickShape();
  const logger = createLogger(config, options.logDestination);
  const app = createApp(config, { logger, exit: (code) => proc.exit(code) });
  for (const signal of SHUTDOWN_SIGNALS) proc.on(signal, () => void app.shutdown(signal));
  // State is unknown after an exception nobody caught: log it once and let the orchestrator restart us.
  proc.on('uncaughtException', (err) => {
    logger.fatal({ err }, 'uncaught exception');
    proc.exit(EXIT_FAILURE);
  });

  let bound;
  try {
    bound = await app.listen();
  } catch (err) {
    if (!(err instanceof ListenError)) throw err;
    // A taken port or an address this host does not have: one line saying so, not a crash report.
    logger.fatal({ err: err.cause, host: err.host, port: err.port }, 'cannot listen');
    proc.exit(EXIT_FAILURE);
    return undefined;
  }
  // One line once every listener is up, so "listening" means both ports answer.
  const address = (name: string) => bound.find(({ listener }) => listener.name === name)?.address;
  logger.info({ address: address('main'), metricsAddress: address('metrics'), version: config.appVersion }, 'listening');
  return app;
}

if (require.main === module) void main(process);
