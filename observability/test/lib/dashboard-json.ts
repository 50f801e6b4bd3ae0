// The one reader of the committed dashboard JSON files, for every suite that reads them (this
// workspace's, and tests/grafana): the files, their panels, the PromQL their panels, variables and
// annotations run, and that PromQL with the dashboard's variables filled in as Grafana would.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DASHBOARDS_DIR } from './paths';

type DatasourceRef = { type?: string; uid?: string };

export interface Target {
  refId?: string;
  expr?: string;
  hide?: boolean;
  datasource?: DatasourceRef | string | null;
  instant?: boolean;
  range?: boolean;
  format?: string;
  legendFormat?: string;
  interval?: string;
}

export interface Panel {
  id?: number;
  type: string;
  title?: string;
  datasource?: DatasourceRef | string | null;
  targets?: Target[];
  panels?: Panel[];
  options?: Record<string, unknown>;
}

export interface Variable {
  type: string;
  name: string;
  query?: string | { query?: string };
  datasource?: DatasourceRef;
  allValue?: string;
  current?: { value?: string | string[] };
}

export interface Annotation {
  name: string;
  builtIn?: number;
  enable?: boolean;
  datasource?: DatasourceRef;
  /** Where Grafana keeps a Prometheus annotation's query since 10.x; older dashboards had `expr`. */
  target?: { expr?: string; refId?: string };
  expr?: string;
}

export interface DashboardJson {
  uid: string;
  title: string;
  schemaVersion?: number;
  panels: Panel[];
  templating: { list: Variable[] };
  annotations?: { list: Annotation[] };
}

/** The *.json files of a dashboards folder (the provisioned one unless told), by name. */
export function dashboardFiles(dir = DASHBOARDS_DIR): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort();
}

export function readDashboard(file: string, dir = DASHBOARDS_DIR): DashboardJson {
  return JSON.parse(readFileSync(join(dir, file), 'utf8')) as DashboardJson;
}

/** Panels, with those inside collapsed rows, rows themselves left out. */
export function panels(dashboard: DashboardJson): Panel[] {
  return dashboard.panels.flatMap((panel) => (panel.type === 'row' ? (panel.panels ?? []) : [panel]));
}

export interface PanelQuery {
  where: string;
  expr: string;
}

export function panelQueries(dashboard: DashboardJson): PanelQuery[] {
  return panels(dashboard).flatMap((panel) =>
    (panel.targets ?? []).map((target) => ({
      where: `${dashboard.uid} / "${panel.title}" / ${target.refId}`,
      expr: target.expr ?? '',
    })),
  );
}

/**
 * Variable queries of the form label_values(selector, label), as the PromQL that returns the
 * same label values: count by (label) (selector).
 */
export function variableQueries(dashboard: DashboardJson): PanelQuery[] {
  return dashboard.templating.list
    .filter((variable) => variable.type === 'query')
    .map((variable) => {
      const query = typeof variable.query === 'string' ? variable.query : (variable.query?.query ?? '');
      const match = /^label_values\((.+),\s*(\w+)\)$/.exec(query.trim());
      if (!match) throw new Error(`${dashboard.uid} / $${variable.name}: unsupported variable query ${query}`);
      return { where: `${dashboard.uid} / $${variable.name}`, expr: `count by (${match[2]}) (${match[1]})` };
    });
}

// Grafana's own variables, which its Prometheus backend fills in (pkg/tsdb/prometheus/query/types.go).
const BUILT_IN = /^__(interval|interval_ms|range|range_s|range_ms|rate_interval|rate_interval_ms)$/;
// Those that stand for a duration in a range selector.
const BUILT_IN_DURATIONS = new Set(['__rate_interval', '__interval', '__range']);

export interface InterpolateOptions {
  /** Where the text comes from, for the error on a variable without a value. */
  where?: string;
  /**
   * The duration Grafana's built-in intervals become, for a query sent to Prometheus directly
   * ($__rate_interval is at least four scrape intervals: one minute stands for the 15 s scrape).
   * Without it they are left as written, for Grafana's backend to fill in.
   */
  interval?: string;
}

/** Substitutes dashboard variables ($name, ${name}, ${name:format}) the way Grafana's frontend does before sending. */
export function interpolate(text: string, values: Record<string, string>, { where, interval }: InterpolateOptions = {}): string {
  return text.replace(/\$\{(\w+)(?::\w+)?\}|\$(\w+)/g, (whole: string, braced?: string, bare?: string) => {
    const name = braced ?? bare ?? '';
    if (BUILT_IN.test(name)) {
      if (interval === undefined) return whole;
      if (BUILT_IN_DURATIONS.has(name)) return interval;
      throw new Error(`${where ?? text}: $${name} stands for no duration`);
    }
    const value = values[name];
    if (value === undefined) throw new Error(`${where ?? text}: no value for $${name}`);
    return value;
  });
}

/** Annotations that query a data source (Grafana's built-in one queries its own database). */
export function dataSourceAnnotations(dashboard: DashboardJson): Annotation[] {
  return (dashboard.annotations?.list ?? []).filter((annotation) => annotation.builtIn !== 1);
}

export function annotationQueries(dashboard: DashboardJson): PanelQuery[] {
  return dataSourceAnnotations(dashboard).map((annotation) => ({
    where: `${dashboard.uid} / annotation "${annotation.name}"`,
    expr: annotation.target?.expr ?? annotation.expr ?? '',
  }));
}
