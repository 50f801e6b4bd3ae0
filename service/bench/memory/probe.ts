/**
 * Preloaded into the service under test (`node --require bench/dist/bench/memory/probe.js dist/main.js`)
 * so run.ts can ask where its memory is without the service knowing: on each IPC message it
 * answers one MemoryReport. Compiled to plain CommonJS on purpose: a TypeScript preload would
 * bring a loader along and add its own megabytes to the figure it reports.
 */
import { readFileSync } from 'node:fs';
import { getHeapCodeStatistics, getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';

export interface MemoryReport {
  readonly rssMb: number;
  /** RSS backed by no file: the V8 heap, malloc, thread stacks. The rest is mapped files (node's own code). */
  readonly anonymousMb: number;
  readonly heapUsedMb: number;
  /** Memory V8 holds for its heap: every space's committed pages. */
  readonly heapTotalMb: number;
  /** Memory of C++ objects bound to JavaScript ones (Buffers, ArrayBuffers among them). */
  readonly externalMb: number;
  readonly arrayBuffersMb: number;
  /** V8's own malloc (compiler zones, tables), outside the heap. */
  readonly v8MallocedMb: number;
  /** Bytecode and machine code with their metadata, inside the heap spaces. */
  readonly codeAndMetadataMb: number;
  /** Committed ("physical") size of each V8 heap space that holds any, by space name. */
  readonly spacesMb: Readonly<Record<string, number>>;
  readonly threads: number;
}

const MB = 1024 * 1024;

/** A field of /proc/self/<file> given in kB, in MB. */
function procMb(file: string, field: string): number {
  const text = readFileSync(`/proc/self/${file}`, 'utf8');
  return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? Number.NaN) / 1024;
}

function report(): MemoryReport {
  const usage = process.memoryUsage();
  const code = getHeapCodeStatistics();
  const spacesMb: Record<string, number> = {};
  for (const space of getHeapSpaceStatistics()) {
    if (space.physical_space_size > 0) spacesMb[space.space_name] = space.physical_space_size / MB;
  }
  const status = readFileSync('/proc/self/status', 'utf8');
  return {
    rssMb: usage.rss / MB,
    anonymousMb: procMb('smaps_rollup', 'Anonymous'),
    heapUsedMb: usage.heapUsed / MB,
    heapTotalMb: usage.heapTotal / MB,
    externalMb: usage.external / MB,
    arrayBuffersMb: usage.arrayBuffers / MB,
    v8MallocedMb: getHeapStatistics().malloced_memory / MB,
    codeAndMetadataMb: (code.code_and_metadata_size + code.bytecode_and_metadata_size) / MB,
    spacesMb,
    threads: Number(/^Threads:\s+(\d+)/m.exec(status)?.[1] ?? Number.NaN),
  };
}

process.on('message', () => {
  process.send?.(report());
});
// The IPC channel alone must not keep the service alive: it exits when it would have exited.
process.channel?.unref();
