// Child processes for live tests (the service through service-process.ts, a Prometheus): output
// kept for failure messages and log reading, killed when the test runner exits, stopped
// gracefully when the test ends.
import { spawn, type ChildProcess } from 'node:child_process';
import { GiveUp } from './wait';

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** performance.now() when the process ended. */
  at: number;
}

export interface Started {
  child: ChildProcess;
  /** Resolves once the process has ended and its output is all read. */
  exited: Promise<ExitInfo>;
  /** stdout and stderr so far, in the order they arrived. */
  output: () => string;
  /** stdout alone so far (where the service writes its JSON log lines). */
  stdout: () => string;
  /** stderr alone so far (where a process says why it could not start). */
  stderr: () => string;
}

/** What a failure message quotes of a process's output: its end, where the reason usually is. */
const MESSAGE_TAIL_CHARS = 20_000;

export function start(file: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env, options: { cwd?: string } = {}): Started {
  const child = spawn(file, args, { env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let output = '';
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    output += text;
    stdout += text;
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    output += text;
    stderr += text;
  });
  const exited = new Promise<ExitInfo>((resolve) => {
    let at = 0;
    child.once('exit', () => {
      at = performance.now();
      running.delete(child);
    });
    // 'close' comes after 'exit' once stdout and stderr have ended: no output line is missed.
    child.once('close', (code, signal) => resolve({ code, signal, at: at || performance.now() }));
  });
  return { child, exited, output: () => output, stdout: () => stdout, stderr: () => stderr };
}

export function describeExit(exit: ExitInfo): string {
  return exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
}

export function hasExited({ child }: Started): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** How a process ended, for a failure message: the exit code or signal, and the end of its stderr. */
function endedMessage(started: Started, what: string, exit: ExitInfo): string {
  const stderr = started.stderr().slice(-MESSAGE_TAIL_CHARS).trimEnd();
  return `${what} exited with ${describeExit(exit)}${stderr === '' ? ' (nothing on stderr)' : `, stderr:\n${stderr}`}`;
}

/**
 * Resolves with how the process ended (exit code or signal, and its stderr) once it has: give it
 * to waitFor as `giveUpWhen`, so a wait on something only this process can bring stops the moment
 * the process exits instead of at its deadline.
 */
export function ended(started: Started, what: string): Promise<string> {
  return started.exited.then((exit) => endedMessage(started, what, exit));
}

/** For a waitFor probe: stop waiting at once when the process it waits on has exited. */
export function giveUpIfExited(started: Started, what: string): void {
  if (hasExited(started)) {
    const exit: ExitInfo = { code: started.child.exitCode, signal: started.child.signalCode, at: performance.now() };
    throw new GiveUp(endedMessage(started, what, exit));
  }
}

/** Waits for the process to end; one still running after `killAfterMs` is killed (SIGKILL) and reported as timed out. */
export async function waitForExit(started: Started, killAfterMs: number): Promise<{ exit: ExitInfo; timedOut: boolean }> {
  let timedOut = false;
  const timer = hasExited(started)
    ? undefined
    : setTimeout(() => {
        timedOut = true;
        started.child.kill('SIGKILL');
      }, killAfterMs);
  const exit = await started.exited;
  clearTimeout(timer);
  return { exit, timedOut };
}

/** `signal` (SIGTERM unless told), then SIGKILL if the process has not exited within `graceMs`. */
export async function stop(started: Started, graceMs = 10_000, signal: NodeJS.Signals = 'SIGTERM'): Promise<ExitInfo> {
  if (!hasExited(started)) started.child.kill(signal);
  return (await waitForExit(started, graceMs)).exit;
}
