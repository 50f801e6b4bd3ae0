/**
 * Instructions per request, counted by valgrind's callgrind: unlike CPU time they do not move
 * when a neighbour takes the core, or with cache and frequency, so two targets compare even on a
 * busy machine. The target runs under callgrind (about 50 times slower), takes a warm-up so V8
 * has compiled its hot paths, then the counters are zeroed, a fixed number of requests is sent,
 * and every thread's instruction count is read back with callgrind_control.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LoadFigures } from '../load';
import { HEALTH_PATH, LoadGenerator, type StartOptions, TARGET_HOST, start, stop } from './processes';

export interface InstructionOptions {
  readonly warmupRequests: number;
  readonly requests: number;
  readonly connections: number;
  readonly pipelining: number;
}

export function callgrindAvailable(): boolean {
  return spawnSync('valgrind', ['--version']).status === 0 && spawnSync('callgrind_control', ['-h']).status !== null;
}

/**
 * callgrind_control with the target's HOST: valgrind names its control files after the HOST
 * variable, which the targets set to their listening address.
 */
function control(prefix: string, pid: number, action: string): string {
  const env = { ...process.env, HOST: TARGET_HOST };
  const result = spawnSync('callgrind_control', [`--vgdb-prefix=${prefix}`, action, String(pid)], { encoding: 'utf8', env });
  return `${result.stdout}${result.stderr}`;
}

/** Every thread's instruction count, summed ("Th 1  302,475" lines of `callgrind_control -e`). */
function totalInstructions(prefix: string, pid: number): number {
  const output = control(prefix, pid, '-e');
  const threads = [...output.matchAll(/^\s*Th\s+\d+\s+([\d,]+)/gm)].map((match) => Number((match[1] ?? '').replaceAll(',', '')));
  if (threads.length === 0) throw new Error(`callgrind_control -e ${pid} printed no totals: ${output}`);
  return threads.reduce((sum, count) => sum + count, 0);
}

export async function instructionsPerRequest(loader: LoadGenerator, target: StartOptions, options: InstructionOptions): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-callgrind-'));
  const prefix = join(dir, 'vgdb');
  try {
    const running = await start({
      ...target,
      // The service's JIT writes code into the heap: --smc-check=all-non-file makes valgrind notice.
      command: [
        'valgrind', '--tool=callgrind', '--smc-check=all-non-file', '--vgdb=yes', `--vgdb-prefix=${prefix}`, `--callgrind-out-file=${join(dir, 'out.%p')}`,
        `--log-file=${join(dir, 'valgrind.log')}`,
      ],
    });
    const pid = running.child.pid ?? 0;
    // No response timeout that a target fifty times slower, beside busy neighbours, could hit.
    const send = (amount: number): Promise<LoadFigures> =>
      loader.run({ url: `http://127.0.0.1:${running.port}${HEALTH_PATH}`, connections: options.connections, pipelining: options.pipelining, amount, timeoutSeconds: 3_600 });
    await send(options.warmupRequests);
    control(prefix, pid, '-z');
    const figures = await send(options.requests);
    const count = totalInstructions(prefix, pid);
    // With `amount`, autocannon ends once every request is answered or lost; its per-second
    // `requests.total` can miss the last partial second, so the divisor is the amount sent.
    const lost = figures.errors + figures.timeouts + figures.non2xx;
    if (lost > 0) throw new Error(`${target.name} under callgrind lost ${lost} of ${options.requests} requests: no count`);
    await stop(running, 'SIGKILL');
    return count / options.requests;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * With BENCH_INSTRUCTIONS=1 and callgrind installed, the instructions per request of every target, all
 * at once, each with a load generator of its own: the counts do not depend on what else runs, and a busy
 * machine gives each process its share of a core. 100 requests in flight, not 1,000: a target under
 * callgrind answers some fifty times slower. Otherwise none ([]).
 */
export async function instructionsOfEach(targets: readonly StartOptions[], env: NodeJS.ProcessEnv = process.env): Promise<number[]> {
  if (env.BENCH_INSTRUCTIONS !== '1' || !callgrindAvailable()) return [];
  const requests = Number(env.BENCH_INSTRUCTION_REQUESTS ?? 20_000);
  const counts = { warmupRequests: requests, requests, connections: 10, pipelining: 10 };
  return Promise.all(
    targets.map(async (target) => {
      const own = new LoadGenerator();
      try {
        return await instructionsPerRequest(own, target, counts);
      } finally {
        own.close();
      }
    }),
  );
}
