import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type RunningService, healthStatus, rawRequest, startService } from '../testing/harness';

interface Context {
  service: RunningService;
}

const hostile = suite<Context>('hostile requests get a 4xx and the process keeps serving');

hostile.before(async (context) => {
  context.service = await startService({
    // Small timeouts so the slow-client test ends quickly; the other tests never wait.
    config: { requestTimeoutMs: 500, headersTimeoutMs: 500, keepAliveTimeoutMs: 400 },
  });
});
hostile.after(async ({ service }) => service.close());

function get(target: string, headers = 'Host: localhost\r\n'): string {
  return `GET ${target} HTTP/1.1\r\n${headers}Connection: close\r\n\r\n`;
}

async function expectJsonStatus(service: RunningService, payload: string, status: number): Promise<string> {
  const res = await rawRequest(service.port, payload);
  assert.is(res.status, status, res.raw.slice(0, 300));
  assert.match(res.headers, /content-type: application\/json/i);
  assert.type((JSON.parse(res.body) as { error: unknown }).error, 'string');
  assert.is(await healthStatus(service.base), 200, 'still serving');
  return res.headers;
}

// restify 12.0.0 builds new URL('http://' + Host + target) while routing and lets it throw.
for (const host of ['a b', '[::', 'exa%mple', 'a:99999']) {
  hostile(`bad Host header ${JSON.stringify(host)} -> 400 (restify would crash)`, async ({ service }) => {
    await expectJsonStatus(service, get('/health', `Host: ${host}\r\n`), 400);
  });
}

hostile('absolute-form target with a bad authority -> 400 (restify would crash)', async ({ service }) => {
  await expectJsonStatus(service, get('http://a%b/health'), 400);
  await expectJsonStatus(service, get('http://[::/health'), 400);
});

hostile('invalid percent-encoding in the path -> 400', async ({ service }) => {
  await expectJsonStatus(service, get('/%E0%A4%A'), 400);
  await expectJsonStatus(service, get('/api/work%ZZ'), 400);
});

hostile('a very long URL -> 414', async ({ service }) => {
  await expectJsonStatus(service, get(`/${'a'.repeat(4_000)}`), 414);
});

hostile('very long headers -> 431 in JSON', async ({ service }) => {
  await expectJsonStatus(service, get('/health', `Host: localhost\r\nX-Junk: ${'b'.repeat(10_000)}\r\n`), 431);
});

hostile('a NUL byte in the request line -> 400 in JSON', async ({ service }) => {
  await expectJsonStatus(service, get('/he\0alth'), 400);
});

hostile('an unknown method (FOO) -> 400 in JSON', async ({ service }) => {
  await expectJsonStatus(service, 'FOO /health HTTP/1.1\r\nHost: localhost\r\n\r\n', 400);
});

hostile('junk instead of HTTP -> 400 in JSON', async ({ service }) => {
  await expectJsonStatus(service, '\u0016\u0003\u0001 not http at all\r\n\r\n', 400);
});

hostile('a broken chunked body -> 400 in JSON', async ({ service }) => {
  const payload = 'POST /api/work HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\nzz\r\n\r\n';
  await expectJsonStatus(service, payload, 400);
});

hostile('a method no route serves (PROPFIND) -> 405 with Allow', async ({ service }) => {
  const headers = await expectJsonStatus(service, 'PROPFIND /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n', 405);
  assert.match(headers, /\r\nallow: GET/i);
});

hostile('CONNECT -> 405 instead of a silently dropped socket', async ({ service }) => {
  await expectJsonStatus(service, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n', 405);
});

hostile('an Upgrade request is answered as a plain request instead of hanging', async ({ service }) => {
  const res = await rawRequest(service.port, get('/health', 'Host: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'));
  assert.is(res.status, 200);
  assert.is(res.body, "OK I'm healthy");
});

hostile('a client that never finishes its headers gets 408 and is dropped', async ({ service }) => {
  const res = await rawRequest(service.port, 'GET /health HTTP/1.1\r\nHost: localhost\r\nX-Slow: ', 10_000);
  assert.is(res.status, 408, res.raw);
  assert.is(await healthStatus(service.base), 200);
});

hostile('a "//host/path" target stays a path on this host -> 404', async ({ service }) => {
  await expectJsonStatus(service, get('//evil.example/health'), 404);
});

hostile('an odd Accept header does not turn /health into 406', async ({ service }) => {
  const res = await rawRequest(service.port, get('/health', 'Host: localhost\r\nAccept: image/png\r\n'));
  assert.is(res.status, 200);
});

hostile('invalid query values -> 400 naming the parameter', async ({ service }) => {
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

hostile('junk bodies on POST /api/work -> 4xx', async ({ service }) => {
  const post = (body: string, type = 'application/json'): Promise<Response> =>
    fetch(`${service.base}/api/work`, { method: 'POST', body, headers: { 'content-type': type } });
  const invalid = await post('{"size": 1,');
  assert.is(invalid.status, 400);
  assert.equal(await invalid.json(), { error: 'body must be valid JSON', parameter: 'body' });
  assert.is((await post('[1,2]')).status, 400);
  assert.is((await post('"text"')).status, 400);
  assert.is((await post('{"size": "10"}')).status, 400);
  assert.is((await post('size=1', 'application/x-www-form-urlencoded')).status, 415);
  assert.is((await post(`{"pad":"${'x'.repeat(20_000)}"}`)).status, 413);
  assert.is(await healthStatus(service.base), 200);
});

hostile('an oversized chunked body (no Content-Length) -> 413', async ({ service }) => {
  const chunk = 'y'.repeat(8_000);
  const chunked = `${chunk.length.toString(16)}\r\n${chunk}\r\n`.repeat(3);
  const payload = `POST /api/work HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${chunked}0\r\n\r\n`;
  await expectJsonStatus(service, payload, 413);
});

hostile('an insane X-Request-Id is replaced, a sane one is echoed', async ({ service }) => {
  // Raw bytes, so each value reaches the server exactly as written (fetch would refuse or re-encode some).
  for (const incoming of ['x'.repeat(200), 'a b', '<script>', 'ü']) {
    const res = await rawRequest(service.port, get('/health', `Host: localhost\r\nX-Request-Id: ${incoming}\r\n`));
    assert.is(res.status, 200, incoming);
    assert.match(/\r\nx-request-id: ([^\r]*)/i.exec(res.headers)?.[1] ?? '', /^[0-9a-f-]{36}$/, incoming);
  }
  const res = await fetch(`${service.base}/health`, { headers: { 'x-request-id': 'trace-1.2:3_4' } });
  assert.is(res.headers.get('x-request-id'), 'trace-1.2:3_4');
});

hostile.run();
