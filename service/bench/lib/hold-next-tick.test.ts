import { suite } from 'uvu';
import { assertNextTickStaysFast } from '../../src/testing/next-tick-caches';

const preload = suite('the nextTick preload of the benchmark peers');

preload('a target that requires it keeps nextTick off the slow path, as the service does', () =>
  assertNextTickStaysFast(`require('./bench/targets/hold-next-tick.ts');`),
);

preload.run();
