// Writes every dashboard of src/dashboards/ to grafana/dashboards/<name>.json, and the Fly.io
// variants to grafana/dashboards-fly/<name>.json.
// Run after changing a dashboard: npm run generate -w observability
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DASHBOARDS, FLY_DASHBOARDS, renderDashboard } from './dashboards';

export const DASHBOARDS_DIR = join(__dirname, '..', 'grafana', 'dashboards');
export const FLY_DASHBOARDS_DIR = join(__dirname, '..', 'grafana', 'dashboards-fly');

for (const [dir, dashboards] of [
  [DASHBOARDS_DIR, DASHBOARDS],
  [FLY_DASHBOARDS_DIR, FLY_DASHBOARDS],
] as const) {
  mkdirSync(dir, { recursive: true });
  for (const [file, build] of Object.entries(dashboards)) {
    const path = join(dir, file);
    writeFileSync(path, renderDashboard(build()));
    console.log(`wrote ${path}`);
  }
}
