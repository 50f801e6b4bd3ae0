// scripts/ci-rollout-check.mts against a mocked ECS API (aws-sdk-client-mock): the deploy job
// fails when ECS rolled the deployment back, even though the old tasks answer healthy.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { DescribeServicesCommand, ECSClient, type Deployment, type Service } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readCiFile } from './lib/gitlab-ci-local';
import { REPO_ROOT } from '../support/repo';

const execFileAsync = promisify(execFile);
const SCRIPT = path.join(REPO_ROOT, 'scripts', 'ci-rollout-check.mts');
const loadScript = () => import('../../scripts/ci-rollout-check.mjs');

const NEW = 'arn:aws:ecs:eu-west-1:123456789012:task-definition/observable-service:8';
const OLD = 'arn:aws:ecs:eu-west-1:123456789012:task-definition/observable-service:7';
const TARGET = { cluster: 'observable-cluster', service: 'observable-service', taskDefinitionArn: NEW };

const deployment = (fields: Partial<Deployment>): Deployment => ({ status: 'PRIMARY', desiredCount: 2, runningCount: 2, ...fields });
const service = (deployments: Deployment[], fields: Partial<Service> = {}): Service => ({
  serviceName: TARGET.service,
  desiredCount: 2,
  runningCount: 2,
  deployments,
  events: [{ message: '(service observable-service) has reached a steady state.' }],
  ...fields,
});

/** An ECS client whose DescribeServices answers `answers` in turn (the last one repeats). */
function ecsAnswering(answers: Service[]): { client: ECSClient; calls: () => number } {
  const client = new ECSClient({ region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const mock = mockClient(client);
  let chain = mock.on(DescribeServicesCommand, { cluster: TARGET.cluster, services: [TARGET.service] });
  for (const answer of answers) chain = chain.resolvesOnce({ services: [answer], failures: [] });
  chain.resolves({ services: [answers[answers.length - 1] as Service], failures: [] });
  return { client, calls: () => mock.commandCalls(DescribeServicesCommand).length };
}

/** A clock that advances only when the code under test sleeps: no real waiting, no timing. */
function fakeClock() {
  let time = 0;
  return { now: () => time, sleep: async (ms: number) => void (time += ms) };
}

const Rollout = suite('scripts/ci-rollout-check.mts');

Rollout('passes once the primary deployment of the new task definition completes with every task running', async () => {
  const { waitForRollout } = await loadScript();
  const { client, calls } = ecsAnswering([
    service([deployment({ taskDefinition: NEW, rolloutState: 'IN_PROGRESS', runningCount: 0 }), deployment({ status: 'ACTIVE', taskDefinition: OLD })], { runningCount: 2 }),
    service([deployment({ taskDefinition: NEW, rolloutState: 'IN_PROGRESS', runningCount: 1 })], { runningCount: 3 }),
    service([deployment({ taskDefinition: NEW, rolloutState: 'COMPLETED' })]),
  ]);
  const detail = await waitForRollout(client, TARGET, { timeoutMs: 600_000, intervalMs: 15_000, ...fakeClock(), log: () => {} });
  assert.match(detail, /COMPLETED, running 2 of 2/);
  assert.is(calls(), 3, 'polled until completion');
});

Rollout('fails with the reason when the circuit breaker rolled the deployment back (old tasks still healthy)', async () => {
  const { waitForRollout } = await loadScript();
  const { client } = ecsAnswering([
    service([
      deployment({ taskDefinition: OLD, rolloutState: 'IN_PROGRESS', runningCount: 2 }),
      deployment({ status: 'ACTIVE', taskDefinition: NEW, rolloutState: 'FAILED', rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.', runningCount: 0 }),
    ]),
  ]);
  try {
    await waitForRollout(client, TARGET, { timeoutMs: 600_000, intervalMs: 15_000, ...fakeClock(), log: () => {} });
    assert.unreachable('a rolled-back deploy must fail');
  } catch (error) {
    assert.instance(error, Error);
    assert.match((error as Error).message, /runs .*observable-service:7, not .*observable-service:8: the deployment was rolled back/);
    assert.match((error as Error).message, /circuit breaker: tasks failed to start/);
  }
});

Rollout('fails when the rollout of the new task definition is FAILED', async () => {
  const { waitForRollout } = await loadScript();
  const { client } = ecsAnswering([service([deployment({ taskDefinition: NEW, rolloutState: 'FAILED', rolloutStateReason: 'tasks failed ELB health checks', runningCount: 0 })])]);
  try {
    await waitForRollout(client, TARGET, { timeoutMs: 600_000, intervalMs: 15_000, ...fakeClock(), log: () => {} });
    assert.unreachable('a failed rollout must fail');
  } catch (error) {
    assert.match((error as Error).message, /rollout FAILED: tasks failed ELB health checks/);
  }
});

Rollout('fails at the deadline when running never reaches desired, naming the last state', async () => {
  const { waitForRollout } = await loadScript();
  const { client, calls } = ecsAnswering([service([deployment({ taskDefinition: NEW, rolloutState: 'COMPLETED', runningCount: 1 })], { runningCount: 1 })]);
  try {
    await waitForRollout(client, TARGET, { timeoutMs: 60_000, intervalMs: 15_000, ...fakeClock(), log: () => {} });
    assert.unreachable('a stuck rollout must fail');
  } catch (error) {
    assert.match((error as Error).message, /not complete after 60 s: rollout COMPLETED, running 1 of 2 desired/);
    assert.is(calls(), 5, 'polled at 0, 15, 30, 45 and 60 s, then gave up');
  }
});

Rollout('fails when ECS does not know the service', async () => {
  const { waitForRollout } = await loadScript();
  const client = new ECSClient({ region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  mockClient(client).on(DescribeServicesCommand).resolves({ services: [], failures: [{ arn: 'arn:aws:ecs:service/x', reason: 'MISSING' }] });
  try {
    await waitForRollout(client, TARGET, { timeoutMs: 60_000, intervalMs: 15_000, ...fakeClock(), log: () => {} });
    assert.unreachable('a missing service must fail');
  } catch (error) {
    assert.match((error as Error).message, /DescribeServices: MISSING/);
  }
});

Rollout('runs under plain Node 24 (no tsx) and names a missing argument in one line, exit 2', async () => {
  try {
    await execFileAsync(process.execPath, [SCRIPT, '--cluster', 'c', '--service', 's'], { cwd: REPO_ROOT });
    assert.unreachable('missing --task-definition must fail');
  } catch (error) {
    const { code, stderr } = error as { code?: number; stderr?: string };
    assert.is(code, 2, stderr);
    assert.match(stderr ?? '', /^ci-rollout-check: --task-definition is required;/m);
    assert.not.match(stderr ?? '', /SyntaxError|ERR_/);
  }
});

// The deploy and rollback jobs install only `npm ci --workspace <w> --ignore-scripts` (.pulumi in
// .gitlab-ci.yml), then run this file with plain node from scripts/: every package it imports must
// be a dependency of that workspace, placed by the lockfile where Node looks from scripts/ (the
// root node_modules), or the check dies with ERR_MODULE_NOT_FOUND after a successful `pulumi up`.
Rollout('the Pulumi jobs\' install provides every package the script imports, where Node finds it from scripts/', () => {
  const ci = readCiFile() as unknown as { '.pulumi': { before_script: string[] } };
  const install = ci['.pulumi'].before_script.join('\n');
  const workspace = /npm ci --workspace (\S+) --ignore-scripts/.exec(install)?.[1];
  assert.ok(workspace, `.pulumi installs one workspace without install scripts: ${install}`);
  const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, workspace, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  const lock = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
  const source = fs.readFileSync(SCRIPT, 'utf8');
  const imported = [...source.matchAll(/^import [^;]*? from '([^']+)';$/gm)].map((m) => m[1] as string).filter((name) => !name.startsWith('node:'));
  assert.ok(imported.includes('@aws-sdk/client-ecs'), `imports found: ${imported.join(', ')}`);
  for (const name of imported) {
    assert.ok(manifest.dependencies?.[name], `${name} is a dependency of ${workspace}`);
    const entry = lock.packages[`node_modules/${name}`];
    assert.ok(entry, `package-lock.json places ${name} in the root node_modules (not under ${workspace}/node_modules, out of reach of scripts/)`);
    assert.not.ok(entry.dev, `${name} is not dev-only in the lockfile`);
  }
});

Rollout.run();
