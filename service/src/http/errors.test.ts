import { Readable } from 'node:stream';
import { type IncomingMessage } from 'node:http';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ERRORS, type ErrorCode, HttpError, httpError } from './errors';
import { toHttpError } from './error-handler';
import { readJsonBody } from './body';
import { InjectedFailure, InvalidWorkParameter } from '../work/errors';
import { type RunningService, startService } from '../testing/harness';
import { header, rawRequest } from '../../../tests/support/raw-http';

interface Trigger {
  /** Raw request bytes; the answer must be this code's status, code and message. */
  readonly payload: string;
  /** The message when the entry has `%s` to fill. */
  readonly message?: string;
}

const get = (target: string, headers = 'Host: localhost\r\n'): string => `GET ${target} HTTP/1.1\r\n${headers}Connection: close\r\n\r\n`;
const post = (type: string, body: string, length = Buffer.byteLength(body)): string =>
  `POST /api/work HTTP/1.1\r\nHost: localhost\r\nContent-Type: ${type}\r\nContent-Length: ${length}\r\nConnection: close\r\n\r\n${body}`;

/** A request that makes the running service answer with each code of the table. */
const TRIGGERS: Readonly<Partial<Record<ErrorCode, Trigger>>> = {
  BAD_REQUEST_TARGET: { payload: get('/health', 'Host: a b\r\n') },
  BAD_PERCENT_ENCODING: { payload: get('/%E0%A4%A') },
  INVALID_PARAMETER: { payload: get('/api/work?size=0'), message: 'size must be an integer from 1 to 100000' },
  MALFORMED_REQUEST: { payload: 'FOO /health HTTP/1.1\r\nHost: localhost\r\n\r\n' },
  NOT_FOUND: { payload: get('/nope') },
  METHOD_NOT_ALLOWED: { payload: 'DELETE /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' },
  CONNECT_NOT_SUPPORTED: { payload: 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n' },
  REQUEST_TIMEOUT: { payload: 'GET /health HTTP/1.1\r\nHost: localhost\r\nX-Slow: ' },
  BODY_TOO_LARGE: { payload: post('application/json', '{"size":', 20_000) },
  URI_TOO_LONG: { payload: get(`/${'a'.repeat(4_000)}`) },
  UNSUPPORTED_MEDIA_TYPE: { payload: post('text/plain', 'size=1') },
  HEADERS_TOO_LARGE: { payload: get('/health', `Host: localhost\r\nX-Junk: ${'b'.repeat(10_000)}\r\n`) },
  INJECTED_FAILURE: { payload: get('/api/work?error_rate=1') },
  INTERNAL: { payload: get('/test/throws') },
};

/** Codes no well-behaved request can draw out over HTTP; each is checked below, without a socket. */
const NOT_OVER_HTTP: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  // The client is gone by definition: nobody reads the answer.
  'BODY_INCOMPLETE',
  // restify raises no other 4xx on these routes today; the mapping stays for the day it does.
  'CLIENT_ERROR',
]);

const contract = suite('the error table is what clients get');

contract('every code is either drawn out over HTTP below or listed with its reason', () => {
  const covered = [...Object.keys(TRIGGERS), ...NOT_OVER_HTTP].sort();
  assert.equal(covered, Object.keys(ERRORS).sort());
});

contract('each code\'s request gets its status, and a JSON body with that code and the table\'s message', async () => {
  const service: RunningService = await startService({
    config: { requestTimeoutMs: 500, headersTimeoutMs: 500, keepAliveTimeoutMs: 400 },
    extend: (server) => {
      server.get('/test/throws', async () => {
        throw new Error('boom');
      });
    },
  });
  try {
    for (const [code, trigger] of Object.entries(TRIGGERS) as Array<[ErrorCode, Trigger]>) {
      const { outcome, response } = await rawRequest(service.port, trigger.payload, 10_000);
      const spec = ERRORS[code];
      assert.is(response?.status, spec.status, `${code}: ${outcome}`);
      assert.match(header(response, 'content-type') ?? '', /^application\/json/, code);
      const body = JSON.parse(response?.body.toString('utf8') ?? '') as Record<string, unknown>;
      assert.is(body.code, code, JSON.stringify(body));
      assert.is(body.error, trigger.message ?? spec.message, code);
    }
  } finally {
    await service.close();
  }
});

contract('413 closes the connection, even one the client asked to keep: the rest of an oversized body is never read', async () => {
  const service = await startService();
  try {
    const body = `{"pad":"${'x'.repeat(20_000)}"}`;
    const payload = `POST /api/work HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: keep-alive\r\n\r\n${body}`;
    const { response } = await rawRequest(service.port, payload);
    assert.is(response?.status, 413);
    assert.is(header(response, 'connection'), 'close');
  } finally {
    await service.close();
  }
});

const mapping = suite('errors that never reach a socket map onto the table');

mapping('a body whose connection fails mid-way -> BODY_INCOMPLETE', async () => {
  const failing = new Readable({
    read() {
      this.destroy(new Error('aborted'));
    },
  }) as Readable & Partial<IncomingMessage>;
  failing.headers = { 'content-type': 'application/json', 'content-length': '10' };
  const err = await readJsonBody(failing as unknown as IncomingMessage).catch((caught: unknown) => caught);
  assert.instance(err, HttpError);
  assert.is((err as HttpError).code, 'BODY_INCOMPLETE');
});

mapping('a router 4xx other than 404/405 keeps its status as CLIENT_ERROR, without its message', () => {
  const routerError = Object.assign(new Error('/secret/path is not acceptable'), { statusCode: 406 });
  const mapped = toHttpError(routerError);
  assert.equal({ code: mapped?.code, status: mapped?.status, message: mapped?.message }, { code: 'CLIENT_ERROR', status: 406, message: 'bad request' });
});

mapping('the domain\'s errors by kind; anything else is left to the 500 path', () => {
  const invalid = toHttpError(new InvalidWorkParameter('size', 'an integer from 1 to 100000'));
  assert.equal(
    { code: invalid?.code, status: invalid?.status, message: invalid?.message, details: invalid?.details },
    { code: 'INVALID_PARAMETER', status: 400, message: 'size must be an integer from 1 to 100000', details: { parameter: 'size' } },
  );
  assert.is(toHttpError(new InjectedFailure())?.code, 'INJECTED_FAILURE');
  assert.is(toHttpError(new Error('boom')), undefined);
  assert.is(toHttpError(Object.assign(new Error('upstream'), { statusCode: 502 })), undefined, 'a 5xx from elsewhere is not a client error');
  assert.is(httpError('NOT_FOUND').status, 404);
});

contract.run();
mapping.run();
