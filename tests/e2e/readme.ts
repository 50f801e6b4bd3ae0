// The README's local-stack section as a script: its fenced bash blocks, command by command, so the
// end-to-end suite runs what a user copies. The only rewrite is narrowing the service list to the
// services whose image the Docker engine has or can pull (a machine without a registry may have no
// Grafana), and that is reported, never silent.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../support/repo';

export const README = path.join(REPO_ROOT, 'README.md');
export const LOCAL_STACK_HEADING = '## Run it locally with Docker';

/** One logical shell command (continuation lines joined), as the README writes it. */
export interface ReadmeCommand {
  /** Index of its fenced block within the section, from 0. */
  block: number;
  text: string;
}

/** The text of the local-stack section, up to the next `## ` heading. */
export function localStackSection(readme: string): string {
  const start = readme.indexOf(`${LOCAL_STACK_HEADING}\n`);
  if (start < 0) throw new Error(`README.md has no "${LOCAL_STACK_HEADING}" section`);
  const next = readme.indexOf('\n## ', start + LOCAL_STACK_HEADING.length);
  return readme.slice(start, next < 0 ? undefined : next);
}

/** Every ```bash block of the section, each as its logical commands (comments and blank lines dropped). */
export function bashBlocks(section: string): ReadmeCommand[][] {
  const blocks: ReadmeCommand[][] = [];
  for (const match of section.matchAll(/^```bash\n([\s\S]*?)^```$/gm)) {
    const block = blocks.length;
    const joined = (match[1] ?? '').replace(/\\\n\s*/g, '');
    blocks.push(
      joined
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== '' && !line.startsWith('#'))
        .map((text) => ({ block, text })),
    );
  }
  return blocks;
}

export function readmeBlocks(file = README): ReadmeCommand[][] {
  return bashBlocks(localStackSection(readFileSync(file, 'utf8')));
}

/** Shell words of a simple command (quotes respected, nothing expanded), and where a `# comment` starts. */
export function shellWords(text: string): { words: string[]; commentAt: number } {
  const words: string[] = [];
  let word: string | undefined;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i] ?? '';
    if (quote !== undefined) {
      if (char === quote) quote = undefined;
      else word = (word ?? '') + char;
    } else if (char === "'" || char === '"') {
      quote = char;
      word ??= '';
    } else if (/\s/.test(char)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (char === '#' && word === undefined) {
      return { words, commentAt: i };
    } else {
      word = (word ?? '') + char;
    }
  }
  if (quote !== undefined) throw new Error(`unterminated quote in: ${text}`);
  if (word !== undefined) words.push(word);
  return { words, commentAt: text.length };
}

// Options that take a value, so the value is not mistaken for a subcommand or a service name.
const COMPOSE_OPTIONS_WITH_VALUE = new Set(['-f', '--file', '-p', '--project-name', '--profile', '--env-file', '--project-directory', '--ansi', '--progress', '--parallel']);
const SUBCOMMAND_OPTIONS_WITH_VALUE = new Set(['-s', '--signal', '-t', '--timeout', '--wait-timeout', '--scale', '--exit-code-from', '--attach', '--no-attach', '--pull', '--tail', '--since', '--until', '-u', '--user', '-w', '--workdir', '-e', '--env', '--index']);
// Subcommands that act on every service when none is named; of them, only these start services.
const STARTS_SERVICES = new Set(['up', 'create', 'pull', 'build']);

export interface ComposeCommand {
  subcommand: string;
  /** The services it names (for exec/run: the one service it runs in). */
  services: string[];
}

/** What a `docker compose …` command does, or undefined for any other command. */
export function parseCompose(text: string): ComposeCommand | undefined {
  const { words } = shellWords(text);
  let i = 0;
  while (i < words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i] ?? '')) i += 1;
  if (words[i] !== 'docker' || words[i + 1] !== 'compose') return undefined;
  i += 2;
  while (i < words.length && (words[i] ?? '').startsWith('-')) i += COMPOSE_OPTIONS_WITH_VALUE.has(words[i] ?? '') ? 2 : 1;
  const subcommand = words[i] ?? '';
  const args: string[] = [];
  for (i += 1; i < words.length; i += 1) {
    const word = words[i] ?? '';
    if (word.startsWith('-')) {
      if (SUBCOMMAND_OPTIONS_WITH_VALUE.has(word)) i += 1;
      continue;
    }
    args.push(word);
    // exec and run take one service; what follows is the command run inside it.
    if (subcommand === 'exec' || subcommand === 'run') break;
  }
  return { subcommand, services: args };
}

export type Planned = { run: string; note?: string } | { skip: string };

export interface StackImages {
  /** Services that start without a profile, in the compose file's order. */
  defaultServices: readonly string[];
  /** Services whose image the engine does not have, cannot pull, and compose does not build. */
  missing: ReadonlySet<string>;
}

/**
 * The command to run on a machine that lacks the images of `stack.missing`. With nothing missing,
 * every command runs exactly as written. Otherwise a command that names only missing services is
 * skipped; one that starts every default service names the others instead; one that names some
 * missing services loses those. The note says what changed, for the test log.
 */
export function planCommand(text: string, stack: StackImages): Planned {
  const compose = parseCompose(text);
  if (compose === undefined || stack.missing.size === 0) return { run: text };
  const missing = compose.services.filter((service) => stack.missing.has(service));
  if (compose.services.length > 0 && missing.length === compose.services.length) {
    return { skip: `needs ${missing.join(', ')}, whose image the Docker engine has not got and cannot pull` };
  }
  const { commentAt } = shellWords(text);
  const command = text.slice(0, commentAt).trimEnd();
  if (compose.services.length === 0) {
    if (!STARTS_SERVICES.has(compose.subcommand)) return { run: text };
    const services = stack.defaultServices.filter((service) => !stack.missing.has(service));
    return { run: `${command} ${services.join(' ')}`, note: `narrowed to ${services.join(' ')}` };
  }
  if (missing.length === 0) return { run: text };
  if (compose.subcommand === 'exec' || compose.subcommand === 'run') return { skip: `needs ${missing.join(', ')}` };
  // Drops whole words after the subcommand that name a missing service; quoting is not kept, so
  // this is for plain service lists only (e.g. `docker compose logs app grafana`).
  const words = shellWords(command).words;
  const after = words.indexOf(compose.subcommand);
  const narrowed = words.filter((word, index) => !(index > after && stack.missing.has(word)));
  return { run: narrowed.join(' '), note: `without ${missing.join(', ')}` };
}
