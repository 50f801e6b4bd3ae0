// The shell scripts CI runs: shellcheck-clean, strict, present and executable.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { needs } from '../support/tools';
import { REPO_ROOT } from '../support/repo';
import { SCRIPTS_DIR as scriptsDir } from './lib/harness';

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
