// The error table: every error the service answers, by stable code, with its status and message.
// Laid out like Fastify's lib/errors.js; docs/errors.md is rendered from it (error-docs.ts), and
// http/error-handler.ts is the one place that turns an error into a reply.
import { MAX_BODY_BYTES, MAX_HEADER_SIZE, MAX_URL_LENGTH } from './limits';

interface ErrorSpec {
  readonly status: number;
  /** Client-facing text; each `%s` takes the next argument of `httpError`. Never echoes the request. */
  readonly message: string;
  /** When a client gets it, for docs/errors.md. */
  readonly when: string;
  /** The response also names the first argument in this JSON field (e.g. the offending parameter). */
  readonly detail?: string;
  /** Close the connection after answering: the rest of the request is never read. */
  readonly closeConnection?: boolean;
}

export const ERRORS = {
  BAD_REQUEST_TARGET: { status: 400, message: 'invalid Host header or request target', when: 'the Host header or an absolute-form target is not a valid authority' },
  BAD_PERCENT_ENCODING: { status: 400, message: 'invalid percent-encoding in path', when: 'the path has a `%` not followed by valid UTF-8 percent-encoding' },
  INVALID_PARAMETER: {
    status: 400,
    message: '%s must be %s',
    detail: 'parameter',
    when: 'a parameter of `/api/work` is unknown, repeated or out of range, or the body is not a JSON object of numbers; `parameter` names it',
  },
  BODY_INCOMPLETE: { status: 400, message: 'request body incomplete', when: 'the connection failed while the body was being read' },
  MALFORMED_REQUEST: { status: 400, message: 'malformed request', when: "Node's HTTP parser rejected the request (bad request line, NUL bytes, unknown method, broken chunked body)" },
  CLIENT_ERROR: { status: 400, message: 'bad request', when: 'any other client error the router raises; its status is kept, its message (which echoes the path) is not' },
  NOT_FOUND: { status: 404, message: 'not found', when: 'no route matches the path (on the metrics listener: anything but `/metrics`)' },
  METHOD_NOT_ALLOWED: { status: 405, message: 'method not allowed', when: 'the route exists for other methods; the `Allow` header lists them' },
  CONNECT_NOT_SUPPORTED: { status: 405, message: 'CONNECT is not supported', when: 'a `CONNECT` request: the service is not a proxy' },
  REQUEST_TIMEOUT: { status: 408, message: 'Request Timeout', when: 'the headers or the whole request did not arrive within `HEADERS_TIMEOUT_MS` / `REQUEST_TIMEOUT_MS`' },
  BODY_TOO_LARGE: { status: 413, message: 'body too large', closeConnection: true, when: `the body is over ${MAX_BODY_BYTES / 1024} KiB; the connection is closed without reading the rest` },
  URI_TOO_LONG: { status: 414, message: 'request target too long', when: `the request target is over ${MAX_URL_LENGTH} bytes` },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Content-Type must be application/json', when: 'a `POST /api/work` body that is not `application/json`' },
  HEADERS_TOO_LARGE: { status: 431, message: 'Request Header Fields Too Large', when: `request line and headers are over ${MAX_HEADER_SIZE / 1024} KiB` },
  INJECTED_FAILURE: { status: 500, message: 'injected failure', when: 'the failure `/api/work?error_rate=` asked for' },
  INTERNAL: { status: 500, message: 'internal error', when: 'anything unexpected; logged once, at `error`, with the request id' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

/** The table's entry for `code`, with the optional fields visible. */
export function errorSpec(code: ErrorCode): ErrorSpec {
  return ERRORS[code];
}

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
  const spec = errorSpec(code);
  let next = 0;
  const message = spec.message.replace(/%s/g, () => args[next++] ?? '');
  const details = spec.detail === undefined || args[0] === undefined ? {} : { [spec.detail]: args[0] };
  return new HttpError(code, spec.status, message, details);
}
