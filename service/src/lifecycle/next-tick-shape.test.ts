import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { nextTickLiteralCaches } from '../testing/next-tick-caches';

const nextTickShape = suite('process.nextTick after a memory-reducing GC');

nextTickShape('in the service main() starts, nextTick keeps its literal caches monomorphic', async () => {
  const states = await nextTickLiteralCaches(`await require('./src/main.ts').main(process);`);
  assert.ok(states.length >= 3, `V8 printed no caches for the literal's symbol keys: ${states.join(', ')}`);
  assert.equal(
    states.filter((state) => state === 'MEGAMORPHIC'),
    [],
    `nextTick's literal caches after the GC: ${states.join(', ')}`,
  );
});

nextTickShape('without an entry held, this Node.js loses them (when this fails, the hold can go)', async () => {
  const states = await nextTickLiteralCaches('');
  assert.ok(
    states.includes('MEGAMORPHIC'),
    `on ${process.version} a memory-reducing GC no longer sends nextTick's literal caches megamorphic (${states.join(', ')}): ` +
      'holdNextTickShape and its call in main.ts are no longer needed',
  );
});

nextTickShape.run();
