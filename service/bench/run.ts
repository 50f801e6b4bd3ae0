/**
 * Figures, not a test: this service against what its users would pick instead. Three stacks,
 * each as an instrumented app next to its bare twin answering the same route with the same bytes:
 * restify 12 (this service vs bare restify), Express 5 (+ express-prom-bundle) and Fastify 5
 * (+ fastify-metrics); plus node:http for scale, /api/work, /metrics render time after many
 * distinct URLs, cold start, and where the service's memory goes.
 *
 * This file orchestrates; lib/processes.ts starts and pins the processes, lib/measure.ts measures
 * (CPU time from /proc, interleaved rounds, the neighbours' CPU beside each), lib/report.ts prints.
 * Every target runs as the image runs the service: plain `node` on compiled JavaScript with the
 * image's ENV and node flags, read from the Dockerfile (lib/image.ts). BENCH_NODE_OPTIONS
 * overrides NODE_OPTIONS; a variant of the service with BENCH_VARIANT_NODE_ARGS (default
 * --optimize-for-size) is measured beside it, to price a flag before it goes into the image.
 * BENCH_ROUNDS (8), BENCH_ROUND_SECONDS (3), BENCH_CONNECTIONS (100), BENCH_PIPELINING (10),
 * BENCH_WORK_QUERY ("" = /api/work with its defaults), BENCH_PIN (0 = no taskset) and
 * BENCH_HOLD_NEXT_TICK (0 = the peers do not hold a nextTick entry) shape the run.
 */
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { join } from 'node:path';
import { REPO_ROOT } from '../../tests/support/repo';
import { median } from '../../tests/support/stats';
import { type MemoryReport } from './memory/probe';
import { type ImageCommand, benchCommand, serviceLaunch } from './lib/image';
import { type Conditions, type Row, type Rss, SETTLE_S, conditionsNow, coldStarts, cpuMicrosPerRequest, instrumentation, measureRounds, roundsFromEnv, memoryOf, memoryStages, renderFigures, row, rssOf } from './lib/measure';
import { BUILT_BENCH, HEALTH_PATH, HOLD_NEXT_TICK, LOAD_CPU, LoadGenerator, PIN, SERVICE_DIR, TARGET_CPU, type Target, compileBenchProcesses, request, start, stop } from './lib/processes';
import { cpuRatio, fmt, goal, noiseVerdict, p99s, printLatencies, printMemory, printStacks, printTargets, ratio, spread, verdict } from './lib/report';

const ROUNDS = roundsFromEnv();
const WORK_PATH = `/api/work${process.env.BENCH_WORK_QUERY ? `?${process.env.BENCH_WORK_QUERY}` : ''}`;
const VARIANT_ARGS = (process.env.BENCH_VARIANT_NODE_ARGS ?? '--optimize-for-size').split(' ').filter((arg) => arg !== '');
/** /metrics after this many requests over this many distinct unrouted URLs, rendered this many times. */
const RENDER = { requests: 100_000, distinctUrls: 10_000, renders: 1_000 };
const COLD_STARTS = 7;
/** A reading of the service's memory this long after the load, before V8's memory reducer has run. */
const EARLY_S = 10;
/** Rounds of the service and its bare twin after the idle spell. */
const AFTER_IDLE_ROUNDS = 4;
const PROBE = ['--require', join(BUILT_BENCH, 'memory', 'probe.js')];

/** The installed version of a package, wherever npm hoisted it. */
function version(name: string): string {
  for (const dir of [join(SERVICE_DIR, 'node_modules'), join(REPO_ROOT, 'node_modules')]) {
    const manifest = join(dir, name, 'package.json');
    if (existsSync(manifest)) return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
  }
  return '?';
}

function printSetup({ env, nodeArgs }: ImageCommand, conditions: Conditions): void {
  console.log(
    `${ROUNDS.rounds} interleaved rounds of ${ROUNDS.roundSeconds} s per target after ${ROUNDS.warmupSeconds} s warm-up; autocannon ${version('autocannon')}, ` +
      `${ROUNDS.connections} connections, pipelining ${ROUNDS.pipelining}, in a process of its own; ` +
      (PIN ? `load generator pinned to CPU ${LOAD_CPU}, every target to CPU ${TARGET_CPU} (taskset). ` : 'not pinned (no working taskset, one CPU, or BENCH_PIN=0). ') +
      `Node ${process.version} on ${cpus().length} x ${cpus()[0]?.model ?? '?'} (${availableParallelism()} usable); every target: node on compiled JavaScript, ` +
      `the image's environment ${JSON.stringify(env)}${nodeArgs.length > 0 ? ` and node ${nodeArgs.join(' ')}` : ''}. ` +
      `Load average before: ${conditions.loadBefore.map((value) => fmt(value, 2)).join(' ')}.\n`,
  );
}

interface Targets {
  readonly service: Target;
  readonly variant: Target | undefined;
  readonly peers: Readonly<Record<'node' | 'restify' | 'express' | 'expressProm' | 'fastify' | 'fastifyMetrics', Target>>;
}

/** Every target at once (idle ones cost nothing), each checked to answer /health with the service's own bytes. */
async function startTargets(command: ImageCommand, variantArgs: readonly string[]): Promise<Targets> {
  const { env, nodeArgs } = command;
  const service = await start({ name: 'service', ...serviceLaunch(command, PROBE) });
  const health = await request(service.port, HEALTH_PATH);
  const peerEnv = { ...env, HEALTH_PATH, HEALTH_BODY: health.body, HEALTH_TYPE: health.contentType };
  const peer = (name: string, script: string): Promise<Target> => start({ name, args: [...nodeArgs, ...HOLD_NEXT_TICK, join(BUILT_BENCH, 'targets', script)], env: peerEnv });
  const variant = variantArgs.length === 0 ? undefined : await start({ name: 'service variant', ...serviceLaunch(command, [...variantArgs, ...PROBE]) });
  const peers = {
    node: await peer('node:http hello world', 'node-hello.js'),
    restify: await peer('restify hello world', 'restify-hello.js'),
    express: await peer('Express hello world', 'express-hello.js'),
    expressProm: await peer('Express + express-prom-bundle', 'express-prom.js'),
    fastify: await peer('Fastify hello world', 'fastify-hello.js'),
    fastifyMetrics: await peer('Fastify + fastify-metrics', 'fastify-metrics.js'),
  };
  for (const target of [...Object.values(peers), ...(variant === undefined ? [] : [variant])]) {
    const answer = await request(target.port, HEALTH_PATH);
    if (answer.body !== health.body || answer.contentType !== health.contentType) {
      throw new Error(`${target.name} answers ${JSON.stringify(answer.body)} as ${answer.contentType}, the service ${JSON.stringify(health.body)} as ${health.contentType}`);
    }
  }
  return { service, variant, peers };
}

function rowsOf({ service, variant, peers }: Targets, variantArgs: readonly string[]): Record<string, Row> {
  const rows: Record<string, Row> = {
    a: row('(a) node:http hello world', peers.node),
    b: row(`(b) restify ${version('restify')} hello world (bare twin of c)`, peers.restify),
    c: row('(c) this service GET /health', service),
    d: row(`(d) this service GET ${WORK_PATH}`, service, WORK_PATH),
    e: row(`(e) Express ${version('express')} hello world`, peers.express),
    f: row(`(f) Express + express-prom-bundle ${version('express-prom-bundle')}`, peers.expressProm),
    g: row(`(g) Fastify ${version('fastify')} hello world`, peers.fastify),
    h: row(`(h) Fastify + fastify-metrics ${version('fastify-metrics')}`, peers.fastifyMetrics),
  };
  if (variant !== undefined) {
    rows.v = row(`(v) this service GET /health, node ${variantArgs.join(' ')}`, variant);
    rows.w = row(`(w) this service GET ${WORK_PATH}, node ${variantArgs.join(' ')}`, variant, WORK_PATH);
  }
  return rows;
}

interface Results {
  readonly targets: Targets;
  readonly rows: Record<string, Row>;
  readonly afterLoad: ReadonlyMap<Target, Rss>;
  readonly settled: ReadonlyMap<Target, Rss>;
  /** The service and its bare twin again, once V8's memory reducer has run in both. */
  readonly afterIdle: { readonly service: Row; readonly bare: Row };
  readonly snapshots: readonly (readonly [string, MemoryReport])[];
  readonly counted: ReadonlyMap<Target, { series: number; counted: number }>;
}

/** The rounds, memory as the load left it and as it settled, the service and its bare twin again after that idle spell, then what each instrumented app counted. */
async function measureTargets(loader: LoadGenerator, targets: Targets, variantArgs: readonly string[]): Promise<Results> {
  const { service, variant, peers } = targets;
  const idle = await memoryOf(service);
  const rows = rowsOf(targets, variantArgs);
  await measureRounds(loader, Object.values(rows), ROUNDS);
  const all = [service, ...Object.values(peers), ...(variant === undefined ? [] : [variant])];
  const afterLoad = new Map(all.map((target) => [target, rssOf(target)]));
  const serviceAfterLoad = await memoryOf(service);
  await delay(EARLY_S * 1000);
  const early = await memoryOf(service);
  await delay((SETTLE_S - EARLY_S) * 1000);
  const settled = new Map(all.map((target) => [target, rssOf(target)]));
  const settledReport = await memoryOf(service);
  const afterIdle = { service: row('(c) after the idle spell', service), bare: row('(b) after the idle spell', peers.restify) };
  await measureRounds(loader, [afterIdle.service, afterIdle.bare], { ...ROUNDS, rounds: AFTER_IDLE_ROUNDS });
  const snapshots: [string, MemoryReport][] = [
    ['service idle, first request answered', idle],
    ['service right after the load', serviceAfterLoad],
    [`service ${EARLY_S} s later`, early],
    [`service ${SETTLE_S} s later (settled)`, settledReport],
  ];
  if (variant !== undefined) snapshots.push([`variant (node ${variantArgs.join(' ')}) settled`, await memoryOf(variant)]);
  const instrumented = [service, peers.expressProm, peers.fastifyMetrics];
  const counted = new Map(await Promise.all(instrumented.map(async (target) => [target, await instrumentation(target)] as const)));
  await Promise.all(all.map((target) => stop(target)));
  return { targets, rows, afterLoad, settled, afterIdle, snapshots, counted };
}

function printFigures({ targets, rows, afterLoad, settled, afterIdle, counted }: Results, variantArgs: readonly string[]): void {
  const { a, b, c, d, e, f, g, h, v, w } = rows as Record<string, Row> & Record<'a' | 'b' | 'c' | 'd' | 'e' | 'f' | 'g' | 'h', Row>;
  printTargets(Object.values(rows), settled);
  printStacks(
    [
      { name: 'restify: this service (c) / bare restify (b)', instrumented: c, bare: b, counted: counted.get(targets.service) },
      { name: 'Express: + express-prom-bundle (f) / bare (e)', instrumented: f, bare: e, counted: counted.get(targets.peers.expressProm) },
      { name: 'Fastify: + fastify-metrics (h) / bare (g)', instrumented: h, bare: g, counted: counted.get(targets.peers.fastifyMetrics) },
    ],
    ROUNDS.rounds,
  );
  const cb = cpuRatio(c, b);
  console.log('\n| figure | value | goal | |');
  console.log('|---|---:|---:|---|');
  console.log(`| this service's CPU per request against its bare twin's (b µs / c µs), median (range) | c/b ${spread(cb, 2)} | >= 0.95 | ${goal(median(cb) >= 0.95)} |`);
  console.log(`| the same, best of the three stacks by CPU time | c/b ${spread(cb, 2)} | highest | ${verdict(cb, [cpuRatio(f, e), cpuRatio(h, g)], true)} |`);
  console.log(`| the same by req/s | c/b ${spread(ratio(c, b), 2)} | highest | ${verdict(ratio(c, b), [ratio(f, e), ratio(h, g)], true)} |`);
  console.log(`| this service's p99, lowest of the instrumented (ms) | ${spread(p99s(c), 0)} | lowest | ${verdict(p99s(c), [p99s(f), p99s(h)], false)} |`);
  console.log(`| c/a (service /health vs node:http), req/s; by CPU time | ${spread(ratio(c, a), 2)}; ${spread(cpuRatio(c, a), 2)} | | |`);
  console.log(`| d/b (service ${WORK_PATH} vs restify), req/s | ${spread(ratio(d, b), 2)} | | |`);
  if (v !== undefined && w !== undefined) {
    const flags = `node ${variantArgs.join(' ')}`;
    console.log(`| v/c (/health with ${flags} vs as the image runs it): req/s; by CPU time | ${spread(ratio(v, c), 2)}; ${spread(cpuRatio(v, c), 2)} | | |`);
    console.log(`| w/d (${WORK_PATH} with ${flags} vs as the image runs it): req/s; by CPU time | ${spread(ratio(w, d), 2)}; ${spread(cpuRatio(w, d), 2)} | | |`);
  }
  const micros = (each: Row): string => fmt(median(cpuMicrosPerRequest(each)), 1);
  console.log(
    `| CPU µs per /health request after ${SETTLE_S} s idle (V8's memory reducer has run), median: service, bare twin; same before | ` +
      `${micros(afterIdle.service)}, ${micros(afterIdle.bare)}; ${micros(c)}, ${micros(b)} | | c/b after: ${spread(cpuRatio(afterIdle.service, afterIdle.bare), 2)} |`,
  );
  const rss = (target: Target | undefined, label: string): void => {
    const [now, later] = [afterLoad.get(target as Target), settled.get(target as Target)];
    if (now === undefined || later === undefined) return;
    console.log(
      `| ${label}: RSS ${SETTLE_S} s after the load (MB); peak / right after | ${fmt(later.rssMb, 1)} | <= 100 | ` +
        `${goal(later.rssMb <= 100)}; ${fmt(later.peakMb, 1)} / ${fmt(now.rssMb, 1)} |`,
    );
  };
  rss(targets.service, 'service as the image runs it');
  rss(targets.variant, `service with node ${variantArgs.join(' ')}`);
}

async function main(): Promise<void> {
  const command = benchCommand();
  const variantArgs = VARIANT_ARGS.filter((arg) => !command.nodeArgs.includes(arg));
  const conditions = conditionsNow(command.nodeMajor);
  compileBenchProcesses();
  printSetup(command, conditions);

  const loader = new LoadGenerator();
  const results = await measureTargets(loader, await startTargets(command, variantArgs), variantArgs);
  const render = await renderFigures(loader, command.nodeArgs, command.env, { ...ROUNDS, ...RENDER });
  const cold = await coldStarts(serviceLaunch(command), COLD_STARTS);
  const stages = memoryStages(command.nodeArgs, command.env);
  loader.close();
  conditions.loadAfter = loadavg();

  const noise = noiseVerdict(conditions, Object.values(results.rows));
  console.log(`${noise.text}\n`);
  printFigures(results, variantArgs);
  printLatencies(render, `after ${fmt(RENDER.requests)} requests over ${fmt(RENDER.distinctUrls)} URLs`, cold);
  printMemory(stages, results.snapshots);
  console.log(`\n${noise.text}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
