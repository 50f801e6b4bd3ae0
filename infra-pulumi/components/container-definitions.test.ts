// The container definitions as data, without mocks: what ECS is asked to run.
import * as assert from 'node:assert/strict';
import { suite } from 'uvu';
import { envOf } from '../testing/helpers';
import { APP_CONTAINER, appEnvironment, COLLECTOR_CONTAINER, containerDefinitions, type ContainerDefinitionsArgs } from './container-definitions';
import { APP_PORT, METRICS_PORT } from './timeouts';

const args: ContainerDefinitionsArgs = {
  image: 'docker.io/example/app:1.0.0', imageCredentialsSecretArn: undefined, logLevel: 'info', shutdownDelayMs: 5000, shutdownTimeoutMs: 20000,
  collectorYaml: 'receivers: {}\n', logGroupName: 'td-logs', region: 'eu-west-1',
};
/** The environment of the container called `name`, through the shared helper. */
const envNamed = (definitions: ReturnType<typeof containerDefinitions>, name: string) => envOf(definitions.find((c) => c.name === name));

const test = suite('containerDefinitions');
// The service binds its metrics listener to METRICS_HOST (default: HOST). On Fargate the collector
// shares the task's loopback interface, so loopback is all the listener needs: nothing outside the
// task can reach it even if a security group admitted the port.
test('the metrics listener binds loopback only; the public listener binds every interface on the app port', () => {
  const env = appEnvironment(args);
  assert.equal(env.METRICS_HOST, '127.0.0.1');
  assert.equal(env.METRICS_PORT, String(METRICS_PORT));
  assert.equal(env.HOST, '0.0.0.0');
  assert.equal(env.PORT, String(APP_PORT));
  assert.deepEqual(envNamed(containerDefinitions(args), APP_CONTAINER), env);
});

test('the shutdown settings reach the app, and ECS waits the deadline plus a margin before SIGKILL', () => {
  const [app] = containerDefinitions({ ...args, shutdownDelayMs: 8000, shutdownTimeoutMs: 30000 });
  assert.equal(envNamed([app!], APP_CONTAINER).SHUTDOWN_TIMEOUT_MS, '30000');
  assert.equal(envNamed([app!], APP_CONTAINER).SHUTDOWN_DELAY_MS, '8000');
  assert.equal(app?.stopTimeout, 35);
});

test('only the app is essential; the collector gets its config in AOT_CONFIG_CONTENT and logs beside the app', () => {
  const definitions = containerDefinitions(args);
  assert.deepEqual(definitions.map((c) => [c.name, c.essential]), [[APP_CONTAINER, true], [COLLECTOR_CONTAINER, false]]);
  assert.deepEqual(envNamed(definitions, COLLECTOR_CONTAINER), { AOT_CONFIG_CONTENT: args.collectorYaml });
  for (const c of definitions) {
    assert.equal(c.readonlyRootFilesystem, true, c.name);
    assert.deepEqual((c.logConfiguration as { options: Record<string, string> }).options, { 'awslogs-group': 'td-logs', 'awslogs-region': 'eu-west-1', 'awslogs-stream-prefix': c.name });
  }
});

test('registry credentials appear only with a secret, and only on the app', () => {
  assert.equal(containerDefinitions(args)[0]?.repositoryCredentials, undefined);
  const secret = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:hub-AbCdEf';
  const [app, collector] = containerDefinitions({ ...args, imageCredentialsSecretArn: secret });
  assert.deepEqual(app?.repositoryCredentials, { credentialsParameter: secret });
  assert.equal(collector?.repositoryCredentials, undefined);
});
test.run();
