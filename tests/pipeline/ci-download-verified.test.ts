// scripts/ci-download-verified.sh with a fake `curl` serving a release.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { needs } from '../support/tools';
import { REPO_ROOT } from '../support/repo';
import { type Run, SCRIPTS_DIR as scriptsDir, dash, interpreter, releaseCurl, run, scratch } from './lib/harness';

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
    box.fake('curl', releaseCurl(release));
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
