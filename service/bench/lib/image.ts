/**
 * How the image starts node, read from the Dockerfile so the benchmark runs the service the way
 * the image does and never keeps a copy of its flags: the runtime stage's ENV (NODE_OPTIONS,
 * MALLOC_ARENA_MAX…) and the node flags in its ENTRYPOINT and CMD. V8 flags that NODE_OPTIONS
 * refuses (--optimize-for-size is one) can only go on the command line.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../../tests/support/repo';

export interface ImageCommand {
  /** The runtime stage's ENV, minus PORT (the benchmark picks free ports) and values built from build arguments. */
  readonly env: Readonly<Record<string, string>>;
  /** The flags of ENTRYPOINT then CMD, in order: what node gets before the script. */
  readonly nodeArgs: readonly string[];
  /** The major version of the Node.js the image is built with (`ARG NODE_VERSION`), if it says. */
  readonly nodeMajor: number | undefined;
}

/** The Dockerfile's lines with `\` continuations joined and comments dropped. */
function instructions(dockerfile: string): string[] {
  const joined = dockerfile
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return joined.split('\n').filter((line) => line.trim() !== '');
}

/** The instructions of the last stage: the image `docker build` produces without `--target`. */
function lastStage(dockerfile: string): string[] {
  const lines = instructions(dockerfile);
  const from = lines.findLastIndex((line) => /^\s*FROM\s/i.test(line));
  if (from === -1) throw new Error('the Dockerfile has no FROM');
  return lines.slice(from + 1);
}

/** `ENV A=1 B="two words"` (or the legacy `ENV A 1`) as pairs, quotes removed. */
function envPairs(argument: string): [string, string][] {
  if (!argument.includes('=')) {
    const [key = '', ...rest] = argument.trim().split(/\s+/);
    return [[key, rest.join(' ')]];
  }
  return [...argument.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=(?:"((?:[^"\\]|\\.)*)"|(\S*))/g)].map((match) => [
    match[1] ?? '',
    match[2]?.replace(/\\(.)/g, '$1') ?? match[3] ?? '',
  ]);
}

/** The exec form (`["a", "b"]`) of the last instruction of that name; the shell form has no place in a distroless image. */
function execForm(stage: readonly string[], instruction: string): string[] {
  const line = stage.findLast((each) => new RegExp(`^\\s*${instruction}\\s`, 'i').test(each));
  if (line === undefined) return [];
  const argument = line.trim().slice(instruction.length).trim();
  if (!argument.startsWith('[')) throw new Error(`${instruction} must use the exec form (a JSON array): ${argument}`);
  return JSON.parse(argument) as string[];
}

export function imageCommand(dockerfile: string): ImageCommand {
  const stage = lastStage(dockerfile);
  const env: Record<string, string> = {};
  for (const line of stage.filter((each) => /^\s*ENV\s/i.test(each))) {
    for (const [key, value] of envPairs(line.trim().slice(3))) {
      if (key === 'PORT' || value.includes('${')) continue;
      env[key] = value;
    }
  }
  const nodeArgs = [...execForm(stage, 'ENTRYPOINT'), ...execForm(stage, 'CMD')].filter((arg) => arg.startsWith('-'));
  const major = /^\s*ARG\s+NODE_VERSION=v?(\d+)/im.exec(dockerfile)?.[1];
  return { env, nodeArgs, nodeMajor: major === undefined ? undefined : Number(major) };
}

/** The service's entry point, relative to the service folder, as the image's CMD names it. */
export const SERVICE_MAIN = 'dist/main.js';

export interface Launch {
  /** node's arguments: the image's flags, any preloads, then the service's entry point. */
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

/** How the benchmark starts the service (or `main` in its place): the image's flags and environment, plus preloads of its own. */
export function serviceLaunch({ env, nodeArgs }: ImageCommand, preloads: readonly string[] = [], main = SERVICE_MAIN): Launch {
  return { args: [...nodeArgs, ...preloads, main], env };
}

/** The repository's Dockerfile as the benchmark runs it: `nodeOptions` (BENCH_NODE_OPTIONS), when set, replaces its NODE_OPTIONS. */
export function benchCommand(nodeOptions = process.env.BENCH_NODE_OPTIONS): ImageCommand {
  const image = imageCommand(readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8'));
  return nodeOptions === undefined ? image : { ...image, env: { ...image.env, NODE_OPTIONS: nodeOptions } };
}
