// What only the end-to-end suites need on top of tests/support: plain HTTP, node inside the image,
// and a shell for the README's commands.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { docker } from '../support/docker';
import { REPO_ROOT } from '../support/repo';

const execFileAsync = promisify(execFile);

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

/** Runs node inside a running container (distroless: no shell, so node is the only tool). */
export function nodeIn(container: string, script: string): Promise<string> {
  return docker(['exec', container, '/nodejs/bin/node', '-e', script]);
}

/**
 * Runs one shell command line in the repository root, as a user's shell would (bash -c), with
 * `env` added to this process's environment. Fails with the command and the tail of its output.
 */
export async function shell(command: string, env: NodeJS.ProcessEnv, timeoutMs = 600_000): Promise<string> {
  try {
    const { stdout, stderr } = await execFileAsync('bash', ['-c', command], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      timeout: timeoutMs,
      killSignal: 'SIGKILL',
      maxBuffer: 64 * 1024 * 1024,
    });
    return `${stdout}${stderr}`;
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    const output = `${stdout ?? ''}${stderr ?? ''}`.trim().split('\n').slice(-40).join('\n');
    throw new Error(`$ ${command}\nfailed:\n${output}`, { cause: error });
  }
}
