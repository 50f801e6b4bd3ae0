import { type Request, type Response, type Server } from 'restify';
import { type Metrics } from '../metrics/metrics';
import { type Readiness } from '../lifecycle/readiness';
import { type WorkService } from '../work/work-service';
import { parseWorkParams, paramsFromBody, paramsFromQuery } from '../work/params';
import { readJsonBody } from './body';
// Its augmentation types req.getUrl() as restify 12's WHATWG URL.
import './request-context';
import { JSON_TYPE, TEXT, send } from './respond';

export const ROUTES = {
  health: '/health',
  ready: '/ready',
  metrics: '/metrics',
  work: '/api/work',
} as const;

export interface RouteDeps {
  readonly readiness: Readiness;
  readonly work: WorkService;
}

type Handler = (req: Request, res: Response) => Promise<void>;

/**
 * GET and HEAD alike, as HTTP defines HEAD (`curl -I` works): restify does not map one onto the
 * other, and it leaves out the body of every HEAD response itself, keeping status and headers.
 */
function getAndHead(server: Server, path: string, handler: Handler): void {
  server.get(path, handler);
  server.head(path, handler);
}

/**
 * The application's routes, without /metrics (registerMetricsRoute puts that on whichever
 * listener serves it). Handlers are async and throw; errors reach `sendError` through
 * restify's `restifyError`.
 */
export function registerAppRoutes(server: Server, { readiness, work }: RouteDeps): void {
  // Liveness: the process answers; no dependencies.
  getAndHead(server, ROUTES.health, async (_req: Request, res: Response) => {
    send(res, 200, "OK I'm healthy", TEXT);
  });

  // Readiness: 503 from the moment shutdown begins, so the load balancer stops sending.
  getAndHead(server, ROUTES.ready, async (_req: Request, res: Response) => {
    if (readiness.isDraining) send(res, 503, 'draining', TEXT);
    else send(res, 200, 'OK', TEXT);
  });

  getAndHead(server, ROUTES.work, async (req: Request, res: Response) => {
    const params = parseWorkParams(paramsFromQuery(req.getUrl().searchParams));
    send(res, 200, JSON.stringify(await work.run(params)), JSON_TYPE);
  });

  server.post(ROUTES.work, async (req: Request, res: Response) => {
    const params = parseWorkParams(paramsFromBody(await readJsonBody(req)));
    send(res, 200, JSON.stringify(await work.run(params)), JSON_TYPE);
  });
}

/** The Prometheus exposition of the service's own registry. */
export function registerMetricsRoute(server: Server, metrics: Metrics): void {
  getAndHead(server, ROUTES.metrics, async (_req: Request, res: Response) => {
    const body = await metrics.render();
    send(res, 200, body, metrics.contentType);
  });
}
