/**
 * Figures, not a test: this service against what its users would pick instead. Three stacks,
 * each as an instrumented app next to its bare twin answering the same route with the same bytes:
 * restify 12 (this service vs bare restify), Express 5 (+ express-prom-bundle) and Fastify 5
 * (+ fastify-metrics); plus node:http for scale, /api/work, /metrics render time after many
 * distinct URLs, cold start, and where the service's memory goes.
 *
 * On a shared 2-core machine a sequential a-then-b run mostly measures whoever else was busy at
 * the time. So every target runs at once (idle ones cost nothing) and is measured in interleaved
 * rounds, the order rotating each round; each ratio is taken within a round and the median and
 * range over the rounds are reported. Where taskset works, the load generator (load.ts, one
 * long-lived process) is pinned to one core and every target to the other, so neither steals the
 * other's core; this orchestrator only waits. Requests per second still move with whatever else
 * the machine runs, so each round also reads the target's CPU time from /proc: CPU µs per request
 * does not change when a neighbour takes half the core, and its ratio is reported beside req/s.
 *
 * Every target runs as the image runs the service: plain `node` on compiled JavaScript,
 * NODE_ENV=production and the image's node flags (NODE_OPTIONS and ENTRYPOINT/CMD flags, read
 * from the Dockerfile; BENCH_NODE_OPTIONS overrides NODE_OPTIONS). A variant of the service with
 * BENCH_VARIANT_NODE_ARGS (default --optimize-for-size) is measured beside it, to price a flag
 * before it goes into the image. BENCH_ROUNDS (8), BENCH_ROUND_SECONDS (3), BENCH_CONNECTIONS
 * (100), BENCH_PIPELINING (10), BENCH_WORK_QUERY ("" = /api/work with its defaults) and
 * BENCH_PIN (0 = no taskset) shape the run.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { Agent, get } from 'node:http';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { freePort } from '../../tests/support/net';
import { REPO_ROOT } from '../../tests/support/repo';
import { median, percentile } from '../../tests/support/stats';
import { GiveUp, waitFor } from '../../tests/support/wait';
import { type LoadFigures, type LoadOptions } from './load';
import { type MemoryQuery, type MemoryReport } from './memory/probe';
import { type MemoryStage } from './memory/stages';

const SERVICE_DIR = join(__dirname, '..');
/** Where tsconfig.processes.json compiles the load generator, the peers and the memory probe. */
const BUILT = join(__dirname, 'dist');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 8);
const ROUND_S = Number(process.env.BENCH_ROUND_SECONDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 100);
const PIPELINING = Number(process.env.BENCH_PIPELINING ?? 10);
const WORK_QUERY = process.env.BENCH_WORK_QUERY ?? '';
const VARIANT_ARGS = (process.env.BENCH_VARIANT_NODE_ARGS ?? '--optimize-for-size').split(' ').filter((arg) => arg !== '');
const WARMUP_S = 3;
const RENDER_REQUESTS = Number(process.env.BENCH_RENDER_REQUESTS ?? 100_000);
const DISTINCT_URLS = 10_000;
const RENDERS = 1_000;
const COLD_STARTS = 7;
/** Idle time after the load before the "settled" RSS reading: what `ps` shows a minute later. */
const SETTLE_S = 10;
const HEALTH_PATH = '/health';
/** Only bounds a target that never comes up; nothing here asserts how fast anything starts. */
const START_LIMIT_MS = 30_000;

// ---- the image's node flags -------------------------------------------------------------------

/** NODE_OPTIONS as the runtime image sets it (`ENV NODE_OPTIONS=...` in the Dockerfile). */
function imageNodeOptions(dockerfile: string): string {
  if (process.env.BENCH_NODE_OPTIONS !== undefined) return process.env.BENCH_NODE_OPTIONS;
  const match = /\bNODE_OPTIONS=(?:"([^"]*)"|(\S+))/.exec(dockerfile);
  return match?.[1] ?? match?.[2] ?? '';
}

/**
 * Flags the image passes node on its command line: V8 flags NODE_OPTIONS refuses
 * (--optimize-for-size is one) can only go there. The last ENTRYPOINT and CMD are the runtime stage's.
 */
function imageNodeArgs(dockerfile: string): string[] {
  const lastArray = (instruction: string): string[] => {
    const found = [...dockerfile.matchAll(new RegExp(`^${instruction}\\s+(\\[.*\\])\\s*$`, 'gm'))].at(-1)?.[1];
    return found === undefined ? [] : (JSON.parse(found) as string[]);
  };
  return [...lastArray('ENTRYPOINT'), ...lastArray('CMD')].filter((arg) => arg.startsWith('-'));
}

// ---- processes, pinned where taskset exists ---------------------------------------------------

/** The CPUs this process may run on (`Cpus_allowed_list`, e.g. "0-1" or "2,5-6"). */
function allowedCpus(): number[] {
  const list = /^Cpus_allowed_list:\s*(\S+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? '';
  return list.split(',').flatMap((range) => {
    const [from, to = from] = range.split('-').map(Number) as [number, number?];
    return Array.from({ length: to - from + 1 }, (_, i) => from + i);
  });
}

const CPUS = allowedCpus();
const PIN =
  process.env.BENCH_PIN !== '0' && CPUS.length >= 2 && spawnSync('taskset', ['-c', String(CPUS[0]), 'true']).status === 0;
const LOAD_CPU = String(CPUS[0]);
const TARGET_CPU = String(CPUS[1]);

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

function compileBenchProcesses(): void {
  const tsc = require.resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', join(__dirname, 'tsconfig.processes.json')], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error('tsc -p bench/tsconfig.processes.json failed');
}

interface Answer {
  readonly status: number;
  readonly body: string;
  readonly contentType: string;
}

function request(port: number, path: string, agent?: Agent): Promise<Answer> {
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

interface Target {
  readonly name: string;
  readonly child: ChildProcess;
  readonly port: number;
}

interface StartOptions {
  readonly name: string;
  /** node's arguments: flags, then the script. */
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** Poll interval while waiting for the first 200; small where the wait itself is the figure. */
  readonly intervalMs?: number;
}

async function start({ name, args, env, intervalMs = 20 }: StartOptions): Promise<Target> {
  const port = await freePort();
  const [command, commandArgs] = nodeCommand(TARGET_CPU, args);
  const childEnv: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), HOST: '127.0.0.1', SHUTDOWN_DELAY_MS: '0', ...env };
  // /metrics on the main port, as the local stack runs the service.
  delete childEnv.METRICS_PORT;
  const child = track(spawn(command, commandArgs, { cwd: SERVICE_DIR, env: childEnv, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] }));
  await waitFor(
    `${name} to answer ${HEALTH_PATH}`,
    async () => {
      const ended = child.exitCode ?? child.signalCode;
      if (ended !== null) throw new GiveUp(`${name} exited (${ended}) before answering ${HEALTH_PATH}`);
      return (await request(port, HEALTH_PATH)).status === 200 ? true : undefined;
    },
    { deadlineMs: START_LIMIT_MS, intervalMs },
  );
  return { name, child, port };
}

function stop({ child }: Target): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** One question to a child over IPC, one answer back; fails if the child exits instead. */
function ask<T>(child: ChildProcess, message: unknown): Promise<T> {
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

function startLoadGenerator(): ChildProcess {
  const [command, args] = nodeCommand(LOAD_CPU, [join(BUILT, 'load.js')]);
  return track(spawn(command, args, { cwd: SERVICE_DIR, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
}

// ---- memory -----------------------------------------------------------------------------------

interface Rss {
  readonly peakMb: number;
  readonly rssMb: number;
}

function rssOf({ child }: Target): Rss {
  const text = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? Number.NaN);
  return { peakMb: kb('VmHWM') / 1024, rssMb: kb('VmRSS') / 1024 };
}

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ, 100 on Linux unless told otherwise). */
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim() || 100);

/** CPU seconds the target has used so far, every thread (its GC threads too), user and system. */
function cpuSecondsOf({ child }: Target): number {
  const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
  // Fields after the parenthesised command name: state is the first, utime the 12th, stime the 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

const memoryOf = (target: Target, gc = false): Promise<MemoryReport> => ask<MemoryReport>(target.child, { gc } satisfies MemoryQuery);

function memoryStages(flags: readonly string[], nodeOptions: string): MemoryStage[] {
  const result = spawnSync(process.execPath, ['--expose-gc', ...flags, join(BUILT, 'memory', 'stages.js')], {
    cwd: SERVICE_DIR,
    env: { ...process.env, NODE_OPTIONS: nodeOptions },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`memory/stages.js failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as MemoryStage[];
}

// ---- /metrics render and cold start ----------------------------------------------------------

/** The same /metrics page over HTTP, one keep-alive connection: render plus round trip. */
async function roundTrips(port: number): Promise<number[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const times: number[] = [];
  for (let i = 0; i < RENDERS; i += 1) {
    const started = performance.now();
    await request(port, '/metrics', agent);
    times.push(performance.now() - started);
  }
  agent.destroy();
  return times.sort((x, y) => x - y);
}

async function renderFigures(
  loader: ChildProcess,
  env: Readonly<Record<string, string>>,
): Promise<{ render: number[]; roundTrip: number[]; series: number }> {
  const target = await start({
    name: 'service-in-process.ts',
    args: ['--import', 'tsx', join('bench', 'targets', 'service-in-process.ts')],
    env: { ...env, LOG_LEVEL: 'warn' },
  });
  await ask<LoadFigures>(loader, {
    url: `http://127.0.0.1:${target.port}${HEALTH_PATH}`,
    connections: CONNECTIONS,
    pipelining: PIPELINING,
    amount: RENDER_REQUESTS,
    distinctPaths: DISTINCT_URLS,
  } satisfies LoadOptions);
  const { times, series } = await ask<{ times: number[]; series: number }>(target.child, { render: RENDERS });
  const roundTrip = await roundTrips(target.port);
  await stop(target);
  return { render: times.sort((x, y) => x - y), roundTrip, series };
}

async function coldStarts(args: readonly string[], env: Readonly<Record<string, string>>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < COLD_STARTS; i += 1) {
    const started = performance.now();
    const target = await start({ name: 'service', args, env, intervalMs: 2 });
    times.push(performance.now() - started);
    await stop(target);
  }
  return times.sort((x, y) => x - y);
}

// ---- figures ----------------------------------------------------------------------------------

const fmt = (value: number, digits = 0): string => value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const spread = (values: readonly number[], digits: number): string =>
  `${fmt(median(values), digits)} (${fmt(Math.min(...values), digits)}-${fmt(Math.max(...values), digits)})`;

/** The installed version of a package, wherever npm hoisted it. */
function version(name: string): string {
  for (const dir of [join(SERVICE_DIR, 'node_modules'), join(REPO_ROOT, 'node_modules')]) {
    const manifest = join(dir, name, 'package.json');
    if (existsSync(manifest)) return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
  }
  return '?';
}

interface Row {
  readonly name: string;
  readonly target: Target;
  readonly path: string;
  readonly rounds: LoadFigures[];
  /** CPU seconds the target used during each round. */
  readonly cpuSeconds: number[];
}

const requestsPerSecond = (row: Row): number[] => row.rounds.map((figures) => figures.requestsPerSecond);
const p99s = (row: Row): number[] => row.rounds.map((figures) => figures.p99Ms);
const cpuMicrosPerRequest = (row: Row): number[] => row.rounds.map((figures, i) => ((row.cpuSeconds[i] ?? Number.NaN) * 1e6) / figures.requests);
/** x / y per round: both measured in the same round, minutes apart at most. */
const ratio = (x: Row, y: Row): number[] => x.rounds.map((figures, i) => figures.requestsPerSecond / (y.rounds[i]?.requestsPerSecond ?? Number.NaN));
/** The same ratio by CPU time: y's CPU per request over x's, so above 1 still means x is cheaper. */
const cpuRatio = (x: Row, y: Row): number[] => {
  const xs = cpuMicrosPerRequest(x);
  return cpuMicrosPerRequest(y).map((micros, i) => micros / (xs[i] ?? Number.NaN));
};

/**
 * Whether `ours` beats every one of `theirs`: claimed only when its whole range clears theirs;
 * a better median over overlapping ranges is noise on this machine, and said so.
 */
function verdict(ours: readonly number[], theirs: readonly (readonly number[])[], higherIsBetter: boolean): string {
  const better = (x: number, y: number): boolean => (higherIsBetter ? x > y : x < y);
  const worstOurs = higherIsBetter ? Math.min(...ours) : Math.max(...ours);
  const bestTheirs = theirs.map((values) => (higherIsBetter ? Math.max(...values) : Math.min(...values)));
  const wins = ours.filter((value, i) => theirs.every((values) => better(value, values[i] ?? Number.NaN))).length;
  const rounds = `best in ${wins} of ${ours.length} rounds`;
  if (bestTheirs.every((value) => better(worstOurs, value))) return `met: its range clears the others' (${rounds})`;
  if (theirs.every((values) => better(median(ours), median(values)))) return `not claimed: better median, overlapping ranges (${rounds})`;
  return `MISSED (${rounds})`;
}

/** Series on a /metrics page, and how many requests to `path`'s histogram counted (any status). */
async function instrumentation(target: Target): Promise<{ series: number; counted: number }> {
  const page = await request(target.port, '/metrics');
  const samples = page.body.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
  const counted = samples
    .filter((line) => /^http_\w*request_duration_seconds_count\{/.test(line) && (!line.includes('route=') || line.includes(`"${HEALTH_PATH}"`)))
    .reduce((total, line) => total + Number(line.split(' ').at(-1)), 0);
  return { series: samples.length, counted };
}

function printMemory(stages: readonly MemoryStage[], snapshots: readonly (readonly [string, MemoryReport])[]): void {
  console.log('\nWhere the memory goes: a fresh process, after a full GC at each step (MB)\n');
  console.log('| step | RSS | heap used / total | external | code + bytecode |');
  console.log('|---|---:|---:|---:|---:|');
  for (const s of stages) {
    console.log(`| ${s.stage} | ${fmt(s.rssMb, 1)} | ${fmt(s.heapUsedMb, 1)} / ${fmt(s.heapTotalMb, 1)} | ${fmt(s.externalMb, 1)} | ${fmt(s.codeAndMetadataMb, 1)} |`);
  }
  console.log('\nThe service itself, asked by a preloaded probe (MB; "file-backed" is RSS minus anonymous: node\'s own code and data pages)\n');
  console.log('| when | RSS | anonymous / file-backed | heap used / total | new / old / code / large-object / trusted space | external (array buffers) | V8 malloc | code + bytecode | threads |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const [when, m] of snapshots) {
    const space = (name: string): string => fmt(m.spacesMb[name] ?? 0, 1);
    console.log(
      `| ${when} | ${fmt(m.rssMb, 1)} | ${fmt(m.anonymousMb, 1)} / ${fmt(m.rssMb - m.anonymousMb, 1)} | ${fmt(m.heapUsedMb, 1)} / ${fmt(m.heapTotalMb, 1)} | ` +
        `${space('new_space')} / ${space('old_space')} / ${space('code_space')} / ${space('large_object_space')} / ${space('trusted_space')} | ` +
        `${fmt(m.externalMb, 1)} (${fmt(m.arrayBuffersMb, 1)}) | ${fmt(m.v8MallocedMb, 1)} | ${fmt(m.codeAndMetadataMb, 1)} | ${m.threads} |`,
    );
  }
}

// ---- the run ----------------------------------------------------------------------------------

async function main(): Promise<void> {
  const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
  const nodeOptions = imageNodeOptions(dockerfile);
  const nodeArgs = imageNodeArgs(dockerfile);
  const variantArgs = VARIANT_ARGS.filter((arg) => !nodeArgs.includes(arg));
  const env = { NODE_ENV: 'production', NODE_OPTIONS: nodeOptions };
  const probe = ['--require', join(BUILT, 'memory', 'probe.js')];
  const workPath = `/api/work${WORK_QUERY === '' ? '' : `?${WORK_QUERY}`}`;
  const loadBefore = loadavg();
  compileBenchProcesses();
  console.log(
    `${ROUNDS} interleaved rounds of ${ROUND_S} s per target after ${WARMUP_S} s warm-up; autocannon ${version('autocannon')}, ${CONNECTIONS} connections, ` +
      `pipelining ${PIPELINING}, in a process of its own; ` +
      (PIN ? `load generator pinned to CPU ${LOAD_CPU}, every target to CPU ${TARGET_CPU} (taskset). ` : 'not pinned (no working taskset, one CPU, or BENCH_PIN=0). ') +
      `Node ${process.version} on ${cpus().length} x ${cpus()[0]?.model ?? '?'} (${availableParallelism()} usable); every target: node on compiled JavaScript, ` +
      `NODE_ENV=production, NODE_OPTIONS="${nodeOptions}"${nodeArgs.length > 0 ? `, node ${nodeArgs.join(' ')}` : ''}. ` +
      `Load average before: ${loadBefore.map((value) => fmt(value, 2)).join(' ')}.\n`,
  );

  const loader = startLoadGenerator();
  const service = await start({ name: 'service', args: [...nodeArgs, ...probe, join('dist', 'main.js')], env });
  // The service's own answer is what every hello world sends back: same path, body and Content-Type.
  const health = await request(service.port, HEALTH_PATH);
  const peerEnv = { ...env, HEALTH_PATH, HEALTH_BODY: health.body, HEALTH_TYPE: health.contentType };
  const idle = await memoryOf(service);
  const peer = (name: string, script: string): Promise<Target> => start({ name, args: [...nodeArgs, join(BUILT, 'targets', script)], env: peerEnv });
  const variant =
    variantArgs.length === 0 ? undefined : await start({ name: 'service variant', args: [...nodeArgs, ...variantArgs, ...probe, join('dist', 'main.js')], env });
  const [nodeHello, restifyHello, expressHello, expressProm, fastifyHello, fastifyMetrics] = [
    await peer('node:http hello world', 'node-hello.js'),
    await peer('restify hello world', 'restify-hello.js'),
    await peer('Express hello world', 'express-hello.js'),
    await peer('Express + express-prom-bundle', 'express-prom.js'),
    await peer('Fastify hello world', 'fastify-hello.js'),
    await peer('Fastify + fastify-metrics', 'fastify-metrics.js'),
  ];
  for (const target of [nodeHello, restifyHello, expressHello, expressProm, fastifyHello, fastifyMetrics, ...(variant === undefined ? [] : [variant])]) {
    const answer = await request(target.port, HEALTH_PATH);
    if (answer.body !== health.body || answer.contentType !== health.contentType) {
      throw new Error(`${target.name} answers ${JSON.stringify(answer.body)} as ${answer.contentType}, the service ${JSON.stringify(health.body)} as ${health.contentType}`);
    }
  }

  const row = (name: string, target: Target, path = HEALTH_PATH): Row => ({ name, target, path, rounds: [], cpuSeconds: [] });
  const a = row('(a) node:http hello world', nodeHello);
  const b = row(`(b) restify ${version('restify')} hello world (bare twin of c)`, restifyHello);
  const c = row('(c) this service GET /health', service);
  const d = row(`(d) this service GET ${workPath}`, service, workPath);
  const e = row(`(e) Express ${version('express')} hello world`, expressHello);
  const f = row(`(f) Express + express-prom-bundle ${version('express-prom-bundle')}`, expressProm);
  const g = row(`(g) Fastify ${version('fastify')} hello world`, fastifyHello);
  const h = row(`(h) Fastify + fastify-metrics ${version('fastify-metrics')}`, fastifyMetrics);
  const v = variant === undefined ? undefined : row(`(v) this service GET /health, node ${variantArgs.join(' ')}`, variant);
  const w = variant === undefined ? undefined : row(`(w) this service GET ${workPath}, node ${variantArgs.join(' ')}`, variant, workPath);
  const rows = [a, b, c, d, e, f, g, h, ...(v === undefined || w === undefined ? [] : [v, w])];
  const loadFor = (target: Target, path: string, duration: number): Promise<LoadFigures> =>
    ask<LoadFigures>(loader, { url: `http://127.0.0.1:${target.port}${path}`, connections: CONNECTIONS, pipelining: PIPELINING, duration } satisfies LoadOptions);

  for (const each of rows) await loadFor(each.target, each.path, WARMUP_S);
  for (let round = 0; round < ROUNDS; round += 1) {
    for (let i = 0; i < rows.length; i += 1) {
      const each = rows[(round + i) % rows.length] as Row;
      const cpuBefore = cpuSecondsOf(each.target);
      each.rounds.push(await loadFor(each.target, each.path, ROUND_S));
      each.cpuSeconds.push(cpuSecondsOf(each.target) - cpuBefore);
    }
  }

  const targets = [service, nodeHello, restifyHello, expressHello, expressProm, fastifyHello, fastifyMetrics, ...(variant === undefined ? [] : [variant])];
  const afterLoad = new Map(targets.map((target) => [target, rssOf(target)]));
  const serviceAfterLoad = await memoryOf(service);
  await delay(SETTLE_S * 1000);
  const settled = new Map(targets.map((target) => [target, rssOf(target)]));
  const serviceSettled = await memoryOf(service);
  const serviceCollected = await memoryOf(service, true);
  const variantMemory = variant === undefined ? undefined : { settled: await memoryOf(variant), collected: await memoryOf(variant, true) };
  const counted = new Map(await Promise.all([service, expressProm, fastifyMetrics].map(async (target) => [target, await instrumentation(target)] as const)));
  await Promise.all(targets.map(stop));

  const render = await renderFigures(loader, env);
  const cold = await coldStarts([...nodeArgs, join('dist', 'main.js')], env);
  const stages = memoryStages(nodeArgs, nodeOptions);
  loader.disconnect();
  const loadAfter = loadavg();

  console.log('| target | req/s, median of rounds (range) | CPU µs per request, median (range) | p99 latency ms, median (range) | max ms | socket errors / timeouts / non-2xx | RSS MB settled (peak) |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const each of rows) {
    const sum = (field: 'errors' | 'timeouts' | 'non2xx'): number => each.rounds.reduce((total, figures) => total + figures[field], 0);
    const rss = settled.get(each.target);
    console.log(
      `| ${each.name} | ${spread(requestsPerSecond(each), 0)} | ${spread(cpuMicrosPerRequest(each), 1)} | ${spread(p99s(each), 0)} | ${fmt(Math.max(...each.rounds.map((r) => r.maxMs)))} | ` +
        `${sum('errors')} / ${sum('timeouts')} / ${sum('non2xx')} | ${rss === undefined ? '' : `${fmt(rss.rssMb, 1)} (${fmt(rss.peakMb, 1)})`} |`,
    );
  }

  const cb = ratio(c, b);
  const fe = ratio(f, e);
  const hg = ratio(h, g);
  const cbCpu = cpuRatio(c, b);
  const feCpu = cpuRatio(f, e);
  const hgCpu = cpuRatio(h, g);
  console.log(`\nThe three stacks side by side: instrumented / bare twin per round, median of ${ROUNDS} (range)\n`);
  console.log('| stack | instrumented / bare, req/s | same by CPU time (bare µs / instrumented µs per request) | instrumented p99 ms | bare p99 ms | series on /metrics | /health requests counted |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  const stack = (name: string, ratios: number[], cpuRatios: number[], instrumented: Row, bare: Row): void => {
    const seen = counted.get(instrumented.target);
    console.log(
      `| ${name} | ${spread(ratios, 2)} | ${spread(cpuRatios, 2)} | ${spread(p99s(instrumented), 0)} | ${spread(p99s(bare), 0)} | ${seen?.series ?? ''} | ${fmt(seen?.counted ?? 0)} |`,
    );
  };
  stack('restify: this service (c) / bare restify (b)', cb, cbCpu, c, b);
  stack('Express: + express-prom-bundle (f) / bare (e)', fe, feCpu, f, e);
  stack('Fastify: + fastify-metrics (h) / bare (g)', hg, hgCpu, h, g);

  const goal = (ok: boolean): string => (ok ? 'met' : 'MISSED');
  console.log('\n| figure | value | goal | |');
  console.log('|---|---:|---:|---|');
  console.log(`| this service's instrumented / bare ratio, best of the three stacks | c/b ${spread(cb, 2)} | highest | ${verdict(cb, [fe, hg], true)} |`);
  console.log(`| the same by CPU time per request | c/b ${spread(cbCpu, 2)} | highest | ${verdict(cbCpu, [feCpu, hgCpu], true)} |`);
  console.log(`| this service's p99, lowest of the instrumented (ms) | ${spread(p99s(c), 0)} | lowest | ${verdict(p99s(c), [p99s(f), p99s(h)], false)} |`);
  console.log(`| c/a (service /health vs node:http), median (range) | ${spread(ratio(c, a), 2)} | | |`);
  console.log(`| d/b (service ${workPath} vs restify), median (range) | ${spread(ratio(d, b), 2)} | | |`);
  if (v !== undefined && w !== undefined) {
    console.log(`| v/c (service /health with node ${variantArgs.join(' ')} vs as the image runs it): req/s; by CPU time | ${spread(ratio(v, c), 2)}; ${spread(cpuRatio(v, c), 2)} | | |`);
    console.log(`| w/d (service ${workPath} with node ${variantArgs.join(' ')} vs as the image runs it): req/s; by CPU time | ${spread(ratio(w, d), 2)}; ${spread(cpuRatio(w, d), 2)} | | |`);
  }
  console.log(`| /metrics render in-process, median (ms), after ${fmt(RENDER_REQUESTS)} requests over ${fmt(DISTINCT_URLS)} URLs, ${render.series} series | ${fmt(percentile(render.render, 0.5), 2)} | | |`);
  console.log(`| /metrics render in-process, p99 of ${fmt(RENDERS)} (ms) | ${fmt(percentile(render.render, 0.99), 2)} | <= 5 | ${goal(percentile(render.render, 0.99) <= 5)} |`);
  console.log(`| /metrics over HTTP, one keep-alive client: median / p99 (ms) | ${fmt(percentile(render.roundTrip, 0.5), 2)} / ${fmt(percentile(render.roundTrip, 0.99), 2)} | | |`);
  console.log(`| cold start spawn -> first 200 /health, median of ${COLD_STARTS} (ms) | ${fmt(median(cold))} | <= 400 | ${goal(median(cold) <= 400)} |`);
  const serviceRss = settled.get(service) as Rss;
  console.log(`| service RSS, ${SETTLE_S} s after the load stopped (MB) | ${fmt(serviceRss.rssMb, 1)} | <= 100 | ${goal(serviceRss.rssMb <= 100)} |`);
  console.log(`| service RSS peak / right after the load (MB) | ${fmt(serviceRss.peakMb, 1)} / ${fmt((afterLoad.get(service) as Rss).rssMb, 1)} | | |`);
  if (variant !== undefined) {
    const variantRss = settled.get(variant) as Rss;
    console.log(
      `| service with node ${variantArgs.join(' ')}: RSS settled (MB), peak / right after | ${fmt(variantRss.rssMb, 1)} | <= 100 | ${goal(variantRss.rssMb <= 100)}, ` +
        `${fmt(variantRss.peakMb, 1)} / ${fmt((afterLoad.get(variant) as Rss).rssMb, 1)} |`,
    );
  }

  printMemory(stages, [
    ['service idle, first request answered', idle],
    ['service right after the load', serviceAfterLoad],
    [`service ${SETTLE_S} s later (settled)`, serviceSettled],
    ['service settled, then a full GC', serviceCollected],
    ...(variantMemory === undefined
      ? []
      : ([
          [`variant (node ${variantArgs.join(' ')}) settled`, variantMemory.settled],
          ['variant settled, then a full GC', variantMemory.collected],
        ] as const)),
  ]);
  console.log(`\nLoad average before / after the run: ${loadBefore.map((x) => fmt(x, 2)).join(' ')} / ${loadAfter.map((x) => fmt(x, 2)).join(' ')}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
