// The duration parser and writer the rule tests rely on (both sides of a `for:`, ranges one second shorter).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { duration, seconds } from './lib/duration';

const Durations = suite('Prometheus durations');

Durations('read in seconds, units combined', () => {
  assert.is(seconds('90s'), 90);
  assert.is(seconds('15m45s'), 945);
  assert.is(seconds('3d'), 259_200);
  assert.is(seconds('1h30m'), 5400);
});

Durations('anything but whole d, h, m and s is an error, not a guess', () => {
  for (const bad of ['1.5h', '5', '', '5m ', '1w', '100ms']) assert.throws(() => seconds(bad), /unsupported duration/, bad);
});

Durations('written back with the largest units first, and read back the same', () => {
  assert.is(duration(86_399), '23h59m59s');
  assert.is(duration(299), '4m59s');
  for (const value of [1, 59, 60, 3601, 259_199]) assert.is(seconds(duration(value)), value);
  assert.throws(() => duration(0));
});

Durations.run();
