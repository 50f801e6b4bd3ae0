import { type DependencyContainer } from 'tsyringe';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { TOKENS } from './di/tokens';
import { type Readiness } from './lifecycle/readiness';
import { FakeClock, FixedRandom } from './testing/fakes';
import { healthStatus, withService } from './testing/harness';
import { header, rawRequest } from '../../tests/support/raw-http';

// Each test builds the service it talks to and closes it (Fastify's testing guide does the same):
// no test sees another's requests, log lines or random draws.
const endpoints = suite('endpoints');

endpoints('GET /health -> 200 text/plain "OK I\'m healthy"', () =>
  withService({}, async (service) => {
    const res = await fetch(`${service.base}/health`);
    assert.is(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    assert.is(await res.text(), "OK I'm healthy");
  }),
);

endpoints('GET /metrics -> Prometheus text with every family of the contract', () =>
  withService({}, async (service) => {
    await (await fetch(`${service.base}/health`)).text();
    const res = await fetch(`${service.base}/metrics`);
    assert.is(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    for (const family of [
      '# TYPE http_server_request_duration_seconds histogram',
      '# TYPE http_server_active_requests gauge',
      '# TYPE app_build_info gauge',
      '# TYPE app_work_units_total counter',
      '# TYPE app_work_requests_total counter',
      '# TYPE process_resident_memory_bytes gauge',
      '# TYPE nodejs_eventloop_lag_p99_seconds gauge',
    ]) {
      assert.ok(text.includes(family), family);
    }
    assert.match(text, /app_build_info\{version="0\.1\.0",revision="unknown",node_version="v\d+\.\d+\.\d+"\} 1/);
    assert.match(text, /http_server_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/health",status_code="200"\}/);
    assert.match(text, /http_server_active_requests 1\n/, 'the scrape itself is in flight');
  }),
);

endpoints('GET /api/work sleeps, hashes and counts; an injected failure is a 500', async () => {
  const clock = new FakeClock();
  const override = (scope: DependencyContainer): void => {
    scope.register(TOKENS.Clock, { useValue: clock });
    // The first draw fails at error_rate 0.5, the second succeeds.
    scope.register(TOKENS.Random, { useValue: new FixedRandom([0.25, 0.75]) });
  };
  await withService({ override }, async (service) => {
    const failed = await fetch(`${service.base}/api/work?latency_ms=40&error_rate=0.5&size=3`);
    assert.is(failed.status, 500);
    assert.equal(await failed.json(), { code: 'INJECTED_FAILURE', error: 'injected failure' });
    const ok = await fetch(`${service.base}/api/work?latency_ms=40&error_rate=0.5&size=3`);
    assert.is(ok.status, 200);
    const body = (await ok.json()) as { latency_ms: number; size: number; digest: string };
    assert.is(body.latency_ms, 40);
    assert.is(body.size, 3);
    assert.match(body.digest, /^[0-9a-f]{64}$/);
    assert.equal(clock.sleeps, [40, 40]);
    const metrics = await (await fetch(`${service.base}/metrics`)).text();
    assert.match(metrics, /app_work_requests_total\{outcome="success"\} 1\n/);
    assert.match(metrics, /app_work_requests_total\{outcome="failure"\} 1\n/);
    assert.match(metrics, /app_work_units_total 3\n/);
    assert.match(metrics, /route="\/api\/work",status_code="500"/);
  });
});

endpoints('POST /api/work takes a JSON body with the same parameters', () =>
  withService({}, async (service) => {
    const res = await fetch(`${service.base}/api/work`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ size: 2, latency_ms: 0 }),
    });
    assert.is(res.status, 200);
    assert.is(((await res.json()) as { size: number }).size, 2);
    const bad = await fetch(`${service.base}/api/work`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ latency_ms: -1 }),
    });
    assert.is(bad.status, 400);
    assert.equal(await bad.json(), { code: 'INVALID_PARAMETER', error: 'latency_ms must be an integer from 0 to 5000', parameter: 'latency_ms' });
  }),
);

endpoints('unknown route -> 404 JSON; wrong method -> 405 with Allow', () =>
  withService({}, async (service) => {
    const missing = await fetch(`${service.base}/nope?x=1`);
    assert.is(missing.status, 404);
    assert.equal(await missing.json(), { code: 'NOT_FOUND', error: 'not found' });
    const wrong = await fetch(`${service.base}/health`, { method: 'DELETE' });
    assert.is(wrong.status, 405);
    assert.is(wrong.headers.get('allow'), 'GET, HEAD');
    assert.equal(await wrong.json(), { code: 'METHOD_NOT_ALLOWED', error: 'method not allowed' });
  }),
);

endpoints('HEAD on every GET route: the GET status and headers, no body (curl -I)', () =>
  withService({}, async (service) => {
    for (const target of ['/health', '/ready', '/metrics', '/api/work?size=1', '/api/work?size=0']) {
      const get = (await rawRequest(service.port, `GET ${target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`)).response;
      const head = (await rawRequest(service.port, `HEAD ${target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`)).response;
      assert.ok(get !== undefined && head !== undefined, target);
      assert.is(head.status, get.status, target);
      assert.ok(get.status !== 404 && get.status !== 405, `${target}: ${get.status}`);
      assert.is(head.body.length, 0, `${target}: no body`);
      assert.ok(header(head, 'x-request-id') !== undefined, target);
      assert.is(header(head, 'content-type'), header(get, 'content-type'), target);
      if (target !== '/metrics') {
        // The scrape's own series change between the two requests; the others answer the same bytes.
        assert.is(header(head, 'content-length'), String(get.body.length), target);
      }
    }
    const metrics = await (await fetch(`${service.base}/metrics`)).text();
    assert.match(metrics, /method="HEAD",route="\/health",status_code="200"/);
  }),
);

endpoints('a handler exception -> 500 JSON, logged once with the request id, still serving', () =>
  withService(
    {
      extend: (server) => {
        server.get('/test/throws', async () => {
          throw new Error('boom');
        });
      },
    },
    async (service) => {
      const res = await fetch(`${service.base}/test/throws`, { headers: { 'x-request-id': 'boom-1' } });
      assert.is(res.status, 500);
      assert.equal(await res.json(), { code: 'INTERNAL', error: 'internal error' });
      const errors = service.logs.filter((line) => line.level === 'error');
      assert.is(errors.length, 1);
      assert.is(errors[0]?.requestId, 'boom-1');
      assert.match(JSON.stringify(errors[0]?.err), /boom/);
      assert.is(await healthStatus(service.base), 200);
    },
  ),
);

endpoints('one JSON log line per request; probes and scrapes only at debug', () =>
  withService({}, async (service) => {
    await (await fetch(`${service.base}/health`)).text();
    await (await fetch(`${service.base}/ready`)).text();
    await (await fetch(`${service.base}/metrics`)).text();
    await (await fetch(`${service.base}/nope`, { headers: { 'x-request-id': 'req-42' } })).text();
    const requests = service.logs.filter((line) => line.msg === 'request');
    assert.is(requests.length, 1);
    const [line] = requests;
    assert.is(line?.level, 'info');
    assert.is(line?.requestId, 'req-42');
    assert.is(line?.method, 'GET');
    assert.is(line?.route, 'unmatched');
    assert.is(line?.status, 404);
    assert.type(line?.durationMs, 'number');
  }),
);

endpoints('LOG_LEVEL=debug shows probe requests too', () =>
  withService({ config: { logLevel: 'debug' } }, async (service) => {
    await (await fetch(`${service.base}/health`)).text();
    const line = service.logs.find((entry) => entry.msg === 'request');
    assert.is(line?.level, 'debug');
    assert.is(line?.route, '/health');
  }),
);

endpoints('node:http timeouts outlast an AWS load balancer idle timeout, and each one applies', () =>
  withService({}, async (service) => {
    const http = service.server.server;
    assert.is(http.keepAliveTimeout, 65_000);
    assert.ok(http.headersTimeout > http.keepAliveTimeout);
    assert.ok(http.requestTimeout >= http.headersTimeout, 'a smaller request timeout would cut the headers timeout short');
    assert.is(http.requestTimeout, 90_000);
  }),
);

endpoints('GET /ready -> 200 while serving, 503 (GET and HEAD) once draining; liveness stays 200', () =>
  withService({}, async (service) => {
    const before = await fetch(`${service.base}/ready`);
    assert.is(before.status, 200);
    assert.is(await before.text(), 'OK');
    service.scope.resolve<Readiness>(TOKENS.Readiness).startDraining();
    const during = await fetch(`${service.base}/ready`);
    assert.is(during.status, 503);
    assert.is(during.headers.get('connection'), 'close');
    await during.text();
    assert.is((await rawRequest(service.port, 'HEAD /ready HTTP/1.1\r\nHost: localhost\r\n\r\n')).response?.status, 503);
    assert.is(await healthStatus(service.base), 200, 'liveness does not follow readiness');
  }),
);

endpoints.run();
