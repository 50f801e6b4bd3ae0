// Writes every dashboard of src/dashboards/ to grafana/dashboards/<name>.json.
// Run after changing a dashboard: npm run generate -w observability
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DASHBOARDS, renderDashboard } from './dashboards';

export const DASHBOARDS_DIR = join(__dirname, '..', 'grafana', 'dashboards');

for (const [file, build] of Object.entries(DASHBOARDS)) {
  const path = join(DASHBOARDS_DIR, file);
  writeFileSync(path, renderDashboard(build()));
  console.log(`wrote ${path}`);
}
