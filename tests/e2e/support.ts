// What the end-to-end suites share: running docker, waiting for a condition, plain HTTP.
// They drive the same `docker` / `docker compose` commands the README gives a user.
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** The repository root: the build context and the folder holding docker-compose.yml. */
export const repoRoot = resolve(__dirname, '../..');

/**
 * Runs `docker ARGS…` in the repository root and returns its stdout, trimmed. A failure carries
 * the command and its stderr, so a red test says what docker said.
 */
export async function docker(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  try {
    const { stdout } = await execFileAsync('docker', args, {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout.trim();
  } catch (error) {
    const { stderr, stdout } = error as { stderr?: string; stdout?: string };
    const output = `${stdout ?? ''}${stderr ?? ''}`.trim().split('\n').slice(-40).join('\n');
    throw new Error(`docker ${args.join(' ')} failed:\n${output}`, { cause: error });
  }
}

/** Thrown by a probe to stop waiting at once: the condition can no longer come true. */
export class GiveUp extends Error {}

/**
 * Polls `probe` until it returns a value other than undefined. `deadlineMs` only bounds a hung
 * run (this is a shared, noisy machine): nothing here asserts how fast anything is.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  { deadlineMs = 180_000, intervalMs = 1_000 } = {},
): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      if (error instanceof GiveUp) throw error;
      lastError = error;
    }
    if (Date.now() > deadline) {
      const reason = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`gave up waiting for ${what}${reason}`, { cause: lastError });
    }
    await sleep(intervalMs);
  }
}

export interface HttpAnswer {
  status: number;
  contentType: string;
  body: string;
}

/** One GET with a bounded wait; never throws on an HTTP error status. */
export async function get(url: string): Promise<HttpAnswer> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', body: await res.text() };
}

/** A TCP port free on 127.0.0.1 right now, so the test never collides with a user's stack. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((listening, failed) => {
    server.once('error', failed);
    server.listen(0, '127.0.0.1', listening);
  });
  const address = server.address();
  await new Promise<void>((closed) => server.close(() => closed()));
  if (address === null || typeof address === 'string') throw new Error('no TCP port was assigned');
  return address.port;
}

/** A name unique to this run, valid as a compose project name and an image tag. */
export function runId(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}`;
}

/** `docker inspect -f TEMPLATE` of one container or image. */
export function inspect(target: string, template: string): Promise<string> {
  return docker(['inspect', '-f', template, target]);
}

/** Runs node inside a running container (distroless: no shell, so node is the only tool). */
export function nodeIn(container: string, script: string): Promise<string> {
  return docker(['exec', container, '/nodejs/bin/node', '-e', script]);
}

/** Waits until the container's own HEALTHCHECK reports healthy; fails fast if it exits. */
export function waitHealthy(container: string, deadlineMs?: number): Promise<true> {
  return waitFor(
    `container ${container} to be healthy`,
    async () => {
      const [status, health] = (await inspect(container, '{{.State.Status}} {{.State.Health.Status}}')).split(' ');
      if (status === 'exited' || status === 'dead') throw new GiveUp(`container ${container} is ${status}`);
      return health === 'healthy' ? true : undefined;
    },
    deadlineMs === undefined ? {} : { deadlineMs },
  );
}
