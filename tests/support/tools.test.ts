// Honest skips and the one list of tools: a test that needs a missing tool is counted skipped with
// one line naming the tool and how to get it (never passed, never a bare ENOENT), and CI installs
// the Debian package of every missing tool from the same list (tests/support/tools.tsv).
import { chmodSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { start, waitForExit } from './child-process';
import { REPO_ROOT } from './repo';
import { howToGet, installed, onPath, skipLine, toolTable, TOOLS, type Tool } from './tools';

const UVU = path.join(path.dirname(require.resolve('uvu')), '..', 'bin.js');
const PRELOAD = path.join(__dirname, 'uvu-strict.cjs');
const INSTALL_SCRIPT = path.join(REPO_ROOT, 'scripts', 'ci-install-test-tools.sh');

/** A folder of executables for PATH: `fakes` are scripts with that body, `real` link to this machine's. */
function binDir(fakes: Record<string, string>, real: string[] = []): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'tools-path-'));
  for (const [name, body] of Object.entries(fakes)) {
    writeFileSync(path.join(dir, name), `#!/bin/sh\n${body}\n`);
    chmodSync(path.join(dir, name), 0o755);
  }
  for (const name of real) {
    const found = onPath(name);
    if (!found) throw new Error(`${name} is needed on PATH to build the test's PATH`);
    symlinkSync(found, path.join(dir, name));
  }
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

async function runUvu(fixture: string, pathDirs: string) {
  const started = start(
    process.execPath,
    [UVU, '-r', 'tsx', '-r', PRELOAD, path.relative(REPO_ROOT, path.join(__dirname, 'fixtures')), `^${fixture.replace('.', '\\.')}$`],
    { ...process.env, PATH: pathDirs },
    { cwd: REPO_ROOT },
  );
  const { exit, timedOut } = await waitForExit(started, 60_000);
  assert.not.ok(timedOut, started.output());
  return { code: exit.code, output: stripVTControlCharacters(started.output()) };
}

const Skips = suite('needs(): honest skips');

Skips('without the tool, every test is counted skipped, none passed, the set-up never runs, and one line says how to get it', async () => {
  const empty = binDir({});
  try {
    const { code, output } = await runUvu('needs-dash.fixture.ts', empty.dir);
    assert.is(code, 0, output);
    assert.match(output, /Total:\s+0\s+Passed:\s+0\s+Skipped:\s+2\s/);
    const lines = output.split('\n').filter((line) => line.startsWith('skipped:'));
    assert.equal(lines, ['skipped: tests of "a suite that needs dash": needs dash, not found (Debian/Ubuntu: apt-get install dash; macOS: brew install dash)']);
    assert.not.match(output, /ENOENT|set-up ran/);
  } finally {
    empty.remove();
  }
});

Skips('with the tool on PATH, the same tests run', async () => {
  const withDash = binDir({ dash: 'exit 0' });
  try {
    const { code, output } = await runUvu('needs-dash.fixture.ts', withDash.dir);
    // The suite's before() throws on purpose: that it ran (and failed both tests) shows the suite ran.
    assert.is(code, 1, output);
    assert.match(output, /Total:\s+2\s+Passed:\s+0\s+Skipped:\s+0\s/);
    assert.match(output, /the set-up ran although the suite is skipped/);
    assert.not.match(output, /^skipped:/m);
  } finally {
    withDash.remove();
  }
});

Skips('names the packages that ship a tool, and Docker for those the compose images ship', () => {
  assert.is(howToGet('amtool'), 'Debian/Ubuntu: apt-get install prometheus-alertmanager; macOS: brew install alertmanager; or start Docker to run it from the image docker-compose.yml pins');
  assert.is(howToGet('busybox'), 'Debian/Ubuntu: apt-get install busybox');
  assert.is(skipLine('"x"', 'git'), 'skipped: "x": needs git, not found (Debian/Ubuntu: apt-get install git; macOS: brew install git)');
});

Skips('a tool counts as installed under its own name or its Debian package\'s, and not otherwise', () => {
  const bin = binDir({ 'prometheus-alertmanager': 'exit 0' });
  try {
    assert.is(installed('alertmanager', toolTable(), bin.dir), path.join(bin.dir, 'prometheus-alertmanager'));
    assert.is(installed('blackbox_exporter', toolTable(), bin.dir), undefined);
    assert.is(installed('amtool', toolTable(), bin.dir), undefined, 'amtool is not its package\'s binary');
  } finally {
    bin.remove();
  }
});

Skips('tools.tsv lists each tool once, and refuses a row that is not five columns', () => {
  assert.equal(toolTable().map(({ tool }) => tool), [...TOOLS]);
  assert.throws(() => toolTable('git\tgit\tgit\tnpm test\n'), /not five tab-separated columns/);
  assert.throws(() => toolTable('gti\tgit\t-\tgit\tnpm test\n'), /gti is not a tool/);
});

Skips('README\'s "Two commands" names exactly the tools tools.tsv says npm test runs', () => {
  const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const section = /^## Two commands\n([\s\S]*?)^## /m.exec(readme)?.[1] ?? '';
  assert.ok(section !== '', 'README has a "Two commands" section');
  const named = [...section.matchAll(/`([a-z_]+)`/g)].map((match) => match[1]).filter((word): word is Tool => (TOOLS as readonly string[]).includes(word ?? ''));
  const runByNpmTest = toolTable().filter(({ neededBy }) => neededBy.startsWith('npm test')).map(({ tool }) => tool);
  assert.equal([...new Set(named)].sort(), runByNpmTest.sort());
});

Skips.run();

const Install = suite('scripts/ci-install-test-tools.sh');

/** Runs the script with a PATH holding `present` (as fakes) and a fake apt-get that records its arguments. */
async function install(present: string[]): Promise<{ code: number | null; output: string; aptCalls: string[] }> {
  const bin = binDir(
    { 'apt-get': 'echo "$*" >> "$APT_LOG"', ...Object.fromEntries(present.map((tool) => [tool, 'exit 0'])) },
    ['dirname', 'sort'],
  );
  const log = path.join(bin.dir, 'apt.log');
  try {
    const started = start(onPath('bash') ?? '/bin/bash', [INSTALL_SCRIPT], { PATH: bin.dir, APT_LOG: log });
    const { exit } = await waitForExit(started, 60_000);
    const aptCalls = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [];
    return { code: exit.code, output: started.output(), aptCalls };
  } finally {
    bin.remove();
  }
}

Install('installs the Debian package of every missing tool in tools.tsv, each package once', async () => {
  const { code, output, aptCalls } = await install(['promtool', 'busybox', 'dash', 'rsync']);
  assert.is(code, 0, output);
  assert.equal(aptCalls, [
    'update -qq',
    'install -y -qq --no-install-recommends git prometheus prometheus-alertmanager prometheus-blackbox-exporter shellcheck',
  ]);
});

Install('takes a tool under the name Debian gives it (prometheus-alertmanager) as installed', async () => {
  const everyOther = toolTable().filter(({ debian, tool }) => debian !== undefined && tool !== 'alertmanager' && tool !== 'blackbox_exporter');
  const { code, output, aptCalls } = await install([...everyOther.map(({ tool }) => tool), 'prometheus-alertmanager']);
  assert.is(code, 0, output);
  assert.equal(aptCalls, ['update -qq', 'install -y -qq --no-install-recommends prometheus-blackbox-exporter']);
});

Install('installs nothing where every tool is present (Docker is never installed from apt)', async () => {
  const { code, output, aptCalls } = await install(toolTable().filter(({ debian }) => debian !== undefined).map(({ tool }) => tool));
  assert.is(code, 0, output);
  assert.equal(aptCalls, []);
  assert.match(output, /nothing to install/);
});

Install.run();
