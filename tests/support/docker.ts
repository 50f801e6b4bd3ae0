// Runs the same `docker` / `docker compose` commands the README gives a user, from the
// repository root, for the end-to-end and resilience suites.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
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
