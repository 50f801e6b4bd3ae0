/**
 * Figures, not a test: throughput and latency of this service against bare node:http and bare
 * restify, /metrics render time after many distinct URLs, cold start and memory.
 *
 * On a shared 2-core machine a sequential a-then-b-then-c run mostly measures whoever else was
 * busy at the time. So every target runs at once (idle ones cost nothing) and is measured in
 * interleaved rounds, the order rotating each round; each ratio is taken within a round and the
 * median and range over the rounds are reported. The load generator (load.ts) is a process of
 * its own, one core for it and one for the server under test; this orchestrator only waits.
 *
 * The service runs as the image runs it: dist/main.js, NODE_ENV=production and the image's
 * NODE_OPTIONS (read from the Dockerfile; BENCH_NODE_OPTIONS overrides it).
 * BENCH_ROUNDS (5), BENCH_ROUND_SECONDS (4), BENCH_CONNECTIONS (100), BENCH_PIPELINING (10),
 * BENCH_WORK_QUERY ("" = /api/work with its defaults) shape the run.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, get } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { type LoadFigures, type LoadOptions } from './load';

const ROOT = join(__dirname, '..');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const ROUND_S = Number(process.env.BENCH_ROUND_SECONDS ?? 4);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 100);
const PIPELINING = Number(process.env.BENCH_PIPELINING ?? 10);
const WORK_QUERY = process.env.BENCH_WORK_QUERY ?? '';
const WARMUP_S = 3;
const RENDER_REQUESTS = Number(process.env.BENCH_RENDER_REQUESTS ?? 100_000);
const DISTINCT_URLS = 10_000;
const RENDERS = 1_000;
const COLD_STARTS = 7;
/** Idle time after the load before the "settled" RSS reading: what `ps` shows a minute later. */
const SETTLE_S = 10;
const TSX = ['--import', 'tsx'];
/** Only bounds a target that never comes up; nothing here asserts how fast anything starts. */
const START_LIMIT_MS = 30_000;

/** NODE_OPTIONS as the runtime image sets it (`ENV NODE_OPTIONS=...` in the Dockerfile). */
function imageNodeOptions(): string {
  if (process.env.BENCH_NODE_OPTIONS !== undefined) return process.env.BENCH_NODE_OPTIONS;
  const dockerfile = readFileSync(join(ROOT, '..', 'Dockerfile'), 'utf8');
  const match = /\bNODE_OPTIONS=(?:"([^"]*)"|(\S+))/.exec(dockerfile);
  return match?.[1] ?? match?.[2] ?? '';
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

function status(port: number, path: string, agent?: Agent): Promise<number> {
  return new Promise((resolve) => {
    const req = get({ host: '127.0.0.1', port, path, agent: agent ?? false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
  });
}

/** Polls until the target answers 200; gives up when it exits first or never comes up. */
async function waitFor200(child: ChildProcess, port: number, path: string): Promise<void> {
  const deadline = performance.now() + START_LIMIT_MS;
  while ((await status(port, path)) !== 200) {
    const ended = child.exitCode ?? child.signalCode;
    if (ended !== null) throw new Error(`${child.spawnargs.slice(1).join(' ')} exited (${ended}) before answering ${path}`);
    if (performance.now() > deadline) throw new Error(`${child.spawnargs.slice(1).join(' ')} did not answer ${path} within ${START_LIMIT_MS} ms`);
    await delay(2);
  }
}

/** Every target still running, so a run that fails half-way leaves no server behind. */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

interface Target {
  readonly child: ChildProcess;
  readonly port: number;
}

async function start(args: readonly string[], readyPath: string, env: Record<string, string> = {}): Promise<Target> {
  const port = await freePort();
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, NODE_OPTIONS: '', PORT: String(port), HOST: '127.0.0.1', SHUTDOWN_DELAY_MS: '0', ...env },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  await waitFor200(child, port, readyPath);
  return { child, port };
}

function stop({ child }: Target): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Runs load.ts in its own process and waits for its one line of figures. */
function load(options: LoadOptions): Promise<LoadFigures> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...TSX, join('bench', 'load.ts'), JSON.stringify(options)], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as LoadFigures) : reject(new Error(`load.ts exited with ${code}`))));
  });
}

const loadFor = (port: number, path: string, duration: number): Promise<LoadFigures> =>
  load({ url: `http://127.0.0.1:${port}${path}`, connections: CONNECTIONS, pipelining: PIPELINING, duration });

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? Number.NaN) : ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2;
}

/** The same /metrics page over HTTP, one keep-alive connection: render plus round trip. */
async function roundTrips(port: number): Promise<number[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const times: number[] = [];
  for (let i = 0; i < RENDERS; i += 1) {
    const started = performance.now();
    await status(port, '/metrics', agent);
    times.push(performance.now() - started);
  }
  agent.destroy();
  return times.sort((x, y) => x - y);
}

async function renderFigures(): Promise<{ render: number[]; roundTrip: number[]; series: number }> {
  const target = await start([...TSX, join('bench', 'targets', 'service-in-process.ts')], '/health', { LOG_LEVEL: 'warn' });
  await load({ url: `http://127.0.0.1:${target.port}/health`, connections: CONNECTIONS, pipelining: PIPELINING, amount: RENDER_REQUESTS, distinctPaths: DISTINCT_URLS });
  const rendered = new Promise<{ times: number[]; series: number }>((resolve) => target.child.once('message', resolve));
  target.child.send({ render: RENDERS });
  const { times, series } = await rendered;
  const roundTrip = await roundTrips(target.port);
  await stop(target);
  return { render: times.sort((x, y) => x - y), roundTrip, series };
}

interface Memory {
  readonly peakMb: number;
  readonly rssMb: number;
}

function memory(pid: number | undefined): Memory {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? Number.NaN);
  return { peakMb: kb('VmHWM') / 1024, rssMb: kb('VmRSS') / 1024 };
}

async function coldStarts(env: Record<string, string>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < COLD_STARTS; i += 1) {
    const started = performance.now();
    const target = await start([join('dist', 'main.js')], '/health', env);
    times.push(performance.now() - started);
    await stop(target);
  }
  return times.sort((x, y) => x - y);
}

const fmt = (value: number, digits = 0): string => value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const spread = (values: readonly number[], digits: number): string =>
  `${fmt(median(values), digits)} (${fmt(Math.min(...values), digits)}-${fmt(Math.max(...values), digits)})`;

interface Row {
  readonly key: 'a' | 'b' | 'c' | 'd';
  readonly name: string;
  readonly target: Target;
  readonly path: string;
  readonly rounds: LoadFigures[];
}

async function main(): Promise<void> {
  const nodeOptions = imageNodeOptions();
  const serviceEnv = { NODE_ENV: 'production', NODE_OPTIONS: nodeOptions };
  const workPath = `/api/work${WORK_QUERY === '' ? '' : `?${WORK_QUERY}`}`;
  console.log(
    `autocannon in its own process: ${CONNECTIONS} connections, pipelining ${PIPELINING}; ${ROUNDS} interleaved rounds of ${ROUND_S} s per target after ${WARMUP_S} s warm-up; ` +
      `Node ${process.version}; service: node dist/main.js, NODE_ENV=production, NODE_OPTIONS="${nodeOptions}"\n`,
  );

  const nodeHello = await start([...TSX, join('bench', 'targets', 'node-hello.ts')], '/');
  const restifyHello = await start([...TSX, join('bench', 'targets', 'restify-hello.ts')], '/hello');
  const service = await start([join('dist', 'main.js')], '/health', serviceEnv);
  const rows: Row[] = [
    { key: 'a', name: '(a) node:http hello world', target: nodeHello, path: '/', rounds: [] },
    { key: 'b', name: '(b) restify 12 hello world', target: restifyHello, path: '/hello', rounds: [] },
    { key: 'c', name: '(c) service GET /health', target: service, path: '/health', rounds: [] },
    { key: 'd', name: `(d) service GET ${workPath}`, target: service, path: workPath, rounds: [] },
  ];
  for (const row of rows) await loadFor(row.target.port, row.path, WARMUP_S);
  for (let round = 0; round < ROUNDS; round += 1) {
    for (let i = 0; i < rows.length; i += 1) {
      const row = rows[(round + i) % rows.length] as Row;
      row.rounds.push(await loadFor(row.target.port, row.path, ROUND_S));
    }
  }
  const afterLoad = memory(service.child.pid);
  const restifyAfterLoad = memory(restifyHello.child.pid);
  await delay(SETTLE_S * 1000);
  const settled = memory(service.child.pid);
  const restifySettled = memory(restifyHello.child.pid);
  await Promise.all([nodeHello, restifyHello, service].map(stop));

  const render = await renderFigures();
  const cold = await coldStarts(serviceEnv);

  const [a, b, c, d] = rows as [Row, Row, Row, Row];
  const ratio = (x: Row, y: Row): number[] => x.rounds.map((figures, i) => figures.requestsPerSecond / (y.rounds[i]?.requestsPerSecond ?? Number.NaN));
  const ca = ratio(c, a);
  const cb = ratio(c, b);
  const db = ratio(d, b);

  console.log('| target | req/s, median of rounds (range) | p99 latency ms, median (range) | max ms | socket errors / timeouts / non-2xx |');
  console.log('|---|---:|---:|---:|---:|');
  for (const row of rows) {
    const sum = (field: 'errors' | 'timeouts' | 'non2xx'): number => row.rounds.reduce((total, figures) => total + figures[field], 0);
    console.log(
      `| ${row.name} | ${spread(row.rounds.map((r) => r.requestsPerSecond), 0)} | ${spread(row.rounds.map((r) => r.p99Ms), 0)} | ` +
        `${fmt(Math.max(...row.rounds.map((r) => r.maxMs)))} | ${sum('errors')} / ${sum('timeouts')} / ${sum('non2xx')} |`,
    );
  }

  const goal = (ok: boolean): string => (ok ? 'met' : 'MISSED');
  console.log('\n| figure | value | goal | |');
  console.log('|---|---:|---:|---|');
  console.log(`| c/a (service /health vs node:http), median of ${ROUNDS} rounds (range) | ${spread(ca, 2)} | >= 0.65 | ${goal(median(ca) >= 0.65)} |`);
  console.log(`| c/b (service /health vs restify), median (range) | ${spread(cb, 2)} | >= 0.95 | ${goal(median(cb) >= 0.95)} |`);
  console.log(`| d/b (service ${workPath} vs restify), median (range) | ${spread(db, 2)} | | |`);
  console.log(`| /metrics render in-process, median (ms), after ${fmt(RENDER_REQUESTS)} requests over ${fmt(DISTINCT_URLS)} URLs, ${render.series} series | ${fmt(percentile(render.render, 50), 2)} | | |`);
  console.log(`| /metrics render in-process, p99 of ${fmt(RENDERS)} (ms) | ${fmt(percentile(render.render, 99), 2)} | <= 5 | ${goal(percentile(render.render, 99) <= 5)} |`);
  console.log(`| /metrics over HTTP, one keep-alive client: median / p99 (ms) | ${fmt(percentile(render.roundTrip, 50), 2)} / ${fmt(percentile(render.roundTrip, 99), 2)} | | |`);
  console.log(`| cold start spawn -> first 200 /health, median of ${COLD_STARTS} (ms) | ${fmt(percentile(cold, 50))} | <= 400 | ${goal(percentile(cold, 50) <= 400)} |`);
  console.log(`| service RSS, ${SETTLE_S} s after the load stopped (MB) | ${fmt(settled.rssMb, 1)} | <= 100 | ${goal(settled.rssMb <= 100)} |`);
  console.log(`| service RSS peak / right after the load (MB) | ${fmt(settled.peakMb, 1)} / ${fmt(afterLoad.rssMb, 1)} | | |`);
  console.log(`| for scale: restify hello RSS peak / settled (MB) | ${fmt(restifySettled.peakMb, 1)} / ${fmt(restifySettled.rssMb, 1)} (${fmt(restifyAfterLoad.rssMb, 1)} right after) | | |`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
