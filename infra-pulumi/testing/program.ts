// Test-side helpers: run the program under a configuration (in a child process, see run-program.ts)
// and query what it would create.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RecordedCall, RecordedResource } from './mocks';

export const PROJECT = 'observable-service';

export interface ProgramScenario {
  stack: string;
  /** Keys without a namespace belong to the project; others are written "aws:region". */
  config: Record<string, string>;
}

export interface ProgramResult {
  resources: RecordedResource[];
  /** Every invoke (data source lookup) the program made. */
  calls: RecordedCall[];
  outputs: Record<string, unknown>;
  /** The message of the error the program stopped with, if any. */
  error?: string;
}

const HARNESS = path.join(__dirname, 'run-program.ts');
const WORKSPACE = path.join(__dirname, '..');

/** The smallest valid configuration. */
export const BASE_CONFIG: Readonly<Record<string, string>> = {
  'aws:region': 'eu-west-1',
  image: 'docker.io/example/observable-service:0123456789abcdef0123456789abcdef01234567',
};

export class ProgramRun {
  constructor(public readonly result: ProgramResult) {}

  get resources(): RecordedResource[] {
    return this.result.resources;
  }

  ofType(type: string): RecordedResource[] {
    return this.resources.filter((r) => r.type === type);
  }

  one(type: string, nameSuffix = ''): RecordedResource {
    const matches = this.ofType(type).filter((r) => r.name.endsWith(nameSuffix));
    if (matches.length !== 1) throw new Error(`expected one ${type} named *${nameSuffix}, found ${matches.length}: ${matches.map((m) => m.name).join(', ')}`);
    return matches[0] as RecordedResource;
  }

  output(key: string): unknown {
    return this.result.outputs[key];
  }
}

/** Runs index.ts under mocks with BASE_CONFIG plus `config`; resolves when the program has finished. */
export function runProgram(config: Record<string, string>, stack = 'test'): Promise<ProgramRun> {
  const scenario: ProgramScenario = { stack, config: { ...BASE_CONFIG, ...config } };
  const outFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'infra-pulumi-')), 'result.json');
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', HARNESS, JSON.stringify(scenario), outFile], { cwd: WORKSPACE, maxBuffer: 16 * 1024 * 1024 }, (error, _stdout, stderr) => {
      if (error) {
        reject(new Error(`program run failed: ${error.message}\n${stderr}`));
        return;
      }
      const result = JSON.parse(fs.readFileSync(outFile, 'utf8')) as ProgramResult;
      fs.rmSync(path.dirname(outFile), { recursive: true, force: true });
      resolve(new ProgramRun(result));
    });
  });
}
