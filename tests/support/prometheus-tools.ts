// promtool, prometheus and amtool for tests: on PATH first, else in the prom/prometheus and
// prom/alertmanager images that docker-compose.yml pins, run through Docker. With neither, fail
// with one line saying what to install: tests that need them never skip.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './repo';

export type PrometheusTool = 'promtool' | 'prometheus' | 'amtool';

/** The image that ships each tool (its binary is /bin/<tool> there). */
const IMAGE_OF: Readonly<Record<PrometheusTool, 'prom/prometheus' | 'prom/alertmanager'>> = {
  promtool: 'prom/prometheus',
  prometheus: 'prom/prometheus',
  amtool: 'prom/alertmanager',
};

/** Packages that ship each tool, for the "install" message (Homebrew's alertmanager has amtool). */
const PACKAGE_OF: Readonly<Record<PrometheusTool, { debian: string; homebrew: string }>> = {
  promtool: { debian: 'prometheus', homebrew: 'prometheus' },
  prometheus: { debian: 'prometheus', homebrew: 'prometheus' },
  amtool: { debian: 'prometheus-alertmanager', homebrew: 'alertmanager' },
};

/** A host path the command reads (or, if writable, writes); Docker mounts it at the same path. */
export interface Mount {
  path: string;
  writable?: boolean;
}

export interface Command {
  file: string;
  args: string[];
  /** Where the binary comes from, for messages: "PATH" or "docker image <ref>". */
  origin: string;
}

/** The `<name>:<tag>` docker-compose.yml runs for `name`: the one place that holds its version. */
export function pinnedImage(name: string): string {
  const composeFile = path.join(REPO_ROOT, 'docker-compose.yml');
  const escaped = name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const image = new RegExp(`image:\\s*["']?(${escaped}:[\\w.-]+)`).exec(readFileSync(composeFile, 'utf8'))?.[1];
  if (image === undefined) throw new Error(`docker-compose.yml runs no ${name}:<tag> image`);
  return image;
}

function succeeds(file: string, args: string[]): boolean {
  const result = spawnSync(file, args, { stdio: 'ignore', timeout: 30_000 });
  return result.error === undefined && result.status === 0;
}

const onPath = new Map<PrometheusTool, boolean>();
let dockerWorks: boolean | undefined;

/**
 * How to run `tool args…` here. Mounts matter only under Docker: every host path the command
 * reads or writes must be listed.
 */
export function prometheusTool(tool: PrometheusTool, args: string[], mounts: Mount[] = []): Command {
  if (!onPath.has(tool)) onPath.set(tool, succeeds(tool, ['--version']));
  if (onPath.get(tool)) return { file: tool, args, origin: 'PATH' };

  dockerWorks ??= succeeds('docker', ['version', '--format', '{{.Server.Version}}']);
  const image = pinnedImage(IMAGE_OF[tool]);
  if (!dockerWorks) {
    throw new Error(
      `${tool} not found: install it (Debian/Ubuntu: apt-get install ${PACKAGE_OF[tool].debian}; macOS: brew install ${PACKAGE_OF[tool].homebrew}) or Docker to run ${image}`,
    );
  }
  const user = `${process.getuid?.() ?? 65534}:${process.getgid?.() ?? 65534}`;
  return {
    origin: `docker image ${image}`,
    file: 'docker',
    args: [
      'run', '--rm', '--network', 'host', '--user', user,
      ...mounts.flatMap(({ path: mounted, writable }) => ['--volume', `${mounted}:${mounted}${writable ? '' : ':ro'}`]),
      '--entrypoint', `/bin/${tool}`,
      image,
      ...args,
    ],
  };
}
