// The shell scripts CI runs: shellcheck-clean, strict, present and executable; and the smoke test
// run for real against local stand-ins of a healthy and of a broken deployment.
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { REPO_ROOT } from '../support/repo';

const execFileAsync = promisify(execFile);
const scriptsDir = path.join(REPO_ROOT, 'scripts');
const shellScripts = fs
  .readdirSync(scriptsDir)
  .filter((file) => file.endsWith('.sh'))
  .map((file) => path.join(scriptsDir, file));

const Scripts = suite('scripts/');

Scripts('shellcheck finds nothing in scripts/', () => {
  assert.ok(shellScripts.length > 0);
  try {
    execFileSync('shellcheck', ['--external-sources', ...shellScripts], { cwd: REPO_ROOT, stdio: 'pipe' });
  } catch (error) {
    const { stdout } = error as { stdout?: Buffer };
    assert.unreachable(`shellcheck:\n${stdout?.toString() ?? String(error)}`);
  }
});

Scripts('every script stops at the first error, unset variable or failed pipe', () => {
  for (const script of shellScripts) {
    const text = fs.readFileSync(script, 'utf8');
    assert.match(text, /^#!\/(usr\/bin\/env bash|bin\/sh)\n/, `${path.basename(script)} has a shebang`);
    assert.match(text, /^set -euo pipefail$/m, `${path.basename(script)} sets -euo pipefail`);
  }
});

Scripts('every script .gitlab-ci.yml runs exists and is executable', () => {
  const ci = fs.readFileSync(path.join(REPO_ROOT, '.gitlab-ci.yml'), 'utf8');
  const referenced = [...new Set([...ci.matchAll(/\bscripts\/[\w.-]+/g)].map((m) => m[0]))];
  assert.ok(referenced.length > 0);
  for (const script of referenced) {
    const file = path.join(REPO_ROOT, script);
    assert.ok(fs.existsSync(file), `${script} exists`);
    assert.ok((fs.statSync(file).mode & 0o111) !== 0, `${script} is executable`);
  }
});

Scripts.run();

interface Stand {
  healthBody: string;
  healthStatus: number;
  metricsStatus: number;
  redirectTo: string | null;
}

const listen = (server: Server): Promise<string> =>
  new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
  );

/** The live service (CloudFront in front of the ALB) and its plain-HTTP side, on 127.0.0.1. */
async function deployment(stand: Stand): Promise<{ url: string; httpUrl: string; close: () => void }> {
  const app = createServer((req, res) => {
    if (req.url === '/health') {
      res.writeHead(stand.healthStatus, { 'content-type': 'text/plain' }).end(stand.healthBody);
    } else if (req.url === '/metrics') {
      res.writeHead(stand.metricsStatus, { 'content-type': 'text/plain' }).end(stand.metricsStatus === 200 ? 'up 1\n' : 'Forbidden');
    } else {
      res.writeHead(404).end();
    }
  });
  const plain = createServer((req, res) => {
    if (stand.redirectTo) res.writeHead(301, { location: `${stand.redirectTo}${req.url ?? '/'}` }).end();
    else res.writeHead(200, { 'content-type': 'text/plain' }).end("OK I'm healthy");
  });
  const [url, httpUrl] = await Promise.all([listen(app), listen(plain)]);
  return { url, httpUrl, close: () => { app.close(); plain.close(); } };
}

async function smokeTest(stand: Stand): Promise<{ code: number; output: string }> {
  const live = await deployment(stand);
  try {
    // CI runs it under busybox ash; here bash stands in (Debian's dash has no pipefail).
    const { stdout, stderr } = await execFileAsync('bash', [path.join(scriptsDir, 'ci-smoke-test.sh'), live.url, live.httpUrl], {
      env: { ...process.env, SMOKE_RETRIES: '0' },
    });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code?: number; stdout?: string; stderr?: string };
    return { code: code ?? 1, output: `${stdout ?? ''}${stderr ?? ''}` };
  } finally {
    live.close();
  }
}

const HEALTHY: Stand = { healthBody: "OK I'm healthy", healthStatus: 200, metricsStatus: 403, redirectTo: 'https://d111.cloudfront.net' };

const Smoke = suite('scripts/ci-smoke-test.sh');

Smoke('passes against a healthy deployment', async () => {
  const { code, output } = await smokeTest(HEALTHY);
  assert.is(code, 0, output);
  assert.match(output, /Smoke test passed/);
});

Smoke('fails, and says how to roll back, when /health answers wrongly', async () => {
  const { code, output } = await smokeTest({ ...HEALTHY, healthStatus: 503, healthBody: 'draining' });
  assert.is(code, 1, output);
  assert.match(output, /FAIL {2}GET .*\/health status: expected 200, got 503/);
  assert.match(output, /Rollback environment/);
  assert.match(output, /git revert/);
});

Smoke('fails when /metrics is public', async () => {
  const { code, output } = await smokeTest({ ...HEALTHY, metricsStatus: 200 });
  assert.is(code, 1, output);
  assert.match(output, /FAIL {2}GET .*\/metrics is not public: expected 403, got 200/);
});

Smoke('fails when plain HTTP does not redirect to HTTPS', async () => {
  const { code, output } = await smokeTest({ ...HEALTHY, redirectTo: null });
  assert.is(code, 1, output);
  assert.match(output, /redirects to https:\/\/: expected 301 https:\/\/\.\.\., got 200/);
});

Smoke.run();
