import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type Conditions, type Row } from './measure';
import { type Target } from './processes';
import { noiseVerdict } from './report';

const noise = suite("a run's verdict on its own conditions");

/** A row whose rounds saw the neighbours use these shares of a core. */
const rowBeside = (neighbourCores: number[]): Row => ({
  name: 'target',
  target: {} as Target,
  path: '/health',
  rounds: [],
  cpuSeconds: [],
  neighbourCores,
});

const conditions = (overrides: Partial<Conditions> = {}): Conditions => ({
  loadBefore: [0.3, 0.5, 0.6],
  loadAfter: [1.4, 0.9, 0.7],
  node: 'v24.22.3',
  imageNodeMajor: 24,
  ...overrides,
});

noise('quiet: a low load average at the start and idle neighbours, on the Node.js the image runs', () => {
  const verdict = noiseVerdict(conditions(), [rowBeside([0, 0.02, 0.01])]);
  assert.ok(verdict.quiet);
  assert.match(verdict.text, /^Quiet run: load average \(1, 5, 15 min\) before 0\.30 0\.50 0\.60, after 1\.40 0\.90 0\.70; neighbours used 0\.01 of a core/);
});

noise('a busy machine at the start, or busy neighbours during the rounds, is not comparable', () => {
  assert.not.ok(noiseVerdict(conditions({ loadBefore: [1.2, 1, 1] }), [rowBeside([0])]).quiet);
  const busy = noiseVerdict(conditions(), [rowBeside([0.4, 0.3, 0.1])]);
  assert.not.ok(busy.quiet);
  assert.match(busy.text, /^NOT COMPARABLE, beside heavy neighbours: .*neighbours used 0\.30 of a core/);
});

noise('targets on another Node.js major than the image runs are not comparable, however quiet the machine', () => {
  const verdict = noiseVerdict(conditions({ node: 'v20.20.2' }), [rowBeside([0])]);
  assert.not.ok(verdict.quiet);
  assert.match(verdict.text, /^NOT COMPARABLE, on another Node\.js: the targets ran on v20\.20\.2, the image runs Node\.js 24/);
  assert.ok(noiseVerdict(conditions({ node: 'v24.1.0' }), [rowBeside([0])]).quiet, 'a newer 24 is the same major');
  assert.ok(noiseVerdict(conditions({ node: 'v20.20.2', imageNodeMajor: undefined }), [rowBeside([0])]).quiet, 'nothing to hold it against');
});

noise.run();
