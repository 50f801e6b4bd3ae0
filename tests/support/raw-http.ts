// A raw-socket HTTP/1.1 client: it writes exactly the bytes it is given and reports what the
// server did with them (refused the connection, reset it, answered part of it, answered all of it).
// node:http and fetch would normalise hostile requests and hide those differences, so the service's
// tests and the resilience harness use this one client.
import net from 'node:net';

export const LOOPBACK = '127.0.0.1';

export interface RawResponse {
  status: number;
  reason: string;
  /** Header names lower-cased, in arrival order (duplicates kept). */
  headers: Array<[string, string]>;
  body: Buffer;
}

/** The first value of header `name` (lower case); undefined also when there is no response. */
export function header(response: RawResponse | undefined, name: string): string | undefined {
  return response?.headers.find(([key]) => key === name)?.[1];
}

/**
 * How one request ended, from the client's side:
 *   complete     a whole response (status line, headers, the body its framing announced);
 *   refused      the TCP connect failed (nothing was sent: the server never accepted it);
 *   unanswered   the request was written, then the connection closed or was reset with no response byte;
 *   truncated    the response started, then the connection closed before its body was complete;
 *   garbled      the bytes received are not an HTTP/1.1 response;
 *   timeout      neither a response nor a close within the client's deadline.
 */
export type Outcome = 'complete' | 'refused' | 'unanswered' | 'truncated' | 'garbled' | 'timeout';

export interface ExchangeResult {
  outcome: Outcome;
  response?: RawResponse;
  /** The TCP connection was established (the kernel accepted it on the server's listener). */
  connected: boolean;
  /** Every request byte was handed to the kernel without error. */
  written: boolean;
  /** The socket error code, when the exchange ended with one (ECONNREFUSED, ECONNRESET, EPIPE...). */
  errorCode?: string;
  /** Milliseconds from the first request byte written to the end of the exchange. */
  latencyMs: number;
}

const CRLF2 = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');
const FIELD_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

type Parse =
  | { state: 'partial' }
  | { state: 'done'; response: RawResponse; rest: Buffer }
  | { state: 'invalid'; reason: string };

/** Incremental parser for one response; understands Content-Length, chunked and read-until-close bodies. */
export class ResponseParser {
  private buffer: Buffer = Buffer.alloc(0);

  constructor(private readonly requestMethod: string) {}

  get received(): number {
    return this.buffer.length;
  }

  push(chunk: Buffer): Parse {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    return this.parse(false);
  }

  /** The connection closed: a read-until-close body is complete now, anything else is cut short. */
  end(): Parse {
    return this.parse(true);
  }

  private parse(closed: boolean): Parse {
    let offset = 0;
    for (;;) {
      const headEnd = this.buffer.indexOf(CRLF2, offset);
      if (headEnd < 0) return { state: 'partial' };
      const head = this.buffer.subarray(offset, headEnd).toString('latin1').split('\r\n');
      const statusLine = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(head[0] ?? '');
      if (!statusLine) return { state: 'invalid', reason: `bad status line ${JSON.stringify(head[0])}` };
      const status = Number(statusLine[1]);
      const headers: Array<[string, string]> = [];
      for (const line of head.slice(1)) {
        const colon = line.indexOf(':');
        const name = line.slice(0, Math.max(colon, 0));
        // A field name is a token, with nothing between it and the colon (RFC 9110 5.1, RFC 9112 5.1).
        if (!FIELD_NAME.test(name)) return { state: 'invalid', reason: `bad header line ${JSON.stringify(line)}` };
        headers.push([name.toLowerCase(), line.slice(colon + 1).trim()]);
      }
      const bodyStart = headEnd + CRLF2.length;
      // Interim responses (100 Continue, 103 Early Hints) precede the real one; 101 ends HTTP on this socket.
      if (status >= 100 && status < 200 && status !== 101) {
        offset = bodyStart;
        continue;
      }
      const response: RawResponse = { status, reason: statusLine[2] ?? '', headers, body: Buffer.alloc(0) };
      const noBody = this.requestMethod === 'HEAD' || status === 101 || status === 204 || status === 304;
      if (noBody) return { state: 'done', response, rest: this.buffer.subarray(bodyStart) };

      const transferEncoding = header(response, 'transfer-encoding');
      // A server must not send both (RFC 9112 6.1); llhttp refuses such a response, so does this.
      if (transferEncoding !== undefined && header(response, 'content-length') !== undefined) {
        return { state: 'invalid', reason: 'both Content-Length and Transfer-Encoding' };
      }
      if (transferEncoding !== undefined && /(^|,)\s*chunked\s*$/i.test(transferEncoding)) {
        return this.parseChunked(response, bodyStart);
      }
      const contentLength = header(response, 'content-length');
      if (contentLength !== undefined) {
        if (!/^\d+$/.test(contentLength)) return { state: 'invalid', reason: `bad content-length ${contentLength}` };
        const end = bodyStart + Number(contentLength);
        if (this.buffer.length < end) return { state: 'partial' };
        response.body = this.buffer.subarray(bodyStart, end);
        return { state: 'done', response, rest: this.buffer.subarray(end) };
      }
      if (!closed) return { state: 'partial' };
      response.body = this.buffer.subarray(bodyStart);
      return { state: 'done', response, rest: Buffer.alloc(0) };
    }
  }

  private parseChunked(response: RawResponse, bodyStart: number): Parse {
    const chunks: Buffer[] = [];
    let position = bodyStart;
    for (;;) {
      const lineEnd = this.buffer.indexOf(CRLF, position);
      if (lineEnd < 0) return { state: 'partial' };
      const sizeText = this.buffer.subarray(position, lineEnd).toString('latin1').split(';')[0]?.trim() ?? '';
      if (!/^[0-9a-fA-F]+$/.test(sizeText)) return { state: 'invalid', reason: `bad chunk size ${sizeText}` };
      const size = parseInt(sizeText, 16);
      if (size === 0) {
        // The last chunk: optional trailers, then an empty line ("0\r\n\r\n" when there are none).
        const end = this.buffer.indexOf(CRLF2, lineEnd);
        if (end < 0) return { state: 'partial' };
        response.body = Buffer.concat(chunks);
        return { state: 'done', response, rest: this.buffer.subarray(end + CRLF2.length) };
      }
      const dataStart = lineEnd + CRLF.length;
      if (this.buffer.length < dataStart + size + CRLF.length) return { state: 'partial' };
      chunks.push(this.buffer.subarray(dataStart, dataStart + size));
      position = dataStart + size + CRLF.length;
    }
  }
}

export interface RequestSpec {
  method: string;
  target: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/** Serialises a well-formed request; Host and Content-Length are added unless given. */
export function formatRequest(spec: RequestSpec, options: { keepAlive: boolean }): Buffer {
  const body = spec.body === undefined ? undefined : Buffer.from(spec.body);
  const headers: Record<string, string> = { host: LOOPBACK, ...spec.headers };
  if (body !== undefined && headers['content-length'] === undefined) headers['content-length'] = String(body.length);
  headers.connection ??= options.keepAlive ? 'keep-alive' : 'close';
  const head = `${spec.method} ${spec.target} HTTP/1.1\r\n${Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('')}\r\n`;
  return body === undefined ? Buffer.from(head, 'latin1') : Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? String(error);
}

export interface ConnectResult {
  connection?: RawConnection;
  errorCode?: string;
}

/**
 * One client connection that carries requests one after another (keep-alive), like a load
 * balancer's pooled connection. A request is only sent when the previous response has ended.
 */
export class RawConnection {
  private pending?: {
    parser: ResponseParser;
    startedAt: number;
    written: boolean;
    settle: (result: ExchangeResult) => void;
    timer: NodeJS.Timeout;
  };
  private closed = false;
  private closeReason?: string;
  /** Requests sent on this connection so far. */
  requests = 0;

  private constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => {
      this.closeReason = errorCode(error);
    });
    socket.on('close', () => this.onClose());
  }

  static connect(port: number, host = LOOPBACK, timeoutMs = 5_000): Promise<ConnectResult> {
    return new Promise((resolve) => {
      const socket = net.connect({ port, host });
      const timer = setTimeout(() => {
        socket.destroy();
        resolve({ errorCode: 'ETIMEDOUT' });
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve({ connection: new RawConnection(socket) });
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        resolve({ errorCode: errorCode(error) });
      });
    });
  }

  /** True while the connection can carry another request. */
  get usable(): boolean {
    return !this.closed && !this.socket.destroyed && this.socket.writable && this.pending === undefined;
  }

  /** Writes the request and resolves when its exchange ends. */
  send(request: Buffer, method: string, timeoutMs: number): Promise<ExchangeResult> {
    if (this.pending) throw new Error('RawConnection.send: a request is already in flight');
    this.requests += 1;
    return new Promise((settle) => {
      const timer = setTimeout(() => this.finish({ outcome: 'timeout' }), timeoutMs);
      this.pending = { parser: new ResponseParser(method), startedAt: performance.now(), written: false, settle, timer };
      const pending = this.pending;
      if (this.closed) {
        this.finish({ outcome: 'unanswered', errorCode: this.closeReason ?? 'ECLOSED' });
        return;
      }
      this.socket.write(request, (error) => {
        if (!error) pending.written = true;
      });
    });
  }

  /** Writes bytes without expecting anything back yet (for slow clients that trickle a request). */
  trickle(bytes: Buffer): void {
    if (!this.closed) this.socket.write(bytes);
  }

  /** Waits for whatever the server does with the bytes `trickle` wrote so far, for slow-client tests. */
  expect(method: string, timeoutMs: number): Promise<ExchangeResult> {
    if (this.pending) throw new Error('RawConnection.expect: a request is already in flight');
    return new Promise((settle) => {
      const timer = setTimeout(() => this.finish({ outcome: 'timeout' }), timeoutMs);
      this.pending = { parser: new ResponseParser(method), startedAt: performance.now(), written: true, settle, timer };
      if (this.closed) this.finish({ outcome: 'unanswered', errorCode: this.closeReason ?? 'ECLOSED' });
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  destroy(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    const pending = this.pending;
    if (!pending) return; // bytes nobody asked for: the next exchange would be garbled, so stop using this socket
    const parsed = pending.parser.push(chunk);
    if (parsed.state === 'done') {
      const connectionHeader = header(parsed.response, 'connection');
      if (connectionHeader?.toLowerCase() === 'close' || parsed.rest.length > 0) this.socket.end();
      this.finish({ outcome: 'complete', response: parsed.response });
    } else if (parsed.state === 'invalid') {
      this.finish({ outcome: 'garbled', errorCode: parsed.reason });
      this.socket.destroy();
    }
  }

  private onClose(): void {
    this.closed = true;
    const pending = this.pending;
    if (!pending) return;
    const parsed = pending.parser.end();
    if (parsed.state === 'done') this.finish({ outcome: 'complete', response: parsed.response });
    else if (parsed.state === 'invalid') this.finish({ outcome: 'garbled', errorCode: parsed.reason });
    else if (pending.parser.received > 0) this.finish({ outcome: 'truncated', errorCode: this.closeReason ?? 'EOF' });
    else this.finish({ outcome: 'unanswered', errorCode: this.closeReason ?? 'EOF' });
  }

  private finish(result: Omit<ExchangeResult, 'connected' | 'written' | 'latencyMs'>): void {
    const pending = this.pending;
    if (!pending) return;
    this.pending = undefined;
    clearTimeout(pending.timer);
    if (result.outcome === 'timeout') this.socket.destroy();
    pending.settle({
      ...result,
      connected: true,
      written: pending.written,
      latencyMs: performance.now() - pending.startedAt,
    });
  }
}

/** One request on a fresh connection that is closed afterwards. */
export async function exchange(
  port: number,
  request: Buffer,
  method: string,
  timeoutMs: number,
  host = LOOPBACK,
): Promise<ExchangeResult> {
  const { connection, errorCode: connectError } = await RawConnection.connect(port, host, timeoutMs);
  if (!connection) {
    // No connection, so the server accepted nothing: refused, whatever the error code says.
    return {
      outcome: 'refused',
      connected: false,
      written: false,
      errorCode: connectError,
      latencyMs: 0,
    };
  }
  try {
    return await connection.send(request, method, timeoutMs);
  } finally {
    connection.destroy();
  }
}

/** GET on a fresh connection; `response` is set only when a complete response arrived. */
export async function getStatus(port: number, target: string, timeoutMs = 5_000): Promise<ExchangeResult> {
  return exchange(port, formatRequest({ method: 'GET', target }, { keepAlive: false }), 'GET', timeoutMs);
}

/**
 * Writes `payload` byte for byte (a string as UTF-8) on a fresh connection and reports what came
 * back. The payload's first word is taken as the method, so a HEAD answer is read without a body.
 */
export function rawRequest(port: number, payload: string | Buffer, timeoutMs = 5_000, host = LOOPBACK): Promise<ExchangeResult> {
  const bytes = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const method = /^[A-Z]+/.exec(bytes.subarray(0, 16).toString('latin1'))?.[0] ?? 'GET';
  return exchange(port, bytes, method, timeoutMs, host);
}
