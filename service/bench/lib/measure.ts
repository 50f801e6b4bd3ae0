/**
 * What a run measures: CPU time and RSS from /proc, interleaved rounds of load with the
 * neighbours' CPU counted beside each, /metrics render time, cold start, and memory reports.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { type LoadFigures, type LoadOptions } from '../load';
import { type Launch } from './image';
import { type MemoryReport } from '../memory/probe';
import { type MemoryStage } from '../memory/stages';
import { BUILT_BENCH, HEALTH_PATH, type LoadGenerator, SERVICE_DIR, type Target, ask, request, start, stop } from './processes';

/** Clock ticks per second of /proc's CPU times (USER_HZ, 100 on Linux unless told otherwise). */
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim() || 100);

/** CPU seconds a process has used so far, every thread (its GC threads too), user and system. */
export function cpuSecondsOf(pid: number | undefined): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name: state is the first, utime the 12th, stime the 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** CPU seconds the whole machine has been busy (every core; idle and iowait left out). */
export function machineBusySeconds(): number {
  const [, ...ticks] = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = ticks;
  return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS;
}

export interface Rss {
  readonly peakMb: number;
  readonly rssMb: number;
}

/**
 * Idle time after the load before the "settled" RSS reading. What the load grew (the young
 * generation, V8's page pool) stays until V8's memory reducer runs a memory-reducing GC, and in a
 * Node.js process that is its watchdog's doing: the reducer judges the allocation rate high even
 * when idle, so it waits 100 s from the last full GC (`kWatchdogDelayMs`, V8's
 * src/heap/memory-reducer.cc) and checks every 8 s (`--gc-memory-reducer-start-delay-ms`).
 */
export const SETTLE_S = 120;

export function rssOf({ child }: Target): Rss {
  const text = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? Number.NaN);
  return { peakMb: kb('VmHWM') / 1024, rssMb: kb('VmRSS') / 1024 };
}

/** Asks the probe preloaded into a target (memory/probe.ts) where its memory is. */
export const memoryOf = (target: Target): Promise<MemoryReport> => ask<MemoryReport>(target.child, {});

export function memoryStages(nodeArgs: readonly string[], env: Readonly<Record<string, string>>): MemoryStage[] {
  const result = spawnSync(process.execPath, ['--expose-gc', ...nodeArgs, join(BUILT_BENCH, 'memory', 'stages.js')], {
    cwd: SERVICE_DIR,
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`memory/stages.js failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as MemoryStage[];
}

/** The machine while the run lasted: the load average at both ends, and the Node.js every target runs on. */
export interface Conditions {
  readonly loadBefore: readonly number[];
  loadAfter: readonly number[];
  /** `process.version` of the benchmark, which starts every target with its own node. */
  readonly node: string;
  /** The major version the image runs (lib/image.ts), when the Dockerfile says. */
  readonly imageNodeMajor: number | undefined;
}

export const conditionsNow = (imageNodeMajor: number | undefined): Conditions => ({
  loadBefore: loadavg(),
  loadAfter: [],
  node: process.version,
  imageNodeMajor,
});

export interface Row {
  readonly name: string;
  readonly target: Target;
  readonly path: string;
  readonly rounds: LoadFigures[];
  /** CPU seconds the target used during each round. */
  readonly cpuSeconds: number[];
  /** Cores' worth of CPU that neither the target nor the load generator used during each round: the neighbours. */
  readonly neighbourCores: number[];
}

export const row = (name: string, target: Target, path = HEALTH_PATH): Row => ({ name, target, path, rounds: [], cpuSeconds: [], neighbourCores: [] });

export interface RoundOptions {
  readonly rounds: number;
  readonly roundSeconds: number;
  readonly warmupSeconds: number;
  readonly connections: number;
  readonly pipelining: number;
}

/** The rounds BENCH_ROUNDS, BENCH_ROUND_SECONDS, BENCH_CONNECTIONS and BENCH_PIPELINING ask for. */
export const roundsFromEnv = (env: NodeJS.ProcessEnv = process.env): RoundOptions => ({
  rounds: Number(env.BENCH_ROUNDS ?? 8),
  roundSeconds: Number(env.BENCH_ROUND_SECONDS ?? 3),
  warmupSeconds: 3,
  connections: Number(env.BENCH_CONNECTIONS ?? 100),
  pipelining: Number(env.BENCH_PIPELINING ?? 10),
});

/**
 * Every row under the same load, in interleaved rounds whose order rotates, so a neighbour busy
 * for a minute lands on every row alike; each round records the target's CPU time and the
 * neighbours' (the machine's busy time minus the target's and the load generator's).
 */
export async function measureRounds(loader: LoadGenerator, rows: readonly Row[], options: RoundOptions): Promise<void> {
  const load = (each: Row, duration: number): Promise<LoadFigures> =>
    loader.run({
      url: `http://127.0.0.1:${each.target.port}${each.path}`,
      connections: options.connections,
      pipelining: options.pipelining,
      duration,
    } satisfies LoadOptions);
  for (const each of rows) await load(each, options.warmupSeconds);
  for (let round = 0; round < options.rounds; round += 1) {
    for (let i = 0; i < rows.length; i += 1) {
      const each = rows[(round + i) % rows.length] as Row;
      const [target, generator, machine, started] = [cpuSecondsOf(each.target.child.pid), cpuSecondsOf(loader.child.pid), machineBusySeconds(), performance.now()];
      each.rounds.push(await load(each, options.roundSeconds));
      const targetSeconds = cpuSecondsOf(each.target.child.pid) - target;
      const others = machineBusySeconds() - machine - targetSeconds - (cpuSecondsOf(loader.child.pid) - generator);
      each.cpuSeconds.push(targetSeconds);
      each.neighbourCores.push(Math.max(0, others) / ((performance.now() - started) / 1000));
    }
  }
}

export const cpuMicrosPerRequest = (each: Row): number[] =>
  each.rounds.map((figures, i) => ((each.cpuSeconds[i] ?? Number.NaN) * 1e6) / figures.requests);

/** Series on a /metrics page, and how many requests to /health the duration histogram counted (any status). */
export async function instrumentation(target: Target): Promise<{ series: number; counted: number }> {
  const page = await request(target.port, '/metrics');
  const samples = page.body.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
  const counted = samples
    .filter((line) => /^http_\w*request_duration_seconds_count\{/.test(line) && (!line.includes('route=') || line.includes(`"${HEALTH_PATH}"`)))
    .reduce((total, line) => total + Number(line.split(' ').at(-1)), 0);
  return { series: samples.length, counted };
}

/** The same /metrics page over HTTP, one keep-alive connection: render plus round trip, ascending. */
async function roundTrips(port: number, times: number): Promise<number[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const elapsed: number[] = [];
  for (let i = 0; i < times; i += 1) {
    const started = performance.now();
    await request(port, '/metrics', agent);
    elapsed.push(performance.now() - started);
  }
  agent.destroy();
  return elapsed.sort((x, y) => x - y);
}

export interface RenderFigures {
  /** In-process render times, ms, ascending. */
  readonly render: number[];
  /** Over HTTP, ms, ascending. */
  readonly roundTrip: number[];
  readonly series: number;
}

export interface RenderOptions {
  readonly connections: number;
  readonly pipelining: number;
  /** Requests sent first, every tenth to /health and the others to this many distinct unrouted URLs. */
  readonly requests: number;
  readonly distinctUrls: number;
  readonly renders: number;
}

/** /metrics after many distinct URLs: the route label must keep the page small and the render fast. */
export async function renderFigures(
  loader: LoadGenerator,
  nodeArgs: readonly string[],
  env: Readonly<Record<string, string>>,
  options: RenderOptions,
): Promise<RenderFigures> {
  const target = await start({
    name: 'service-in-process',
    args: [...nodeArgs, join(BUILT_BENCH, 'targets', 'service-in-process.js')],
    // APP_VERSION: compiled into bench/dist, the service's config cannot find service/package.json.
    env: { ...env, LOG_LEVEL: 'warn', APP_VERSION: 'bench' },
  });
  await loader.run({
    url: `http://127.0.0.1:${target.port}${HEALTH_PATH}`,
    connections: options.connections,
    pipelining: options.pipelining,
    amount: options.requests,
    distinctPaths: options.distinctUrls,
  });
  const { times, series } = await ask<{ times: number[]; series: number }>(target.child, { render: options.renders });
  const roundTrip = await roundTrips(target.port, options.renders);
  await stop(target);
  return { render: times.sort((x, y) => x - y), roundTrip, series };
}

/** Spawn to first 200 on /health, `times` over, ms ascending. */
export async function coldStarts(launch: Launch, times: number): Promise<number[]> {
  const elapsed: number[] = [];
  for (let i = 0; i < times; i += 1) {
    const started = performance.now();
    const target = await start({ name: 'service', ...launch, intervalMs: 2 });
    elapsed.push(performance.now() - started);
    await stop(target);
  }
  return elapsed.sort((x, y) => x - y);
}
