/**
 * The run's figures as Markdown tables, and its honesty about the machine: every run says how
 * busy the neighbours were, and a run beside heavy ones is marked as not comparable.
 */
import { median, percentile } from '../../../tests/support/stats';
import { type MemoryReport } from '../memory/probe';
import { type MemoryStage } from '../memory/stages';
import { type Conditions, type RenderFigures, type Row, type Rss, cpuMicrosPerRequest } from './measure';

/**
 * A run is quiet when, besides itself, the machine ran less than this share of a core, by the
 * median of the rounds. On 2 cores, with the target on one and the load generator on the other,
 * a neighbour taking more than a quarter of a core lands on one of them for a good part of a round.
 */
export const QUIET_NEIGHBOUR_CORES = 0.25;
/** ...and the 1-minute load average was under this when the run began (nothing else runnable, about). */
export const QUIET_LOAD_AVERAGE = 1;

export const fmt = (value: number, digits = 0): string =>
  value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
export const spread = (values: readonly number[], digits: number): string =>
  `${fmt(median(values), digits)} (${fmt(Math.min(...values), digits)}-${fmt(Math.max(...values), digits)})`;
const loads = (values: readonly number[]): string => values.map((value) => fmt(value, 2)).join(' ');

const requestsPerSecond = (each: Row): number[] => each.rounds.map((figures) => figures.requestsPerSecond);
export const p99s = (each: Row): number[] => each.rounds.map((figures) => figures.p99Ms);
/** x / y per round: both measured in the same round, minutes apart at most. */
export const ratio = (x: Row, y: Row): number[] =>
  x.rounds.map((figures, i) => figures.requestsPerSecond / (y.rounds[i]?.requestsPerSecond ?? Number.NaN));
/** The same ratio by CPU time: y's CPU per request over x's, so above 1 still means x is cheaper. */
export const cpuRatio = (x: Row, y: Row): number[] => {
  const xs = cpuMicrosPerRequest(x);
  return cpuMicrosPerRequest(y).map((micros, i) => micros / (xs[i] ?? Number.NaN));
};

/** Whether the run's figures may be compared with another run's, and why not. */
export function noiseVerdict(conditions: Conditions, rows: readonly Row[]): { quiet: boolean; text: string } {
  const neighbours = median(rows.flatMap((each) => each.neighbourCores));
  const text =
    `load average (1, 5, 15 min) before ${loads(conditions.loadBefore)}, after ${loads(conditions.loadAfter)}; ` +
    `neighbours used ${fmt(neighbours, 2)} of a core, median over the rounds (max ${fmt(Math.max(...rows.flatMap((each) => each.neighbourCores)), 2)})`;
  const quiet = (conditions.loadBefore[0] ?? Infinity) < QUIET_LOAD_AVERAGE && neighbours < QUIET_NEIGHBOUR_CORES;
  // Another Node.js major is another V8: its garbage collector and compiler price the same code differently.
  const major = Number(/^v(\d+)\./.exec(conditions.node)?.[1]);
  if (conditions.imageNodeMajor !== undefined && major !== conditions.imageNodeMajor) {
    return {
      quiet: false,
      text: `NOT COMPARABLE, on another Node.js: the targets ran on ${conditions.node}, the image runs Node.js ${conditions.imageNodeMajor}; ${text}.`,
    };
  }
  return {
    quiet,
    text: quiet
      ? `Quiet run: ${text}.`
      : `NOT COMPARABLE, beside heavy neighbours: ${text} (quiet means a load average under ${QUIET_LOAD_AVERAGE} ` +
        `at the start and neighbours under ${QUIET_NEIGHBOUR_CORES} of a core).`,
  };
}

/**
 * Whether `ours` beats every one of `theirs`: claimed only when its whole range clears theirs;
 * a better median over overlapping ranges is noise, and said so.
 */
export function verdict(ours: readonly number[], theirs: readonly (readonly number[])[], higherIsBetter: boolean): string {
  const better = (x: number, y: number): boolean => (higherIsBetter ? x > y : x < y);
  const worstOurs = higherIsBetter ? Math.min(...ours) : Math.max(...ours);
  const bestTheirs = theirs.map((values) => (higherIsBetter ? Math.max(...values) : Math.min(...values)));
  const wins = ours.filter((value, i) => theirs.every((values) => better(value, values[i] ?? Number.NaN))).length;
  const rounds = `best in ${wins} of ${ours.length} rounds`;
  if (bestTheirs.every((value) => better(worstOurs, value))) return `met: its range clears the others' (${rounds})`;
  if (theirs.every((values) => better(median(ours), median(values)))) return `not claimed: better median, overlapping ranges (${rounds})`;
  return `MISSED (${rounds})`;
}

/** One line per target: throughput, CPU per request, latency, errors, the neighbours beside it, settled RSS. */
export function printTargets(rows: readonly Row[], settled: ReadonlyMap<unknown, Rss>): void {
  console.log(
    '| target | req/s, median of rounds (range) | CPU µs per request, median (range) | p99 latency ms, median (range) | max ms | ' +
      'socket errors / timeouts / non-2xx | neighbours, cores (median) | RSS MB settled (peak) |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const each of rows) {
    const sum = (field: 'errors' | 'timeouts' | 'non2xx'): number => each.rounds.reduce((total, figures) => total + figures[field], 0);
    const rss = settled.get(each.target);
    console.log(
      `| ${each.name} | ${spread(requestsPerSecond(each), 0)} | ${spread(cpuMicrosPerRequest(each), 1)} | ${spread(p99s(each), 0)} | ` +
        `${fmt(Math.max(...each.rounds.map((figures) => figures.maxMs)))} | ${sum('errors')} / ${sum('timeouts')} / ${sum('non2xx')} | ` +
        `${fmt(median(each.neighbourCores), 2)} | ${rss === undefined ? '' : `${fmt(rss.rssMb, 1)} (${fmt(rss.peakMb, 1)})`} |`,
    );
  }
}

export interface Stack {
  readonly name: string;
  readonly instrumented: Row;
  readonly bare: Row;
  readonly counted?: { series: number; counted: number } | undefined;
}

/** Instrumented / bare twin per round for each stack, by req/s and by CPU time. */
export function printStacks(stacks: readonly Stack[], rounds: number): void {
  console.log(`\nThe stacks side by side: instrumented / bare twin per round, median of ${rounds} (range)\n`);
  console.log(
    '| stack | instrumented / bare, req/s | by CPU time (bare µs / instrumented µs per request) | instrumented p99 ms | bare p99 ms | series on /metrics | /health requests counted |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const { name, instrumented, bare, counted } of stacks) {
    console.log(
      `| ${name} | ${spread(ratio(instrumented, bare), 2)} | ${spread(cpuRatio(instrumented, bare), 2)} | ${spread(p99s(instrumented), 0)} | ` +
        `${spread(p99s(bare), 0)} | ${counted?.series ?? ''} | ${fmt(counted?.counted ?? 0)} |`,
    );
  }
}

export const goal = (ok: boolean): string => (ok ? 'met' : 'MISSED');

/** /metrics render and cold start, each against its goal. */
export function printLatencies(render: RenderFigures, renderContext: string, cold: readonly number[]): void {
  const p99 = percentile(render.render, 0.99);
  console.log(`| /metrics render in-process, median (ms), ${renderContext}, ${render.series} series | ${fmt(percentile(render.render, 0.5), 2)} | | |`);
  console.log(`| /metrics render in-process, p99 of ${fmt(render.render.length)} (ms) | ${fmt(p99, 2)} | <= 5 | ${goal(p99 <= 5)} |`);
  console.log(
    `| /metrics over HTTP, one keep-alive client: median / p99 (ms) | ${fmt(percentile(render.roundTrip, 0.5), 2)} / ${fmt(percentile(render.roundTrip, 0.99), 2)} | | |`,
  );
  console.log(`| cold start spawn -> first 200 /health, median of ${cold.length} (ms) | ${fmt(median(cold))} | <= 400 | ${goal(median(cold) <= 400)} |`);
}

export function printMemory(stages: readonly MemoryStage[], snapshots: readonly (readonly [string, MemoryReport])[]): void {
  console.log('\nWhere the memory goes: a fresh process, after a full GC at each step (MB)\n');
  console.log('| step | RSS | heap used / total | external | code + bytecode |');
  console.log('|---|---:|---:|---:|---:|');
  for (const s of stages) {
    console.log(
      `| ${s.stage} | ${fmt(s.rssMb, 1)} | ${fmt(s.heapUsedMb, 1)} / ${fmt(s.heapTotalMb, 1)} | ${fmt(s.externalMb, 1)} | ${fmt(s.codeAndMetadataMb, 1)} |`,
    );
  }
  console.log("\nThe service itself, asked by a preloaded probe (MB; \"file-backed\" is RSS minus anonymous: node's own code and data pages)\n");
  console.log(
    '| when | RSS | anonymous / file-backed | heap used / total | new / old / code / large-object / trusted space | external (array buffers) | V8 malloc | code + bytecode | threads |',
  );
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
