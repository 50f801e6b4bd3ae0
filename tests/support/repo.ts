import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** The repository root: the build context, the folder holding docker-compose.yml and the built service. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** The built service, as the image runs it (`npm run build` writes it). */
export const SERVICE_ENTRY = path.join(REPO_ROOT, 'service', 'dist', 'main.js');

/**
 * Fails with the command to run when the built service is missing or older than a source file it
 * is built from: a test of the built service must not test yesterday's service.
 */
export function assertServiceBuilt(): void {
  const build = 'run `npm run build` first';
  if (!existsSync(SERVICE_ENTRY)) throw new Error(`${path.relative(REPO_ROOT, SERVICE_ENTRY)} is missing: ${build}`);
  const builtAt = statSync(SERVICE_ENTRY).mtimeMs;
  const sourceDir = path.join(REPO_ROOT, 'service', 'src');
  const newer = (readdirSync(sourceDir, { recursive: true }) as string[]).filter(
    (file) => file.endsWith('.ts') && !file.endsWith('.test.ts') && statSync(path.join(sourceDir, file)).mtimeMs > builtAt,
  );
  if (newer.length > 0) throw new Error(`service/src changed after the build (${newer.slice(0, 3).join(', ')}): ${build}`);
}
