// Why one Dockerfile builds linux/amd64 and linux/arm64 alike, checked where only amd64 can be
// built: the build stages run on the builder's platform and hand over only JavaScript, and the
// runtime stage only copies. That holds while no production dependency needs native code.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { REPO_ROOT } from '../support/repo';

interface LockedPackage {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optional?: boolean;
  hasInstallScript?: boolean;
  os?: string[];
  cpu?: string[];
  link?: boolean;
  resolved?: string;
}

/**
 * restify's optional DTrace probes: never built (every `npm ci` here has --ignore-scripts), and
 * without a build both dtrace-provider and restify's lib/dtrace.js fall back to a no-op stub, on
 * every architecture alike.
 */
const STUBBED_NATIVE_PACKAGES = new Set(['dtrace-provider']);

const lock = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockedPackage> };

/** Where npm resolves `name` from `fromPath` (lockfile v3 keys): the nearest node_modules up the tree. */
function resolve(name: string, fromPath: string): string | undefined {
  for (let dir = fromPath; ; dir = dir.includes('/node_modules/') ? dir.slice(0, dir.lastIndexOf('/node_modules/')) : '') {
    const key = dir === '' ? `node_modules/${name}` : `${dir}/node_modules/${name}`;
    if (lock.packages[key]) return key;
    if (dir === '') return undefined;
  }
}

/** Every package `npm ci --workspace service --omit=dev` installs: the service's dependency closure. */
function serviceProductionPackages(): Map<string, LockedPackage> {
  const found = new Map<string, LockedPackage>();
  const pending = ['service'];
  while (pending.length > 0) {
    const from = pending.pop() as string;
    const entry = lock.packages[from] ?? {};
    const wanted = { ...entry.dependencies, ...entry.optionalDependencies, ...entry.peerDependencies };
    for (const name of Object.keys(wanted)) {
      const key = resolve(name, from);
      if (key === undefined) {
        // An optional or peer dependency npm left out is not installed; a missing regular one is a broken lock.
        assert.ok(!entry.dependencies?.[name], `${from} depends on ${name}, which package-lock.json does not hold`);
        continue;
      }
      if (found.has(key)) continue;
      found.set(key, lock.packages[key] as LockedPackage);
      pending.push(key);
    }
  }
  return found;
}

function packageName(key: string): string {
  return key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
}

function stages(dockerfile: string): Array<{ from: string; name: string; body: string }> {
  const parts = dockerfile.split(/^(?=FROM\s)/m).filter((part) => part.startsWith('FROM'));
  return parts.map((part) => {
    const [fromLine = '', ...rest] = part.split('\n');
    return { from: fromLine, name: /\sAS\s+(\S+)\s*$/i.exec(fromLine)?.[1] ?? '', body: rest.join('\n') };
  });
}

const Dependencies = suite('production dependencies, the same on every CPU');

Dependencies('the service\'s production closure is found in the lockfile (restify and prom-client among it)', () => {
  const names = [...serviceProductionPackages().keys()].map(packageName);
  for (const expected of ['restify', 'prom-client', 'pino', 'tsyringe']) assert.ok(names.includes(expected), `${expected} missing from ${names.length} packages`);
});

Dependencies('no production dependency has an install script or an os/cpu limit (so no native build and no per-CPU variant)', () => {
  const offending = [...serviceProductionPackages()]
    .filter(([key]) => !STUBBED_NATIVE_PACKAGES.has(packageName(key)))
    .filter(([, entry]) => entry.hasInstallScript || entry.os || entry.cpu)
    .map(([key, entry]) => `${key}@${entry.version} (${[entry.hasInstallScript && 'install script', entry.os && `os ${entry.os}`, entry.cpu && `cpu ${entry.cpu}`].filter(Boolean).join(', ')})`);
  assert.equal(offending, [], 'building node_modules on the build platform would ship these built for the wrong CPU');
});

Dependencies('the one native package is optional and ships no prebuilt binary', () => {
  for (const [key, entry] of serviceProductionPackages()) {
    if (!STUBBED_NATIVE_PACKAGES.has(packageName(key))) continue;
    assert.ok(entry.optional, `${key} must stay optional: restify loads it in a try/catch`);
  }
  // What `npm ci` put on disk here: a compiled addon would be for this machine's CPU only.
  const addons = [...serviceProductionPackages().keys()].flatMap((key) => {
    const dir = path.join(REPO_ROOT, key);
    if (!existsSync(dir)) return [];
    return (readdirSync(dir, { recursive: true }) as string[]).filter((file) => file.endsWith('.node')).map((file) => `${key}/${file}`);
  });
  assert.equal(addons, []);
});

Dependencies.run();

const Dockerfile = suite('Dockerfile stages for a multi-platform build');

/** The Dockerfile without its comment lines: only instructions count. */
const dockerfile = readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8')
  .split('\n')
  .filter((line) => !/^\s*#/.test(line))
  .join('\n');

Dockerfile('no stage pins a constant platform (Docker build check FromPlatformFlagConstDisallowed)', () => {
  for (const { from } of stages(dockerfile)) {
    const platform = /--platform=(\S+)/.exec(from)?.[1];
    if (platform !== undefined) assert.match(platform, /^\$\{?BUILDPLATFORM\}?$/, from);
  }
});

Dockerfile('the stages that run npm and tsc run on the build platform; every npm ci skips install scripts', () => {
  const byName = new Map(stages(dockerfile).map((stage) => [stage.name, stage]));
  const root = byName.get('manifests');
  assert.ok(root, 'a stage named manifests');
  assert.match(root.from, /--platform=\$\{?BUILDPLATFORM\}?\s/);
  for (const name of ['build', 'prod-deps']) assert.match(byName.get(name)?.from ?? '', /^FROM manifests\s/i, `${name} builds on manifests`);
  const installs = dockerfile.match(/npm ci[^\n]*/g) ?? [];
  assert.ok(installs.length > 0);
  for (const install of installs) assert.ok(install.includes('--ignore-scripts'), install);
});

Dockerfile('the target-platform stages run nothing, so an arm64 image needs no emulation', () => {
  for (const stage of stages(dockerfile).filter((candidate) => !/--platform=/.test(candidate.from) && !/^FROM manifests\s/i.test(candidate.from))) {
    assert.not.match(stage.body, /^RUN\s/m, `stage ${stage.name} (${stage.from}) runs a command on the target platform`);
  }
});

Dockerfile.run();
