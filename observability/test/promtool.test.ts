// The shipped Prometheus config, rules and rule unit tests, checked by promtool itself.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { prometheusTool } from '../../tests/support/prometheus-tools';
import { parse } from 'yaml';
import { COMPOSE_FILE, PROMETHEUS_CONFIG, PROMETHEUS_DIR } from './lib/paths';
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

const monitors = suite('prometheus.yml and the local stack');

monitors('Prometheus scrapes the app, itself and the Alertmanager it sends alerts to, by their compose service names', () => {
  const config = parse(readFileSync(PROMETHEUS_CONFIG, 'utf8')) as {
    alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
    scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
  };
  const targetsOf = (job: string) =>
    config.scrape_configs.filter((scrape) => scrape.job_name === job).flatMap((scrape) => scrape.static_configs.flatMap((s) => s.targets));
  assert.equal(targetsOf('app'), ['app:8080']);
  assert.equal(targetsOf('prometheus'), ['localhost:9090']);
  assert.equal(targetsOf('alertmanager'), ['alertmanager:9093']);
  assert.equal(config.alerting.alertmanagers.flatMap((am) => am.static_configs.flatMap((s) => s.targets)), ['alertmanager:9093']);

  const services = Object.keys((parse(readFileSync(COMPOSE_FILE, 'utf8')) as { services: Record<string, unknown> }).services);
  for (const service of ['app', 'prometheus', 'alertmanager']) {
    assert.ok(services.includes(service), `docker-compose.yml has no service ${service} for prometheus.yml to reach`);
  }
});

monitors.run();
