import { randomUUID } from 'node:crypto';

declare module 'restify' {
  interface Request {
    /** Set by the request hooks before any handler runs; echoed as X-Request-Id. */
    requestId?: string;
    /** Clock reading when the request arrived, for the duration metric and the log line. */
    startedAt?: number;
    /** restify 12 returns a WHATWG URL (@types/restify 8 still describes the legacy url.Url). */
    getUrl(): URL;
  }
}

export const REQUEST_ID_HEADER = 'x-request-id';

/** Bounded length, characters that are safe in a header, a log line and a URL. */
const SANE_REQUEST_ID = /^[\w.:-]{1,128}$/;

/** Honours the caller's X-Request-Id when it is sane, otherwise makes a new one. */
export function requestIdFrom(incoming: string | string[] | undefined): string {
  return typeof incoming === 'string' && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

export function requestIdOf(req: { requestId?: string | undefined }): string {
  return req.requestId ?? 'unknown';
}
