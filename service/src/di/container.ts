import 'reflect-metadata';
import { type Server as HttpServer } from 'node:http';
import { container, type DependencyContainer, Lifecycle } from 'tsyringe';
import { Registry } from 'prom-client';
import { type Logger } from 'pino';
import { TOKENS } from './tokens';
import { type Config } from '../config';
import { SystemClock } from '../clock';
import { MathRandom } from '../random';
import { createLogger } from '../logger';
import { Metrics } from '../metrics/metrics';
import { Readiness } from '../lifecycle/readiness';
import { type Exit, GracefulShutdown } from '../lifecycle/shutdown';
import { WorkService } from '../work/work-service';
import { type ServerDeps } from '../server';

const scoped = { lifecycle: Lifecycle.ContainerScoped } as const;

/**
 * The composition root. Each call returns a fresh child container, so every test gets its
 * own registry and state; a test may re-register a token (Clock, Random…) before resolving.
 */
export function createContainer(config: Config, logger: Logger = createLogger(config)): DependencyContainer {
  const child = container.createChildContainer();
  child.register(TOKENS.Config, { useValue: config });
  child.register(TOKENS.Logger, { useValue: logger });
  child.register(TOKENS.Registry, { useValue: new Registry() });
  child.register(TOKENS.Clock, { useClass: SystemClock }, scoped);
  child.register(TOKENS.Random, { useClass: MathRandom }, scoped);
  child.register(TOKENS.Metrics, { useClass: Metrics }, scoped);
  child.register(TOKENS.Readiness, { useClass: Readiness }, scoped);
  child.register(TOKENS.WorkService, { useClass: WorkService }, scoped);
  child.register(TOKENS.GracefulShutdown, { useClass: GracefulShutdown }, scoped);
  return child;
}

export function resolveServerDeps(scope: DependencyContainer): ServerDeps {
  return {
    config: scope.resolve(TOKENS.Config),
    logger: scope.resolve(TOKENS.Logger),
    clock: scope.resolve(TOKENS.Clock),
    metrics: scope.resolve(TOKENS.Metrics),
    readiness: scope.resolve(TOKENS.Readiness),
    work: scope.resolve(TOKENS.WorkService),
  };
}

/** Shutdown needs the built servers, so it is resolved once they exist. */
export function resolveShutdown(scope: DependencyContainer, servers: readonly HttpServer[], exit: Exit): GracefulShutdown {
  scope.register(TOKENS.HttpServers, { useValue: servers });
  scope.register(TOKENS.Exit, { useValue: exit });
  return scope.resolve(TOKENS.GracefulShutdown);
}
