import { type Request, type Response, type Server } from 'restify';
import { type Metrics } from '../metrics/metrics';
import { type Readiness } from '../lifecycle/readiness';
import { type WorkService } from '../work/work-service';
import { parseWorkParams, paramsFromBody, paramsFromQuery } from '../work/params';
import { readJsonBody } from './body';
import { JSON_TYPE, TEXT, send } from './respond';

export const ROUTES = {
  health: '/health',
  ready: '/ready',
  metrics: '/metrics',
  work: '/api/work',
} as const;

export interface RouteDeps {
  readonly metrics: Metrics;
  readonly readiness: Readiness;
  readonly work: WorkService;
}

/** Handlers are async and throw; errors reach `sendError` through restify's `restifyError`. */
export function registerRoutes(server: Server, { metrics, readiness, work }: RouteDeps): void {
  // Liveness: the process answers; no dependencies.
  server.get(ROUTES.health, async (_req: Request, res: Response) => {
    send(res, 200, "OK I'm healthy", TEXT);
  });

  // Readiness: 503 from the moment shutdown begins, so the load balancer stops sending.
  server.get(ROUTES.ready, async (_req: Request, res: Response) => {
    if (readiness.isDraining) send(res, 503, 'draining', TEXT);
    else send(res, 200, 'OK', TEXT);
  });

  server.get(ROUTES.metrics, async (_req: Request, res: Response) => {
    const body = await metrics.render();
    send(res, 200, body, metrics.contentType);
  });

  server.get(ROUTES.work, async (req: Request, res: Response) => {
    const params = parseWorkParams(paramsFromQuery(req.getUrl().searchParams));
    send(res, 200, JSON.stringify(await work.run(params)), JSON_TYPE);
  });

  server.post(ROUTES.work, async (req: Request, res: Response) => {
    const params = parseWorkParams(paramsFromBody(await readJsonBody(req)));
    send(res, 200, JSON.stringify(await work.run(params)), JSON_TYPE);
  });
}
