import * as assert from 'node:assert/strict';
import { suite } from 'uvu';
import { parse } from 'yaml';
import { construct } from '../testing/component';
import { envOf, inputOf, resolved } from '../testing/helpers';
import { MOCK_AMP_ENDPOINT } from '../testing/mocks';
import { APP_CONTAINER, COLLECTOR_CONTAINER, TaskDefinition, type TaskDefinitionArgs } from './task-definition';
import { METRICS_PORT } from './timeouts';

const T = { taskDefinition: 'aws:ecs/taskDefinition:TaskDefinition', role: 'aws:iam/role:Role', rolePolicy: 'aws:iam/rolePolicy:RolePolicy' };
const args: TaskDefinitionArgs = {
  region: 'eu-west-1', image: 'docker.io/example/app:1.0.0', imageCredentialsSecretArn: undefined, cpu: 256, memory: 512, cpuArchitecture: 'ARM64',
  logLevel: 'info', logRetentionDays: 7, shutdownDelayMs: 5000, shutdownTimeoutMs: 20000, scrapeIntervalSeconds: 15,
  ampWorkspaceArn: 'arn:aws:aps:eu-west-1:123456789012:workspace/ws-1', ampPrometheusEndpoint: MOCK_AMP_ENDPOINT, permissionsBoundaryArn: undefined,
};
interface Container { name: string; environment: { name: string; value: string }[] }
const containersOf = (definitions: string) => JSON.parse(definitions) as Container[];

const test = suite('TaskDefinition');
test('the app serves metrics on METRICS_PORT and the collector, configured in the definition itself, scrapes it over loopback', async () => {
  const built = await construct('td', () => new TaskDefinition('td', args), [T.taskDefinition]);
  await resolved(built.component.arn);
  const containers = containersOf(inputOf(built.one(T.taskDefinition), 'containerDefinitions'));
  assert.equal(envOf(containers.find((c) => c.name === APP_CONTAINER)).METRICS_PORT, String(METRICS_PORT));
  const config = parse(envOf(containers.find((c) => c.name === COLLECTOR_CONTAINER)).AOT_CONFIG_CONTENT ?? '') as { receivers: { prometheus: { config: { scrape_configs: { static_configs: { targets: string[] }[] }[] } } }; processors: { memory_limiter: { limit_mib?: number; limit_percentage?: number } } };
  assert.deepEqual(config.receivers.prometheus.config.scrape_configs[0]?.static_configs[0]?.targets, [`127.0.0.1:${METRICS_PORT}`]);
  // A 512 MiB task: the collector's memory_limiter stops at a quarter of it, not at a share of all the task's memory.
  assert.equal(config.processors.memory_limiter.limit_mib, 128);
  assert.equal(config.processors.memory_limiter.limit_percentage, undefined);
  assert.deepEqual(inputOf(built.one(T.taskDefinition), 'runtimePlatform'), { operatingSystemFamily: 'LINUX', cpuArchitecture: 'ARM64' });
});
test('both roles carry the permissions boundary when one is given', async () => {
  const boundary = 'arn:aws:iam::123456789012:policy/td2-boundary';
  const built = await construct('td2', () => new TaskDefinition('td2', { ...args, permissionsBoundaryArn: boundary }), [T.taskDefinition, T.role]);
  await resolved(built.component.arn);
  assert.equal(built.ofType(T.role).length, 2);
  for (const role of built.ofType(T.role)) assert.equal(inputOf(role, 'permissionsBoundary'), boundary);
});
test.run();
