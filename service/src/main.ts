import 'reflect-metadata';
import { type Server as HttpServer } from 'node:http';
import { type Server } from 'restify';
import { ConfigError, loadConfig } from './config';
import { createContainer, resolveServerDeps, resolveShutdown } from './di/container';
import { buildMetricsServer, buildServer } from './server';

function start(): void {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`configuration error: ${err.message}\n`);
    process.exit(2);
  }

  const scope = createContainer(config);
  const deps = resolveServerDeps(scope);
  const listeners: Array<{ server: Server; port: number }> = [{ server: buildServer(deps), port: config.port }];
  if (config.metricsPort !== undefined) listeners.push({ server: buildMetricsServer(deps), port: config.metricsPort });
  const shutdown = resolveShutdown(
    scope,
    listeners.map(({ server }) => server.server as HttpServer),
    (code) => process.exit(code),
  );

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => void shutdown.shutdown(signal));
  }
  // State is unknown after an exception nobody caught: log it once and let the orchestrator restart us.
  process.on('uncaughtException', (err) => {
    deps.logger.fatal({ err }, 'uncaught exception');
    process.exit(1);
  });

  const listening = listeners.map(
    ({ server, port }) =>
      new Promise<void>((resolve) => {
        // A taken port or an address this host does not have: one line saying so, not a crash report.
        const listenFailed = (err: Error): void => {
          deps.logger.fatal({ err, host: config.host, port }, 'cannot listen');
          process.exit(1);
        };
        server.once('error', listenFailed);
        server.listen(port, config.host, () => {
          server.off('error', listenFailed);
          resolve();
        });
      }),
  );
  // One line once every listener is up, so "listening" means both ports answer.
  void Promise.all(listening).then(() => {
    const [main, metrics] = listeners;
    deps.logger.info(
      { address: main?.server.address(), metricsAddress: metrics?.server.address(), version: config.appVersion },
      'listening',
    );
  });
}

start();
