// What the Grafana suite needs that does not need Grafana: whether its image is here (decided
// synchronously, because uvu registers tests while it loads the file), the dashboards' panel
// queries as Grafana's frontend would send them to /api/ds/query, and what "returns data" means in
// the answer. All of it is unit-tested in lib.test.ts.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { interpolate, panels, type DashboardJson } from '../../observability/test/lib/dashboard-json';
import { COMPOSE_FILE, composeImage } from '../support/docker';
import { REPO_ROOT } from '../support/repo';

export const DATASOURCES_DIR = path.join(REPO_ROOT, 'observability', 'grafana', 'provisioning', 'datasources');

/** The compose file whose Grafana image the suite runs (a test seam: lib.test.ts points it at an absent tag). */
export function grafanaComposeFile(): string {
  return process.env.GRAFANA_COMPOSE_FILE ?? COMPOSE_FILE;
}

export type ImageState = { present: true; image: string } | { present: false; image: string; reason: string };

/** Whether the engine has the pinned Grafana image; the reason names the image when it does not. */
export function grafanaImageState(file = grafanaComposeFile()): ImageState {
  const image = composeImage('grafana', file);
  const engine = spawnSync('docker', ['version', '--format', '{{.Server.Version}}'], { encoding: 'utf8', timeout: 30_000 });
  if (engine.status !== 0) return { present: false, image, reason: `skipped: no Docker engine answered, so ${image} cannot run` };
  const inspected = spawnSync('docker', ['image', 'inspect', '--format', '{{.Id}}', image], { encoding: 'utf8', timeout: 30_000 });
  if (inspected.status !== 0) return { present: false, image, reason: `skipped: ${image} image not present` };
  return { present: true, image };
}

export { dashboardFiles, interpolate, panels as panelsOf, readDashboard, type DashboardJson as Dashboard } from '../../observability/test/lib/dashboard-json';

/** The uid of the provisioned default data source, which the dashboards' data-source variable resolves to. */
export function provisionedDatasourceUid(): string {
  for (const file of readdirSync(DATASOURCES_DIR).filter((name) => /\.ya?ml$/.test(name))) {
    const parsed = YAML.parse(readFileSync(path.join(DATASOURCES_DIR, file), 'utf8')) as { datasources?: { uid?: string; isDefault?: boolean }[] };
    const found = parsed.datasources?.find((source) => source.isDefault === true && source.uid);
    if (found?.uid) return found.uid;
  }
  throw new Error(`no default data source with a uid in ${path.relative(REPO_ROOT, DATASOURCES_DIR)}`);
}

/**
 * The value Grafana's frontend gives each dashboard variable on a first visit: data-source
 * variables the default data source, query variables their saved current value ("All" becomes the
 * variable's allValue). A query variable with no saved value takes `fallbacks[name]`.
 */
export function variableValues(dashboard: DashboardJson, datasourceUid: string, fallbacks: Record<string, string> = {}): Record<string, string> {
  const values: Record<string, string> = {};
  for (const variable of dashboard.templating?.list ?? []) {
    if (variable.type === 'datasource') {
      values[variable.name] = datasourceUid;
      continue;
    }
    const current = variable.current?.value;
    const first = Array.isArray(current) ? current[0] : current;
    if (first === '$__all') {
      if (variable.allValue === undefined) throw new Error(`${dashboard.uid}: $${variable.name} is "All" but has no allValue to send`);
      values[variable.name] = variable.allValue;
    } else if (Array.isArray(current) && current.length > 1) {
      values[variable.name] = `(${current.join('|')})`;
    } else if (first !== undefined && first !== '') {
      values[variable.name] = first;
    } else if (fallbacks[variable.name] !== undefined) {
      values[variable.name] = fallbacks[variable.name] ?? '';
    } else {
      throw new Error(`${dashboard.uid}: $${variable.name} has no current value and no fallback`);
    }
  }
  return values;
}

export interface DsQuery {
  where: string;
  body: { from: string; to: string; queries: Record<string, unknown>[] };
}

/** One /api/ds/query request per visible panel target, variables substituted, data source resolved to its uid. */
export function panelDsQueries(dashboard: DashboardJson, datasourceUid: string, fallbacks: Record<string, string> = {}): DsQuery[] {
  const values = variableValues(dashboard, datasourceUid, fallbacks);
  return panels(dashboard).flatMap((panel) =>
    (panel.targets ?? [])
      .filter((target) => target.hide !== true && typeof target.expr === 'string')
      .map((target) => {
        const where = `${dashboard.uid} / "${panel.title ?? ''}" / ${target.refId ?? 'A'}`;
        const { datasource: _datasource, hide: _hide, ...rest } = target;
        return {
          where,
          body: {
            from: 'now-15m',
            to: 'now',
            queries: [
              {
                ...rest,
                refId: target.refId ?? 'A',
                expr: interpolate(target.expr ?? '', values, { where }),
                datasource: { type: 'prometheus', uid: datasourceUid },
                // What a panel some 1000 pixels wide asks for; the backend derives $__interval from it.
                intervalMs: 15_000,
                maxDataPoints: 1000,
              },
            ],
          },
        };
      }),
  );
}

interface Frame {
  data?: { values?: unknown[][] };
}
export interface DsQueryAnswer {
  results?: Record<string, { status?: number; error?: string; frames?: Frame[] }>;
}

/** Undefined when the query returned at least one value; otherwise why not (error or empty). */
export function whyNoData(answer: DsQueryAnswer, refId: string): string | undefined {
  const result = answer.results?.[refId];
  if (result === undefined) return `no result for ${refId}`;
  if (result.error) return `error: ${result.error}`;
  const values = (result.frames ?? []).flatMap((frame) => frame.data?.values ?? []);
  return values.some((column) => column.length > 0) ? undefined : 'no data';
}
