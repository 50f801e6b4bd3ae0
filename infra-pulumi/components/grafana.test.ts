import * as assert from 'node:assert/strict';
import { suite } from 'uvu';
import { tokenRotationName } from './grafana';

const WEEK_MS = 7 * 24 * 3600 * 1000;

const test = suite('tokenRotationName');
test('stays the same within a week, so repeated deploys do not churn the token', () => {
  const weekStart = new Date(2900 * WEEK_MS);
  assert.equal(tokenRotationName(weekStart), tokenRotationName(new Date(weekStart.getTime() + WEEK_MS - 1)));
});
test('changes every week, so a deploy replaces the 30-day token long before it expires', () => {
  const weekStart = new Date(2900 * WEEK_MS);
  assert.notEqual(tokenRotationName(weekStart), tokenRotationName(new Date(weekStart.getTime() + WEEK_MS)));
});
test.run();
