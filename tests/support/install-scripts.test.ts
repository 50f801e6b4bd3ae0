// package.json's allowScripts decides, for every dependency with an install script, whether it runs
// (npm 11 blocks the ones it does not name and warns about them on every `npm ci`). Each is denied:
// esbuild finds its binary in its platform package without its postinstall, and the others build
// optional native code (dtrace-provider), print a notice (protobufjs) or fetch Pulumi plugins,
// which Pulumi fetches itself when a stack needs them.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { REPO_ROOT } from './repo';

const InstallScripts = suite('install scripts of dependencies');

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const listing = spawnSync(npm, ['install-scripts', 'ls'], { cwd: REPO_ROOT, encoding: 'utf8' });
// npm releases before the install-script policy do not know the command: that is a missing tool, not a failure.
const npmKnowsPolicy = !/Unknown command|unknown command/.test(`${listing.stdout}${listing.stderr}`);
const listed = 'every installed dependency with an install script is named in allowScripts, so npm ci warns about none';

if (npmKnowsPolicy) {
  InstallScripts(listed, () => {
    assert.is(listing.status, 0, listing.stderr);
    assert.is(listing.stdout.trim(), 'No packages with unreviewed install scripts.');
  });
} else {
  console.log(`skipped: "${listed}": needs an npm 11 with \`npm install-scripts\` (npm ${spawnSync(npm, ['--version'], { encoding: 'utf8' }).stdout.trim()} has none; npm install -g npm@11)`);
  InstallScripts.skip(listed);
}

InstallScripts('allowScripts denies each script by name (no blanket approval, no version that would lapse on an update)', () => {
  const { allowScripts } = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { allowScripts?: Record<string, boolean> };
  assert.ok(allowScripts, 'package.json has no allowScripts');
  for (const [entry, allowed] of Object.entries(allowScripts)) {
    assert.is(allowed, false, `${entry} is allowed to run its install script`);
    assert.not.match(entry.slice(1), /@/, `${entry} names a version`);
  }
});

InstallScripts.run();
