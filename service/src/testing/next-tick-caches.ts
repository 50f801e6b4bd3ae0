import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';

const SERVICE_DIR = join(__dirname, '..', '..');

/**
 * A program for a Node.js of its own: `setup`, then enough nextTicks for V8 to optimize
 * process.nextTick, then a memory-reducing full GC with the tick queue empty (what V8's memory
 * reducer runs after an idle spell: `gc({ flavor: 'last-resort' })` is that GC on demand), then
 * nextTicks again, and V8's own print of process.nextTick with the state of each inline cache.
 */
const program = (setup: string): string => `
const tick = () => new Promise((resolve) => process.nextTick(resolve));
(async () => {
  ${setup}
  for (let i = 0; i < 20000; i += 1) await tick();
  await new Promise((resolve) => setTimeout(resolve, 10));
  gc({ type: 'major', flavor: 'last-resort' });
  for (let i = 0; i < 20000; i += 1) await tick();
  %DebugPrint(process.nextTick);
  process.exit(0);
})();
`;

/**
 * The states, after that GC, of the inline caches through which nextTick's object literal defines
 * its symbol keys ("MONOMORPHIC", "MEGAMORPHIC"…), as V8 prints them. `setup` runs first, in the
 * service's folder (tsx compiles its TypeScript), with HOST/PORT set for a main() on any free port.
 */
export async function nextTickLiteralCaches(setup: string): Promise<string[]> {
  // V8 prints through C's stdio, which loses the end of its buffer at exit on a non-blocking pipe: a file keeps it all.
  const dir = mkdtempSync(join(tmpdir(), 'next-tick-caches-'));
  const out = openSync(join(dir, 'stdout'), 'w');
  try {
    const child = spawn(process.execPath, ['--expose-gc', '--allow-natives-syntax', '--import', 'tsx', '--eval', program(setup)], {
      // The service's own folder, so tsx finds its tsconfig; a free port and few log lines for main().
      cwd: SERVICE_DIR,
      env: { ...process.env, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'warn' },
      stdio: ['ignore', out, 'inherit'],
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    if (code !== 0) throw new Error(`the program ended with ${code}, not at its end`);
    const stdout = readFileSync(join(dir, 'stdout'), 'utf8');
    return [...stdout.matchAll(/slot #\d+ DefineKeyedOwnPropertyInLiteral (\w+)/g)].map((match) => match[1] ?? '');
  } finally {
    closeSync(out);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Asserts that after `setup` a memory-reducing GC leaves nextTick's literal caches monomorphic (none megamorphic). */
export async function assertNextTickStaysFast(setup: string): Promise<void> {
  const states = await nextTickLiteralCaches(setup);
  assert.ok(states.length >= 3, `V8 printed no caches for the literal's symbol keys: ${states.join(', ')}`);
  assert.equal(
    states.filter((state) => state === 'MEGAMORPHIC'),
    [],
    `nextTick's literal caches after the GC: ${states.join(', ')}`,
  );
}
