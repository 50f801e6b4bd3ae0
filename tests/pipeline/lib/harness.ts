// Running the scripts CI runs against local stand-ins: a scratch folder whose bin/ holds fake
// tools that record their arguments, and the interpreter CI uses for each script.
// CI runs the /bin/sh scripts under busybox ash (Alpine images): so do these tests (a suite that runs
// them needs busybox: without it its tests are counted skipped, with a line saying how to get it).
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import { type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../../support/repo';
import { onPath } from '../../support/tools';

const execFileAsync = promisify(execFile);

export const SCRIPTS_DIR = path.join(REPO_ROOT, 'scripts');
export const FAKES_DIR = path.join(__dirname, 'fakes');

/** A fake tool's body, from tests/pipeline/lib/fakes/. */
export const fakeBody = (name: string): string => fs.readFileSync(path.join(FAKES_DIR, name), 'utf8');

export interface Scratch {
  readonly dir: string;
  readonly bin: string;
  readonly state: string;
  /** Writes an executable bash fake of `name` into bin/. */
  fake(name: string, body: string): void;
  /** The recorded calls, one line each ("<tool> <args>"). */
  calls(): string[];
  remove(): void;
}

export function scratch(): Scratch {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ci-script-test-'));
  const bin = path.join(dir, 'bin');
  const state = path.join(dir, 'state');
  fs.mkdirSync(bin);
  fs.mkdirSync(state);
  return {
    dir,
    bin,
    state,
    fake(name, body) {
      const file = path.join(bin, name);
      fs.writeFileSync(file, `#!/usr/bin/env bash\nprintf '%s\\n' "${name} $*" >> "${state}/calls"\n${body}\n`);
      fs.chmodSync(file, 0o755);
    },
    calls() {
      const file = path.join(state, 'calls');
      return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trimEnd().split('\n') : [];
    },
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

export interface Run {
  code: number;
  output: string;
}

/** Debian's /bin/sh (dash 0.5.12 in bookworm: no pipefail), the shell of the node image's jobs. */
export const dash = onPath('dash') ?? 'dash';

/** The interpreter CI uses for a script: bash for #!/usr/bin/env bash, busybox ash for #!/bin/sh. */
export function interpreter(script: string): string[] {
  const posix = fs.readFileSync(script, 'utf8').startsWith('#!/bin/sh\n');
  return posix ? ['busybox', 'sh'] : ['bash'];
}

/** Runs a script; never throws on a non-zero exit, the caller asserts on it. */
export async function run(script: string, args: string[], env: NodeJS.ProcessEnv, cwd = REPO_ROOT, shellCommand = interpreter(script)): Promise<Run> {
  const [shell, ...shellArgs] = shellCommand;
  try {
    const { stdout, stderr } = await execFileAsync(shell as string, [...shellArgs, script, ...args], { env, cwd });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof code === 'number' ? code : 1, output: `${stdout ?? ''}${stderr ?? ''}` };
  }
}

/** `env` on top of `base`, where `undefined` removes a variable. */
export function mergeEnv(base: Record<string, string>, env: Record<string, string | undefined>): Record<string, string> {
  const merged: Record<string, string> = { ...base };
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete merged[key];
    else merged[key] = value;
  }
  return merged;
}

export const read = (file: string): string => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '');

export const listen = (server: Server): Promise<string> =>
  new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));

/** A fake `curl` that serves files of a release folder by the URL's last segment (exit 22 when absent). */
export const releaseCurl = (release: string, log?: string): string =>
  `out=''; url=''; while [ $# -gt 0 ]; do case "$1" in --output) out=$2; shift 2 ;; -*) shift ;; *) url=$1; shift ;; esac; done; ${log ? `echo "$url" >> "${log}"; ` : ''}cp "${release}/\${url##*/}" "$out" || exit 22`;
