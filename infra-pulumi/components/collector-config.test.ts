import * as assert from 'node:assert/strict';
import { suite } from 'uvu';
import { parse } from 'yaml';
import { COLLECTOR_HEALTH_CHECK_COMMAND, collectorConfig, collectorMemoryLimitMib, SCRAPE_JOB_NAME } from './collector-config';

const test = suite('collectorConfig');
const args = { region: 'us-east-2', prometheusEndpoint: 'https://aps-workspaces.us-east-2.amazonaws.com/workspaces/ws-1/', metricsPort: 9464, scrapeIntervalSeconds: 30, memoryLimitMib: 128 };

interface Pipeline { receivers: string[]; processors: string[]; exporters: string[] }
interface Config {
  extensions: Record<string, unknown>;
  receivers: { prometheus: { config: { global: { scrape_interval: string; scrape_timeout: string }; scrape_configs: { job_name: string; metrics_path: string; static_configs: { targets: string[] }[] }[] } } };
  processors: Record<string, unknown>;
  exporters: { prometheusremotewrite: { endpoint: string; auth: { authenticator: string } } };
  service: { extensions: string[]; pipelines: { metrics: Pipeline } };
}

test('is YAML that scrapes the metrics port on 127.0.0.1 (not localhost, which may be ::1) as job "app"', () => {
  const config = parse(collectorConfig(args)) as Config;
  const prometheus = config.receivers.prometheus.config;
  assert.deepEqual(prometheus.global, { scrape_interval: '30s', scrape_timeout: '10s' });
  assert.deepEqual(prometheus.scrape_configs, [{ job_name: SCRAPE_JOB_NAME, metrics_path: '/metrics', static_configs: [{ targets: ['127.0.0.1:9464'] }] }]);
  assert.equal(SCRAPE_JOB_NAME, 'app');
});

test('remote-writes to the workspace with SigV4 for "aps" in its region', () => {
  const config = parse(collectorConfig(args)) as Config;
  assert.equal(config.exporters.prometheusremotewrite.endpoint, 'https://aps-workspaces.us-east-2.amazonaws.com/workspaces/ws-1/api/v1/remote_write');
  assert.equal(config.exporters.prometheusremotewrite.auth.authenticator, 'sigv4auth');
  assert.deepEqual(config.extensions.sigv4auth, { region: 'us-east-2', service: 'aps' });
  assert.deepEqual(config.service.extensions, ['sigv4auth', 'health_check']);
});

test('every component the pipeline names is defined', () => {
  const config = parse(collectorConfig(args)) as Config;
  const { receivers, processors, exporters } = config.service.pipelines.metrics;
  for (const r of receivers) assert.ok(r in config.receivers, r);
  for (const p of processors) assert.ok(p in config.processors, p);
  for (const e of exporters) assert.ok(e in config.exporters, e);
});

test('memory_limiter runs first, so a slow backend means refused scrapes rather than an OOM-killed task', () => {
  const config = parse(collectorConfig(args)) as Config;
  assert.equal(config.service.pipelines.metrics.processors[0], 'memory_limiter');
  assert.ok('memory_limiter' in config.processors);
});

// limit_percentage is of the memory the collector sees, which without a container limit is the whole
// task's: it would let the collector take what the app needs. A fixed limit_mib does not.
test('memory_limiter caps the collector at a fixed share of the task, leaving the app at least three quarters', () => {
  const config = parse(collectorConfig(args)) as Config;
  assert.deepEqual(config.processors.memory_limiter, { check_interval: '1s', limit_mib: 128, spike_limit_mib: 25 });
  for (const taskMemory of [512, 1024, 2048, 8192]) {
    const limit = collectorMemoryLimitMib(taskMemory);
    assert.ok(limit > 0 && limit <= taskMemory / 4, `${taskMemory} MiB task: collector limit ${limit} MiB`);
  }
  assert.equal(collectorMemoryLimitMib(512), 128);
  assert.equal(collectorMemoryLimitMib(8192), 256);
});

// The image is FROM scratch and its /healthcheck binary asks http://127.0.0.1:13133/ only
// (aws-otel-collector cmd/healthcheck/main.go). ECS's HealthCheck.command must start with CMD or
// CMD-SHELL; CMD-SHELL needs a shell the image lacks.
test('the container health check runs /healthcheck directly, against the extension on the address it probes', () => {
  assert.deepEqual(COLLECTOR_HEALTH_CHECK_COMMAND, ['CMD', '/healthcheck']);
  const config = parse(collectorConfig(args)) as Config;
  assert.deepEqual(config.extensions.health_check, { endpoint: '127.0.0.1:13133' });
  assert.ok(config.service.extensions.includes('health_check'));
});

test('a short scrape interval keeps the timeout within it', () => {
  const config = parse(collectorConfig({ ...args, scrapeIntervalSeconds: 5 })) as Config;
  assert.equal(config.receivers.prometheus.config.global.scrape_timeout, '5s');
});
test.run();

