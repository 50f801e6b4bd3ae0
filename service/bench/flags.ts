/**
 * Prices node flags and environment variables before they go into the image: the service as the
 * image runs it beside variants of it, every one under the same interleaved load (run.ts's
 * rounds, /health then /api/work), then settled RSS (SETTLE_S after the load, once V8's memory
 * reducer has run), CPU µs per request against the image's command line within each round and,
 * with BENCH_INSTRUCTIONS=1, instructions per request under callgrind.
 *
 *   BENCH_FLAG_VARIANTS='[{"name":"semi 4","args":["--max-semi-space-size=4"],"env":{"MALLOC_ARENA_MAX":"2"}}]' \
 *     npm run bench:flags -w service
 *
 * A variant's args go on node's command line after the image's own flags (a later flag wins);
 * its env is added to the image's. BENCH_ROUNDS (8), BENCH_ROUND_SECONDS (3), BENCH_CONNECTIONS (100),
 * BENCH_PIPELINING (10) and BENCH_PIN as in run.ts.
 */
import { loadavg } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { median } from '../../tests/support/stats';
import { benchCommand, serviceLaunch } from './lib/image';
import { instructionsOfEach } from './lib/instructions';
import { type Row, SETTLE_S, conditionsNow, cpuMicrosPerRequest, measureRounds, roundsFromEnv, row, rssOf } from './lib/measure';
import { LoadGenerator, type StartOptions, type Target, compileBenchProcesses, start, stop } from './lib/processes';
import { cpuRatio, fmt, noiseVerdict, spread } from './lib/report';

interface Variant {
  readonly name: string;
  readonly args?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
}

const ROUNDS = roundsFromEnv();

function variants(): Variant[] {
  const parsed = JSON.parse(process.env.BENCH_FLAG_VARIANTS ?? '[]') as Variant[];
  if (!Array.isArray(parsed) || parsed.length === 0) throw new Error('BENCH_FLAG_VARIANTS: a JSON array of {name, args?, env?}, at least one');
  return [{ name: 'as the image runs it' }, ...parsed];
}

async function main(): Promise<void> {
  const command = benchCommand();
  const conditions = conditionsNow(command.nodeMajor);
  compileBenchProcesses();
  const loader = new LoadGenerator();
  const options = ({ name, args = [], env = {} }: Variant): StartOptions => {
    const launch = serviceLaunch(command, args);
    return { name, args: launch.args, env: { ...launch.env, ...env } };
  };
  const all = variants();
  const targets: Target[] = [];
  for (const variant of all) targets.push(await start(options(variant)));
  const rows = targets.flatMap((target) => [row(`${target.name}: /health`, target), row(`${target.name}: /api/work`, target, '/api/work')]);
  await measureRounds(loader, rows, ROUNDS);
  await delay(SETTLE_S * 1000);
  const settled = targets.map((target) => rssOf(target));
  await Promise.all(targets.map((target) => stop(target)));

  const instructions = await instructionsOfEach(all.map((variant) => options(variant)));
  loader.close();
  conditions.loadAfter = loadavg();

  const noise = noiseVerdict(conditions, rows);
  console.log(`${noise.text}\n`);
  console.log('| variant | /health CPU µs per request, median (range) | image / variant by CPU µs, per round (above 1: the variant is cheaper) | /api/work image / variant | instructions per /health request | RSS MB settled (peak) |');
  console.log('|---|---:|---:|---:|---:|---:|');
  all.forEach((variant, i) => {
    const [health, work] = [rows[2 * i] as Row, rows[2 * i + 1] as Row];
    const rss = settled[i];
    const count = instructions[i];
    console.log(
      `| ${variant.name} ${JSON.stringify({ args: variant.args ?? [], env: variant.env ?? {} })} | ${spread(cpuMicrosPerRequest(health), 1)} | ` +
        `${spread(cpuRatio(health, rows[0] as Row), 2)} | ${fmt(median(cpuRatio(work, rows[1] as Row)), 2)} | ${count === undefined ? '' : fmt(count)} | ` +
        `${rss === undefined ? '' : `${fmt(rss.rssMb, 1)} (${fmt(rss.peakMb, 1)})`} |`,
    );
  });
  console.log(`\n${noise.text}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
