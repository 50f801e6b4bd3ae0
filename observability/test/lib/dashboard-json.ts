// The committed dashboard JSON files, and the PromQL their panels, variables and annotations run.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DASHBOARDS_DIR } from './paths';

export interface Target {
  refId?: string;
  expr?: string;
  datasource?: { type?: string; uid?: string };
  instant?: boolean;
  range?: boolean;
  format?: string;
}

export interface Panel {
  id?: number;
  type: string;
  title?: string;
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  panels?: Panel[];
  options?: Record<string, unknown>;
}

export interface Variable {
  type: string;
  name: string;
  query?: string | { query?: string };
  datasource?: { type?: string; uid?: string };
  allValue?: string;
}

export interface Annotation {
  name: string;
  builtIn?: number;
  enable?: boolean;
  datasource?: { type?: string; uid?: string };
  /** Where Grafana keeps a Prometheus annotation's query since 10.x; older dashboards had `expr`. */
  target?: { expr?: string; refId?: string };
  expr?: string;
}

export interface DashboardJson {
  uid: string;
  title: string;
  schemaVersion: number;
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

/**
 * What Grafana would send for `expr` with these variable values. Grafana's built-in intervals
 * become `interval`: Grafana's own $__rate_interval is at least four scrape intervals, so one
 * minute stands for the 15 s scrape interval of the shipped config.
 */
export function interpolate(expr: string, values: Record<string, string>, interval = '1m'): string {
  const builtIns: Record<string, string> = {
    __rate_interval: interval,
    __interval: interval,
    __range: interval,
  };
  return expr.replace(/\$\{(\w+)(?::\w+)?\}|\$(\w+)/g, (whole: string, braced?: string, bare?: string) => {
    const name = braced ?? bare ?? '';
    const value = builtIns[name] ?? values[name];
    if (value === undefined) throw new Error(`no value for variable $${name} in ${expr}`);
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
