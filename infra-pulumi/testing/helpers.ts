// The helpers every infra test shares: waiting on Pulumi outputs under mocks, reading recorded inputs
// (secret ones included), container environments, and IAM's wildcard matching. components/,
// bootstrap/ and index.test.ts import them from here, and nowhere else.
import type * as pulumi from '@pulumi/pulumi';
import { type RecordedResource } from './mocks';

export { arnMatch, wildcardMatch } from '../bootstrap/testing/policy-simulator';

/** Resolves when `output` has a value (mocks resolve every output, even unknown ones in a preview). */
export const resolved = <T>(output: pulumi.Output<T>): Promise<T> => new Promise((resolve) => output.apply(resolve));

/** Lets registrations whose inputs wait on other outputs reach the mock; bounded by turns, never by time. */
export async function settle(done: () => boolean, turns = 2000): Promise<void> {
  for (let turn = 0; turn < turns && !done(); turn++) await new Promise((resolve) => setImmediate(resolve));
}

/** The signature Pulumi wraps a secret value in when it reaches the mocks. */
const SECRET_SIGNATURE = '4dabf18193072939515e22adb298388d';

/** A recorded value with its secret wrapper, if any, removed. */
export function plain(value: unknown): unknown {
  if (value !== null && typeof value === 'object' && SECRET_SIGNATURE in value) return (value as unknown as { value: unknown }).value;
  return value;
}

/** One input of a recorded resource, unwrapped if secret. */
export function inputOf<T = unknown>(r: RecordedResource, key: string): T {
  return plain(r.inputs[key]) as T;
}

/** Every input of a recorded resource, unwrapped. */
export function inputsOf(r: RecordedResource): Record<string, unknown> {
  return Object.fromEntries(Object.entries(r.inputs).map(([k, v]) => [k, plain(v)]));
}

/** A container definition's environment as a map. */
export function envOf(container: { environment?: readonly { name: string; value: string }[] } | undefined): Record<string, string> {
  return Object.fromEntries((container?.environment ?? []).map((e) => [e.name, e.value]));
}
