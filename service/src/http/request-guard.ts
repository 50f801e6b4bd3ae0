import { type Request } from 'restify';
import { type HttpError, httpError } from './errors';
import { MAX_URL_LENGTH } from './limits';

/**
 * Runs first on every request (restify `pre`), before routing. restify 12.0.0 parses
 * `Host` + target with `new URL()` during routing and lets the TypeError escape, killing
 * the process; parsing here (restify caches the result) turns that into a 400.
 */
export function requestGuard(req: Request): HttpError | undefined {
  if (req.url !== undefined && req.url.length > MAX_URL_LENGTH) {
    return httpError('URI_TOO_LONG');
  }
  let pathname: string;
  try {
    pathname = req.getUrl().pathname;
  } catch {
    return httpError('BAD_REQUEST_TARGET');
  }
  if (pathname.includes('%')) {
    try {
      decodeURIComponent(pathname);
    } catch {
      return httpError('BAD_PERCENT_ENCODING');
    }
  }
  return undefined;
}
