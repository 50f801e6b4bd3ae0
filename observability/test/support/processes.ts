// Child processes for live tests: started on loopback, ended when the test ends or the runner exits.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export interface Started {
  child: ChildProcess;
  /** stdout and stderr so far, for failure messages. */
  output: () => string;
}

export function start(file: string, args: string[], env: NodeJS.ProcessEnv = process.env): Started {
  const child = spawn(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { child, output: () => output };
}

/** SIGTERM, then SIGKILL if the process has not exited within `graceMs`. */
export async function stop(started: Started, graceMs = 10_000): Promise<void> {
  if (hasExited(started)) return;
  const { child } = started;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

export function hasExited({ child }: Started): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/**
 * Polls `probe` until it returns a value other than undefined. Fails with `describe()` after
 * `timeoutMs`, or at once when the process it waits on has exited.
 */
export async function waitFor<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  describe: () => string,
  waitingOn?: Started,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (waitingOn && hasExited(waitingOn)) throw new Error(`exited with ${waitingOn.child.exitCode ?? waitingOn.child.signalCode}: ${describe()}`);
    if (Date.now() > deadline) throw new Error(`gave up after ${timeoutMs} ms: ${describe()}`);
    await sleep(250);
  }
}
