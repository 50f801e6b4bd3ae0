// package.json's allowScripts decides, for every dependency with an install script, whether it runs
// (npm 11 blocks the ones it does not name and warns about them on every `npm ci`). Each is denied:
// esbuild finds its binary in its platform package without its postinstall, and the others build
// optional native code (dtrace-provider), print a notice (protobufjs) or fetch Pulumi plugins,
// which Pulumi fetches itself when a stack needs them.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { REPO_ROOT } from './repo';

const InstallScripts = suite('install scripts of dependencies');

InstallScripts('every installed dependency with an install script is named in allowScripts, so npm ci warns about none', () => {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const listed = execFileSync(npm, ['install-scripts', 'ls'], { cwd: REPO_ROOT, encoding: 'utf8' });
  assert.is(listed.trim(), 'No packages with unreviewed install scripts.');
});

InstallScripts('allowScripts denies each script by name (no blanket approval, no version that would lapse on an update)', () => {
  const { allowScripts } = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { allowScripts?: Record<string, boolean> };
  assert.ok(allowScripts, 'package.json has no allowScripts');
  for (const [entry, allowed] of Object.entries(allowScripts)) {
    assert.is(allowed, false, `${entry} is allowed to run its install script`);
    assert.not.match(entry.slice(1), /@/, `${entry} names a version`);
  }
});

InstallScripts.run();
