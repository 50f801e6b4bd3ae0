// Runs the real Pulumi program (index.ts) under mocks with the stack configuration given as JSON in
// argv[2], then writes what it created and exported to the file named in argv[3]. One process per
// configuration: the program is a module with top-level side effects, and Pulumi's runtime state is
// process-global, so a fresh process is the only way to be sure nothing leaks between configurations.
import * as fs from 'node:fs';
import * as pulumi from '@pulumi/pulumi';
import { resolved } from './helpers';
import { createMocks, type RecordedCall, type RecordedResource } from './mocks';
import { PROJECT, type ProgramResult, type ProgramScenario } from './program';

const resolve = (value: unknown): Promise<unknown> => (pulumi.Output.isInstance(value) ? resolved(value) : Promise.resolve(value));

async function main(): Promise<void> {
  const [scenarioJson, outFile] = process.argv.slice(2);
  if (scenarioJson === undefined || outFile === undefined) throw new Error('usage: run-program <scenario json> <out file>');
  const scenario = JSON.parse(scenarioJson) as ProgramScenario;

  const resources: RecordedResource[] = [];
  const calls: RecordedCall[] = [];
  await pulumi.runtime.setMocks(createMocks(resources, calls), PROJECT, scenario.stack, false);
  pulumi.runtime.setAllConfig(Object.fromEntries(
    Object.entries(scenario.config).map(([key, value]) => [key.includes(':') ? key : `${PROJECT}:${key}`, value]),
  ));

  const result: ProgramResult = { resources, calls, outputs: {} };
  try {
    const program = (await import('../index.js')) as Record<string, unknown>;
    for (const [key, value] of Object.entries(program)) {
      if (key === 'default' || key === '__esModule') continue;
      result.outputs[key] = await resolve(value);
    }
    // Outputs cover most resources; draining the RPC queue covers the rest (e.g. rules no output depends on).
    await pulumi.runtime.disconnect();
  } catch (error) {
    result.error = error instanceof Error ? error.message : String(error);
  }
  fs.writeFileSync(outFile, JSON.stringify(result));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
