// The README's fire times are the ones promtool pins: every range of its table is the range a
// test of prometheus/tests/fire-times*.yml checks (the alert absent at its start, firing at its
// end, counted from when the knob turned), and every range those tests pin is in the table.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { REPO_ROOT, RULE_TESTS_DIR } from './lib/paths';
import { seconds } from './lib/duration';
import { yamlFiles } from './lib/rule-files';

interface FireTimesFile {
  tests: {
    name: string;
    promql_expr_test?: { expr: string; eval_time: string; exp_samples?: unknown[] }[];
  }[];
}

/** How long the default load ran before the knob turned, by the words the README and the tests use. */
const SCENARIOS: Readonly<Record<string, number>> = {
  'on a fresh stack': 0,
  'after 10 minutes of default load': 10,
  'after 6 hours of default load': 360,
  'after a day of default load': 1440,
};

/** "recipe | alert | scenario" → "lo–hi" minutes after the knob turned. */
type Ranges = Map<string, string>;

function pinnedRanges(): Ranges {
  const ranges: Ranges = new Map();
  const files = yamlFiles(RULE_TESTS_DIR).filter((path) => /\/fire-times[^/]*\.yml$/.test(path));
  assert.ok(files.length > 0, 'no prometheus/tests/fire-times*.yml');
  for (const path of files) {
    for (const test of (parse(readFileSync(path, 'utf8')) as FireTimesFile).tests) {
      const match = /^README: (\S+) (on a fresh stack|after [^:]+ of default load):/.exec(test.name);
      assert.ok(match, `${path}: test "${test.name}" does not say which README recipe and which load before it pins`);
      const [, recipe = '', scenario = ''] = match;
      const prior = SCENARIOS[scenario];
      assert.ok(prior !== undefined, `${path}: unknown load before the recipe: "${scenario}"`);
      const byAlert = new Map<string, { absent?: number; firing?: number }>();
      for (const check of test.promql_expr_test ?? []) {
        const alert = /^ALERTS\{alertname="(\w+)", alertstate="firing"\}$/.exec(check.expr)?.[1];
        if (alert === undefined) continue;
        const minutes = seconds(check.eval_time) / 60 - prior;
        const entry = byAlert.get(alert) ?? {};
        if ((check.exp_samples ?? []).length === 0) entry.absent = minutes;
        else entry.firing = minutes;
        byAlert.set(alert, entry);
      }
      for (const [alert, { absent, firing }] of byAlert) {
        assert.ok(absent !== undefined && firing !== undefined && absent < firing, `${path}: "${test.name}" pins no range for ${alert}`);
        ranges.set(`${recipe} | ${alert} | ${scenario}`, `${absent}–${firing}`);
      }
    }
  }
  return ranges;
}

function readmeRanges(): Ranges {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const header = readme.split('\n').findIndex((line) => line.startsWith('| recipe | alert | on a fresh stack |'));
  assert.ok(header >= 0, 'README.md has no fire-time table (| recipe | alert | on a fresh stack | …)');
  const lines = readme.split('\n');
  const cells = (line: string) => line.split('|').slice(1, -1).map((cell) => cell.trim());
  const scenarios = cells(lines[header] ?? '').slice(2);
  const ranges: Ranges = new Map();
  let recipe = '';
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith('|')) break;
    const [recipeCell = '', alertCell = '', ...times] = cells(line);
    recipe = recipeCell.replace(/`/g, '') || recipe;
    const alert = alertCell.split(' ')[0] ?? '';
    times.forEach((time, index) => {
      if (time !== '') ranges.set(`${recipe} | ${alert} | ${scenarios[index]}`, time);
    });
  }
  return ranges;
}

const FireTimes = suite('the README\'s fire times');

FireTimes('every range in the README\'s table is the one a promtool test pins, and every pinned range is in the table', () => {
  const pinned = pinnedRanges();
  const readme = readmeRanges();
  assert.ok(pinned.size >= 8, `only ${pinned.size} ranges pinned`);
  assert.equal(Object.fromEntries([...readme].sort()), Object.fromEntries([...pinned].sort()));
});

FireTimes.run();
