// scripts/ci-fly.sh with a fake `flyctl` on PATH: the published digest, then the smoke test.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type Run, SCRIPTS_DIR as scriptsDir, run, scratch } from './lib/harness';

const INDEX_DIGEST = `sha256:${'1'.repeat(64)}`;

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

const Fly = suite('scripts/ci-fly.sh');

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
