import { Agent, METHODS as METHOD_NAMES, request } from 'node:http';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { withService } from '../testing/harness';
import { labelValues, parseExposition, seriesKey, type Series } from '../../../tests/support/exposition';

/** Every method Node's parser accepts, except CONNECT (a tunnel, never routed). */
const METHODS = METHOD_NAMES.filter((method) => method !== 'CONNECT');
/** One request each gives every method label value its series: the served methods and one other. */
const FIRST_METHODS = ['GET', 'HEAD', 'POST', 'PUT'] as const;

interface Probe {
  readonly method: string;
  readonly target: string;
}

function send(port: number, agent: Agent, { method, target }: Probe): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path: target, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The service's own series (not the runtime's), as /metrics shows them. */
async function ownSeries(base: string): Promise<Series[]> {
  const series = parseExposition(await (await fetch(`${base}/metrics`)).text());
  return series.filter((entry) => /^(http_server_|app_)/.test(entry.name));
}

const keys = (series: readonly Series[]): string[] => series.map(seriesKey).sort();

const bounded = suite('metrics stay bounded');

// The one test of bounded labels: the resilience fuzz checks for crashes and 5xx, not this again.
bounded('thousands of random URLs, methods and query strings add no series; labels keep their fixed vocabularies', () =>
  withService({ config: { logLevel: 'warn' } }, async (service) => {
    const agent = new Agent({ keepAlive: true, maxSockets: 32 });
    try {
      // Seeded, so a failure replays; the /x prefix keeps random paths off the real routes.
      const probes = fc.sample(
        fc.record({
          method: fc.constantFrom(...METHODS),
          target: fc
            .tuple(fc.webPath(), fc.webQueryParameters())
            .map(([path, query]) => `/x${path}${query === '' ? '' : `?${query}`}`),
        }),
        { numRuns: 3_000, seed: 20_240_501 },
      );
      // "After one": one request per method label value (GET, HEAD, POST, _OTHER).
      for (const method of FIRST_METHODS) {
        await send(service.port, agent, { method, target: probes[0]?.target ?? '/x' });
      }
      // A scrape is counted once it has been answered: scrape once so its series exists too.
      await ownSeries(service.base);
      const afterOne = keys(await ownSeries(service.base));

      for (let start = 0; start < probes.length; start += 64) {
        await Promise.all(probes.slice(start, start + 64).map((probe) => send(service.port, agent, probe)));
      }
      const afterMany = await ownSeries(service.base);

      assert.is(new Set(probes.map((probe) => probe.target)).size > 2_000, true, 'the URLs really are distinct');
      assert.equal(keys(afterMany), afterOne);
      assert.equal([...labelValues(afterMany, 'http_server_', 'route')].sort(), ['/metrics', 'unmatched']);
      assert.equal([...labelValues(afterMany, 'http_server_', 'method')].sort(), ['GET', 'HEAD', 'POST', '_OTHER']);
      const statusCodes = [...labelValues(afterMany, 'http_server_', 'status_code')];
      assert.equal(statusCodes.filter((code) => !/^[1-5]\d\d$/.test(code)), [], 'status_code values that are not status codes');
    } finally {
      agent.destroy();
    }
  }),
);

bounded.run();
