import { type Logger } from 'pino';
import { type Request, type Response } from 'restify';
import { InjectedFailure, InvalidWorkParameter } from '../work/errors';
import { ERRORS, errorSpec, HttpError, httpError } from './errors';
import { requestIdOf } from './request-context';
import { JSON_TYPE, send } from './respond';

/** What restify-errors instances look like (404/405 from the router, and the like). */
interface StatusCarrier {
  statusCode: number;
}

function hasStatusCode(err: unknown): err is Error & StatusCarrier {
  return err instanceof Error && Number.isInteger((err as Partial<StatusCarrier>).statusCode);
}

/**
 * Any error, as one of the table's: ours as they are, the domain's by kind, restify's 4xx by
 * status; undefined for anything else (a 500 the caller logs).
 */
export function toHttpError(err: unknown): HttpError | undefined {
  if (err instanceof HttpError) return err;
  if (err instanceof InvalidWorkParameter) return httpError('INVALID_PARAMETER', err.parameter, err.accepts);
  if (err instanceof InjectedFailure) return httpError('INJECTED_FAILURE');
  if (!hasStatusCode(err) || err.statusCode < 400 || err.statusCode >= 500) return undefined;
  if (err.statusCode === 404) return httpError('NOT_FOUND');
  if (err.statusCode === 405) return httpError('METHOD_NOT_ALLOWED');
  return new HttpError('CLIENT_ERROR', err.statusCode, ERRORS.CLIENT_ERROR.message);
}

/** The JSON body of every error response: its stable `code`, the human `error` message, then any details. */
export function errorBody(err: HttpError): string {
  return JSON.stringify({ code: err.code, error: err.message, ...err.details });
}

/**
 * The one place that turns an error into a response. Wired to restify's `restifyError` event,
 * so it sees pre-handler guard errors, router 404/405 and every rejected handler.
 */
export function sendError(logger: Logger, req: Request, res: Response, err: unknown): void {
  let known = toHttpError(err);
  if (known === undefined) {
    logger.error({ err, requestId: requestIdOf(req) }, 'unhandled error');
    known = httpError('INTERNAL');
  }
  if (errorSpec(known.code).closeConnection === true) res.setHeader('Connection', 'close');
  send(res, known.status, errorBody(known), JSON_TYPE);
}
