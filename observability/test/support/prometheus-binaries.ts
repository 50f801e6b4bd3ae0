// Finds promtool and prometheus for the tests: on PATH first, else in the prom/prometheus
// image that docker-compose.yml pins, run through Docker. With neither, fail with one line
// saying what to install: these tests never skip.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { COMPOSE_FILE } from './paths';

export type PrometheusBinary = 'promtool' | 'prometheus';

/** A host path the command reads (or, if writable, writes); Docker mounts it at the same path. */
export interface Mount {
  path: string;
  writable?: boolean;
}

export interface Command {
  file: string;
  args: string[];
}

export interface PrometheusBinaries {
  /** Where the binaries come from, for messages. */
  readonly origin: string;
  command(binary: PrometheusBinary, args: string[], mounts?: Mount[]): Command;
}

/** The prom/prometheus image docker-compose.yml runs: the one place that holds its version. */
export function pinnedPrometheusImage(): string {
  const image = /image:\s*["']?(prom\/prometheus:[\w.-]+)/.exec(readFileSync(COMPOSE_FILE, 'utf8'))?.[1];
  if (image === undefined) throw new Error(`${COMPOSE_FILE} runs no prom/prometheus:<tag> image`);
  return image;
}

function succeeds(file: string, args: string[]): boolean {
  const result = spawnSync(file, args, { stdio: 'ignore', timeout: 30_000 });
  return result.error === undefined && result.status === 0;
}

function onPath(): PrometheusBinaries | undefined {
  if (!succeeds('promtool', ['--version']) || !succeeds('prometheus', ['--version'])) return undefined;
  return { origin: 'PATH', command: (binary, args) => ({ file: binary, args }) };
}

function inDocker(): PrometheusBinaries | undefined {
  if (!succeeds('docker', ['version', '--format', '{{.Server.Version}}'])) return undefined;
  const image = pinnedPrometheusImage();
  const user = `${process.getuid?.() ?? 65534}:${process.getgid?.() ?? 65534}`;
  return {
    origin: `docker image ${image}`,
    command: (binary, args, mounts = []) => ({
      file: 'docker',
      args: [
        'run', '--rm', '--network', 'host', '--user', user,
        ...mounts.flatMap(({ path, writable }) => ['--volume', `${path}:${path}${writable ? '' : ':ro'}`]),
        '--entrypoint', `/bin/${binary}`,
        image,
        ...args,
      ],
    }),
  };
}

let resolved: PrometheusBinaries | undefined;

export function prometheusBinaries(): PrometheusBinaries {
  resolved ??= onPath() ?? inDocker();
  if (resolved === undefined) {
    throw new Error(
      `promtool and prometheus not found: install Prometheus (Debian/Ubuntu: apt-get install prometheus; macOS: brew install prometheus) or Docker to run ${pinnedPrometheusImage()}`,
    );
  }
  return resolved;
}
