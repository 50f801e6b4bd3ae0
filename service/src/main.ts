import 'reflect-metadata';
import { type Server as HttpServer } from 'node:http';
import { ConfigError, loadConfig } from './config';
import { createContainer, resolveServerDeps, resolveShutdown } from './di/container';
import { buildServer } from './server';

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
  const server = buildServer(deps);
  const shutdown = resolveShutdown(scope, server.server as HttpServer, (code) => process.exit(code));

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => void shutdown.shutdown(signal));
  }
  // State is unknown after an exception nobody caught: log it once and let the orchestrator restart us.
  process.on('uncaughtException', (err) => {
    deps.logger.fatal({ err }, 'uncaught exception');
    process.exit(1);
  });

  // A taken port or an address this host does not have: one line saying so, not a crash report.
  const listenFailed = (err: Error): void => {
    deps.logger.fatal({ err, host: config.host, port: config.port }, 'cannot listen');
    process.exit(1);
  };
  server.once('error', listenFailed);
  server.listen(config.port, config.host, () => {
    server.off('error', listenFailed);
    deps.logger.info({ address: server.address(), version: config.appVersion }, 'listening');
  });
}

start();
