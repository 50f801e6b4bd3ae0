// The tools the tests run besides Node.js (tools.tsv: where to get each), and honest skips: a test
// that needs a missing tool is registered as skipped, with one line naming the tool and how to get
// it, so uvu counts it under Skipped, never under Passed, and never dies on a bare ENOENT.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Test } from 'uvu';

/** Every tool tools.tsv lists, in its order. */
export const TOOLS = ['promtool', 'prometheus', 'amtool', 'alertmanager', 'blackbox_exporter', 'git', 'shellcheck', 'busybox', 'dash', 'rsync', 'docker'] as const;
export type Tool = (typeof TOOLS)[number];

export interface ToolInfo {
  tool: Tool;
  /** The Debian/Ubuntu package, when apt ships it (scripts/ci-install-test-tools.sh installs it). */
  debian?: string;
  /** Its name on PATH once the Debian package is installed, where that differs (prometheus-alertmanager). */
  debianName?: string;
  /** The Homebrew formula, when there is one. */
  homebrew?: string;
  neededBy: string;
}

export const TOOLS_FILE = path.join(__dirname, 'tools.tsv');

/** tools.tsv, one entry per tool. */
export function toolTable(text = readFileSync(TOOLS_FILE, 'utf8')): ToolInfo[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => {
      const [tool, debian, debianName, homebrew, neededBy, ...rest] = line.split('\t');
      if (!tool || !debian || !debianName || !homebrew || !neededBy || rest.length > 0) {
        throw new Error(`tools.tsv: not five tab-separated columns: ${JSON.stringify(line)}`);
      }
      if (!(TOOLS as readonly string[]).includes(tool)) throw new Error(`tools.tsv: ${tool} is not a tool tools.ts knows`);
      const given = (value: string) => (value === '-' ? undefined : value);
      return { tool: tool as Tool, debian: given(debian), debianName: given(debianName), homebrew: given(homebrew), neededBy };
    });
}

/**
 * The tools the images docker-compose.yml pins ship, which the tests run there when they are not
 * installed (prometheus-tools.ts).
 */
export const IN_COMPOSE_IMAGES: ReadonlySet<Tool> = new Set(['promtool', 'prometheus', 'amtool', 'alertmanager', 'blackbox_exporter']);

/** The first executable `name` on PATH, or undefined. */
export function onPath(name: string, searchPath = process.env.PATH ?? ''): string | undefined {
  for (const dir of searchPath.split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

let engine: boolean | undefined;
/** Whether a Docker engine answers (the CLI alone is not enough to run anything). */
export function dockerEngineAnswers(): boolean {
  engine ??= spawnSync('docker', ['version', '--format', '{{.Server.Version}}'], { stdio: 'ignore', timeout: 30_000 }).status === 0;
  return engine;
}

/** Where `tool` is on PATH: under its own name, or the name Debian gives it (prometheus-alertmanager). */
export function installed(tool: Tool, table = toolTable(), searchPath = process.env.PATH ?? ''): string | undefined {
  const debianName = table.find((entry) => entry.tool === tool)?.debianName;
  return onPath(tool, searchPath) ?? (debianName === undefined ? undefined : onPath(debianName, searchPath));
}

/** Whether the tests can run `tool` here: on PATH, or for the tools the compose images ship, through Docker. */
export function toolAvailable(tool: Tool): boolean {
  if (tool === 'docker') return dockerEngineAnswers();
  if (installed(tool) !== undefined) return true;
  return IN_COMPOSE_IMAGES.has(tool) && dockerEngineAnswers();
}

/** How to get `tool`, in one clause: the packages that ship it, and Docker where that does too. */
export function howToGet(tool: Tool, table = toolTable()): string {
  if (tool === 'docker') return 'install Docker Engine (or Docker Desktop) with Compose v2, and start it';
  const info = table.find((entry) => entry.tool === tool);
  if (!info) throw new Error(`tools.tsv has no entry for ${tool}`);
  const ways = [
    info.debian && `Debian/Ubuntu: apt-get install ${info.debian}`,
    info.homebrew && `macOS: brew install ${info.homebrew}`,
    IN_COMPOSE_IMAGES.has(tool) && 'or start Docker to run it from the image docker-compose.yml pins',
  ].filter(Boolean);
  return ways.join('; ');
}

/** The one line a skip prints: what is skipped, the tool, and how to get it. */
export function skipLine(what: string, tool: Tool): string {
  return `skipped: ${what}: needs ${tool}, not found (${howToGet(tool)})`;
}

const SUITE_NAME = Symbol.for('uvu-strict.name');
/** Marks what needs() returns for a suite that is skipped: wrapping it again adds nothing. */
const SKIPPED = Symbol('needs.skipped');

/**
 * `suite` for tests that need `tools`: where all are available it is the suite itself; where one
 * is missing, each test registered through it is counted skipped (uvu's `skip`), its hooks are not
 * registered (they would start what the tests need), and one line names the tool and how to get it.
 * Wrap a whole suite (`const Smoke = needs(['busybox'], suite('…'))`) or one test
 * (`needs(['dash'], Smoke)('runs under dash', …)`).
 */
export function needs<T>(tools: readonly Tool[], suite: Test<T>, available: (tool: Tool) => boolean = toolAvailable): Test<T> {
  const tagged = suite as unknown as Record<symbol, unknown>;
  if (tagged[SKIPPED] === true) return suite;
  const missing = tools.find((tool) => !available(tool));
  if (missing === undefined) return suite;
  const name = tagged[SUITE_NAME] as string | undefined;
  let told = false;
  const skip = (title: string): void => {
    if (!told) console.log(skipLine(name ? `tests of "${name}"` : `"${title}"`, missing));
    told = true;
    suite.skip(title);
  };
  const noHook = Object.assign(() => undefined, { each: () => undefined });
  return Object.assign(skip, { only: skip, skip, before: noHook, after: noHook, run: () => suite.run(), [SKIPPED]: true, [SUITE_NAME]: name }) as unknown as Test<T>;
}
