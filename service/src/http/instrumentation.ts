import { type Logger } from 'pino';
import { type Request, type Response, type Route, type Server } from 'restify';
import { type Clock } from '../clock';
import { type Metrics, UNMATCHED_ROUTE } from '../metrics/metrics';
import { type Readiness } from '../lifecycle/readiness';
import { REQUEST_ID_HEADER, requestIdFrom } from './request-context';

/** Probes and scrapes arrive every few seconds: logged at debug so info stays about real traffic. */
const QUIET_ROUTES: ReadonlySet<string> = new Set(['/health', '/ready', '/metrics']);

export interface InstrumentationDeps {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly readiness: Readiness;
}

/**
 * Per-request bookkeeping on restify's events rather than in the handler chain: 'request'
 * fires once before anything else, 'after' once when the response is done, whatever path
 * (guard, 404, handler error) it took.
 */
export function instrument(server: Server, { clock, logger, metrics, readiness }: InstrumentationDeps): void {
  server.on('request', (req: Request, res: Response) => {
    req.startedAt = clock.now();
    const requestId = requestIdFrom(req.headers[REQUEST_ID_HEADER]);
    req.requestId = requestId;
    res.setHeader('X-Request-Id', requestId);
    // While draining, every response asks its client to reconnect elsewhere.
    if (readiness.isDraining) res.setHeader('Connection', 'close');
    metrics.requestStarted();
  });

  server.on('after', (req: Request, res: Response, route: Route | undefined) => {
    const durationMs = clock.now() - (req.startedAt ?? 0);
    const template = typeof route?.path === 'string' ? route.path : undefined;
    const method = req.method ?? '';
    metrics.requestFinished(method, template, res.statusCode, durationMs / 1000);
    const level = template !== undefined && QUIET_ROUTES.has(template) ? 'debug' : 'info';
    if (logger.isLevelEnabled(level)) {
      logger[level](
        {
          requestId: req.requestId,
          method,
          route: template ?? UNMATCHED_ROUTE,
          status: res.statusCode,
          durationMs: Math.round(durationMs * 1000) / 1000,
        },
        'request',
      );
    }
  });
}
