// Runs test suites one after another as child processes (each its own uvu run), whatever the
// earlier ones did, reads uvu's closing counts from each, and ends with one table and one line of
// totals: what `npm test` prints (scripts/run-tests.ts lists the suites).
import { spawn } from 'node:child_process';
import { stripVTControlCharacters } from 'node:util';

export interface SuiteSpec {
  name: string;
  /** The command and its arguments (an npm script, so a developer can run the same suite alone). */
  command: readonly string[];
  cwd?: string;
}

export interface SuiteResult {
  name: string;
  passed: number;
  failed: number;
  skipped: number;
  seconds: number;
  /** Why the suite counts a failure no test reported (it crashed, ran nothing, or an after() hook failed). */
  problem?: string;
  /** The names of the failed tests, as uvu prints them (suite and test). */
  failures: string[];
}

export interface UvuCounts {
  total: number;
  passed: number;
  skipped: number;
}

/** uvu's closing counts (`Total:`, `Passed:`, `Skipped:`) in a run's output, or undefined when it printed none. */
export function uvuCounts(output: string): UvuCounts | undefined {
  const text = stripVTControlCharacters(output);
  const last = (label: string): number | undefined => {
    const found = [...text.matchAll(new RegExp(`^\\s*${label}:\\s+(\\d+)\\s*$`, 'gm'))].at(-1);
    return found ? Number(found[1]) : undefined;
  };
  const [total, passed, skipped] = [last('Total'), last('Passed'), last('Skipped')];
  if (total === undefined || passed === undefined || skipped === undefined) return undefined;
  return { total, passed, skipped };
}

/** The failed tests uvu lists (` FAIL  <suite>  "<test>"`), one line each. */
export function uvuFailures(output: string): string[] {
  return [...stripVTControlCharacters(output).matchAll(/^\s*FAIL\s+(.*)$/gm)].map((match) => (match[1] ?? '').trim());
}

/**
 * What a finished suite counts. uvu's own counts, and on top of them one failure when the process
 * failed without a failed test to show for it (a crash at import, an after() hook, a kill), or
 * when it ran and skipped nothing at all (a pattern that matches no file).
 */
export function suiteResult(name: string, output: string, exitCode: number | null, signal: string | null, seconds: number): SuiteResult {
  const counts = uvuCounts(output);
  const failures = uvuFailures(output);
  const passed = counts?.passed ?? 0;
  const skipped = counts?.skipped ?? 0;
  let failed = counts ? counts.total - counts.passed : 0;
  let problem: string | undefined;
  const ended = signal ? `killed by ${signal}` : `exited ${exitCode}`;
  if (!counts) problem = `${ended} without uvu's totals`;
  else if (failed === 0 && exitCode !== 0) problem = `${ended} although every test passed (an after() hook, or something left open: see its output)`;
  else if (counts.total === 0 && counts.skipped === 0) problem = 'ran no test';
  else if (failed > 0 && exitCode === 0) problem = `reported ${failed} failed yet exited 0`;
  if (problem !== undefined && failed === 0) failed = 1;
  return { name, passed, failed, skipped, seconds, problem, failures };
}

export interface RunOptions {
  /** A suite still running after this is killed and counts as failed (tests have their own timeout). */
  suiteDeadlineMs?: number;
  write?: (text: string) => void;
}

/** Process groups of the suites running now, for stopRunning(). */
const runningGroups = new Set<number>();

/** Sends `signal` to every suite still running, and everything it started (on Ctrl-C, say). */
export function stopRunning(signal: NodeJS.Signals): void {
  for (const group of runningGroups) {
    try {
      process.kill(-group, signal);
    } catch {
      // already gone
    }
  }
}

function runSuite(spec: SuiteSpec, { suiteDeadlineMs = 20 * 60_000, write = (text) => process.stdout.write(text) }: RunOptions): Promise<SuiteResult> {
  const startedAt = performance.now();
  write(`\n==> ${spec.name}: ${spec.command.join(' ')}\n`);
  return new Promise((resolve) => {
    const [file, ...args] = spec.command;
    if (file === undefined) throw new Error(`suite ${spec.name} has no command`);
    // A process group of its own, so a kill at the deadline reaches what the suite started too.
    const child = spawn(file, args, { cwd: spec.cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    if (child.pid !== undefined) runningGroups.add(child.pid);
    let output = '';
    const take = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      output += text;
      write(text);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    let overdue = false;
    const timer = setTimeout(() => {
      overdue = true;
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    }, suiteDeadlineMs);
    const finish = (code: number | null, signal: string | null, spawnError?: Error) => {
      clearTimeout(timer);
      if (child.pid !== undefined) runningGroups.delete(child.pid);
      const seconds = (performance.now() - startedAt) / 1000;
      const result = suiteResult(spec.name, output, code, signal, seconds);
      if (overdue) result.problem = `still running after ${suiteDeadlineMs / 1000} s: killed`;
      if (spawnError) result.problem = `could not start: ${spawnError.message}`;
      if (result.problem !== undefined && result.failed === 0) result.failed = 1;
      resolve(result);
    };
    child.once('error', (error) => finish(null, null, error));
    child.once('close', (code, signal) => finish(code, signal));
  });
}

/** The closing table (suite, passed, failed, skipped, seconds), the failures, and the totals line last. */
export function report(results: readonly SuiteResult[]): string {
  const header = ['suite', 'passed', 'failed', 'skipped', 'seconds'];
  const sum = (key: 'passed' | 'failed' | 'skipped' | 'seconds') => results.reduce((total, result) => total + result[key], 0);
  const rows = [
    header,
    ...results.map((r) => [r.name, String(r.passed), String(r.failed), String(r.skipped), r.seconds.toFixed(1)]),
    ['total', String(sum('passed')), String(sum('failed')), String(sum('skipped')), sum('seconds').toFixed(1)],
  ];
  const widths = header.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  const line = (row: string[]) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join('  ');
  const out = ['', line(rows[0] ?? header), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.slice(1, -1).map(line), line(rows.at(-1) ?? header)];
  const failing = results.filter((result) => result.failed > 0);
  if (failing.length > 0) {
    out.push('', 'failed:');
    for (const result of failing) {
      for (const failure of result.failures) out.push(`  ${result.name}: ${failure}`);
      if (result.problem !== undefined) out.push(`  ${result.name}: ${result.problem}`);
    }
  }
  out.push('', `${sum('passed')} passed, ${sum('failed')} failed, ${sum('skipped')} skipped`);
  return `${out.join('\n')}\n`;
}

/** Runs every suite, prints the report, and resolves with whether all passed. */
export async function runSuites(suites: readonly SuiteSpec[], options: RunOptions = {}): Promise<{ ok: boolean; results: SuiteResult[] }> {
  const write = options.write ?? ((text: string) => process.stdout.write(text));
  const results: SuiteResult[] = [];
  for (const spec of suites) results.push(await runSuite(spec, { ...options, write }));
  write(report(results));
  return { ok: results.every((result) => result.failed === 0), results };
}
