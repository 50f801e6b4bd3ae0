// The shell scripts CI runs: shellcheck-clean, strict, present and executable; each run for real
// against local stand-ins: stub HTTP servers on 127.0.0.1 for the live service, and fake `pulumi`,
// `docker`, `dockerd`, `curl`, `flyctl` and `node` on PATH that record their arguments.
// CI runs the /bin/sh scripts under busybox ash (Alpine images): so do these tests (without busybox
// they are counted skipped, with a line saying how to get it).
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { REPO_ROOT } from '../support/repo';
import { needs, onPath } from '../support/tools';

const execFileAsync = promisify(execFile);
const scriptsDir = path.join(REPO_ROOT, 'scripts');
const shellScripts = fs
  .readdirSync(scriptsDir)
  .filter((file) => file.endsWith('.sh'))
  .map((file) => path.join(scriptsDir, file));

const Scripts = suite('scripts/');

needs(['shellcheck'], Scripts)('shellcheck finds nothing in scripts/', () => {
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
    // Scripts that Debian's dash may run (no pipefail there) set it where the shell has it.
    const portable = /^set -eu$/m.test(text) && /^if \(set -o pipefail\) 2>\/dev\/null; then set -o pipefail; fi$/m.test(text);
    assert.ok(/^set -euo pipefail$/m.test(text) || portable, `${path.basename(script)} sets -euo pipefail`);
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

// ---------------------------------------------------------------------------------------------
// Helpers: a scratch folder with fake tools, and running a script with bash.

interface Scratch {
  readonly dir: string;
  readonly bin: string;
  readonly state: string;
  /** Writes an executable bash fake of `name` into bin/. */
  fake(name: string, body: string): void;
  /** The recorded calls, one line each ("<tool> <args>"). */
  calls(): string[];
  remove(): void;
}

function scratch(): Scratch {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ci-script-test-'));
  const bin = path.join(dir, 'bin');
  const state = path.join(dir, 'state');
  fs.mkdirSync(bin);
  fs.mkdirSync(state);
  return {
    dir,
    bin,
    state,
    fake(name, body) {
      const file = path.join(bin, name);
      fs.writeFileSync(file, `#!/usr/bin/env bash\nprintf '%s\\n' "${name} $*" >> "${state}/calls"\n${body}\n`);
      fs.chmodSync(file, 0o755);
    },
    calls() {
      const file = path.join(state, 'calls');
      return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trimEnd().split('\n') : [];
    },
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

interface Run {
  code: number;
  output: string;
}

/** Debian's /bin/sh (dash 0.5.12 in bookworm: no pipefail), the shell of the node image's jobs. */
const dash = onPath('dash') ?? 'dash';

/** The interpreter CI uses for a script: bash for #!/usr/bin/env bash, busybox ash for #!/bin/sh. */
function interpreter(script: string): string[] {
  const posix = fs.readFileSync(script, 'utf8').startsWith('#!/bin/sh\n');
  return posix ? ['busybox', 'sh'] : ['bash'];
}

async function run(script: string, args: string[], env: NodeJS.ProcessEnv, cwd = REPO_ROOT, shellCommand = interpreter(script)): Promise<Run> {
  const [shell, ...shellArgs] = shellCommand;
  try {
    const { stdout, stderr } = await execFileAsync(shell as string, [...shellArgs, script, ...args], { env, cwd });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof code === 'number' ? code : 1, output: `${stdout ?? ''}${stderr ?? ''}` };
  }
}

const listen = (server: Server): Promise<string> =>
  new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));

// ---------------------------------------------------------------------------------------------
// scripts/ci-smoke-test.sh against stand-ins of the live service (issue 10, item 1).

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

for (const spelling of ['/metrics', '/%6detrics', '/metric%73', '/./metrics', '/x/../metrics', '//metrics', '/Metrics']) {
  Smoke(`fails at once, without waiting for the deadline, when ${spelling} serves the metrics`, async () => {
    const leaking: Handler = (req, res, healthRequests) => {
      if (req.url === spelling) res.writeHead(200, { 'content-type': 'text/plain' }).end(EXPOSITION);
      else healthyApp(req, res, healthRequests);
    };
    const { code, output, healthRequests } = await smokeTest(leaking);
    assert.is(code, 1, output);
    assert.ok(output.includes(`FAIL  the metrics are public: GET http://127.0.0.1:`) && output.includes(`${spelling} answered 200`), output);
    assert.is(healthRequests, 1, 'one attempt: a leak is not retried');
    assert.match(output, /rollback` job/);
  });
}

Smoke('fails within its deadline when /health never becomes healthy, and says how to roll back', async () => {
  const draining: Handler = (req, res) => void res.writeHead(503, { 'content-type': 'text/plain' }).end('draining');
  const { code, output, healthRequests } = await smokeTest(draining, redirecting, { SMOKE_TIMEOUT_S: '2', SMOKE_INTERVAL_S: '1' });
  assert.is(code, 1, output);
  assert.match(output, /FAIL {2}after \d+ attempt\(s\) in 2s:\n {2}- GET .*\/health: expected 200, got 503/);
  assert.ok(healthRequests >= 1 && healthRequests <= 3, `a 2 s deadline with 1 s pauses allows a few attempts, not ${healthRequests}`);
  assert.match(output, /ROLLBACK_IMAGE=/);
  assert.match(output, /git revert/);
});

Smoke('on Fly.io (SMOKE_TARGET=fly), a failure says how to roll back there, not with the AWS rollback job', async () => {
  const draining: Handler = (req, res) => void res.writeHead(503, { 'content-type': 'text/plain' }).end('draining');
  const { code, output } = await smokeTest(draining, redirecting, { SMOKE_TIMEOUT_S: '1', SMOKE_INTERVAL_S: '1', SMOKE_TARGET: 'fly', FLY_APP: 'observable-demo' });
  assert.is(code, 1, output);
  assert.match(output, /flyctl releases --app observable-demo --image/);
  assert.match(output, /flyctl deploy --config fly\.toml --app observable-demo --image <repo>@sha256:/);
  assert.not.match(output, /ROLLBACK_IMAGE|rollback` job/, 'the AWS rollback job does not roll Fly.io back');
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
  const { code, output } = await smokeTest(wrong, redirecting, { SMOKE_TIMEOUT_S: '1', SMOKE_INTERVAL_S: '1' });
  assert.is(code, 1, output);
  assert.match(output, /expected body "OK I'm healthy", got "OK"/);
});

Smoke('fails when plain HTTP does not redirect to HTTPS', async () => {
  const { code, output } = await smokeTest(healthyApp, healthyApp, { SMOKE_TIMEOUT_S: '1', SMOKE_INTERVAL_S: '1' });
  assert.is(code, 1, output);
  assert.match(output, /expected a redirect to https:\/\/, got 200/);
});

Smoke('the default plain-HTTP URL is the HTTPS URL with http://', () => {
  const text = fs.readFileSync(path.join(scriptsDir, 'ci-smoke-test.sh'), 'utf8');
  assert.match(text, /^http_url=\$\{SMOKE_HTTP_URL:-http:\/\/\$\{url#https:\/\/\}\}$/m);
});

Smoke.run();

// ---------------------------------------------------------------------------------------------
// scripts/ci-pulumi.sh with a fake `pulumi` (and `node` for the rollout check).

const DIGEST = `sha256:${'a'.repeat(64)}`;
const DEPLOYED = `acme/observable-service@sha256:${'d'.repeat(64)}`;

/** A fake Pulumi CLI whose stacks and settings live in files under state/. */
const FAKE_PULUMI = fs.readFileSync(path.join(__dirname, 'fakes', 'pulumi'), 'utf8');

interface PulumiRun extends Run {
  calls: string[];
  pulumi: string[];
  state: string;
  project: string;
}

interface PulumiSetup {
  stackExists?: boolean;
  deployedRegion?: string;
  /** The region written in the committed Pulumi.<stack>.yaml (here: the local config). */
  committedRegion?: string;
  loginRefused?: boolean;
  rolloutExit?: number;
}

async function ciPulumi(action: string, env: Record<string, string | undefined>, setup: PulumiSetup = {}): Promise<PulumiRun> {
  const box = scratch();
  try {
    const project = path.join(box.dir, 'project');
    fs.mkdirSync(path.join(project, 'infra-pulumi'), { recursive: true });
    fs.copyFileSync(path.join(REPO_ROOT, 'infra-pulumi', 'Pulumi.yaml'), path.join(project, 'infra-pulumi', 'Pulumi.yaml'));
    box.fake('pulumi', FAKE_PULUMI);
    box.fake('node', `exit ${setup.rolloutExit ?? 0}`);
    box.fake('curl', 'exit 0');
    if (setup.stackExists ?? true) fs.writeFileSync(path.join(box.state, 'stack-exists'), '');
    fs.mkdirSync(path.join(box.state, 'deployed'));
    fs.mkdirSync(path.join(box.state, 'config'));
    fs.writeFileSync(path.join(box.state, 'deployed', 'image'), DEPLOYED);
    if (setup.deployedRegion) fs.writeFileSync(path.join(box.state, 'deployed', 'aws:region'), setup.deployedRegion);
    if (setup.committedRegion) {
      fs.writeFileSync(path.join(project, 'infra-pulumi', 'Pulumi.prod.yaml'), `config:\n  aws:region: ${setup.committedRegion}\n`);
      fs.writeFileSync(path.join(box.state, 'config', 'aws:region'), setup.committedRegion);
    }
    if (setup.loginRefused) fs.writeFileSync(path.join(box.state, 'login-refused'), '');
    const base: Record<string, string> = {
      PATH: `${box.bin}:/usr/bin:/bin`,
      HOME: box.dir,
      FAKE_STATE: box.state,
      PULUMI_VERSION: '3.276.0',
      PULUMI_STACK: 'prod',
      CI_PROJECT_DIR: project,
      CI_COMMIT_SHA: 'c0ffee',
      AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/observable-deploy',
      AWS_ID_TOKEN: 'aws-id-token-jwt',
      PULUMI_ID_TOKEN: 'pulumi-id-token-jwt',
      PULUMI_ORG: 'acme',
      DOCKERHUB_REPO: 'acme/observable-service',
      IMAGE_REF: `acme/observable-service@${DIGEST}`,
      AWS_REGION: 'eu-west-1',
    };
    const merged: Record<string, string> = { ...base };
    for (const [key, value] of Object.entries(env)) {
      if (value === undefined) delete merged[key];
      else merged[key] = value;
    }
    const result = await run(path.join(scriptsDir, 'ci-pulumi.sh'), [action], merged);
    const calls = box.calls();
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'ci-pulumi-result-'));
    fs.cpSync(box.state, path.join(copy, 'state'), { recursive: true });
    fs.cpSync(project, path.join(copy, 'project'), { recursive: true });
    return { ...result, calls, pulumi: calls.filter((call) => call.startsWith('pulumi ')), state: path.join(copy, 'state'), project: path.join(copy, 'project') };
  } finally {
    box.remove();
  }
}

const read = (file: string): string => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '');
const loginOf = (result: PulumiRun): string => result.pulumi.find((call) => call.startsWith('pulumi login')) ?? '';

const Pulumi = suite('scripts/ci-pulumi.sh');

Pulumi('item 3: `up` logs in with the organization token even when PULUMI_OIDC_TEAM is set; previews use the team', async () => {
  const up = await ciPulumi('up', { PULUMI_OIDC_TEAM: 'previewers' });
  assert.is(up.code, 0, up.output);
  assert.not.match(loginOf(up), /--oidc-team/, 'the deploy gets a token that can write');
  const preview = await ciPulumi('preview', { PULUMI_OIDC_TEAM: 'previewers', AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/observable-preview' });
  assert.is(preview.code, 0, preview.output);
  assert.match(loginOf(preview), /--oidc-team previewers/);
});

Pulumi('the ID tokens reach Pulumi and AWS in files, never in argv or the environment; stray static keys are unset', async () => {
  const up = await ciPulumi('up', { AWS_ACCESS_KEY_ID: 'AKIASTRAY', AWS_SECRET_ACCESS_KEY: 'stray', PULUMI_ACCESS_TOKEN: 'pul-stray' });
  assert.is(up.code, 0, up.output);
  assert.match(loginOf(up), /--oidc-token file:\/\/\S+ --oidc-org acme/);
  assert.not.ok(up.calls.some((call) => call.includes('pulumi-id-token-jwt') || call.includes('aws-id-token-jwt')), 'no token in any argv');
  assert.is(read(path.join(up.state, 'oidc-token-seen')), 'pulumi-id-token-jwt', 'the CLI read the token from the file');
  assert.is(read(path.join(up.state, 'login-env')), '', 'neither tokens nor stray keys in the environment');
});

Pulumi('the stack is named fully (org/project/stack)', async () => {
  const up = await ciPulumi('up', {});
  assert.ok(up.pulumi.includes('pulumi stack select acme/observable-service/prod'), up.pulumi.join('\n'));
});

Pulumi('item 4: no preview without a read-only token (Team edition, no maintainers-only policy): exit 3, no login', async () => {
  const preview = await ciPulumi('preview', {});
  assert.is(preview.code, 3, preview.output);
  assert.match(preview.output, /no read-only token for previews/);
  assert.is(loginOf(preview), '', 'no organization token was asked for');
});

Pulumi('item 4: a merge request whose author the maintainers-only policy refuses is skipped (exit 3), not failed', async () => {
  const preview = await ciPulumi('preview', { PULUMI_PREVIEW_MAINTAINERS_ONLY: 'true' }, { loginRefused: true });
  assert.is(preview.code, 3, preview.output);
  assert.match(preview.output, /preview skipped/);
});

Pulumi('item 4: the first merge request before any deploy previews nothing and creates no stack', async () => {
  const preview = await ciPulumi('preview', { PULUMI_OIDC_TEAM: 'previewers' }, { stackExists: false });
  assert.is(preview.code, 0, preview.output);
  assert.not.ok(preview.pulumi.some((call) => /--create|stack init|pulumi preview/.test(call)), preview.pulumi.join('\n'));
  assert.match(read(path.join(preview.project, 'pulumi-preview.txt')), /does not exist yet/);
});

Pulumi('item 5: self-managed state logs in to the bucket and creates the stack with the awskms:// secrets provider', async () => {
  const provider = 'awskms://alias/observable-pulumi?region=eu-west-1';
  const up = await ciPulumi('up', { PULUMI_BACKEND_URL: 's3://acme-pulumi-state', PULUMI_SECRETS_PROVIDER: provider, PULUMI_ID_TOKEN: undefined }, { stackExists: false });
  assert.is(up.code, 0, up.output);
  assert.is(loginOf(up), 'pulumi login s3://acme-pulumi-state');
  assert.ok(up.pulumi.includes(`pulumi stack init organization/observable-service/prod --secrets-provider ${provider}`), up.pulumi.join('\n'));
});

Pulumi('item 5: self-managed state without PULUMI_SECRETS_PROVIDER stops with one line naming it', async () => {
  const up = await ciPulumi('up', { PULUMI_BACKEND_URL: 's3://acme-pulumi-state' }, { stackExists: false });
  assert.is(up.code, 1, up.output);
  assert.match(up.output, /PULUMI_SECRETS_PROVIDER/);
  assert.not.ok(up.pulumi.some((call) => call.startsWith('pulumi up')));
});

Pulumi('item 8: AWS_REGION never moves a stack that has a region', async () => {
  const committed = await ciPulumi('up', { AWS_REGION: 'us-east-1' }, { committedRegion: 'eu-west-1' });
  assert.is(committed.code, 0, committed.output);
  assert.not.ok(committed.pulumi.some((call) => call.startsWith('pulumi config set aws:region')), committed.pulumi.join('\n'));
  assert.match(committed.output, /stays in eu-west-1; AWS_REGION=us-east-1 is ignored/);

  const deployed = await ciPulumi('up', { AWS_REGION: 'us-east-1' }, { deployedRegion: 'eu-west-1' });
  assert.is(deployed.code, 0, deployed.output);
  assert.ok(deployed.pulumi.includes('pulumi config refresh'), 'settings of the last deployment restored');
  assert.not.ok(deployed.pulumi.some((call) => call.startsWith('pulumi config set aws:region')), deployed.pulumi.join('\n'));

  const fresh = await ciPulumi('up', { AWS_REGION: 'us-east-1' }, { stackExists: false });
  assert.ok(fresh.pulumi.includes('pulumi config set aws:region us-east-1'), 'a new stack takes AWS_REGION');
});

Pulumi('item 2: `up` confirms the ECS rollout of the new task definition before reporting the URL', async () => {
  const up = await ciPulumi('up', {});
  assert.is(up.code, 0, up.output);
  const check = up.calls.find((call) => call.startsWith('node '));
  assert.ok(check, 'the rollout check ran');
  assert.match(check, /scripts\/ci-rollout-check\.mts --cluster observable-cluster --service observable-service --task-definition arn:aws:ecs:eu-west-1:123456789012:task-definition\/observable-service:8 --region eu-west-1/);
  assert.ok(up.calls.indexOf(check) > up.calls.findIndex((call) => call.startsWith('pulumi up')), 'after pulumi up');
  assert.match(read(path.join(up.project, 'deploy.env')), /^DEPLOY_URL=https:\/\/d111\.cloudfront\.net$/m);
});

Pulumi('item 2: a rolled-back deploy fails the job and hands no URL to the smoke test', async () => {
  const up = await ciPulumi('up', {}, { rolloutExit: 1 });
  assert.is(up.code, 1, up.output);
  assert.is(read(path.join(up.project, 'deploy.env')), '');
});

Pulumi('item 12: a preview uses the image deployed today unless the merge request changes the image', async () => {
  const unchanged = await ciPulumi('preview', { PULUMI_OIDC_TEAM: 'previewers', IMAGE_CHANGED: 'false' });
  assert.is(unchanged.code, 0, unchanged.output);
  assert.ok(unchanged.pulumi.includes(`pulumi config set image ${DEPLOYED}`), unchanged.pulumi.join('\n'));
  const changed = await ciPulumi('preview', { PULUMI_OIDC_TEAM: 'previewers', IMAGE_CHANGED: 'true' });
  assert.ok(changed.pulumi.includes('pulumi config set image acme/observable-service:c0ffee'), changed.pulumi.join('\n'));
});

Pulumi('a deploy names only a digest of DOCKERHUB_REPO (a pipeline variable cannot swap in another image)', async () => {
  for (const image of ['evil/image@' + DIGEST, 'acme/observable-service:latest']) {
    const up = await ciPulumi('up', { IMAGE_REF: image });
    assert.is(up.code, 1, up.output);
    assert.match(up.output, /refusing to deploy/);
    assert.not.ok(up.pulumi.some((call) => call.startsWith('pulumi up')));
  }
});

Pulumi('item 7: rollback deploys ROLLBACK_IMAGE with the current program and confirms the rollout', async () => {
  const image = `acme/observable-service@sha256:${'b'.repeat(64)}`;
  const rollback = await ciPulumi('rollback', { ROLLBACK_IMAGE: image });
  assert.is(rollback.code, 0, rollback.output);
  assert.ok(rollback.pulumi.includes(`pulumi config set image ${image}`));
  assert.ok(rollback.calls.some((call) => call.startsWith('node ') && call.includes('ci-rollout-check.mts')));
  assert.match(read(path.join(rollback.project, 'deploy.env')), new RegExp(`DEPLOYED_IMAGE=${image.replace(/[@/]/g, '\\$&')}`));
  const missing = await ciPulumi('rollback', {});
  assert.is(missing.code, 1);
  assert.match(missing.output, /ROLLBACK_IMAGE/);
});

Pulumi.run();

// ---------------------------------------------------------------------------------------------
// scripts/ci-image.sh with a fake `docker` (items 6, 9, 11; issue 12's multi-architecture image).

const INDEX_DIGEST = `sha256:${'1'.repeat(64)}`;
const MAIN_DIGEST = `sha256:${'2'.repeat(64)}`;

const FAKE_DOCKER = fs.readFileSync(path.join(__dirname, 'fakes', 'docker'), 'utf8');

async function ciImage(mode: string, env: Record<string, string | undefined>, flags: string[] = []): Promise<Run & { docker: string[]; imageEnv: string }> {
  const box = scratch();
  try {
    box.fake('docker', FAKE_DOCKER);
    box.fake('sleep', 'exit 0');
    for (const flag of flags) fs.writeFileSync(path.join(box.state, flag), '');
    const merged: Record<string, string> = {
      PATH: `${box.bin}:/usr/bin:/bin`,
      FAKE_STATE: box.state,
      INDEX_DIGEST,
      MAIN_DIGEST,
      CI_COMMIT_SHA: 'c0ffee',
      BINFMT_IMAGE: 'tonistiigi/binfmt:test',
      BUILDKIT_IMAGE: 'moby/buildkit:test',
      TRIVY_IMAGE: 'aquasec/trivy:test',
      DOCKER_REGISTRY_MIRROR: 'https://mirror.gcr.io',
      DOCKERHUB_USERNAME: 'acme-ci',
      DOCKERHUB_TOKEN: 'dckr_pat_test',
    };
    for (const [key, value] of Object.entries(env)) {
      if (value === undefined) delete merged[key];
      else merged[key] = value;
    }
    const result = await run(path.join(scriptsDir, 'ci-image.sh'), [mode], merged, box.dir);
    return { ...result, docker: box.calls().filter((call) => call.startsWith('docker ')), imageEnv: read(path.join(box.dir, 'image.env')) };
  } finally {
    box.remove();
  }
}

const Image = needs(['busybox'], suite('scripts/ci-image.sh'));

Image('item 6: a merge request (a fork\'s too) builds both platforms and scans the image without DOCKERHUB_REPO or credentials', async () => {
  const build = await ciImage('build', { DOCKERHUB_REPO: undefined, DOCKERHUB_USERNAME: undefined, DOCKERHUB_TOKEN: undefined, CI_PIPELINE_SOURCE: 'merge_request_event' });
  assert.is(build.code, 0, build.output);
  assert.ok(build.docker.some((call) => call.startsWith('docker buildx build --pull --platform linux/amd64,linux/arm64 ')), build.docker.join('\n'));
  assert.ok(build.docker.some((call) => /buildx build --platform linux\/amd64 --load --tag local\/restify-observable-service:c0ffee/.test(call)));
  const scan = build.docker.find((call) => call.includes('aquasec/trivy:test'));
  assert.ok(scan, 'Trivy scanned the image');
  assert.match(scan, /image --exit-code 1 --ignore-unfixed --no-progress --severity HIGH,CRITICAL local\/restify-observable-service:c0ffee/);
  assert.not.ok(build.docker.some((call) => call.startsWith('docker login') || call.includes('--push')));
});

Image('issue 12: publish pushes one amd64+arm64 index under :sha and :latest and records the index digest', async () => {
  const publish = await ciImage('publish', { DOCKERHUB_REPO: 'acme/observable-service', CI_COMMIT_BRANCH: 'main', CI_DEFAULT_BRANCH: 'main', CI_PIPELINE_SOURCE: 'push' });
  assert.is(publish.code, 0, publish.output);
  const builds = publish.docker.filter((call) => call.startsWith('docker buildx build'));
  assert.is(builds.length, 1, 'one build');
  assert.match(builds[0] ?? '', /--push --platform linux\/amd64,linux\/arm64 .*--tag acme\/observable-service:c0ffee --tag acme\/observable-service:latest \.$/);
  assert.ok(publish.docker.some((call) => call.includes('--buildkitd-config')), 'BuildKit pulls through the mirror');
  assert.is(publish.imageEnv, `IMAGE_REF=acme/observable-service@${INDEX_DIGEST}\nIMAGE_DIGEST=${INDEX_DIGEST}\n`);
});

Image('item 10: publish refuses anything but a push to the default branch', async () => {
  const scheduled = await ciImage('publish', { DOCKERHUB_REPO: 'acme/observable-service', CI_COMMIT_BRANCH: 'main', CI_DEFAULT_BRANCH: 'main', CI_PIPELINE_SOURCE: 'schedule' });
  assert.is(scheduled.code, 1, scheduled.output);
  assert.not.ok(scheduled.docker.some((call) => call.includes('--push')));
});

Image('item 9: a vX.Y.Z tag rebuilds nothing and tags the digest the default branch published for the commit', async () => {
  const release = await ciImage('release', { DOCKERHUB_REPO: 'acme/observable-service', CI_COMMIT_TAG: 'v1.4.0', CI_PIPELINE_SOURCE: 'push' });
  assert.is(release.code, 0, release.output);
  assert.not.ok(release.docker.some((call) => call.startsWith('docker buildx build ') || call.startsWith('docker build ')), 'no build');
  assert.ok(release.docker.includes('docker buildx imagetools inspect acme/observable-service:c0ffee'));
  assert.ok(release.docker.includes(`docker buildx imagetools create --tag acme/observable-service:1.4.0 acme/observable-service@${MAIN_DIGEST}`), release.docker.join('\n'));
  assert.match(release.imageEnv, new RegExp(`^IMAGE_REF=acme/observable-service@${MAIN_DIGEST}$`, 'm'));
});

Image('item 9: a tag on a commit the default branch never published fails with the reason', async () => {
  const release = await ciImage('release', { DOCKERHUB_REPO: 'acme/observable-service', CI_COMMIT_TAG: 'v1.4.0' }, ['no-sha-tag']);
  assert.is(release.code, 1, release.output);
  assert.match(release.output, /acme\/observable-service:c0ffee does not exist/);
  assert.not.ok(release.docker.some((call) => call.includes('imagetools create')));
});

Image('item 11: a dind service that never answers fails after a bounded wait, saying so', async () => {
  const build = await ciImage('build', { DOCKER_WAIT_TRIES: '3' }, ['no-engine']);
  assert.is(build.code, 1, build.output);
  assert.match(build.output, /no Docker engine at .* after 3 tries/);
});

Image.run();

// ---------------------------------------------------------------------------------------------
// scripts/ci-start-docker.sh with fake dockerd/docker and a stand-in cgroup v2 root (item 11).

interface StartDocker extends Run {
  dockerd: string;
  cgroup: string;
  /** Whether the Compose v2 plugin was installed, and the release files curl was asked for. */
  composeInstalled: boolean;
  downloads: string[];
}

/**
 * Runs the script with fake dockerd/docker/curl. `composeChecksum` is what the release's
 * checksums.txt says for the plugin binary (default: its real SHA-256); `composePresent` makes
 * `docker compose version` answer before anything is installed.
 */
async function startDocker(
  overlayPaths: (builds: string) => string[],
  compose: { present?: boolean; checksum?: (sha: string) => string } = {},
): Promise<StartDocker> {
  const box = scratch();
  try {
    const cgroup = path.join(box.dir, 'cgroup');
    const builds = path.join(box.dir, 'builds');
    fs.mkdirSync(cgroup);
    fs.mkdirSync(builds);
    fs.writeFileSync(path.join(cgroup, 'cgroup.controllers'), 'cpuset cpu io memory pids\n');
    fs.writeFileSync(path.join(cgroup, 'cgroup.procs'), '1\n7\n42\n');
    // A Compose release as GitHub serves it: one binary per `uname -m`, and checksums.txt.
    const release = path.join(box.dir, 'release');
    fs.mkdirSync(release);
    const binary = `docker-compose-linux-${execFileSync('uname', ['-m'], { encoding: 'utf8' }).trim()}`;
    fs.writeFileSync(path.join(release, binary), '#!/bin/sh\necho "Docker Compose version v2.32.4"\n');
    const sha = createHash('sha256').update(fs.readFileSync(path.join(release, binary))).digest('hex');
    fs.writeFileSync(path.join(release, 'checksums.txt'), `${(compose.checksum ?? ((real) => real))(sha)} *${binary}\n`);
    const plugin = path.join(box.dir, 'cli-plugins', 'docker-compose');
    box.fake('curl', `out=''; url=''; while [ $# -gt 0 ]; do case "$1" in --output) out=$2; shift 2 ;; -*) shift ;; *) url=$1; shift ;; esac; done; echo "$url" >> "${box.state}/downloads"; cp "${release}/\${url##*/}" "$out" || exit 22`);
    box.fake('dockerd', `printf '%s\\n' "$*" > "${box.state}/dockerd-args"; touch "${box.state}/up"`);
    box.fake('docker', `case "$1" in info) [ -f "${box.state}/up" ] ;; compose) ${compose.present ? 'exit 0' : `[ -x '${plugin}' ] && exec '${plugin}'; exit 1`} ;; version) echo "docker engine 28.5.1 ready" ;; esac`);
    const overlay = overlayPaths(builds);
    box.fake('stat', `for p in ${overlay.map((p) => `'${p}'`).join(' ')}; do case "\${@: -1}" in "$p"|"$p"/*) echo overlayfs; exit 0 ;; esac; done; echo ext2/ext3`);
    const result = await run(path.join(scriptsDir, 'ci-start-docker.sh'), [], {
      PATH: `${box.bin}:/usr/bin:/bin`,
      CGROUP_ROOT: cgroup,
      CI_BUILDS_DIR: builds,
      DOCKERD_LOG: path.join(box.dir, 'dockerd.log'),
      DOCKER_REGISTRY_MIRROR: 'https://mirror.gcr.io',
      COMPOSE_VERSION: '2.32.4',
      COMPOSE_PLUGIN: plugin,
    });
    const cgroupState = `procs moved: ${read(path.join(cgroup, 'init', 'cgroup.procs')).trim().split('\n').join(',')}; subtree: ${read(path.join(cgroup, 'cgroup.subtree_control')).trim()}`;
    return {
      ...result,
      dockerd: read(path.join(box.state, 'dockerd-args')).trim().replaceAll(builds, '<builds>'),
      cgroup: cgroupState,
      composeInstalled: fs.existsSync(plugin),
      downloads: read(path.join(box.state, 'downloads')).trim().split('\n').filter(Boolean),
    };
  } finally {
    box.remove();
  }
}

const Engine = suite('scripts/ci-start-docker.sh');

Engine('item 11: nests cgroup v2 as dind does, keeps the data root off the overlay root, pulls through the mirror', async () => {
  const started = await startDocker(() => ['/var']);
  assert.is(started.code, 0, started.output);
  assert.is(started.cgroup, 'procs moved: 1,7,42; subtree: +cpuset +cpu +io +memory +pids');
  assert.is(started.dockerd, '--data-root=<builds>/.docker-data-root --registry-mirror=https://mirror.gcr.io');
});

Engine('item 11: where every candidate is on overlayfs, it says so and uses the vfs driver', async () => {
  const started = await startDocker((builds) => ['/var', builds]);
  assert.is(started.code, 0, started.output);
  assert.match(started.output, /every data root candidate is on overlayfs/);
  assert.is(started.dockerd, '--data-root=/var/lib/docker --storage-driver=vfs --registry-mirror=https://mirror.gcr.io');
});

// The README's first command is `docker compose up --build --wait`: Compose v2 only (1.29 has no --wait).
Engine('installs the pinned Docker Compose v2 plugin, checked against the release\'s checksums, when `docker compose` is missing', async () => {
  const started = await startDocker(() => ['/var']);
  assert.is(started.code, 0, started.output);
  assert.ok(started.composeInstalled, started.output);
  assert.equal(started.downloads.map((url) => url.replace(/linux-[a-z0-9_]+$/, 'linux-<arch>')), [
    'https://github.com/docker/compose/releases/download/v2.32.4/docker-compose-linux-<arch>',
    'https://github.com/docker/compose/releases/download/v2.32.4/checksums.txt',
  ]);
  assert.match(started.output, /Docker Compose version v2\.32\.4/);
});

Engine('refuses a Compose binary whose SHA-256 is not the release\'s, and starts no engine', async () => {
  const started = await startDocker(() => ['/var'], { checksum: () => 'f'.repeat(64) });
  assert.is(started.code, 1, started.output);
  assert.match(started.output, /not installing it/);
  assert.not.ok(started.composeInstalled);
  assert.is(started.dockerd, '');
});

Engine('downloads nothing where `docker compose` already works', async () => {
  const started = await startDocker(() => ['/var'], { present: true });
  assert.is(started.code, 0, started.output);
  assert.equal(started.downloads, []);
});

Engine.run();

// ---------------------------------------------------------------------------------------------
// scripts/ci-download-verified.sh with a fake `curl` serving a release (secrets within reach).

async function download(checksumFor: (sha: string) => string, shell?: string[]): Promise<Run & { installed: boolean }> {
  const box = scratch();
  try {
    const release = path.join(box.dir, 'release');
    const content = path.join(box.dir, 'content', 'pulumi');
    fs.mkdirSync(release);
    fs.mkdirSync(content, { recursive: true });
    fs.writeFileSync(path.join(content, 'pulumi'), '#!/bin/sh\necho v3.276.0\n', { mode: 0o755 });
    const archive = path.join(release, 'pulumi-v3.276.0-linux-x64.tar.gz');
    execFileSync('tar', ['-czf', archive, '-C', path.join(box.dir, 'content'), 'pulumi']);
    const sha = createHash('sha256').update(fs.readFileSync(archive)).digest('hex');
    fs.writeFileSync(path.join(release, 'pulumi-3.276.0-checksums.txt'), checksumFor(sha));
    box.fake('curl', `out=''; url=''; while [ $# -gt 0 ]; do case "$1" in --output) out=$2; shift 2 ;; -*) shift ;; *) url=$1; shift ;; esac; done; cp "${release}/\${url##*/}" "$out" || exit 22`);
    const dest = path.join(box.dir, 'cli');
    const base = 'https://github.com/pulumi/pulumi/releases/download/v3.276.0';
    const script = path.join(scriptsDir, 'ci-download-verified.sh');
    const result = await run(
      script,
      [`${base}/pulumi-v3.276.0-linux-x64.tar.gz`, `${base}/pulumi-3.276.0-checksums.txt`, dest, '--strip-components=1'],
      { PATH: `${box.bin}:/usr/bin:/bin` },
      REPO_ROOT,
      shell ?? interpreter(script),
    );
    return { ...result, installed: fs.existsSync(path.join(dest, 'pulumi')) };
  } finally {
    box.remove();
  }
}

const Download = needs(['busybox'], suite('scripts/ci-download-verified.sh'));

Download('installs a download whose SHA-256 matches the release\'s checksums', async () => {
  const ok = await download((sha) => `${'0'.repeat(64)}  pulumi-v3.276.0-darwin-x64.tar.gz\n${sha}  pulumi-v3.276.0-linux-x64.tar.gz\n`);
  assert.is(ok.code, 0, ok.output);
  assert.ok(ok.installed);
});

// ci-pulumi.sh runs it in the node image (Debian bookworm), whose /bin/sh is dash 0.5.12.
needs(['dash'], Download)('installs and refuses alike under dash, the /bin/sh of the node image where the Pulumi jobs run it', async () => {
  const ok = await download((sha) => `${sha}  pulumi-v3.276.0-linux-x64.tar.gz\n`, [dash]);
  assert.is(ok.code, 0, ok.output);
  assert.ok(ok.installed);
  const tampered = await download(() => `${'f'.repeat(64)}  pulumi-v3.276.0-linux-x64.tar.gz\n`, [dash]);
  assert.is(tampered.code, 1, tampered.output);
  assert.match(tampered.output, /not installing it/);
  assert.not.ok(tampered.installed);
});

Download('refuses a download whose SHA-256 differs, or that the checksums do not list', async () => {
  const tampered = await download(() => `${'f'.repeat(64)}  pulumi-v3.276.0-linux-x64.tar.gz\n`);
  assert.is(tampered.code, 1, tampered.output);
  assert.match(tampered.output, /the release says f{64}: not installing it/);
  assert.not.ok(tampered.installed);
  const unlisted = await download(() => `${'0'.repeat(64)}  pulumi-v3.276.0-darwin-x64.tar.gz\n`);
  assert.is(unlisted.code, 1, unlisted.output);
  assert.match(unlisted.output, /lists no checksum for pulumi-v3\.276\.0-linux-x64\.tar\.gz/);
  assert.not.ok(unlisted.installed);
});

Download.run();

// ---------------------------------------------------------------------------------------------
// scripts/ci-fly.sh with a fake `flyctl` (issue 12): the published digest, then the smoke test.

async function ciFly(env: Record<string, string>, flyToml = 'app = "observable-demo"\nprimary_region = "sjc"\n'): Promise<Run & { calls: string[] }> {
  const box = scratch();
  try {
    const project = path.join(box.dir, 'project');
    const scripts = path.join(project, 'scripts');
    fs.mkdirSync(scripts, { recursive: true });
    fs.copyFileSync(path.join(scriptsDir, 'ci-fly.sh'), path.join(scripts, 'ci-fly.sh'));
    fs.writeFileSync(path.join(project, 'fly.toml'), flyToml);
    fs.writeFileSync(path.join(scripts, 'ci-smoke-test.sh'), `#!/bin/sh\necho "ci-smoke-test.sh $* (SMOKE_TARGET=\${SMOKE_TARGET:-} FLY_APP=\${FLY_APP:-})" >> "${box.state}/calls"\n`, { mode: 0o755 });
    box.fake('flyctl', 'exit 0');
    const result = await run(path.join(scripts, 'ci-fly.sh'), [], {
      PATH: `${box.bin}:/usr/bin:/bin`,
      HOME: box.dir,
      CI_PROJECT_DIR: project,
      FLYCTL_VERSION: '0.3.216',
      FLY_API_TOKEN: 'fly-deploy-token',
      ...env,
    });
    return { ...result, calls: box.calls().map((call) => call.replaceAll(project, '<project>')) };
  } finally {
    box.remove();
  }
}

const Fly = needs(['busybox'], suite('scripts/ci-fly.sh'));

Fly('deploys the published digest with fly.toml, then smoke-tests https://<app>.fly.dev', async () => {
  const image = `acme/observable-service@${INDEX_DIGEST}`;
  const fly = await ciFly({ IMAGE_REF: image });
  assert.is(fly.code, 0, fly.output);
  assert.ok(fly.calls.includes(`flyctl deploy --config <project>/fly.toml --app observable-demo --image ${image}`), fly.calls.join('\n'));
  assert.is(fly.calls.at(-1), 'ci-smoke-test.sh https://observable-demo.fly.dev (SMOKE_TARGET=fly FLY_APP=observable-demo)', 'a failure advises a Fly.io rollback');
});

// docs/deploy-fly.md's `fly launch --copy-config` writes fly.toml back in flyctl's layout, whose strings are
// TOML literal strings: app = 'name'.
Fly('takes the app name from fly.toml as fly launch writes it back (single quotes)', async () => {
  const image = `acme/observable-service@${INDEX_DIGEST}`;
  const fly = await ciFly({ IMAGE_REF: image }, "app = 'my-launched-app'\nprimary_region = 'sjc'\n");
  assert.is(fly.code, 0, fly.output);
  assert.ok(fly.calls.includes(`flyctl deploy --config <project>/fly.toml --app my-launched-app --image ${image}`), fly.calls.join('\n'));
  assert.match(fly.calls.at(-1) ?? '', /^ci-smoke-test\.sh https:\/\/my-launched-app\.fly\.dev /);
});

Fly('without an app name in fly.toml or FLY_APP, stops with one line naming both', async () => {
  const fly = await ciFly({ IMAGE_REF: `acme/observable-service@${INDEX_DIGEST}` }, "primary_region = 'sjc'\n");
  assert.is(fly.code, 1, fly.output);
  assert.match(fly.output, /no app name: set FLY_APP or `app` in fly\.toml/);
  assert.not.ok(fly.calls.some((call) => call.startsWith('flyctl deploy')));
});

Fly('refuses anything but a digest', async () => {
  const fly = await ciFly({ IMAGE_REF: 'acme/observable-service:latest' });
  assert.is(fly.code, 1, fly.output);
  assert.not.ok(fly.calls.some((call) => call.startsWith('flyctl deploy')));
});

Fly.run();
