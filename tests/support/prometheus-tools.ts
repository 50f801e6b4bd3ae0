// The Prometheus project's tools for tests (promtool, prometheus, amtool, alertmanager and the
// black-box exporter), real ones: on PATH first, under upstream's name or Debian's, else in the
// image docker-compose.yml pins for them, run through Docker. With neither, the suites that need
// them are skipped with a line saying what to install (needs() in tools.ts); a call that gets here
// anyway fails with that line.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { composeImage } from './docker';
import { dockerEngineAnswers, howToGet, installed } from './tools';

export type PrometheusTool = 'promtool' | 'prometheus' | 'amtool' | 'alertmanager' | 'blackbox_exporter';

/** The compose service whose image ships each tool (its binary is /bin/<tool> there). */
const SERVICE_OF: Readonly<Record<PrometheusTool, 'prometheus' | 'alertmanager' | 'blackbox'>> = {
  promtool: 'prometheus',
  prometheus: 'prometheus',
  amtool: 'alertmanager',
  alertmanager: 'alertmanager',
  blackbox_exporter: 'blackbox',
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

/** The mounts Docker needs: one per path (Docker refuses duplicates), none under a folder already mounted as well. */
function distinctMounts(mounts: readonly Mount[]): Mount[] {
  const kept: Mount[] = [];
  for (const mount of [...mounts].sort((a, b) => a.path.length - b.path.length)) {
    const same = kept.find((other) => other.path === mount.path);
    if (same) {
      same.writable = same.writable === true || mount.writable === true;
      continue;
    }
    const covered = kept.some((other) => mount.path.startsWith(`${other.path}${path.sep}`) && (other.writable === true || mount.writable !== true));
    if (!covered) kept.push({ ...mount });
  }
  return kept;
}

function succeeds(file: string, args: string[]): boolean {
  const result = spawnSync(file, args, { stdio: 'ignore', timeout: 30_000 });
  return result.error === undefined && result.status === 0;
}

/** Each tool's path on PATH once it has answered `--version` there, undefined when it has not. */
const local = new Map<PrometheusTool, string | undefined>();

/**
 * How to run `tool args…` here. Mounts matter only under Docker: every host path the command
 * reads or writes must be listed.
 */
export function prometheusTool(tool: PrometheusTool, args: string[], mounts: Mount[] = []): Command {
  if (!local.has(tool)) {
    const found = installed(tool);
    local.set(tool, found !== undefined && succeeds(found, ['--version']) ? found : undefined);
  }
  const file = local.get(tool);
  if (file !== undefined) return { file, args, origin: 'PATH' };

  const image = composeImage(SERVICE_OF[tool]);
  if (!dockerEngineAnswers()) throw new Error(`${tool} not found (${howToGet(tool)}: ${image})`);
  const user = `${process.getuid?.() ?? 65534}:${process.getgid?.() ?? 65534}`;
  return {
    origin: `docker image ${image}`,
    file: 'docker',
    args: [
      'run', '--rm', '--network', 'host', '--user', user,
      ...distinctMounts(mounts).flatMap(({ path: mounted, writable }) => ['--volume', `${mounted}:${mounted}${writable ? '' : ':ro'}`]),
      '--entrypoint', `/bin/${tool}`,
      image,
      ...args,
    ],
  };
}
