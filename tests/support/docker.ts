// Runs the same `docker` / `docker compose` commands the README gives a user, from the
// repository root, for the end-to-end and resilience suites.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import YAML from 'yaml';
import { freePort } from './net';
import { REPO_ROOT } from './repo';
import { GiveUp, waitFor, type WaitOptions } from './wait';

const execFileAsync = promisify(execFile);

export interface DockerOptions {
  /** Added to this process's environment, e.g. COMPOSE_PROJECT_NAME and published ports. */
  env?: NodeJS.ProcessEnv;
  /** Past this, docker is killed (SIGKILL: a hung engine must not hang the suite). Builds want more. */
  timeoutMs?: number;
}

/**
 * Runs `docker ARGS…` in the repository root and returns its stdout, trimmed. A failure carries
 * the command and the tail of what docker said, so a red test explains itself.
 */
export async function docker(args: readonly string[], { env = {}, timeoutMs = 120_000 }: DockerOptions = {}): Promise<string> {
  try {
    const { stdout } = await execFileAsync('docker', args, {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      timeout: timeoutMs,
      killSignal: 'SIGKILL',
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout.trim();
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    const output = `${stdout ?? ''}${stderr ?? ''}`.trim().split('\n').slice(-40).join('\n');
    throw new Error(`docker ${args.join(' ')} failed:\n${output}`, { cause: error });
  }
}

/** `docker inspect -f TEMPLATE` of one container or image. */
export function inspect(target: string, template: string): Promise<string> {
  return docker(['inspect', '-f', template, target]);
}

/** What a container wrote, stdout and stderr together (`docker logs` splits them again). */
export async function containerLogs(container: string): Promise<string> {
  const { stdout, stderr } = await execFileAsync('docker', ['logs', container], { maxBuffer: 16 * 1024 * 1024 });
  return `${stdout}${stderr}`;
}

/** Waits until the container's own HEALTHCHECK reports healthy; fails at once if it exits. */
export function waitHealthy(container: string, options: WaitOptions = {}): Promise<true> {
  return waitFor(
    `container ${container} to be healthy`,
    async () => {
      const [status, health] = (await inspect(container, '{{.State.Status}} {{.State.Health.Status}}')).split(' ');
      if (status === 'exited' || status === 'dead') throw new GiveUp(`container ${container} is ${status}`);
      return health === 'healthy' ? true : undefined;
    },
    options,
  );
}

/** A name unique to this run, valid as a compose project name, a container name and an image tag. */
export function runId(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}`;
}

export const COMPOSE_FILE = path.join(REPO_ROOT, 'docker-compose.yml');

/** The variable docker-compose.yml reads each service's published port from (on 127.0.0.1). */
const PUBLISHED_PORT_VARIABLES = { app: 'APP_PORT', prometheus: 'PROMETHEUS_PORT', alertmanager: 'ALERTMANAGER_PORT', grafana: 'GRAFANA_PORT' } as const;

export type StackPorts = Record<keyof typeof PUBLISHED_PORT_VARIABLES, number>;

/**
 * A free host port for every service docker-compose.yml publishes, and the environment that names
 * the compose project and moves each port there: a suite's stack never meets another's or the user's.
 */
export async function projectEnv(project: string): Promise<{ ports: StackPorts; env: NodeJS.ProcessEnv }> {
  const ports = {} as StackPorts;
  const env: NodeJS.ProcessEnv = { COMPOSE_PROJECT_NAME: project };
  for (const [service, variable] of Object.entries(PUBLISHED_PORT_VARIABLES) as Array<[keyof StackPorts, string]>) {
    ports[service] = await freePort();
    env[variable] = String(ports[service]);
  }
  return { ports, env };
}

export interface ComposeService {
  image?: string;
  build?: unknown;
  profiles?: string[];
}

/** The services of a compose file as written (no interpolation: images here are pinned literally). */
export function composeServices(file = COMPOSE_FILE): Record<string, ComposeService> {
  const parsed = YAML.parse(readFileSync(file, 'utf8')) as { services?: Record<string, ComposeService> };
  if (!parsed.services) throw new Error(`${path.relative(REPO_ROOT, file)} has no services`);
  return parsed.services;
}

/** The image a service runs, as the compose file pins it. */
export function composeImage(service: string, file = COMPOSE_FILE): string {
  const image = composeServices(file)[service]?.image;
  if (!image) throw new Error(`${path.relative(REPO_ROOT, file)}: service ${service} names no image`);
  return image;
}

/** Whether the engine has this image locally (nothing is pulled). */
export async function imagePresent(ref: string): Promise<boolean> {
  return docker(['image', 'inspect', '--format', '{{.Id}}', ref]).then(
    () => true,
    () => false,
  );
}

/**
 * Services that start without a profile, and those whose pinned image this engine lacks and cannot
 * pull (built ones never are): `up` would pull an absent image itself, so only one that no registry
 * gives is missing. A machine without a registry fails the pull at once.
 */
export async function stackImages(file = COMPOSE_FILE): Promise<{ defaultServices: string[]; missing: Set<string> }> {
  const services = Object.entries(composeServices(file));
  const missing = new Set<string>();
  for (const [name, { build, image }] of services) {
    if (build !== undefined || image === undefined || (await imagePresent(image))) continue;
    const pulled = await docker(['pull', '--quiet', image], { timeoutMs: 600_000 }).then(
      () => true,
      () => false,
    );
    if (!pulled) missing.add(name);
  }
  return { defaultServices: services.filter(([, service]) => !service.profiles?.length).map(([name]) => name), missing };
}

/** Containers (running or not), networks and volumes Compose labelled as the project's: empty after a full `down -v`. */
export async function projectLeftovers(project: string): Promise<{ containers: string[]; networks: string[]; volumes: string[] }> {
  const filter = `label=com.docker.compose.project=${project}`;
  const list = async (args: string[]) => (await docker(args)).split('\n').filter(Boolean);
  return {
    containers: await list(['ps', '--all', '--filter', filter, '--format', '{{.Names}} ({{.Status}})']),
    networks: await list(['network', 'ls', '--filter', filter, '--format', '{{.Name}}']),
    volumes: await list(['volume', 'ls', '--filter', filter, '--format', '{{.Name}}']),
  };
}
