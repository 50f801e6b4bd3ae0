import path from 'node:path';

/** The repository root: the build context, the folder holding docker-compose.yml and the built service. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');
