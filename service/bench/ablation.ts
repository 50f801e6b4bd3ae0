/**
 * Where the service's CPU per request goes beyond its bare restify twin's: the twin with the
 * service's pieces added one at a time (targets/ablation-steps.ts), every step running at once
 * and measured in interleaved rounds like run.ts, by CPU µs per request, each step against the
 * one before it within the same round. With BENCH_INSTRUCTIONS=1 (and valgrind installed) each
 * step is also run under callgrind, one after another, for instructions per request, which
 * neighbours cannot move. Targets run with the image's ENV and node flags, as in run.ts.
 *
 *   npm run bench:ablation -w service
 *
 * BENCH_ROUNDS (8), BENCH_ROUND_SECONDS (3), BENCH_CONNECTIONS (100), BENCH_PIPELINING (10),
 * BENCH_PIN, BENCH_INSTRUCTION_REQUESTS (20000, after as many to warm up).
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { median } from '../../tests/support/stats';
import { STEPS } from './targets/ablation-steps';
import { benchCommand } from './lib/image';
import { instructionsOfEach } from './lib/instructions';
import { type Row, conditionsNow, cpuMicrosPerRequest, measureRounds, roundsFromEnv, row } from './lib/measure';
import { BUILT_BENCH, HOLD_NEXT_TICK, LoadGenerator, type StartOptions, compileBenchProcesses, request, start, stop } from './lib/processes';
import { fmt, noiseVerdict, spread } from './lib/report';

const ROUNDS = roundsFromEnv();
const INSTRUCTIONS = process.env.BENCH_INSTRUCTIONS === '1';

/** Per round, this row's figure minus the previous row's: what the step added. */
const added = (these: readonly number[], before: readonly number[] | undefined): number[] =>
  these.map((value, i) => value - (before?.[i] ?? Number.NaN));

/** One line per step: CPU per request and what the step added (per round), instructions and what the step added. */
function printAblation(rows: readonly Row[], instructions: readonly number[], noise: string): void {
  console.log(`${noise}\n`);
  console.log(
    `| step | CPU µs per request, median of ${ROUNDS.rounds} rounds (range) | lowest round | added by the step, µs (per-round difference) | ` +
      '/ bare, by CPU | added, lowest rounds | instructions per request | added |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  const micros = (index: number): number[] => {
    const each = rows[index];
    return each === undefined ? [] : cpuMicrosPerRequest(each);
  };
  const bare = micros(0);
  STEPS.forEach((name, index) => {
    const these = micros(index);
    const last = index === STEPS.length - 1;
    const previous = micros(last ? 0 : index - 1);
    const step = index === 0 || these.length === 0 ? '' : spread(added(these, previous), 2);
    const count = instructions[index];
    const countAdded = index === 0 || count === undefined ? '' : fmt(count - (instructions[last ? 0 : index - 1] ?? Number.NaN));
    // A disturbance only ever adds CPU time: each target's least disturbed round is its lowest.
    const lowest = Math.min(...these);
    const lowestAdded = index === 0 || these.length === 0 ? '' : fmt(lowest - Math.min(...previous), 2);
    console.log(
      `| ${index} ${name} | ${these.length === 0 ? '' : spread(these, 2)} | ${these.length === 0 ? '' : fmt(lowest, 2)} | ${step}${last && step !== '' ? ' (all, against bare)' : ''} | ` +
        `${these.length === 0 ? '' : fmt(median(bare.map((b, i) => b / (these[i] ?? Number.NaN))), 2)} | ${lowestAdded} | ` +
        `${count === undefined ? '' : fmt(count)} | ${countAdded} |`,
    );
  });
  if (INSTRUCTIONS && instructions.length === 0) console.log('\nBENCH_INSTRUCTIONS=1 but valgrind/callgrind_control is not installed: no instruction counts.');
  console.log(`\n${noise}`);
}

async function main(): Promise<void> {
  const { env, nodeArgs, nodeMajor } = benchCommand();
  const conditions = conditionsNow(nodeMajor);
  compileBenchProcesses();
  const loader = new LoadGenerator();
  // Every step answers like the service: its own /health bytes. APP_VERSION: the service's sources
  // compiled into bench/dist cannot find service/package.json where config.ts looks for it.
  const answerEnv = { ...env, APP_VERSION: 'bench', HEALTH_PATH: '/health', HEALTH_BODY: "OK I'm healthy", HEALTH_TYPE: 'text/plain; charset=utf-8', LOG_LEVEL: 'info' };
  const options = (index: number): StartOptions => ({
    name: `ablation step ${index}`,
    args: [...nodeArgs, ...HOLD_NEXT_TICK, join(BUILT_BENCH, 'targets', 'restify-ablation.js')],
    env: { ...answerEnv, ABLATION_STEP: String(index) },
  });
  const rows: Row[] = [];
  if (ROUNDS.rounds > 0) {
    const targets = [];
    for (let index = 0; index < STEPS.length; index += 1) targets.push(await start(options(index)));
    const service = await request(targets.at(-1)?.port ?? 0, '/health');
    if (service.body !== answerEnv.HEALTH_BODY || service.contentType !== answerEnv.HEALTH_TYPE) {
      throw new Error(`the service now answers ${JSON.stringify(service.body)} as ${service.contentType}: update the steps' answer`);
    }
    rows.push(...targets.map((target, index) => row(`${index} ${STEPS[index]}`, target)));
    await measureRounds(loader, rows, ROUNDS);
    await Promise.all(targets.map((target) => stop(target)));
  }
  const instructions = await instructionsOfEach(STEPS.map((_, index) => options(index)));
  loader.close();
  conditions.loadAfter = loadavg();

  printAblation(rows, instructions, noiseVerdict(conditions, rows).text);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
