// scripts/ci-start-docker.sh with fake dockerd/docker/curl and a stand-in cgroup v2 root.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type Run, SCRIPTS_DIR as scriptsDir, read, releaseCurl, run, scratch } from './lib/harness';

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
    box.fake('curl', releaseCurl(release, `${box.state}/downloads`));
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

Engine('nests cgroup v2 as dind does, keeps the data root off the overlay root, pulls through the mirror', async () => {
  const started = await startDocker(() => ['/var']);
  assert.is(started.code, 0, started.output);
  assert.is(started.cgroup, 'procs moved: 1,7,42; subtree: +cpuset +cpu +io +memory +pids');
  assert.is(started.dockerd, '--data-root=<builds>/.docker-data-root --registry-mirror=https://mirror.gcr.io');
});

Engine('where every candidate is on overlayfs, it says so and uses the vfs driver', async () => {
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
