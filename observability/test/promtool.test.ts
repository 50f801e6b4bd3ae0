// The shipped Prometheus config, rules and rule unit tests, checked by promtool itself.
import { spawnSync } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { prometheusTool } from '../../tests/support/prometheus-tools';
import { PROMETHEUS_CONFIG, PROMETHEUS_DIR } from './lib/paths';
import { ruleFilePaths, ruleTestFilePaths } from './lib/rule-files';

function promtool(...args: string[]): string {
  const { file, args: argv, origin } = prometheusTool('promtool', args, [{ path: PROMETHEUS_DIR }]);
  const result = spawnSync(file, argv, { cwd: PROMETHEUS_DIR, encoding: 'utf8', timeout: 300_000 });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  assert.is(result.status, 0, `promtool ${args.join(' ')} (from ${origin}) failed:\n${result.error?.message ?? output}`);
  return output;
}

const checks = suite('promtool');

checks('prometheus.yml is a valid config, and loads every rule file, the local-only ones included', () => {
  const output = promtool('check', 'config', PROMETHEUS_CONFIG);
  for (const path of ruleFilePaths()) {
    assert.ok(output.includes(path.slice(PROMETHEUS_DIR.length + 1)), `prometheus.yml does not load ${path}:\n${output}`);
  }
});

checks('every rule file passes promtool check rules', () => {
  promtool('check', 'rules', ...ruleFilePaths());
});

checks('every promtool rule unit test passes', () => {
  const output = promtool('test', 'rules', ...ruleTestFilePaths());
  assert.not.match(output, /FAILED/);
});

checks.run();
