// Confirms that a deploy really rolled out: `pulumi up` can report success after ECS's deployment
// circuit breaker rolled the service back (pulumi-awsx#1848), and the old tasks then pass every
// smoke test. Polls DescribeServices until the PRIMARY deployment runs the task definition this
// deploy registered, its rolloutState is COMPLETED and its running count equals the desired
// count; fails with the reason on FAILED, on a rollback, or at the deadline.
//
//   node scripts/ci-rollout-check.mts --cluster <name> --service <name> \
//     --task-definition <arn> [--region <region>] [--timeout-s 900] [--interval-s 15]
//
// Node 24 runs this file as it is (type stripping: only erasable TypeScript here). Credentials come
// from the AWS SDK's default chain: in CI, AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN.
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { DescribeServicesCommand, ECSClient, type Service } from '@aws-sdk/client-ecs';

export interface RolloutTarget {
  cluster: string;
  service: string;
  taskDefinitionArn: string;
}

export type Verdict =
  | { readonly state: 'done'; readonly detail: string }
  | { readonly state: 'waiting'; readonly detail: string }
  | { readonly state: 'failed'; readonly detail: string };

const latestEvent = (service: Service): string => service.events?.[0]?.message ?? 'no service event recorded';

/** What one DescribeServices answer says about the rollout of `taskDefinitionArn`. */
export function judge(service: Service | undefined, taskDefinitionArn: string): Verdict {
  if (!service) return { state: 'failed', detail: 'the ECS service was not found' };
  const deployments = service.deployments ?? [];
  const primary = deployments.find((deployment) => deployment.status === 'PRIMARY');
  if (!primary) return { state: 'waiting', detail: 'no PRIMARY deployment yet' };
  if (primary.taskDefinition !== taskDefinitionArn) {
    // The circuit breaker makes a new PRIMARY deployment of the previous task definition.
    const ours = deployments.find((deployment) => deployment.taskDefinition === taskDefinitionArn);
    const reason = ours?.rolloutStateReason ?? latestEvent(service);
    return {
      state: 'failed',
      detail: `the service runs ${primary.taskDefinition ?? 'an unknown task definition'}, not ${taskDefinitionArn}: the deployment was rolled back or replaced (${reason})`,
    };
  }
  const counts = `running ${primary.runningCount ?? 0} of ${primary.desiredCount ?? 0} desired`;
  if (primary.rolloutState === 'FAILED') {
    return { state: 'failed', detail: `rollout FAILED: ${primary.rolloutStateReason ?? latestEvent(service)} (${counts})` };
  }
  if (primary.rolloutState === 'COMPLETED' && primary.runningCount === primary.desiredCount && service.runningCount === service.desiredCount) {
    return { state: 'done', detail: `rollout COMPLETED, ${counts}` };
  }
  return { state: 'waiting', detail: `rollout ${primary.rolloutState ?? 'state unknown'}, ${counts}` };
}

export interface WaitOptions {
  timeoutMs: number;
  intervalMs: number;
  /** Injected so tests need no real waiting. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  log?: (line: string) => void;
}

/** Polls until the rollout is done; throws an Error naming the reason otherwise. */
export async function waitForRollout(client: ECSClient, target: RolloutTarget, options: WaitOptions): Promise<string> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? Date.now;
  const log = options.log ?? ((line: string) => console.log(line));
  const deadline = now() + options.timeoutMs;
  for (;;) {
    const answer = await client.send(new DescribeServicesCommand({ cluster: target.cluster, services: [target.service] }));
    const failure = answer.failures?.[0];
    const verdict = failure
      ? ({ state: 'failed', detail: `DescribeServices: ${failure.reason ?? 'failure'} for ${failure.arn ?? target.service}` } as const)
      : judge(answer.services?.[0], target.taskDefinitionArn);
    if (verdict.state === 'done') return verdict.detail;
    if (verdict.state === 'failed') throw new Error(verdict.detail);
    if (now() + options.intervalMs > deadline) {
      throw new Error(`rollout not complete after ${Math.round(options.timeoutMs / 1000)} s: ${verdict.detail}`);
    }
    log(`ci-rollout-check: ${verdict.detail}; checking again in ${Math.round(options.intervalMs / 1000)} s`);
    await sleep(options.intervalMs);
  }
}

const USAGE = 'usage: ci-rollout-check.mts --cluster <name> --service <name> --task-definition <arn> [--region <r>] [--timeout-s 900] [--interval-s 15]';

/** Parses the command line; throws an Error of one line naming the bad argument. */
export function parseCommandLine(argv: string[]): RolloutTarget & { region?: string; timeoutMs: number; intervalMs: number } {
  const { values } = parseArgs({
    args: argv,
    options: {
      cluster: { type: 'string' },
      service: { type: 'string' },
      'task-definition': { type: 'string' },
      region: { type: 'string' },
      'timeout-s': { type: 'string', default: '900' },
      'interval-s': { type: 'string', default: '15' },
    },
  });
  const required = (name: 'cluster' | 'service' | 'task-definition'): string => {
    const value = values[name];
    if (!value) throw new Error(`--${name} is required; ${USAGE}`);
    return value;
  };
  const seconds = (name: 'timeout-s' | 'interval-s'): number => {
    const text = values[name] ?? '';
    if (!/^\d+$/.test(text) || Number(text) < 1) throw new Error(`--${name} must be a whole number of seconds >= 1, got '${text}'`);
    return Number(text) * 1000;
  };
  return {
    cluster: required('cluster'),
    service: required('service'),
    taskDefinitionArn: required('task-definition'),
    ...(values.region ? { region: values.region } : {}),
    timeoutMs: seconds('timeout-s'),
    intervalMs: seconds('interval-s'),
  };
}

async function main(): Promise<void> {
  let settings: ReturnType<typeof parseCommandLine>;
  try {
    settings = parseCommandLine(process.argv.slice(2));
  } catch (error) {
    console.error(`ci-rollout-check: ${(error as Error).message}`);
    process.exit(2);
  }
  const client = new ECSClient(settings.region ? { region: settings.region } : {});
  try {
    const detail = await waitForRollout(client, settings, { timeoutMs: settings.timeoutMs, intervalMs: settings.intervalMs });
    console.log(`ci-rollout-check: ${settings.service} runs ${settings.taskDefinitionArn}: ${detail}`);
  } catch (error) {
    console.error(`ci-rollout-check: FAILED: ${(error as Error).message}`);
    process.exit(1);
  }
}

// Run only as a program, not when a test imports the functions above.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void main();
}
