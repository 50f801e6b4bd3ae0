/**
 * The processes a benchmark run starts: targets and the load generator, pinned to a core each
 * where taskset works, every one killed if the run dies half-way.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { type Agent, get } from 'node:http';
import { join } from 'node:path';
import { freePort } from '../../../tests/support/net';
import { GiveUp, waitFor } from '../../../tests/support/wait';
import { type LoadFigures, type LoadOptions } from '../load';

export const SERVICE_DIR = join(__dirname, '..', '..');
/** Where tsconfig.processes.json compiles the benchmark's processes (rootDir is the service folder). */
export const BUILT = join(__dirname, '..', 'dist');
export const BUILT_BENCH = join(BUILT, 'bench');
export const HEALTH_PATH = '/health';
/**
 * node's arguments that make a target other than the service hold a nextTick entry as the service
 * does (targets/hold-next-tick.ts); none with BENCH_HOLD_NEXT_TICK=0, to see what the hold is for.
 */
export const HOLD_NEXT_TICK = process.env.BENCH_HOLD_NEXT_TICK === '0' ? [] : ['--require', join(BUILT_BENCH, 'targets', 'hold-next-tick.js')];
/** Where every target listens. */
export const TARGET_HOST = '127.0.0.1';
/** Only bounds a target that never comes up; nothing here asserts how fast anything starts. */
const START_LIMIT_MS = 30_000;
/** Under callgrind node starts some fifty times slower, and slower still beside busy neighbours. */
const CALLGRIND_START_LIMIT_MS = 30 * 60_000;

/** The CPUs this process may run on (`Cpus_allowed_list`, e.g. "0-1" or "2,5-6"). */
function allowedCpus(): number[] {
  const list = /^Cpus_allowed_list:\s*(\S+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? '';
  return list.split(',').flatMap((range) => {
    const [from, to = from] = range.split('-').map(Number) as [number, number?];
    return Array.from({ length: to - from + 1 }, (_, i) => from + i);
  });
}

const CPUS = allowedCpus();
export const PIN =
  process.env.BENCH_PIN !== '0' && CPUS.length >= 2 && spawnSync('taskset', ['-c', String(CPUS[0]), 'true']).status === 0;
export const LOAD_CPU = String(CPUS[0]);
export const TARGET_CPU = String(CPUS[1]);

/** `node ARGS…`, behind `taskset -c CPU` when pinning. */
function nodeCommand(cpu: string, args: readonly string[]): [string, string[]] {
  return PIN ? ['taskset', ['-c', cpu, process.execPath, ...args]] : [process.execPath, [...args]];
}

/** Every child still running, so a run that fails half-way leaves no server behind. */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

function track(child: ChildProcess): ChildProcess {
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

export function compileBenchProcesses(): void {
  const tsc = require.resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', join(__dirname, '..', 'tsconfig.processes.json')], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error('tsc -p bench/tsconfig.processes.json failed');
}

export interface Answer {
  readonly status: number;
  readonly body: string;
  readonly contentType: string;
}

export function request(port: number, path: string, agent?: Agent): Promise<Answer> {
  return new Promise((resolve) => {
    const req = get({ host: '127.0.0.1', port, path, agent: agent ?? false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), contentType: res.headers['content-type'] ?? '' }),
      );
    });
    req.on('error', () => resolve({ status: 0, body: '', contentType: '' }));
  });
}

export interface Target {
  readonly name: string;
  readonly child: ChildProcess;
  readonly port: number;
}

export interface StartOptions {
  readonly name: string;
  /** node's arguments: flags, then the script. */
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** Poll interval while waiting for the first 200; small where the wait itself is the figure. */
  readonly intervalMs?: number;
  /** Run as it is, not behind taskset (callgrind counts instructions, not time). */
  readonly command?: readonly string[];
}

export async function start({ name, args, env, intervalMs = 20, command }: StartOptions): Promise<Target> {
  const port = await freePort();
  const [program, programArgs] = command === undefined ? nodeCommand(TARGET_CPU, args) : [command[0] ?? '', [...command.slice(1), process.execPath, ...args]];
  const childEnv: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), HOST: TARGET_HOST, SHUTDOWN_DELAY_MS: '0', ...env };
  // /metrics on the main port, as the local stack runs the service.
  delete childEnv.METRICS_PORT;
  const child = track(spawn(program, programArgs, { cwd: SERVICE_DIR, env: childEnv, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] }));
  await waitFor(
    `${name} to answer ${HEALTH_PATH}`,
    async () => {
      const ended = child.exitCode ?? child.signalCode;
      if (ended !== null) throw new GiveUp(`${name} exited (${ended}) before answering ${HEALTH_PATH}`);
      return (await request(port, HEALTH_PATH)).status === 200 ? true : undefined;
    },
    { deadlineMs: command === undefined ? START_LIMIT_MS : CALLGRIND_START_LIMIT_MS, intervalMs },
  );
  return { name, child, port };
}

export function stop({ child }: Target, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

/** One question to a child over IPC, one answer back; fails if the child exits instead. */
export function ask<T>(child: ChildProcess, message: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const exited = (code: number | null): void => reject(new Error(`${child.spawnargs.join(' ')} exited (${code}) before answering`));
    child.once('exit', exited);
    child.once('message', (answer) => {
      child.off('exit', exited);
      resolve(answer as T);
    });
    child.send(message as object);
  });
}

/** The load generator (load.ts): one long-lived process on a core of its own, one LoadOptions message per measurement. */
export class LoadGenerator {
  readonly child = track(spawn(...nodeCommand(LOAD_CPU, [join(BUILT_BENCH, 'load.js')]), { cwd: SERVICE_DIR, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));

  run(options: LoadOptions): Promise<LoadFigures> {
    return ask<LoadFigures>(this.child, options);
  }

  close(): void {
    this.child.disconnect();
  }
}
