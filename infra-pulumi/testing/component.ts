// In-process tests of one component: set the mocks, construct the component with plain inputs, let
// its registrations reach the mock, then assert on what it asked for. The whole program is tested in
// a child process (program.ts).
import * as pulumi from '@pulumi/pulumi';
import { settle } from './helpers';
import { createMocks, type RecordedCall, type RecordedResource } from './mocks';
import { PROJECT } from './program';

export interface Constructed<T> {
  component: T;
  resources: RecordedResource[];
  calls: RecordedCall[];
  one(type: string, nameSuffix?: string): RecordedResource;
  ofType(type: string): RecordedResource[];
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

