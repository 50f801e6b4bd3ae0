import { executionAsyncResource } from 'node:async_hooks';

/**
 * One of process.nextTick's queue entries, held for the life of the process. Node builds each entry
 * with an object literal whose symbol keys V8 defines through inline caches that point at the
 * entries' hidden classes weakly. A memory-reducing full GC (V8's memory reducer runs one about
 * 100 s after the last full GC, `src/heap/memory-reducer.cc`, so every idle spell ends in one) kills
 * those hidden classes when no entry is alive at that moment, and the caches go megamorphic for
 * good: each nextTick then takes V8's slow path, about five times the cost, which restify pays several
 * times a request (seen on Node.js 24; docs/benchmark.md has the figures). An entry that is always
 * alive keeps its hidden class, and with it the caches, alive.
 */
let held: object | undefined;

/** Holds one nextTick entry from now on (idempotent); resolves once it is held. */
export function holdNextTickShape(): Promise<void> {
  return new Promise((resolve) => {
    process.nextTick(() => {
      // Inside a nextTick callback the current async resource is that callback's queue entry.
      held ??= executionAsyncResource();
      resolve();
    });
  });
}
