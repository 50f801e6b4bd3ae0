// The shipped Prometheus config, rules and rule unit tests, checked by promtool itself.
import { execFile, spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { suite } from 'uvu';
import { needs } from '../../tests/support/tools';
import * as assert from 'uvu/assert';
import { prometheusTool } from '../../tests/support/prometheus-tools';
import { parse } from 'yaml';
import { COMPOSE_FILE, PROMETHEUS_CONFIG, PROMETHEUS_DIR } from './lib/paths';
import { duration, seconds } from './lib/duration';
import { ruleFilePaths, ruleTestFilePaths } from './lib/rule-files';

function promtool(...args: string[]): string {
  return promtoolIn(PROMETHEUS_DIR, ...args);
}

function promtoolIn(dir: string, ...args: string[]): string {
  const { file, args: argv, origin } = prometheusTool('promtool', args, [{ path: dir }]);
  const result = spawnSync(file, argv, { cwd: dir, encoding: 'utf8', timeout: 300_000 });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  assert.is(result.status, 0, `promtool ${args.join(' ')} (from ${origin}) failed:\n${result.error?.message ?? output}`);
  return output;
}

/**
 * `promtool test rules` of each file, as many at once as there are cores (promtool evaluates one
 * file on one core): the output of those that failed, with their names, or '' when all passed.
 */
async function testRulesInParallel(dir: string, files: string[]): Promise<string> {
  const failures: string[] = [];
  const queue = [...files];
  const worker = async () => {
    for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
      const { file: binary, args } = prometheusTool('promtool', ['test', 'rules', file], [{ path: dir }]);
      const output = await new Promise<string | undefined>((done) => {
        execFile(binary, args, { cwd: dir, encoding: 'utf8', timeout: 300_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
          done(error ? `${file}:\n${stdout}${stderr}${error.message}` : undefined),
        );
      });
      if (output !== undefined) failures.push(output);
    }
  };
  await Promise.all(Array.from({ length: Math.min(availableParallelism(), files.length) }, worker));
  return failures.join('\n');
}

const checks = needs(['promtool'], suite('promtool'));

checks('prometheus.yml is a valid config, and loads every rule file, the local-only ones included', () => {
  const output = promtool('check', 'config', PROMETHEUS_CONFIG);
  for (const path of ruleFilePaths()) {
    assert.ok(output.includes(path.slice(PROMETHEUS_DIR.length + 1)), `prometheus.yml does not load ${path}:\n${output}`);
  }
});

checks('every rule file passes promtool check rules', () => {
  promtool('check', 'rules', ...ruleFilePaths());
});

checks('every promtool rule unit test passes', async () => {
  const failed = await testRulesInParallel(PROMETHEUS_DIR, ruleTestFilePaths());
  assert.is(failed, '', failed);
});

checks('the rule unit tests pin the same minutes under Prometheus 3\'s left-open ranges (every range one second shorter)', async () => {
  // Prometheus 3 leaves out the sample exactly at the start of a range, 2.x keeps it: with samples
  // on whole intervals, a range one second shorter selects what 3.x selects, whichever promtool
  // runs here. The tests must not depend on which (CI runs 3.x, Debian ships 2.x).
  const copy = mkdtempSync(join(tmpdir(), 'rules-left-open-'));
  try {
    cpSync(PROMETHEUS_DIR, copy, { recursive: true });
    let shortened = 0;
    for (const original of ruleFilePaths()) {
      const path = join(copy, relative(PROMETHEUS_DIR, original));
      const text = readFileSync(path, 'utf8').replace(/\[((?:\d+[smhd])+)\]/g, (_whole, range: string) => {
        shortened += 1;
        return `[${duration(seconds(range) - 1)}]`;
      });
      writeFileSync(path, text);
    }
    assert.ok(shortened > 0, 'no range selector found to shorten');
    const failed = await testRulesInParallel(copy, ruleTestFilePaths().map((path) => join(copy, relative(PROMETHEUS_DIR, path))));
    assert.is(failed, '', failed);
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
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
