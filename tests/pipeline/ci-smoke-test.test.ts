// scripts/ci-smoke-test.sh against stub HTTP servers on 127.0.0.1 standing in for the live service.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import * as path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { needs } from '../support/tools';
import { REPO_ROOT } from '../support/repo';
import { type Run, SCRIPTS_DIR as scriptsDir, dash, fakeBody, interpreter, listen, run, scratch } from './lib/harness';

async function timed<T>(work: () => Promise<T>): Promise<T & { seconds: number }> {
  const started = process.hrtime.bigint();
  const result = await work();
  return { ...result, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

type Handler = (req: IncomingMessage, res: ServerResponse, healthRequests: number) => void;

const EXPOSITION = '# HELP http_server_requests_total Requests.\n# TYPE http_server_requests_total counter\nhttp_server_requests_total 1\n';

/** The service as the internet sees it: metrics under no spelling, 200 on /health. */
const healthyApp: Handler = (req, res) => {
  if (req.url === '/health') res.writeHead(200, { 'content-type': 'text/plain' }).end("OK I'm healthy");
  else res.writeHead(404, { 'content-type': 'application/json' }).end('{"code":"NotFound"}');
};

const redirecting: Handler = (req, res) => void res.writeHead(301, { location: `https://d111.cloudfront.net${req.url ?? '/'}` }).end();

async function smokeTest(app: Handler, plain: Handler = redirecting, env: Record<string, string> = {}, shell?: string[]): Promise<Run & { healthRequests: number }> {
  let healthRequests = 0;
  const appServer = createServer((req, res) => {
    if (req.url === '/health') healthRequests += 1;
    app(req, res, healthRequests);
  });
  const plainServer = createServer((req, res) => plain(req, res, 0));
  const [url, httpUrl] = await Promise.all([listen(appServer), listen(plainServer)]);
  try {
    const script = path.join(scriptsDir, 'ci-smoke-test.sh');
    const result = await run(script, [url], { ...process.env, SMOKE_HTTP_URL: httpUrl, SMOKE_TIMEOUT_S: '120', SMOKE_INTERVAL_S: '0', ...env }, REPO_ROOT, shell ?? interpreter(script));
    return { ...result, healthRequests };
  } finally {
    appServer.closeAllConnections();
    plainServer.closeAllConnections();
    appServer.close();
    plainServer.close();
  }
}

const Smoke = needs(['busybox'], suite('scripts/ci-smoke-test.sh'));

Smoke('passes against a healthy deployment', async () => {
  const { code, output } = await smokeTest(healthyApp);
  assert.is(code, 0, output);
  assert.match(output, /Smoke test passed/);
});

// docs/ci-cd.md tells operators to run it themselves after GitLab's Rollback environment: on
// Debian or Ubuntu, `scripts/ci-smoke-test.sh <url>` runs it with dash.
needs(['dash'], Smoke)('runs under dash too (Debian\'s /bin/sh, which has no pipefail), as an operator runs it by hand', async () => {
  const { code, output } = await smokeTest(healthyApp, redirecting, {}, [dash]);
  assert.is(code, 0, output);
  assert.match(output, /Smoke test passed/);
});

Smoke('passes a deployment that answers 503 a few times while the CDN settles (no body of a failed try leaks into the next)', async () => {
  const settling: Handler = (req, res, healthRequests) => {
    if (req.url === '/health' && healthRequests <= 3) res.writeHead(503, { 'content-type': 'text/html' }).end('<h1>503 Service Unavailable</h1>');
    else healthyApp(req, res, healthRequests);
  };
  const { code, output, healthRequests } = await smokeTest(settling);
  assert.is(code, 0, output);
  assert.match(output, /Smoke test passed .*\(attempt 4\)/);
  assert.is(healthRequests, 4);
});

Smoke('retries a connection the deployment drops (curl --retry would not)', async () => {
  const dropping: Handler = (req, res, healthRequests) => {
    if (req.url === '/health' && healthRequests <= 2) req.socket.destroy();
    else healthyApp(req, res, healthRequests);
  };
  const { code, output } = await smokeTest(dropping);
  assert.is(code, 0, output);
  assert.match(output, /no answer|expected 200, got 000/);
});

/**
 * Every spelling of /metrics the script claims to probe (its header and docs/ci-cd.md): literal,
 * trailing slash, other case, percent-encoded, an encoded slash, dot segments, a doubled slash, a
 * query and an encoded query. Each is sent raw (--path-as-is), so the stub sees it as written.
 */
const SPELLINGS = ['/metrics', '/metrics/', '/Metrics', '/METRICS', '/%6detrics', '/%6Detrics', '/metric%73', '/%2fmetrics', '/./metrics', '/x/../metrics', '//metrics', '/metrics?x=1', '/metrics%3Fx=1'];

/** A deployment that answers `spelling` (and only it) with the given status and body. */
const serving =
  (spelling: string, status: number, body: string): Handler =>
  (req, res, healthRequests) => {
    if (req.url === spelling) res.writeHead(status, { 'content-type': 'text/plain' }).end(body);
    else healthyApp(req, res, healthRequests);
  };

for (const spelling of SPELLINGS) {
  Smoke(`fails at once, without waiting for the deadline, when ${spelling} serves the metrics`, async () => {
    const { code, output, healthRequests } = await smokeTest(serving(spelling, 200, EXPOSITION));
    assert.is(code, 1, output);
    assert.ok(output.includes(`FAIL  the metrics are public: GET http://127.0.0.1:`) && output.includes(`${spelling} answered 200`), output);
    assert.is(healthRequests, 1, 'one attempt: a leak is not retried');
    assert.match(output, /input\n? *rollback_image=/);
  });
}

Smoke('any 2xx on a metrics spelling is a leak, whatever the body (a 200 page, a 204)', async () => {
  for (const [spelling, status, body] of [['/metrics', 200, '<html>metrics dashboard</html>'], ['/%2fmetrics', 204, ''], ['/metrics?x=1', 206, 'partial']] as const) {
    const { code, output } = await smokeTest(serving(spelling, status, body));
    assert.is(code, 1, output);
    assert.ok(output.includes(`FAIL  the metrics are public:`) && output.includes(`${spelling} answered ${status}`), `${spelling} ${status}: ${output}`);
  }
});

Smoke('an exposition body is a leak under any status (a 404 that carries the metrics)', async () => {
  const { code, output } = await smokeTest(serving('/Metrics', 404, EXPOSITION));
  assert.is(code, 1, output);
  assert.match(output, /FAIL {2}the metrics are public: GET \S+\/Metrics answered 404 with # HELP http_server_requests_total/);
});

Smoke('a metrics spelling answered 404 or 400 without the exposition passes', async () => {
  const { code, output } = await smokeTest(serving('/metrics%3Fx=1', 400, '{"code":"BadRequest"}'));
  assert.is(code, 0, output);
});

Smoke('fails when plain HTTP redirects to http:// instead of https://', async () => {
  const toPlain: Handler = (req, res) => void res.writeHead(301, { location: `http://d111.cloudfront.net${req.url ?? '/'}` }).end();
  const { code, output } = await smokeTest(healthyApp, toPlain, { SMOKE_TIMEOUT_S: '10', SMOKE_INTERVAL_S: '10' });
  assert.is(code, 1, output);
  assert.match(output, /expected a redirect to https:\/\/, got 301 http:\/\/d111\.cloudfront\.net\/health/);
});

Smoke('SMOKE_TIMEOUT_S is the most it takes: a target that accepts connections and never answers fails by the deadline', async () => {
  // A bound with a generous margin: the old loop went on for a second per remaining request
  // (15 of them) after the deadline; now nothing is sent once it has passed.
  const { code, output, seconds } = await timed(() => smokeTest(() => undefined, () => undefined, { SMOKE_TIMEOUT_S: '3', SMOKE_INTERVAL_S: '1' }));
  assert.is(code, 1, output);
  assert.match(output, /FAIL {2}after \d+ attempt\(s\) in 3s:/);
  assert.match(output, /the deadline passed before GET/);
  assert.ok(seconds < 3 + 4, `took ${seconds.toFixed(1)} s for a 3 s deadline`);
});

Smoke('fails within its deadline when /health never becomes healthy, and says how to roll back', async () => {
  const draining: Handler = (req, res) => void res.writeHead(503, { 'content-type': 'text/plain' }).end('draining');
  const { code, output, healthRequests } = await smokeTest(draining, redirecting, { SMOKE_TIMEOUT_S: '4', SMOKE_INTERVAL_S: '1' });
  assert.is(code, 1, output);
  assert.match(output, /FAIL {2}after \d+ attempt\(s\) in 4s:\n {2}- GET .*\/health: expected 200, got 503/);
  assert.ok(healthRequests >= 1 && healthRequests <= 5, `a 4 s deadline with 1 s pauses allows a few attempts, not ${healthRequests}`);
  assert.match(output, /New pipeline\) with the input\n\s+rollback_image=<repo>@sha256:/);
  assert.match(output, /git revert/);
});

Smoke('on Fly.io (SMOKE_TARGET=fly), a failure says how to roll back there, not with the AWS rollback job', async () => {
  const draining: Handler = (req, res) => void res.writeHead(503, { 'content-type': 'text/plain' }).end('draining');
  const { code, output } = await smokeTest(draining, redirecting, { SMOKE_TIMEOUT_S: '10', SMOKE_INTERVAL_S: '10', SMOKE_TARGET: 'fly', FLY_APP: 'observable-demo' });
  assert.is(code, 1, output);
  assert.match(output, /flyctl releases --app observable-demo --image/);
  assert.match(output, /flyctl deploy --config fly\.toml --app observable-demo --image <repo>@sha256:/);
  assert.not.match(output, /rollback_image|rollback` job/, 'the AWS rollback job does not roll Fly.io back');
});

Smoke('an unknown SMOKE_TARGET stops with one line naming it', async () => {
  const { code, output } = await smokeTest(healthyApp, redirecting, { SMOKE_TARGET: 'heroku' });
  assert.is(code, 2, output);
  assert.match(output, /SMOKE_TARGET must be aws or fly, got 'heroku'/);
});

Smoke('fails when /health answers 200 with another body', async () => {
  const wrong: Handler = (req, res, healthRequests) => {
    if (req.url === '/health') res.writeHead(200, { 'content-type': 'text/plain' }).end('OK');
    else healthyApp(req, res, healthRequests);
  };
  const { code, output } = await smokeTest(wrong, redirecting, { SMOKE_TIMEOUT_S: '10', SMOKE_INTERVAL_S: '10' });
  assert.is(code, 1, output);
  assert.match(output, /expected body "OK I'm healthy", got "OK"/);
});

Smoke('fails when plain HTTP does not redirect to HTTPS', async () => {
  const { code, output } = await smokeTest(healthyApp, healthyApp, { SMOKE_TIMEOUT_S: '10', SMOKE_INTERVAL_S: '10' });
  assert.is(code, 1, output);
  assert.match(output, /expected a redirect to https:\/\/, got 200/);
});

Smoke('without SMOKE_HTTP_URL, the plain side is the HTTPS URL with http://', async () => {
  const box = scratch();
  try {
    box.fake('curl', fakeBody('curl-live-service'));
    const script = path.join(scriptsDir, 'ci-smoke-test.sh');
    const result = await run(script, ['https://app.example.test/'], { PATH: `${box.bin}:/usr/bin:/bin`, SMOKE_INTERVAL_S: '0' });
    assert.is(result.code, 0, result.output);
    const urls = box.calls().map((call) => call.split(' ').at(-1));
    assert.ok(urls.includes('http://app.example.test/health'), urls.join('\n'));
    assert.ok(urls.includes('https://app.example.test/health'));
  } finally {
    box.remove();
  }
});

Smoke.run();
