import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { nextTickLiteralCaches } from '../../src/testing/next-tick-caches';

const preload = suite('the nextTick preload of the benchmark peers');

preload('a target that requires it keeps nextTick off the slow path, as the service does', async () => {
  const states = await nextTickLiteralCaches(`require('./bench/targets/hold-next-tick.ts');`);
  assert.ok(states.length >= 3, `V8 printed no caches for the literal's symbol keys: ${states.join(', ')}`);
  assert.equal(
    states.filter((state) => state === 'MEGAMORPHIC'),
    [],
    `nextTick's literal caches after the GC: ${states.join(', ')}`,
  );
});

preload.run();
