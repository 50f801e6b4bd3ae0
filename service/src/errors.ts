import { type Logger } from 'pino';
import { type Request, type Response } from 'restify';
import { requestIdOf } from './http/request-context';
import { JSON_TYPE, send } from './http/respond';

/** An error whose status and message are safe to show the client. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Extra JSON fields for the client, e.g. the offending parameter. */
    readonly details: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class BadRequestError extends HttpError {
  constructor(message: string) {
    super(400, message);
  }
}

/** A request parameter failed validation; the response names it. */
export class InvalidParameterError extends HttpError {
  constructor(parameter: string, accepts: string) {
    super(400, `${parameter} must be ${accepts}`, { parameter });
  }
}

/** The failure /api/work injects on purpose (error_rate). */
export class InjectedFailureError extends HttpError {
  constructor() {
    super(500, 'injected failure');
  }
}

/** What restify-errors instances look like (404/405 from the router, and the like). */
interface StatusCarrier {
  statusCode: number;
}

function hasStatusCode(err: unknown): err is Error & StatusCarrier {
  return err instanceof Error && Number.isInteger((err as Partial<StatusCarrier>).statusCode);
}

/** Client-facing text for restify's own errors: its messages echo the request path. */
function messageFor(status: number): string {
  switch (status) {
    case 404:
      return 'not found';
    case 405:
      return 'method not allowed';
    default:
      return status < 500 ? 'bad request' : 'internal error';
  }
}

/**
 * The one place that turns an error into a response. Wired to restify's `restifyError` event,
 * so it sees pre-handler guard errors, router 404/405 and every rejected handler.
 */
export function sendError(logger: Logger, req: Request, res: Response, err: unknown): void {
  let status: number;
  let body: Record<string, string>;
  if (err instanceof HttpError) {
    status = err.status;
    body = { error: err.message, ...err.details };
  } else if (hasStatusCode(err) && err.statusCode >= 400 && err.statusCode < 500) {
    status = err.statusCode;
    body = { error: messageFor(status) };
  } else {
    status = 500;
    body = { error: messageFor(status) };
    logger.error({ err, requestId: requestIdOf(req) }, 'unhandled error');
  }
  // The rest of an oversized body is never read: close rather than drain it.
  if (status === 413) res.setHeader('Connection', 'close');
  send(res, status, JSON.stringify(body), JSON_TYPE);
}
