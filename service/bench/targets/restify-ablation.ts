import 'reflect-metadata';
import { Registry } from 'prom-client';
import restify, { type Request, type Response, type Route, type Server, type ServerOptions } from 'restify';
import { SystemClock } from '../../src/clock';
import { loadConfig } from '../../src/config';
import { createApp } from '../../src/app';
import { requestGuard } from '../../src/http/request-guard';
import { hardenHttpServer } from '../../src/http/server-hardening';
import { REQUEST_ID_HEADER, requestIdFrom } from '../../src/http/request-context';
import { TEXT, send } from '../../src/http/respond';
import { createLogger } from '../../src/logger';
import { Metrics, UNMATCHED_ROUTE } from '../../src/metrics/metrics';
import { STEPS } from './ablation-steps';
import { answer } from './answer';

/** See ablation-steps.ts: ABLATION_STEP=k adds the service's pieces 1..k to the bare twin. */
const step = Number(process.env.ABLATION_STEP ?? 0);
const config = loadConfig(process.env);
const logger = createLogger(config);

function ablated(): Server {
  const server = restify.createServer(step >= 1 ? { name: '', log: logger as unknown as ServerOptions['log'] } : {});
  if (step >= 2) {
    server.get(answer.path, async (_req: Request, res: Response) => {
      send(res, 200, answer.body, TEXT);
    });
  } else {
    server.get(answer.path, (_req, res, next) => {
      res.sendRaw(200, answer.body, { 'Content-Type': answer.contentType, 'Content-Length': String(Buffer.byteLength(answer.body)) });
      next();
    });
  }
  if (step >= 3) server.pre((req: Request, _res: Response, next: restify.Next) => next(requestGuard(req)));
  if (step >= 4) hardenHttpServer(server, config);
  const clock = new SystemClock();
  if (step >= 5) {
    server.on('request', (req: Request, res: Response) => {
      req.startedAt = clock.now();
      const requestId = requestIdFrom(req.headers[REQUEST_ID_HEADER]);
      req.requestId = requestId;
      res.setHeader('X-Request-Id', requestId);
      if (step >= 6) metrics.requestStarted();
    });
  }
  const metrics = new Metrics(new Registry(), config);
  if (step >= 6) {
    server.on('after', (req: Request, res: Response, route: Route | undefined) => {
      const durationMs = clock.now() - (req.startedAt ?? 0);
      const template = typeof route?.path === 'string' ? route.path : undefined;
      metrics.requestFinished(req.method ?? '', template, res.statusCode, durationMs / 1000);
      if (step >= 7 && logger.isLevelEnabled(template === '/health' ? 'debug' : 'info')) {
        logger.info({ requestId: req.requestId, route: template ?? UNMATCHED_ROUTE, status: res.statusCode, durationMs }, 'request');
      }
    });
  }
  return server;
}

if (step >= STEPS.length - 1) {
  // As main.ts builds it: container, servers, listeners and the shutdown's connection tracking.
  void createApp(config, { logger, exit: (code) => process.exit(code) }).listen();
} else {
  ablated().listen(answer.port, '127.0.0.1');
}
