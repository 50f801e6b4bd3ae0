import { STATUS_CODES, Server as HttpServer } from 'node:http';
import { type Duplex } from 'node:stream';
import { type Server } from 'restify';
import { type Config } from '../config';
import { type ErrorCode, httpError } from './errors';
import { errorBody } from './error-handler';
import { MAX_HEADER_SIZE } from './limits';
/** How often Node enforces requestTimeout/headersTimeout (its default of 30 s makes them coarse). */
const CONNECTIONS_CHECKING_INTERVAL_MS = 1_000;

/** A whole response for a socket restify never sees, from the same table as every other error. */
function rawResponse(code: ErrorCode): string {
  const err = httpError(code);
  const body = errorBody(err);
  return (
    `HTTP/1.1 ${err.status} ${STATUS_CODES[err.status] ?? ''}\r\n` +
    'Content-Type: application/json; charset=utf-8\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    'Connection: close\r\n\r\n' +
    body
  );
}

function clientErrorCode(code: string | undefined): ErrorCode {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return 'HEADERS_TOO_LARGE';
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return 'REQUEST_TIMEOUT';
    default:
      return 'MALFORMED_REQUEST';
  }
}

interface ClientSocket extends Duplex {
  /** Node's response in progress on this socket, if any. */
  _httpMessage?: { headersSent?: boolean } | null;
}

/**
 * Socket-level settings and events restify does not cover: timeouts behind a load balancer,
 * header limits, and requests the parser or restify would otherwise drop without an answer.
 */
export function hardenHttpServer(server: Server, config: Config): void {
  if (!(server.server instanceof HttpServer)) throw new TypeError('expected a plain node:http server');
  // Both are documented, settable Server properties that @types/node leaves out.
  const http = server.server as HttpServer & { maxHeaderSize: number; connectionsCheckingInterval: number };
  http.keepAliveTimeout = config.keepAliveTimeoutMs;
  http.headersTimeout = config.headersTimeoutMs;
  http.requestTimeout = config.requestTimeoutMs;
  http.maxHeaderSize = MAX_HEADER_SIZE;
  http.connectionsCheckingInterval = CONNECTIONS_CHECKING_INTERVAL_MS;

  // Malformed requests the parser rejects: answer in JSON and drop the connection.
  http.on('clientError', (err: NodeJS.ErrnoException, socket: ClientSocket) => {
    if (err.code === 'ECONNRESET' || !socket.writable || socket._httpMessage?.headersSent === true) {
      socket.destroy();
      return;
    }
    socket.end(rawResponse(clientErrorCode(err.code)));
  });

  // Without a listener Node destroys CONNECT sockets without a word; this is not a proxy.
  http.on('connect', (_req: unknown, socket: Duplex) => {
    socket.end(rawResponse('CONNECT_NOT_SUPPORTED'));
  });

  // restify forwards 'upgrade' to its own emitter, which makes Node hand the socket to nobody
  // and the connection hangs open. Without a listener Node serves it as an ordinary request.
  http.removeAllListeners('upgrade');
}
