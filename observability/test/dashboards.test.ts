// The committed dashboards and Grafana provisioning: generated from code, wired to the
// provisioned data source, and loadable by Grafana; the Fly.io variant free of what Fly lacks.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { DASHBOARDS, FLY_DASHBOARDS, renderDashboard } from '../src/dashboards';
import {
  annotationQueries,
  dashboardFiles,
  dataSourceAnnotations,
  panelQueries,
  panels,
  readDashboard,
  variableQueries,
  type DashboardJson,
  type Target,
} from './lib/dashboard-json';
import { COMPOSE_FILE, DASHBOARDS_DIR, FLY_DASHBOARDS_DIR, GRAFANA_DIR } from './lib/paths';
import { seconds } from './lib/duration';
import { rules } from './lib/rule-files';

// Where the file provider reads dashboards inside the Grafana container.
const DASHBOARDS_MOUNT = '/var/lib/grafana/dashboards';

const FLY_DASHBOARD = 'service-overview-fly.json';

/** Every committed dashboard, provisioned or Fly's, with the name a failure shows. */
function everyDashboard(): { file: string; dashboard: DashboardJson }[] {
  return [
    ...dashboardFiles().map((file) => ({ file, dashboard: readDashboard(file) })),
    ...dashboardFiles(FLY_DASHBOARDS_DIR).map((file) => ({ file: `dashboards-fly/${file}`, dashboard: readDashboard(file, FLY_DASHBOARDS_DIR) })),
  ];
}

const generated = suite('dashboards as code');

generated('every committed dashboard, the Fly variants too, is what its code generates (run: npm run generate -w observability)', () => {
  for (const [dir, dashboards] of [
    [DASHBOARDS_DIR, DASHBOARDS],
    [FLY_DASHBOARDS_DIR, FLY_DASHBOARDS],
  ] as const) {
    assert.equal(dashboardFiles(dir), Object.keys(dashboards).sort(), `${dir}: a dashboard file without code, or code without a file`);
    for (const [file, build] of Object.entries(dashboards)) {
      assert.fixture(readFileSync(join(dir, file), 'utf8'), renderDashboard(build()), file);
    }
  }
});

generated.run();

const wiring = suite('dashboard wiring');

wiring('the service dashboard has the fixed uid service-overview', () => {
  assert.ok(dashboardFiles().map((file) => readDashboard(file)).some((dashboard) => dashboard.uid === 'service-overview'));
});

wiring('every dashboard has a fixed uid and a prometheus data source variable', () => {
  const uids = new Set<string>();
  for (const { file, dashboard } of everyDashboard()) {
    assert.match(dashboard.uid, /^[a-z0-9-]{1,40}$/, `${file}: uid`);
    assert.not.ok(uids.has(dashboard.uid), `${file}: uid ${dashboard.uid} used twice`);
    uids.add(dashboard.uid);
    const variable = dashboard.templating.list.find((candidate) => candidate.name === 'datasource');
    assert.is(variable?.type, 'datasource', `${file}: no $datasource variable`);
    assert.is(variable?.query, 'prometheus', `${file}: $datasource lists ${String(variable?.query)}`);
  }
});

/** The uid a data-source reference names (Grafana also accepts a bare name, which these files never use). */
const uidOf = (ref: Target['datasource']) => (typeof ref === 'object' ? ref?.uid : ref);

wiring('every panel, query and variable reads the data source picked in $datasource', () => {
  for (const { file, dashboard } of everyDashboard()) {
    const refs = [
      ...panels(dashboard).flatMap((panel) => [
        { where: `"${panel.title}"`, uid: uidOf(panel.datasource) },
        ...(panel.targets ?? []).map((target) => ({ where: `"${panel.title}" ${target.refId}`, uid: uidOf(target.datasource) })),
      ]),
      ...dashboard.templating.list
        .filter((variable) => variable.type === 'query')
        .map((variable) => ({ where: `$${variable.name}`, uid: variable.datasource?.uid })),
    ];
    assert.ok(refs.length > 0);
    for (const { where, uid } of refs) assert.is(uid, '${datasource}', `${file} ${where}`);
  }
});

wiring('panels have unique ids, a title, queries, and fit the 24-column grid', () => {
  for (const { file, dashboard } of everyDashboard()) {
    const ids = dashboard.panels.map((panel) => panel.id);
    assert.is(new Set(ids).size, ids.length, `${file}: duplicate panel ids`);
    for (const panel of dashboard.panels) {
      const { gridPos } = panel as { gridPos?: { x: number; y: number; w: number; h: number } };
      assert.ok(gridPos && gridPos.x >= 0 && gridPos.w > 0 && gridPos.x + gridPos.w <= 24 && gridPos.h > 0, `${file}: "${panel.title}" gridPos`);
    }
    for (const panel of panels(dashboard)) {
      assert.ok(panel.title, `${file}: panel ${panel.id} has no title`);
      assert.ok((panel.targets ?? []).length > 0, `${file}: "${panel.title}" has no query`);
    }
  }
});

wiring('stats of the present moment (targets up, version) are instant queries, not a range Grafana reduces', () => {
  const overview = readDashboard('service-overview.json');
  for (const title of ['Targets up', 'Version']) {
    const panel = panels(overview).find((candidate) => candidate.title === title);
    assert.ok(panel, `no panel "${title}"`);
    for (const target of panel.targets ?? []) {
      assert.equal([target.instant, target.range], [true, false], `"${title}" ${target.refId}`);
    }
  }
});

wiring('the latency heatmap draws the service\'s own buckets (Prometheus heatmap format, no recalculation)', () => {
  const heatmap = panels(readDashboard('service-overview.json')).find((panel) => panel.type === 'heatmap');
  assert.ok(heatmap, 'no heatmap panel');
  assert.is(heatmap.options?.calculate, false);
  for (const target of heatmap.targets ?? []) {
    assert.is(target.format, 'heatmap');
    assert.match(target.expr ?? '', /sum by \(le\) \(rate\(http_server_request_duration_seconds_bucket\{/);
  }
});

wiring('every dashboard marks the firing alerts of its job as annotations, from the $datasource', () => {
  for (const file of dashboardFiles()) {
    const dashboard = readDashboard(file);
    const alerts = dataSourceAnnotations(dashboard).filter((annotation) => /^ALERTS\{/.test(annotation.target?.expr ?? ''));
    assert.is(alerts.length, 1, `${file}: no annotation of firing alerts`);
    const [annotation] = alerts;
    assert.is(annotation?.enable, true);
    assert.is(annotation?.datasource?.uid, '${datasource}');
    assert.match(annotation?.target?.expr ?? '', /job="\$job"/);
    assert.match(annotation?.target?.expr ?? '', /alertstate="firing"/);
  }
});

wiring('Grafana provisions the Prometheus data source under uid prometheus, and the dashboards from files it cannot edit and drops when they go', () => {
  const datasources = parse(readFileSync(join(GRAFANA_DIR, 'provisioning', 'datasources', 'prometheus.yml'), 'utf8')) as {
    datasources: { uid: string; type: string; url: string }[];
  };
  assert.equal(
    datasources.datasources.map(({ uid, type, url }) => ({ uid, type, url })),
    [{ uid: 'prometheus', type: 'prometheus', url: 'http://prometheus:9090' }],
  );
  const providers = parse(readFileSync(join(GRAFANA_DIR, 'provisioning', 'dashboards', 'service.yml'), 'utf8')) as {
    providers: { type: string; allowUiUpdates: boolean; disableDeletion: boolean; options: { path: string } }[];
  };
  for (const provider of providers.providers) {
    assert.is(provider.type, 'file');
    assert.is(provider.allowUiUpdates, false);
    // A dashboard whose file git removed is deleted, not kept unprovisioned.
    assert.is(provider.disableDeletion, false);
    assert.is(provider.options.path, DASHBOARDS_MOUNT);
  }
});

wiring('docker-compose.yml mounts the two provisioning folders and the dashboards where Grafana looks for them', () => {
  const compose = parse(readFileSync(COMPOSE_FILE, 'utf8')) as {
    services: Record<string, { volumes?: string[]; environment?: Record<string, string> }>;
  };
  const grafana = compose.services['grafana'];
  const volumes = grafana?.volumes ?? [];
  for (const [source, target] of [
    ['./observability/grafana/provisioning/datasources', '/etc/grafana/provisioning/datasources'],
    ['./observability/grafana/provisioning/dashboards', '/etc/grafana/provisioning/dashboards'],
    ['./observability/grafana/dashboards', DASHBOARDS_MOUNT],
  ]) {
    assert.ok(
      volumes.some((volume) => volume.startsWith(`${source}:${target}:`) || volume === `${source}:${target}`),
      `grafana in docker-compose.yml should mount ${source} at ${target}`,
    );
  }
  // The whole folder would hide the image's provisioning/alerting and plugins folders.
  assert.not.ok(
    volumes.some((volume) => volume.split(':')[1] === '/etc/grafana/provisioning'),
    'grafana should not mount over all of /etc/grafana/provisioning',
  );
  const home = grafana?.environment?.['GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH'];
  if (home !== undefined) {
    assert.ok(home.startsWith(`${DASHBOARDS_MOUNT}/`), `the home dashboard ${home} is not a provisioned one`);
    assert.ok(dashboardFiles().includes(home.slice(DASHBOARDS_MOUNT.length + 1)), `the home dashboard ${home} does not exist`);
  }
});

/** The error-budget panels of a dashboard, with the window their title names, in days. */
function budgetPanels(dashboard: DashboardJson): { title: string; days: number; exprs: string[] }[] {
  return panels(dashboard)
    .filter((panel) => /error budget left/.test(panel.title ?? ''))
    .map((panel) => {
      const days = /\((?:last )?(\d+) days\b/.exec(panel.title ?? '')?.[1];
      return { title: panel.title ?? '', days: Number(days), exprs: (panel.targets ?? []).map((target) => target.expr ?? '') };
    });
}

wiring('the error-budget panels name the window they cover, and the data is kept that long', () => {
  const overview = budgetPanels(readDashboard('service-overview.json'));
  assert.is(overview.length, 2);
  const compose = parse(readFileSync(COMPOSE_FILE, 'utf8')) as { services: { prometheus: { command: string[] } } };
  const retention = compose.services.prometheus.command.find((flag) => flag.startsWith('--storage.tsdb.retention.time='));
  const keptDays = seconds(retention?.split('=')[1] ?? '0s') / 86_400;
  const recorded = new Map(rules().filter((rule) => rule.record).map((rule) => [rule.record, rule.expr]));
  for (const { title, days, exprs } of overview) {
    assert.is(days, 30, `"${title}" does not say it covers the objectives' 30 days`);
    assert.ok(keptDays >= days, `"${title}" covers ${days} days; the local Prometheus keeps ${keptDays}`);
    // It reads a recorded 30-day ratio, whose rule reads 30 days.
    for (const expr of exprs) {
      const names = [...expr.matchAll(/job:slo_\w+:ratio_rate\w+/g)].map(([name]) => name);
      assert.ok(names.length > 0, `"${title}" reads no recorded ratio: ${expr}`);
      for (const name of names) assert.match(recorded.get(name) ?? '', new RegExp(`\\[${days}d\\]`), `${name} does not cover ${days} days`);
    }
  }
  const fly = budgetPanels(readDashboard(FLY_DASHBOARD, FLY_DASHBOARDS_DIR));
  assert.is(fly.length, 2);
  for (const { title, days, exprs } of fly) {
    // Fly's Prometheus keeps about 15 days: the title and every range say so.
    assert.is(days, 15, `"${title}" does not say it covers the 15 days Fly keeps`);
    for (const expr of exprs) {
      const ranges = [...expr.matchAll(/\[(\w+)\]/g)].map(([, range]) => range);
      assert.ok(ranges.length > 0 && ranges.every((range) => range === `${days}d`), `"${title}" reads other windows than ${days}d: ${expr}`);
    }
  }
});

wiring.run();

const fly = suite('the Fly.io variant of the Service overview dashboard');

/** Every PromQL text of a dashboard: panels, variables and annotations. */
function everyQuery(dashboard: DashboardJson) {
  return [...panelQueries(dashboard), ...variableQueries(dashboard), ...annotationQueries(dashboard)];
}

/** Metric names in a query: words outside label values ("…") and ranges ([…]). */
function metricNames(expr: string): string[] {
  return expr.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/\[[^\]]*\]/g, '').match(/[A-Za-z_:][A-Za-z0-9_:]*/g) ?? [];
}

fly('lives where neither the local Grafana nor infra loads it, under its own uid', () => {
  // Grafana's file provider walks every subfolder of grafana/dashboards/ (filepath.Walk in
  // pkg/services/provisioning/dashboards/file_reader.go); infra reads that folder's *.json only.
  const subfolders = readdirSync(DASHBOARDS_DIR, { withFileTypes: true }).filter((entry) => entry.isDirectory());
  assert.equal(subfolders.map((entry) => entry.name), [], 'grafana/dashboards/ has a subfolder, which the local Grafana would load');
  assert.not.ok(dashboardFiles().includes(FLY_DASHBOARD));
  const flyUid = readDashboard(FLY_DASHBOARD, FLY_DASHBOARDS_DIR).uid;
  assert.is(flyUid, 'service-overview-fly');
  assert.not.ok(dashboardFiles().some((file) => readDashboard(file).uid === flyUid), 'a provisioned dashboard has the Fly uid');
});

fly('no query reads a recording rule (Fly\'s Prometheus evaluates none)', () => {
  const queries = everyQuery(readDashboard(FLY_DASHBOARD, FLY_DASHBOARDS_DIR));
  assert.ok(queries.length > 0);
  for (const { where, expr } of queries) {
    const recorded = metricNames(expr).filter((name) => name.includes(':'));
    assert.equal(recorded, [], `${where} reads a recording rule: ${expr}`);
  }
});

fly('every query selects by app, none by job (Fly documents no job label); no alert annotations', () => {
  const dashboard = readDashboard(FLY_DASHBOARD, FLY_DASHBOARDS_DIR);
  for (const { where, expr } of everyQuery(dashboard)) {
    assert.not.match(expr, /\bjob\b/, `${where} names job: ${expr}`);
    // $app itself lists the apps; everything else takes the one picked there.
    if (!where.endsWith('/ $app')) assert.match(expr, /\bapp="\$app"/, `${where} does not select by app: ${expr}`);
  }
  const app = dashboard.templating.list.find((variable) => variable.name === 'app');
  assert.is(app?.query, 'label_values(app_build_info, app)');
  assert.not.ok(dashboard.templating.list.some((variable) => variable.name === 'job'), 'a $job variable');
  assert.equal(dataSourceAnnotations(dashboard), [], 'no alerts run on Fly: an annotation of them stays empty');
});

/** Row titles and the titles of the panels under each, a window said in brackets left out. */
function sections(dashboard: DashboardJson): { row: string; panels: string[] }[] {
  const plain = (title = '') => title.replace(/ \([^)]*\)$/, '');
  const result: { row: string; panels: string[] }[] = [];
  for (const panel of dashboard.panels) {
    if (panel.type === 'row') result.push({ row: plain(panel.title), panels: [] });
    else result.at(-1)?.panels.push(plain(panel.title));
  }
  return result;
}

fly('its rows and panels are the provisioned dashboard\'s, in the same order, but for the scrape\'s own series and the outside-in row', () => {
  const comparable = (list: { row: string; panels: string[] }[]) =>
    list
      .filter(({ row }) => row !== 'Scrape health')
      .map(({ row, panels: titles }) => ({
        row: row.startsWith('Outside-in') ? 'Outside-in' : row,
        panels: row.startsWith('Outside-in') ? [] : titles.filter((title) => !['Targets up', 'Instances reporting'].includes(title)),
      }));
  assert.equal(
    comparable(sections(readDashboard(FLY_DASHBOARD, FLY_DASHBOARDS_DIR))),
    comparable(sections(readDashboard('service-overview.json'))),
  );
});

fly('its outside-in row reads Fly Proxy\'s own series at the edge and in front of the app', () => {
  const exprs = panelQueries(readDashboard(FLY_DASHBOARD, FLY_DASHBOARDS_DIR)).map(({ expr }) => expr);
  for (const metric of ['fly_edge_http_responses_count', 'fly_app_http_responses_count']) {
    assert.ok(exprs.some((expr) => metricNames(expr).includes(metric)), `no panel reads ${metric}`);
  }
});

fly.run();
