// The attacker's table and the allow cases the program needs, asked of IAM itself: SimulateCustomPolicy
// evaluates the policies in the request (identity policies, and a permissions boundary through
// PermissionsBoundaryPolicyInputList) against concrete actions, resource ARNs and context keys, with
// AWS's own evaluator. It reads nothing of the account and changes nothing; the caller needs only
// iam:SimulateCustomPolicy (the preview role has it).
// https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulateCustomPolicy.html
import {
  type ContextEntry, type ContextKeyTypeEnum, IAMClient, SimulateCustomPolicyCommand, type SimulateCustomPolicyCommandInput,
} from '@aws-sdk/client-iam';
import { type PolicyDocument } from '../trust';
import { type SimulatedRequest } from './policy-simulator';

export type Expected = 'allowed' | 'denied';

export interface Case {
  /** What the case is, for the report. */
  readonly name: string;
  readonly identity: readonly PolicyDocument[];
  readonly boundary?: PolicyDocument;
  readonly request: SimulatedRequest;
  readonly expected: Expected;
}

export interface Outcome {
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  /** One line per failed case. */
  readonly failures: readonly string[];
}

/** A request's context as SimulateCustomPolicy's typed entries (ARN keys are strings to the API). */
export function contextEntries(context: SimulatedRequest['context']): ContextEntry[] {
  return Object.entries(context ?? {}).map(([key, value]) => {
    const type: ContextKeyTypeEnum = typeof value === 'string' ? 'string' : 'stringList';
    return { ContextKeyName: key, ContextKeyValues: typeof value === 'string' ? [value] : [...value], ContextKeyType: type };
  });
}

/**
 * Cases that differ only in their action, asked in one request: SimulateCustomPolicy evaluates every
 * action against every resource given, and these share their one resource. ("*" is the API's
 * default resource, so it is left out.)
 */
export interface Batch {
  readonly cases: readonly Case[];
  readonly input: SimulateCustomPolicyCommandInput;
}

export function batches(cases: readonly Case[]): Batch[] {
  const groups = new Map<string, Case[]>();
  for (const c of cases) {
    const key = JSON.stringify([c.identity, c.boundary, c.request.resource, c.request.context ?? {}, c.expected]);
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  return [...groups.values()].map((group) => {
    const first = group[0] as Case;
    return {
      cases: group,
      input: {
        PolicyInputList: first.identity.map((document) => JSON.stringify(document)),
        ...(first.boundary ? { PermissionsBoundaryPolicyInputList: [JSON.stringify(first.boundary)] } : {}),
        ActionNames: [...new Set(group.map((c) => c.request.action))],
        ...(first.request.resource === '*' ? {} : { ResourceArns: [first.request.resource] }),
        ContextEntries: contextEntries(first.request.context),
      },
    };
  });
}

/** The variables that say the caller meant to have credentials (a profile, keys, or a role for a web identity). */
export const CREDENTIAL_VARIABLES = ['AWS_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_ROLE_ARN', 'AWS_WEB_IDENTITY_TOKEN_FILE'] as const;

/**
 * Whether the caller has credentials (the SDK's default chain: environment, profile, web identity, …):
 * 'none' only where nothing asks for any; where a variable does and the chain fails (a role CI cannot
 * assume, an expired profile), the error, so a broken set-up fails instead of passing as skipped.
 */
export async function credentialState(client: IAMClient, env: NodeJS.ProcessEnv = process.env): Promise<'found' | 'none' | { error: string }> {
  try {
    const credentials = await client.config.credentials();
    if (credentials.accessKeyId !== '') return 'found';
  } catch (caught) {
    const configured = CREDENTIAL_VARIABLES.filter((name) => (env[name] ?? '') !== '');
    if (configured.length > 0) return { error: `${configured.join(', ')} set, but no credentials: ${caught instanceof Error ? caught.message : String(caught)}` };
  }
  return 'none';
}

/** Asks IAM about every case, a few requests at a time (IAM throttles bursts); never throws for one case. */
export async function runCases(client: IAMClient, cases: readonly Case[], concurrency = 4): Promise<Outcome> {
  const failures: string[] = [];
  let passed = 0;
  const queue = batches(cases);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < queue.length) {
      const batch = queue[next++] as Batch;
      let results: { EvalActionName?: string; EvalDecision?: string }[] = [];
      let error: string | undefined;
      try {
        let marker: string | undefined;
        do {
          const page = await client.send(new SimulateCustomPolicyCommand({ ...batch.input, ...(marker ? { Marker: marker } : {}) }));
          results = [...results, ...(page.EvaluationResults ?? [])];
          marker = page.IsTruncated ? page.Marker : undefined;
        } while (marker);
      } catch (caught) {
        error = caught instanceof Error ? caught.message : String(caught);
      }
      for (const c of batch.cases) {
        const decision = results.find((r) => r.EvalActionName?.toLowerCase() === c.request.action.toLowerCase())?.EvalDecision;
        const what = `${c.name}: ${c.request.action} on ${c.request.resource}`;
        if (error !== undefined) failures.push(`${what}: ${error}`);
        else if (decision === undefined) failures.push(`${what}: IAM returned no result for it`);
        else if ((decision === 'allowed') === (c.expected === 'allowed')) passed++;
        else failures.push(`${what} is ${decision}, expected ${c.expected}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker));
  return { passed, failed: failures.length, skipped: 0, failures };
}

/** Runs the cases with the caller's credentials, or counts every one skipped, with one line saying why. */
export async function simulateAll(
  client: IAMClient,
  cases: () => Promise<readonly Case[]>,
  log: (line: string) => void,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Outcome> {
  const state = await credentialState(client, env);
  if (state === 'none') {
    const all = await cases();
    log(`iam-aws: skipped: no AWS credentials (set AWS_PROFILE, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or AWS_ROLE_ARN with AWS_WEB_IDENTITY_TOKEN_FILE)`);
    return { passed: 0, failed: 0, skipped: all.length, failures: [] };
  }
  if (state !== 'found') {
    const all = await cases();
    log(`FAIL iam-aws: ${state.error}`);
    return { passed: 0, failed: all.length, skipped: 0, failures: [state.error] };
  }
  const outcome = await runCases(client, await cases());
  for (const failure of outcome.failures) log(`FAIL ${failure}`);
  return outcome;
}

/** The closing line test runners' readers look for. */
export const summary = (o: Outcome): string => `iam-aws: ${o.passed} passed, ${o.failed} failed, ${o.skipped} skipped`;

/**
 * IAM is global; its endpoint lives in the partition's first region. About 650 requests go out four
 * at a time: throttled ones are retried with the SDK's backoff, a few more times than its default.
 */
export const iamClient = (): IAMClient => new IAMClient({ region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1', maxAttempts: 8 });
