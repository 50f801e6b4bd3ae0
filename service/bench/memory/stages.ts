/**
 * Where the idle service's memory comes from, module by module: RSS and V8 heap after a full GC
 * at each step, in one fresh process (compiled, plain node, `--expose-gc`). Prints one JSON array
 * of MemoryStage for run.ts.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { getHeapCodeStatistics } from 'node:v8';

export interface MemoryStage {
  readonly stage: string;
  readonly rssMb: number;
  readonly heapUsedMb: number;
  readonly heapTotalMb: number;
  readonly externalMb: number;
  readonly codeAndMetadataMb: number;
}

/** Resolves the way the service does (service/package.json's dependencies). */
const serviceRequire = createRequire(join(__dirname, '..', '..', '..', '..', 'package.json'));
const MB = 1024 * 1024;
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');

const stages: MemoryStage[] = [];
function measure(stage: string): void {
  gc?.();
  gc?.();
  const usage = process.memoryUsage();
  const code = getHeapCodeStatistics();
  stages.push({
    stage,
    rssMb: usage.rss / MB,
    heapUsedMb: usage.heapUsed / MB,
    heapTotalMb: usage.heapTotal / MB,
    externalMb: usage.external / MB,
    codeAndMetadataMb: (code.code_and_metadata_size + code.bytecode_and_metadata_size) / MB,
  });
}

measure('node alone');
// restify's entry point also loads every bundled plugin and formatter; the server and router are what a server needs.
serviceRequire('restify/lib/server');
serviceRequire('restify/lib/router');
measure("+ restify's server and router (lib/server, lib/router)");
serviceRequire('restify');
measure("+ the rest of require('restify'): its plugins and formatters");
serviceRequire('prom-client');
measure('+ prom-client');
serviceRequire('reflect-metadata');
serviceRequire('tsyringe');
serviceRequire('pino');
measure('+ tsyringe, reflect-metadata, pino (already loaded by restify)');
process.stdout.write(`${JSON.stringify(stages)}\n`);
