import { type Logger } from 'pino';
import { type Request, type Response } from 'restify';
import { requestIdOf } from './request-context';
import { JSON_TYPE, send } from './respond';

interface ErrorSpec {
  readonly status: number;
  /** Client-facing text; each `%s` takes the next argument of `httpError`. */
  readonly message: string;
  /** The response also names the first argument in this JSON field (e.g. the offending parameter). */
  readonly detail?: string;
  /** Close the connection after answering: the rest of the request is never read. */
  readonly closeConnection?: boolean;
}

/**
 * Every error the service answers, by code: status and message in one table, laid out like
 * Fastify's lib/errors.js (code, message with %s, status). Messages never echo the request.
 */
export const ERRORS = {
  BAD_REQUEST_TARGET: { status: 400, message: 'invalid Host header or request target' },
  BAD_PERCENT_ENCODING: { status: 400, message: 'invalid percent-encoding in path' },
  INVALID_PARAMETER: { status: 400, message: '%s must be %s', detail: 'parameter' },
  BODY_INCOMPLETE: { status: 400, message: 'request body incomplete' },
  /** Rejected by Node's HTTP parser before restify saw it. */
  MALFORMED_REQUEST: { status: 400, message: 'malformed request' },
  /** Any other 4xx restify raises itself; its status is kept, its message (which echoes the path) is not. */
  CLIENT_ERROR: { status: 400, message: 'bad request' },
  NOT_FOUND: { status: 404, message: 'not found' },
  METHOD_NOT_ALLOWED: { status: 405, message: 'method not allowed' },
  CONNECT_NOT_SUPPORTED: { status: 405, message: 'CONNECT is not supported' },
  REQUEST_TIMEOUT: { status: 408, message: 'Request Timeout' },
  BODY_TOO_LARGE: { status: 413, message: 'body too large', closeConnection: true },
  URI_TOO_LONG: { status: 414, message: 'request target too long' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Content-Type must be application/json' },
  HEADERS_TOO_LARGE: { status: 431, message: 'Request Header Fields Too Large' },
  /** The failure /api/work injects on purpose (error_rate). */
  INJECTED_FAILURE: { status: 500, message: 'injected failure' },
  INTERNAL: { status: 500, message: 'internal error' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

/** An error from the table: status and message are safe to show the client. */
export class HttpError extends Error {
  override readonly name = 'HttpError';

  constructor(
    readonly code: ErrorCode,
    readonly status: number,
    message: string,
    /** Extra JSON fields for the client, e.g. the offending parameter. */
    readonly details: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

/** The error `code` names, its message filled with `args` in order. */
export function httpError(code: ErrorCode, ...args: string[]): HttpError {
  const spec: ErrorSpec = ERRORS[code];
  let next = 0;
  const message = spec.message.replace(/%s/g, () => args[next++] ?? '');
  const details = spec.detail === undefined || args[0] === undefined ? {} : { [spec.detail]: args[0] };
  return new HttpError(code, spec.status, message, details);
}

/** What restify-errors instances look like (404/405 from the router, and the like). */
interface StatusCarrier {
  statusCode: number;
}

function hasStatusCode(err: unknown): err is Error & StatusCarrier {
  return err instanceof Error && Number.isInteger((err as Partial<StatusCarrier>).statusCode);
}

/** Any error, as one of the table's: ours as they are, restify's 4xx by status, anything else a 500. */
export function toHttpError(err: unknown): HttpError | undefined {
  if (err instanceof HttpError) return err;
  if (!hasStatusCode(err) || err.statusCode < 400 || err.statusCode >= 500) return undefined;
  if (err.statusCode === 404) return httpError('NOT_FOUND');
  if (err.statusCode === 405) return httpError('METHOD_NOT_ALLOWED');
  return new HttpError('CLIENT_ERROR', err.statusCode, ERRORS.CLIENT_ERROR.message);
}

/** The JSON body of an error response. */
export function errorBody(err: HttpError): string {
  return JSON.stringify({ error: err.message, ...err.details });
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
  const spec: ErrorSpec = ERRORS[known.code];
  if (spec.closeConnection === true) res.setHeader('Connection', 'close');
  send(res, known.status, errorBody(known), JSON_TYPE);
}
