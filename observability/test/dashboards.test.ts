// The committed dashboards and Grafana provisioning: generated from code, wired to the
// provisioned data source, and loadable by Grafana.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { DASHBOARDS, renderDashboard } from '../src/dashboards';
import { dashboardFiles, dataSourceAnnotations, panels, readDashboard } from './lib/dashboard-json';
import { COMPOSE_FILE, DASHBOARDS_DIR, GRAFANA_DIR } from './lib/paths';

// Where the file provider reads dashboards inside the Grafana container.
const DASHBOARDS_MOUNT = '/var/lib/grafana/dashboards';

const generated = suite('dashboards as code');

generated('every committed dashboard is what its code generates (run: npm run generate -w observability)', () => {
  assert.equal(dashboardFiles(), Object.keys(DASHBOARDS).sort(), 'a dashboard file without code, or code without a file');
  for (const [file, build] of Object.entries(DASHBOARDS)) {
    assert.fixture(readFileSync(join(DASHBOARDS_DIR, file), 'utf8'), renderDashboard(build()), file);
  }
});

generated.run();

const wiring = suite('dashboard wiring');

wiring('the service dashboard has the fixed uid service-overview', () => {
  assert.ok(dashboardFiles().map(readDashboard).some((dashboard) => dashboard.uid === 'service-overview'));
});

wiring('every dashboard has a fixed uid and a prometheus data source variable', () => {
  const uids = new Set<string>();
  for (const file of dashboardFiles()) {
    const dashboard = readDashboard(file);
    assert.match(dashboard.uid, /^[a-z0-9-]{1,40}$/, `${file}: uid`);
    assert.not.ok(uids.has(dashboard.uid), `${file}: uid ${dashboard.uid} used twice`);
    uids.add(dashboard.uid);
    const variable = dashboard.templating.list.find((candidate) => candidate.name === 'datasource');
    assert.is(variable?.type, 'datasource', `${file}: no $datasource variable`);
    assert.is(variable?.query, 'prometheus', `${file}: $datasource lists ${String(variable?.query)}`);
  }
});

wiring('every panel, query and variable reads the data source picked in $datasource', () => {
  for (const file of dashboardFiles()) {
    const dashboard = readDashboard(file);
    const refs = [
      ...panels(dashboard).flatMap((panel) => [
        { where: `"${panel.title}"`, uid: panel.datasource?.uid },
        ...(panel.targets ?? []).map((target) => ({ where: `"${panel.title}" ${target.refId}`, uid: target.datasource?.uid })),
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
  for (const file of dashboardFiles()) {
    const dashboard = readDashboard(file);
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

wiring('Grafana provisions the Prometheus data source under uid prometheus, and the dashboards from files it cannot edit', () => {
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
    assert.is(provider.disableDeletion, true);
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

wiring.run();
