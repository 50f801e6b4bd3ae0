// The observability/ files the stack ships as they are, so what promtool and the dashboard tests
// check is exactly what reaches AWS.
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The files of `dir` whose names end in one of `extensions`, sorted, as [name without extension,
 * content]. An empty folder is a mistake (a moved folder, a typo), never "ship nothing".
 */
export function readFolder(dir: string, extensions: readonly string[], what: string): [string, string][] {
  const files = fs.readdirSync(dir).filter((f) => extensions.includes(path.extname(f))).sort();
  if (files.length === 0) throw new Error(`no ${what} (${extensions.map((e) => `*${e}`).join(', ')}) in ${dir}.`);
  return files.map((f) => [path.basename(f, path.extname(f)), fs.readFileSync(path.join(dir, f), 'utf8')]);
}
