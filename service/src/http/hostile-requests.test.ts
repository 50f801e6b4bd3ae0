import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type RunningService, healthStatus, withService } from '../testing/harness';
import { header, rawRequest } from '../../../tests/support/raw-http';

/** Small timeouts so the slow-client test ends quickly; the other tests never wait. */
const SHORT_TIMEOUTS = { config: { requestTimeoutMs: 500, headersTimeoutMs: 500, keepAliveTimeoutMs: 400 } } as const;

const hostile = suite('hostile requests get a 4xx and the process keeps serving');

/** A test of this suite, run against a service of its own. */
function hostileTest(name: string, test: (service: RunningService) => Promise<void>): void {
  hostile(name, () => withService(SHORT_TIMEOUTS, test));
}

function get(target: string, headers = 'Host: localhost\r\n'): string {
  return `GET ${target} HTTP/1.1\r\n${headers}Connection: close\r\n\r\n`;
}

async function expectJsonStatus(service: RunningService, payload: string, status: number): Promise<Array<[string, string]>> {
  const { outcome, response } = await rawRequest(service.port, payload);
  assert.is(response?.status, status, `${outcome}: ${response?.body.toString('latin1').slice(0, 300) ?? ''}`);
  assert.match(header(response, 'content-type') ?? '', /^application\/json/);
  const body = JSON.parse(response?.body.toString('utf8') ?? '') as { code: unknown; error: unknown };
  assert.match(String(body.code), /^[A-Z_]+$/, 'every error body carries its code');
  assert.type(body.error, 'string');
  assert.is(await healthStatus(service.base), 200, 'still serving');
  return response?.headers ?? [];
}

// restify 12.0.0 builds new URL('http://' + Host + target) while routing and lets it throw.
for (const host of ['a b', '[::', 'exa%mple', 'a:99999']) {
  hostileTest(`bad Host header ${JSON.stringify(host)} -> 400 (restify would crash)`, async (service) => {
    await expectJsonStatus(service, get('/health', `Host: ${host}\r\n`), 400);
  });
}

hostileTest('absolute-form target with a bad authority -> 400 (restify would crash)', async (service) => {
  await expectJsonStatus(service, get('http://a%b/health'), 400);
  await expectJsonStatus(service, get('http://[::/health'), 400);
});

hostileTest('invalid percent-encoding in the path -> 400', async (service) => {
  await expectJsonStatus(service, get('/%E0%A4%A'), 400);
  await expectJsonStatus(service, get('/api/work%ZZ'), 400);
});

hostileTest('a very long URL -> 414', async (service) => {
  await expectJsonStatus(service, get(`/${'a'.repeat(4_000)}`), 414);
});

hostileTest('very long headers -> 431 in JSON', async (service) => {
  await expectJsonStatus(service, get('/health', `Host: localhost\r\nX-Junk: ${'b'.repeat(10_000)}\r\n`), 431);
});

hostileTest('a NUL byte in the request line -> 400 in JSON', async (service) => {
  await expectJsonStatus(service, get('/he\0alth'), 400);
});

hostileTest('an unknown method (FOO) -> 400 in JSON', async (service) => {
  await expectJsonStatus(service, 'FOO /health HTTP/1.1\r\nHost: localhost\r\n\r\n', 400);
});

hostileTest('junk instead of HTTP -> 400 in JSON', async (service) => {
  await expectJsonStatus(service, '\u0016\u0003\u0001 not http at all\r\n\r\n', 400);
});

hostileTest('a broken chunked body -> 400 in JSON', async (service) => {
  const payload = 'POST /api/work HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\nzz\r\n\r\n';
  await expectJsonStatus(service, payload, 400);
});

hostileTest('a method no route serves (PROPFIND) -> 405 with Allow', async (service) => {
  const headers = await expectJsonStatus(service, 'PROPFIND /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n', 405);
  assert.match(new Map(headers).get('allow') ?? '', /^GET/);
});

hostileTest('CONNECT -> 405 instead of a silently dropped socket', async (service) => {
  await expectJsonStatus(service, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n', 405);
});

hostileTest('an Upgrade request is answered as a plain request instead of hanging', async (service) => {
  const { response } = await rawRequest(service.port, get('/health', 'Host: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'));
  assert.is(response?.status, 200);
  assert.is(response?.body.toString('utf8'), "OK I'm healthy");
});

hostileTest('a client that never finishes its headers gets 408 and is dropped', async (service) => {
  const { outcome, response } = await rawRequest(service.port, 'GET /health HTTP/1.1\r\nHost: localhost\r\nX-Slow: ', 10_000);
  assert.is(response?.status, 408, outcome);
  assert.is(await healthStatus(service.base), 200);
});

hostileTest('a "//host/path" target stays a path on this host -> 404', async (service) => {
  await expectJsonStatus(service, get('//evil.example/health'), 404);
});

hostileTest('an odd Accept header does not turn /health into 406', async (service) => {
  const { response } = await rawRequest(service.port, get('/health', 'Host: localhost\r\nAccept: image/png\r\n'));
  assert.is(response?.status, 200);
});

hostileTest('invalid query values -> 400 naming the parameter', async (service) => {
  for (const [query, parameter] of [
    ['latency_ms=abc', 'latency_ms'],
    ['latency_ms=5001', 'latency_ms'],
    ['error_rate=1.5', 'error_rate'],
    ['error_rate=NaN', 'error_rate'],
    ['size=0', 'size'],
    ['size=1e3', 'size'],
    ['size=1&size=2', 'size'],
    ['__proto__=1', '__proto__'],
  ] as const) {
    const res = await fetch(`${service.base}/api/work?${query}`);
    assert.is(res.status, 400, query);
    assert.equal(((await res.json()) as { parameter: string }).parameter, parameter, query);
  }
  assert.is(await healthStatus(service.base), 200);
});

hostileTest('junk bodies on POST /api/work -> 4xx', async (service) => {
  const post = (body: string, type = 'application/json'): Promise<Response> =>
    fetch(`${service.base}/api/work`, { method: 'POST', body, headers: { 'content-type': type } });
  const invalid = await post('{"size": 1,');
  assert.is(invalid.status, 400);
  assert.equal(await invalid.json(), { code: 'INVALID_PARAMETER', error: 'body must be valid JSON', parameter: 'body' });
  assert.is((await post('[1,2]')).status, 400);
  assert.is((await post('"text"')).status, 400);
  assert.is((await post('{"size": "10"}')).status, 400);
  assert.is((await post('size=1', 'application/x-www-form-urlencoded')).status, 415);
  assert.is((await post(`{"pad":"${'x'.repeat(20_000)}"}`)).status, 413);
  assert.is(await healthStatus(service.base), 200);
});

hostileTest('an oversized chunked body (no Content-Length) -> 413', async (service) => {
  const chunk = 'y'.repeat(8_000);
  const chunked = `${chunk.length.toString(16)}\r\n${chunk}\r\n`.repeat(3);
  const payload = `POST /api/work HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${chunked}0\r\n\r\n`;
  await expectJsonStatus(service, payload, 413);
});

hostileTest('an insane X-Request-Id is replaced, a sane one is echoed', async (service) => {
  // Raw bytes, so each value reaches the server exactly as written (fetch would refuse or re-encode some).
  const made = new Set<string>();
  for (const incoming of ['x'.repeat(200), 'a b', '<script>', 'ü']) {
    const { response } = await rawRequest(service.port, get('/health', `Host: localhost\r\nX-Request-Id: ${incoming}\r\n`));
    assert.is(response?.status, 200, incoming);
    const replaced = header(response, 'x-request-id') ?? '';
    assert.match(replaced, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, incoming);
    made.add(replaced);
  }
  assert.is(made.size, 4, 'a new id for each request');
  const res = await fetch(`${service.base}/health`, { headers: { 'x-request-id': 'trace-1.2:3_4' } });
  assert.is(res.headers.get('x-request-id'), 'trace-1.2:3_4');
});

hostile.run();
