/**
 * Figures, not a test: throughput and latency of this service against bare node:http and bare
 * restify, /metrics render time after many distinct URLs, cold start and memory.
 * Every target runs in its own child process so autocannon does not share its event loop.
 * BENCH_DURATION (s, default 10), BENCH_CONNECTIONS (100), BENCH_PIPELINING (10) shorten runs.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, get } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import autocannon from 'autocannon';

const ROOT = join(__dirname, '..');
const DURATION_S = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 100);
const PIPELINING = Number(process.env.BENCH_PIPELINING ?? 10);
const WARMUP_S = Math.min(3, DURATION_S);
const RENDER_REQUESTS = Number(process.env.BENCH_RENDER_REQUESTS ?? 100_000);
const DISTINCT_URLS = 10_000;
const RENDERS = 1_000;
const COLD_STARTS = 7;

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

async function waitFor200(port: number, path: string): Promise<void> {
  while ((await status(port, path)) !== 200) await new Promise((resolve) => setTimeout(resolve, 2));
}

interface Target {
  readonly child: ChildProcess;
  readonly port: number;
}

async function start(args: readonly string[], readyPath: string, env: Record<string, string> = {}): Promise<Target> {
  const port = await freePort();
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', SHUTDOWN_DELAY_MS: '0', ...env },
    stdio: 'ignore',
  });
  await waitFor200(port, readyPath);
  return { child, port };
}

function stop({ child }: Target): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

interface Load {
  readonly name: string;
  readonly requestsPerSecond: number;
  readonly p99Ms: number;
  readonly errors: number;
}

async function load(name: string, port: number, path: string): Promise<Load> {
  const url = `http://127.0.0.1:${port}${path}`;
  await autocannon({ url, connections: CONNECTIONS, pipelining: PIPELINING, duration: WARMUP_S });
  const result = await autocannon({ url, connections: CONNECTIONS, pipelining: PIPELINING, duration: DURATION_S });
  return {
    name,
    requestsPerSecond: result.requests.average,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
  };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;
}

async function renderTimes(port: number): Promise<{ median: number; p99: number; series: number }> {
  let n = 0;
  await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: CONNECTIONS,
    pipelining: PIPELINING,
    amount: RENDER_REQUESTS,
    requests: [
      {
        setupRequest: (req) => {
          n += 1;
          const path = n % 10 === 0 ? '/health' : `/bench/${n % DISTINCT_URLS}?n=${n}`;
          return { ...req, path };
        },
      },
    ],
  });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const times: number[] = [];
  for (let i = 0; i < RENDERS; i += 1) {
    const started = performance.now();
    await status(port, '/metrics', agent);
    times.push(performance.now() - started);
  }
  agent.destroy();
  const text = await new Promise<string>((resolve) => {
    get({ host: '127.0.0.1', port, path: '/metrics' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(body));
    });
  });
  times.sort((a, b) => a - b);
  return {
    median: percentile(times, 50),
    p99: percentile(times, 99),
    series: text.split('\n').filter((line) => line !== '' && !line.startsWith('#')).length,
  };
}

function rssMb(pid: number | undefined): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? Number.NaN) / 1024;
}

async function coldStarts(): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < COLD_STARTS; i += 1) {
    const started = performance.now();
    const target = await start([join('dist', 'main.js')], '/health');
    times.push(performance.now() - started);
    await stop(target);
  }
  return times.sort((a, b) => a - b);
}

const fmt = (value: number, digits = 0): string => value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function main(): Promise<void> {
  const tsx = ['--import', 'tsx'];
  console.log(`autocannon: ${CONNECTIONS} connections, pipelining ${PIPELINING}, ${DURATION_S} s each after ${WARMUP_S} s warm-up; Node ${process.version}\n`);

  const nodeHello = await start([...tsx, join('bench', 'targets', 'node-hello.ts')], '/');
  const a = await load('(a) node:http hello world', nodeHello.port, '/');
  await stop(nodeHello);

  const restifyHello = await start([...tsx, join('bench', 'targets', 'restify-hello.ts')], '/hello');
  const b = await load('(b) restify 12 hello world', restifyHello.port, '/hello');
  await stop(restifyHello);

  const service = await start([join('dist', 'main.js')], '/health');
  const c = await load('(c) service GET /health', service.port, '/health');
  const d = await load('(d) service GET /api/work', service.port, '/api/work');
  const render = await renderTimes(service.port);
  const rss = rssMb(service.child.pid);
  await stop(service);

  const cold = await coldStarts();

  const rows = [a, b, c, d];
  console.log('| target | req/s | p99 latency (ms) | errors |');
  console.log('|---|---:|---:|---:|');
  for (const row of rows) console.log(`| ${row.name} | ${fmt(row.requestsPerSecond)} | ${fmt(row.p99Ms)} | ${row.errors} |`);

  const goal = (ok: boolean): string => (ok ? 'met' : 'MISSED');
  console.log('\n| figure | value | goal | |');
  console.log('|---|---:|---:|---|');
  console.log(`| c/a (service /health vs node:http) | ${fmt(c.requestsPerSecond / a.requestsPerSecond, 2)} | >= 0.65 | ${goal(c.requestsPerSecond / a.requestsPerSecond >= 0.65)} |`);
  console.log(`| c/b (service /health vs restify) | ${fmt(c.requestsPerSecond / b.requestsPerSecond, 2)} | >= 0.95 | ${goal(c.requestsPerSecond / b.requestsPerSecond >= 0.95)} |`);
  console.log(`| d/b (service /api/work vs restify) | ${fmt(d.requestsPerSecond / b.requestsPerSecond, 2)} | | |`);
  console.log(`| /metrics render median (ms), ${fmt(RENDER_REQUESTS)} requests over ${fmt(DISTINCT_URLS)} URLs, ${render.series} series | ${fmt(render.median, 2)} | | |`);
  console.log(`| /metrics render p99 (ms) | ${fmt(render.p99, 2)} | <= 5 | ${goal(render.p99 <= 5)} |`);
  console.log(`| cold start spawn -> first 200 /health, median of ${COLD_STARTS} (ms) | ${fmt(percentile(cold, 50))} | <= 400 | ${goal(percentile(cold, 50) <= 400)} |`);
  console.log(`| service RSS after the run (MB) | ${fmt(rss, 1)} | <= 100 | ${goal(rss <= 100)} |`);
}

void main();
