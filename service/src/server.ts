import restify, { type Request, type Response, type Server, type ServerOptions } from 'restify';
import { type Logger } from 'pino';
import { type Config } from './config';
import { type Clock } from './clock';
import { type Metrics } from './metrics/metrics';
import { type Readiness } from './lifecycle/readiness';
import { type WorkService } from './work/work-service';
import { sendError } from './http/error-handler';
import { requestGuard } from './http/request-guard';
import { hardenHttpServer } from './http/server-hardening';
import { instrument } from './http/instrumentation';
import { registerAppRoutes, registerMetricsRoute } from './http/routes';

export interface ServerDeps {
  readonly config: Config;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly metrics: Metrics;
  readonly readiness: Readiness;
  readonly work: WorkService;
}

/** A restify server with everything but routes: hardening, guards, instrumentation, the error mapping. */
function baseServer(deps: ServerDeps): Server {
  const server = restify.createServer({
    // An empty name leaves out the `Server: restify` header.
    name: '',
    // @types/restify 8 types `log` as a bunyan Logger; restify 12 uses pino.
    log: deps.logger as unknown as ServerOptions['log'],
  });
  hardenHttpServer(server, deps.config);
  instrument(server, deps);

  server.pre((req: Request, _res: Response, next: restify.Next) => {
    next(requestGuard(req));
  });

  server.on('restifyError', (req: Request, res: Response, err: unknown, done: () => void) => {
    sendError(deps.logger, req, res, err);
    done();
  });
  return server;
}

/**
 * Builds the service's HTTP server, unstarted: main.ts listens, tests listen on port 0.
 * With `config.metricsPort` set it has no /metrics route at all, so no spelling of the path
 * (encoded, dot segments, absolute-form…) can reach the exposition on the public port.
 */
export function buildServer(deps: ServerDeps): Server {
  const server = baseServer(deps);
  registerAppRoutes(server, deps);
  if (deps.config.metricsPort === undefined) registerMetricsRoute(server, deps.metrics);
  return server;
}

/**
 * The listener for `config.metricsPort`, unstarted: GET/HEAD /metrics and nothing else (404 JSON),
 * counted in the same histogram as the main server's requests.
 */
export function buildMetricsServer(deps: ServerDeps): Server {
  const server = baseServer(deps);
  registerMetricsRoute(server, deps.metrics);
  return server;
}
