import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { withService } from './testing/harness';
import { header, rawRequest } from '../../tests/support/raw-http';
import { parseExposition } from '../../tests/support/exposition';

/**
 * Spellings of /metrics a load balancer's literal path rule does not match but a router may
 * resolve to it: percent-encoding, dot segments, doubled slashes, case, a trailing slash, query,
 * fragment and absolute-form (before the metrics listener, a router resolved the first seven to the exposition).
 */
const SPELLINGS = [
  '/metrics',
  '/%6detrics',
  '/%6d%65trics',
  '/%6D%65%74%72%69%63%73',
  '/./metrics',
  '/x/../metrics',
  '/.%2e/metrics',
  '/%2e/metrics',
  '//metrics',
  '/%2fmetrics',
  '/METRICS',
  '/Metrics',
  '/metrics/',
  '/metrics?x=1',
  '/metrics#x',
  '/metrics;x',
  'http://127.0.0.1/metrics',
  'http://localhost:9464/metrics',
] as const;

const EXPOSITION_MARK = '# TYPE http_server_request_duration_seconds histogram';

function request(method: string, target: string): string {
  return `${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`;
}

const separate = suite('METRICS_PORT set: /metrics only on its own listener');

separate('the main port answers 404 JSON to every spelling of /metrics, GET and HEAD', () =>
  withService({ config: { metricsPort: 0 } }, async (service) => {
    for (const target of SPELLINGS) {
      for (const method of ['GET', 'HEAD']) {
        const { response, outcome } = await rawRequest(service.port, request(method, target));
        assert.is(response?.status, 404, `${method} ${target}: ${outcome} ${response?.status ?? ''}`);
        assert.is(header(response, 'content-type'), 'application/json; charset=utf-8', `${method} ${target}`);
        if (method === 'GET') {
          const body = response?.body.toString('utf8') ?? '';
          assert.equal(JSON.parse(body), { code: 'NOT_FOUND', error: 'not found' }, `${method} ${target}: ${body.slice(0, 120)}`);
        }
      }
    }
  }),
);

separate('the metrics port serves GET and HEAD /metrics and 404s everything else', () =>
  withService({ config: { metricsPort: 0 } }, async (service) => {
    const port = service.metrics?.port ?? 0;
    const get = (await rawRequest(port, request('GET', '/metrics'))).response;
    assert.is(get?.status, 200);
    assert.match(header(get, 'content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    assert.ok(get?.body.toString('utf8').includes(EXPOSITION_MARK));
    const head = (await rawRequest(port, request('HEAD', '/metrics'))).response;
    assert.is(head?.status, 200);
    assert.is(head?.body.length, 0);
    assert.is(header(head, 'content-type'), header(get, 'content-type'));

    for (const target of ['/', '/health', '/ready', '/api/work', '/api/work?size=1', '/nope']) {
      const { response } = await rawRequest(port, request('GET', target));
      assert.is(response?.status, 404, target);
      assert.equal(JSON.parse(response?.body.toString('utf8') ?? ''), { code: 'NOT_FOUND', error: 'not found' }, target);
    }
  }),
);

separate('both listeners count into the one histogram: the main port\'s requests show on the metrics port', () =>
  withService({ config: { metricsPort: 0 } }, async (service) => {
    await (await fetch(`${service.base}/health`)).text();
    await (await fetch(`${service.base}/metrics`)).text();
    const metricsBase = service.metrics?.base ?? '';
    await (await fetch(`${metricsBase}/metrics`)).text();
    const series = parseExposition(await (await fetch(`${metricsBase}/metrics`)).text());
    const count = (route: string, status: string): number | undefined =>
      series.find(
        (entry) =>
          entry.name === 'http_server_request_duration_seconds_count' && entry.labels.route === route && entry.labels.status_code === status,
      )?.value;
    assert.is(count('/health', '200'), 1, 'the main port\'s /health');
    assert.is(count('unmatched', '404'), 1, 'the main port\'s 404 for /metrics');
    assert.is(count('/metrics', '200'), 1, 'the first scrape on the metrics port');
  }),
);

separate.run();

const together = suite('METRICS_PORT unset: /metrics stays on the main port');

together('GET and HEAD /metrics on the main port answer the exposition; no second listener', () =>
  withService({}, async (service) => {
    assert.is(service.metrics, undefined);
    const get = (await rawRequest(service.port, request('GET', '/metrics'))).response;
    assert.is(get?.status, 200);
    assert.ok(get?.body.toString('utf8').includes(EXPOSITION_MARK));
    assert.is((await rawRequest(service.port, request('HEAD', '/metrics'))).response?.status, 200);
  }),
);

together.run();
