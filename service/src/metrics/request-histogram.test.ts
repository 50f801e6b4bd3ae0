import 'reflect-metadata';
import fc from 'fast-check';
import { Histogram, Registry } from 'prom-client';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { HTTP_DURATION_BUCKETS } from './metrics';
import { RequestHistogram } from './request-histogram';

const histogram = suite('the request histogram');

const NAME = 'http_server_request_duration_seconds';
const HELP = 'Duration of HTTP requests.';
const LABELS = ['method', 'route', 'status_code'] as const;

type Observation = readonly [method: string, route: string, status: string, seconds: number];

/** prom-client's own Histogram, the reference: the request histogram must render exactly what it renders. */
async function reference(observations: readonly Observation[]): Promise<string> {
  const registry = new Registry();
  const h = new Histogram({ name: NAME, help: HELP, labelNames: LABELS, buckets: [...HTTP_DURATION_BUCKETS], registers: [registry] });
  for (const [method, route, status_code, seconds] of observations) h.labels({ method, route, status_code }).observe(seconds);
  return registry.metrics();
}

async function rendered(observations: readonly Observation[]): Promise<string> {
  const registry = new Registry();
  const h = new RequestHistogram(NAME, HELP, HTTP_DURATION_BUCKETS, registry);
  for (const [method, route, status_code, seconds] of observations) h.child({ method, route, status_code }).observe(seconds);
  return registry.metrics();
}

const bound = fc.constantFrom(...HTTP_DURATION_BUCKETS);
const seconds = fc.oneof(
  bound,
  bound.map((b) => b + Number.EPSILON * 8),
  bound.map((b) => b - Number.EPSILON),
  fc.double({ min: 0, max: 20, noNaN: true }),
  fc.constant(0),
);
const observation = fc.tuple(fc.constantFrom('GET', 'HEAD', '_OTHER'), fc.constantFrom('/health', '/api/work', 'unmatched'), fc.constantFrom('200', '404', '500'), seconds);

histogram('renders what prom-client renders for the same observations: buckets, +Inf, sum, count, label order', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(observation, { maxLength: 60 }), async (observations) => {
      assert.is(await rendered(observations), await reference(observations));
    }),
    { numRuns: 300, seed: 20_261_207 },
  );
});

histogram('one label set is one series, however many times its child is asked for', async () => {
  const registry = new Registry();
  const h = new RequestHistogram(NAME, HELP, HTTP_DURATION_BUCKETS, registry);
  h.child({ method: '_OTHER', route: 'unmatched', status_code: '404' }).observe(0.001);
  h.child({ method: '_OTHER', route: 'unmatched', status_code: '404' }).observe(0.002);
  const counts = (await registry.metrics()).split('\n').filter((line) => line.startsWith(`${NAME}_count`));
  assert.equal(counts, [`${NAME}_count{method="_OTHER",route="unmatched",status_code="404"} 2`]);
});

histogram('resetMetrics zeroes every series, and observing goes on counting from zero', async () => {
  const registry = new Registry();
  const child = new RequestHistogram(NAME, HELP, HTTP_DURATION_BUCKETS, registry).child({ method: 'GET', route: '/health', status_code: '200' });
  child.observe(0.3);
  registry.resetMetrics();
  child.observe(0.004);
  assert.is(await registry.metrics(), await reference([['GET', '/health', '200', 0.004]]));
});

histogram.run();
