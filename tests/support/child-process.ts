// Child processes for live tests (a built service, a Prometheus): output kept for failure
// messages, killed when the test runner exits, stopped gracefully when the test ends.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { GiveUp } from './wait';

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export interface Started {
  child: ChildProcess;
  /** stdout and stderr so far (the last 20 000 characters). */
  output: () => string;
}

export function start(file: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Started {
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

export function hasExited({ child }: Started): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** For a waitFor probe: stop waiting at once when the process it waits on has exited. */
export function giveUpIfExited(started: Started, what: string): void {
  if (hasExited(started)) {
    throw new GiveUp(`${what} exited with ${started.child.exitCode ?? started.child.signalCode}:\n${started.output()}`);
  }
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
