import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { assertNextTickStaysFast, nextTickLiteralCaches } from '../testing/next-tick-caches';

const nextTickShape = suite('process.nextTick after a memory-reducing GC');

nextTickShape('in the service main() starts, nextTick keeps its literal caches monomorphic', () =>
  assertNextTickStaysFast(`await require('./src/main.ts').main(process);`),
);

nextTickShape('without an entry held, this Node.js loses them (when this fails, the hold can go)', async () => {
  const states = await nextTickLiteralCaches('');
  assert.ok(
    states.includes('MEGAMORPHIC'),
    `on ${process.version} a memory-reducing GC no longer sends nextTick's literal caches megamorphic (${states.join(', ')}): ` +
      'holdNextTickShape and its call in main.ts are no longer needed',
  );
});

nextTickShape.run();
