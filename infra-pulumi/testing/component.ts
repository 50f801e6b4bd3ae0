// In-process tests of one component (pulumi-awsx's fargateService.test.ts does the same): set the
// mocks, construct the component with plain inputs, let its registrations reach the mock, then
// assert on what it asked for. The whole program is tested in a child process (program.ts).
import * as pulumi from '@pulumi/pulumi';
import { createMocks, type RecordedCall, type RecordedResource } from './mocks';
import { PROJECT } from './program';

export interface Constructed<T> {
  component: T;
  resources: RecordedResource[];
  calls: RecordedCall[];
  one(type: string, nameSuffix?: string): RecordedResource;
  ofType(type: string): RecordedResource[];
}

/** Resolves when `output` has a value (mocks resolve every output, even unknown ones in a preview). */
export const resolved = <T>(output: pulumi.Output<T>): Promise<T> => new Promise((resolve) => output.apply(resolve));

/** Lets registrations whose inputs wait on other outputs reach the mock; bounded by turns, never by time. */
async function settle(done: () => boolean): Promise<void> {
  for (let turn = 0; turn < 2000 && !done(); turn++) await new Promise((resolve) => setImmediate(resolve));
}

/** Builds a component under fresh mocks and waits until resources of every `expectedTypes` have been registered. */
export async function construct<T>(stack: string, build: () => T, expectedTypes: readonly string[]): Promise<Constructed<T>> {
  const resources: RecordedResource[] = [];
  const calls: RecordedCall[] = [];
  await pulumi.runtime.setMocks(createMocks(resources, calls), PROJECT, stack, false);
  pulumi.runtime.setAllConfig({ 'aws:region': 'eu-west-1' });
  const component = build();
  await settle(() => expectedTypes.every((type) => resources.some((r) => r.type === type)));
  const ofType = (type: string) => resources.filter((r) => r.type === type);
  return {
    component,
    resources,
    calls,
    ofType,
    one(type: string, nameSuffix = '') {
      const matches = ofType(type).filter((r) => r.name.endsWith(nameSuffix));
      if (matches.length !== 1) throw new Error(`expected one ${type} named *${nameSuffix}, found ${matches.length}`);
      return matches[0] as RecordedResource;
    },
  };
}

/** Secret inputs reach the mocks wrapped as { <signature>: ..., value }. */
export function inputOf<T = unknown>(r: RecordedResource, key: string): T {
  const value = r.inputs[key];
  if (value !== null && typeof value === 'object' && '4dabf18193072939515e22adb298388d' in value) return (value as unknown as { value: T }).value;
  return value as T;
}
