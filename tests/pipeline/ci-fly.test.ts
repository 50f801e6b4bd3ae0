// scripts/ci-fly.sh with a fake `flyctl` on PATH: the published digest, then the smoke test.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { needs } from '../support/tools';
import { readCiFile } from './lib/gitlab-ci-local';
import { type Run, SCRIPTS_DIR as scriptsDir, run, scratch } from './lib/harness';

const INDEX_DIGEST = `sha256:${'1'.repeat(64)}`;

/** FLYCTL_VERSION as .gitlab-ci.yml pins it. */
const FLYCTL_VERSION = String(readCiFile().variables.FLYCTL_VERSION);

/** Runs ci-fly.sh; with `installed: false` no flyctl is on PATH and the verified download stands in. */
async function ciFly(
  env: Record<string, string>,
  flyToml = 'app = "observable-demo"\nprimary_region = "sjc"\n',
  installed = true,
): Promise<Run & { calls: string[]; tokens: string[] }> {
  const box = scratch();
  try {
    const project = path.join(box.dir, 'project');
    const scripts = path.join(project, 'scripts');
    fs.mkdirSync(scripts, { recursive: true });
    fs.copyFileSync(path.join(scriptsDir, 'ci-fly.sh'), path.join(scripts, 'ci-fly.sh'));
    fs.writeFileSync(path.join(project, 'fly.toml'), flyToml);
    fs.writeFileSync(path.join(scripts, 'ci-smoke-test.sh'), `#!/bin/sh\necho "ci-smoke-test.sh $* (SMOKE_TARGET=\${SMOKE_TARGET:-} FLY_APP=\${FLY_APP:-})" >> "${box.state}/calls"\n`, { mode: 0o755 });
    // Records the token each flyctl call was given (flyctl reads FLY_API_TOKEN from the environment).
    const flyctl = `#!/usr/bin/env bash\nprintf '%s\\n' "flyctl $*" >> "${box.state}/calls"\nprintf '%s\\n' "$FLY_API_TOKEN" >> "${box.state}/tokens"\n`;
    if (installed) {
      fs.writeFileSync(path.join(box.bin, 'flyctl'), flyctl, { mode: 0o755 });
    } else {
      // The checksum check itself is ci-download-verified.test.ts's; here, what is asked for, and an install.
      const download = `#!/bin/sh\necho "ci-download-verified.sh $*" >> "${box.state}/calls"\nmkdir -p "$3" && cat > "$3/flyctl" <<'FLYCTL'\n${flyctl}FLYCTL\nchmod +x "$3/flyctl"\n`;
      fs.writeFileSync(path.join(scripts, 'ci-download-verified.sh'), download, { mode: 0o755 });
    }
    const result = await run(path.join(scripts, 'ci-fly.sh'), [], {
      PATH: `${box.bin}:/usr/bin:/bin`,
      HOME: box.dir,
      CI_PROJECT_DIR: project,
      FLYCTL_VERSION,
      FLY_API_TOKEN: 'fly-deploy-token',
      ...env,
    });
    const tokens = fs.existsSync(path.join(box.state, 'tokens')) ? fs.readFileSync(path.join(box.state, 'tokens'), 'utf8').trim().split('\n') : [];
    return { ...result, tokens, calls: box.calls().map((call) => call.replaceAll(project, '<project>')) };
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

// GitLab masks only values without whitespace (Ci::Maskable in GitLab's source; docs.gitlab.com/ci/variables/,
// "Mask a CI/CD variable"); flyctl strips the "FlyV1 " scheme itself (fly-go tokens.Parse), so the
// token is stored without it.
Fly('hands flyctl the token as stored: the macaroons without the FlyV1 scheme, commas and all', async () => {
  const token = 'fm2_lJPECAAAAAAAAA==,fm2_lJPEDBBBBBBBBB==';
  const fly = await ciFly({ IMAGE_REF: `acme/observable-service@${INDEX_DIGEST}`, FLY_API_TOKEN: token });
  assert.is(fly.code, 0, fly.output);
  assert.ok(fly.tokens.length > 0 && fly.tokens.every((given) => given === token), fly.tokens.join('\n'));
});

Fly('refuses a token with a space (the FlyV1 scheme left on), which GitLab could not have masked, before calling flyctl', async () => {
  const fly = await ciFly({ IMAGE_REF: `acme/observable-service@${INDEX_DIGEST}`, FLY_API_TOKEN: 'FlyV1 fm2_lJPECAAAAAAAAA==,fm2_lJPEDBBBBBBBBB==' });
  assert.is(fly.code, 1, fly.output);
  assert.match(fly.output, /FLY_API_TOKEN contains a space, so GitLab cannot mask it: store it without the 'FlyV1 ' prefix/);
  assert.equal(fly.calls.filter((call) => call.startsWith('flyctl')), []);
});

Fly('without FLY_API_TOKEN (a job outside the fly environment) stops with one line saying where it belongs', async () => {
  const fly = await ciFly({ IMAGE_REF: `acme/observable-service@${INDEX_DIGEST}`, FLY_API_TOKEN: '' });
  assert.is.not(fly.code, 0, fly.output);
  assert.equal(fly.calls.filter((call) => call.startsWith('flyctl')), []);
  assert.match(fly.output, /FLY_API_TOKEN is not set for this job: add it scoped to the environment fly/);
});

// Asset names from flyctl's .goreleaser.yml: flyctl_<version>_Linux_<x86_64|arm64>.tar.gz, checksums.txt.
Fly('without flyctl, installs the pinned release from GitHub, checked against its checksums.txt, then deploys with it', async () => {
  assert.match(FLYCTL_VERSION, /^\d+\.\d+\.\d+$/);
  const fly = await ciFly({ IMAGE_REF: `acme/observable-service@${INDEX_DIGEST}` }, undefined, false);
  assert.is(fly.code, 0, fly.output);
  const release = `https://github.com/superfly/flyctl/releases/download/v${FLYCTL_VERSION}`;
  const download = fly.calls.find((call) => call.startsWith('ci-download-verified.sh '));
  assert.match(download ?? '', new RegExp(`^ci-download-verified\\.sh ${release.replaceAll('.', '\\.')}/flyctl_${FLYCTL_VERSION.replaceAll('.', '\\.')}_Linux_(x86_64|arm64)\\.tar\\.gz ${release.replaceAll('.', '\\.')}/checksums\\.txt \\S+$`));
  assert.ok(fly.calls.some((call) => call.startsWith('flyctl deploy ')), 'the installed flyctl deployed');
});

Fly.run();
