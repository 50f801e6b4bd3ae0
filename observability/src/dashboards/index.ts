// Every dashboard Grafana provisions, by the file name it has in grafana/dashboards/.
import { type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { serviceOverview } from './service-overview';

export const DASHBOARDS: Readonly<Record<string, () => Dashboard>> = {
  'service-overview.json': serviceOverview,
};

/** The committed text of a dashboard: panels numbered in reading order, two-space JSON. */
export function renderDashboard(dashboard: Dashboard): string {
  const panels = (dashboard.panels ?? []).map((panel, index) => ({ ...panel, id: index + 1 }));
  return `${JSON.stringify({ ...dashboard, panels }, null, 2)}\n`;
}
