// Every dashboard, by the file name it has in its folder: those Grafana provisions (and infra
// pushes to Amazon Managed Grafana) in grafana/dashboards/, and the Fly.io variants, imported by
// hand, in grafana/dashboards-fly/. Grafana's file provider walks subfolders of the folder it
// loads (filepath.Walk in pkg/services/provisioning/dashboards/file_reader.go), so the Fly
// variants live beside that folder, not inside it.
import { type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { FLY, serviceOverview } from './service-overview';

export const DASHBOARDS: Readonly<Record<string, () => Dashboard>> = {
  'service-overview.json': serviceOverview,
};

export const FLY_DASHBOARDS: Readonly<Record<string, () => Dashboard>> = {
  'service-overview-fly.json': () => serviceOverview(FLY),
};

/** The committed text of a dashboard: panels numbered in reading order, two-space JSON. */
export function renderDashboard(dashboard: Dashboard): string {
  const panels = (dashboard.panels ?? []).map((panel, index) => ({ ...panel, id: index + 1 }));
  return `${JSON.stringify({ ...dashboard, panels }, null, 2)}\n`;
}
