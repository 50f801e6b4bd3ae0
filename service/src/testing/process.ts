import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const SERVICE_ROOT = join(__dirname, '..', '..');

/** The real entry point in its own process, through tsx so no build is needed. */
export function spawnService(env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', join('src', 'main.ts')], {
    cwd: SERVICE_ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** The exit code; a child still running after `hangAfterMs` is killed and reported as null. */
export function exitCode(child: ChildProcess, hangAfterMs = 30_000): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) {
      resolve(child.exitCode);
      return;
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), hangAfterMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

/** Resolves with the first JSON log line on stdout for which `match` is true. */
export function waitForLog(child: ChildProcess, match: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const onData = (chunk: Buffer): void => {
      buffered += chunk.toString('utf8');
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const text of lines) {
        const line = JSON.parse(text) as Record<string, unknown>;
        if (match(line)) {
          child.stdout?.off('data', onData);
          resolve(line);
          return;
        }
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited with ${code} before the expected log line`)));
  });
}
