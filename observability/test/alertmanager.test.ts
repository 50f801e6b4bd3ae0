// The local Alertmanager's configuration, checked and routed by amtool itself.
import { spawnSync } from 'node:child_process';
import { dirname } from 'node:path';
import { suite } from 'uvu';
import { needs } from '../../tests/support/tools';
import * as assert from 'uvu/assert';
import { prometheusTool } from '../../tests/support/prometheus-tools';
import { ALERTMANAGER_CONFIG } from './lib/paths';

function amtool(...args: string[]): string {
  const { file, args: argv, origin } = prometheusTool('amtool', args, [{ path: dirname(ALERTMANAGER_CONFIG) }]);
  const result = spawnSync(file, argv, { encoding: 'utf8', timeout: 120_000 });
  assert.is(result.status, 0, `amtool ${args.join(' ')} (from ${origin}) failed:\n${result.error?.message ?? `${result.stdout}${result.stderr}`}`);
  return result.stdout.trim();
}

/** The receiver(s) Alertmanager would notify for an alert with these labels. */
const receiverOf = (...labels: string[]) => amtool('config', 'routes', 'test', `--config.file=${ALERTMANAGER_CONFIG}`, ...labels);

const alertmanager = needs(['amtool'], suite('alertmanager.yml'));

alertmanager('is a valid configuration for amtool check-config', () => {
  assert.match(amtool('check-config', ALERTMANAGER_CONFIG), /SUCCESS/);
});

alertmanager('routes Watchdog to the heartbeat receiver, never to the one people read', () => {
  assert.is(receiverOf('alertname=Watchdog', 'severity=none'), 'heartbeat');
});

alertmanager('routes the service\'s pages and tickets to local-ui-only', () => {
  assert.is(receiverOf('alertname=AppAvailabilityFastBurn', 'severity=critical', 'job=app'), 'local-ui-only');
  assert.is(receiverOf('alertname=AppLatencySlowBurn', 'severity=warning', 'job=app'), 'local-ui-only');
});

alertmanager.run();
