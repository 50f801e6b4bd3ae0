import restify, { type Request, type Response, type Server, type ServerOptions } from 'restify';
import { type Logger } from 'pino';
import { type Config } from './config';
import { type Clock } from './clock';
import { type Metrics } from './metrics/metrics';
import { type Readiness } from './lifecycle/readiness';
import { type WorkService } from './work/work-service';
import { sendError } from './http/errors';
import { hardenHttpServer, requestGuard } from './http/guards';
import { instrument } from './http/instrumentation';
import { registerRoutes } from './http/routes';

export interface ServerDeps {
  readonly config: Config;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly metrics: Metrics;
  readonly readiness: Readiness;
  readonly work: WorkService;
}

/** Builds the service's HTTP server, unstarted: main.ts listens, tests listen on port 0. */
export function buildServer(deps: ServerDeps): Server {
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

  registerRoutes(server, deps);
  return server;
}
