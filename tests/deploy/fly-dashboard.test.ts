// docs/deploy-fly.md tells Fly users to import the Fly variant of the Service overview dashboard
// (generated beside the provisioned one by observability/src) and says what each of its panels
// shows there; docs/observability.md gives the alert to make on Fly Proxy's metrics. This keeps
// the docs and the file together: the file exists and is made for Fly's Prometheus (selects by app,
// reads no recording rule), every panel has its line, the outside-in row reads Fly Proxy's own
// counters, the budget panels say they cover the 15 days Fly keeps, and the alert is the panel's query.
// Fly Proxy's series and labels: "Metrics on Fly.io", https://fly.io/docs/metrics-and-logs/metrics/
// (fly_edge_http_responses_count and fly_app_http_responses_count, labelled app, region and status).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { panelQueries, panels, type DashboardJson } from '../../observability/test/lib/dashboard-json';
import { REPO_ROOT } from '../support/repo';

/** A section of a doc, from its heading up to the next heading of its level or above. */
function section(doc: string, heading: string): string {
  const text = readFileSync(path.join(REPO_ROOT, 'docs', doc), 'utf8');
  const level = /^#+/.exec(heading)?.[0].length ?? 2;
  const start = text.indexOf(`${heading}\n`);
  if (start < 0) throw new Error(`docs/${doc} has no section "${heading}"`);
  const rest = text.slice(start + heading.length + 1);
  const end = rest.search(new RegExp(`^#{1,${level}} `, 'm'));
  return end < 0 ? rest : rest.slice(0, end);
}

const dashboardSection = () => section('deploy-fly.md', "## The *Service overview* dashboard on Fly's Grafana");

/** The dashboard file the section tells the reader to upload. */
function importedFile(text: string): string {
  const match = /upload `([^`]+\.json)`/.exec(text);
  if (!match?.[1]) throw new Error('the dashboard section of docs/deploy-fly.md names no file to upload');
  return match[1];
}

const imported = (): DashboardJson => JSON.parse(readFileSync(path.join(REPO_ROOT, importedFile(dashboardSection())), 'utf8')) as DashboardJson;

const Import = suite('the Fly variant of the Service overview dashboard, as docs/deploy-fly.md tells to import it');

Import('the doc names a committed file made for Fly: its own uid, selected by app, no recording rule, no job', () => {
  const file = importedFile(dashboardSection());
  assert.ok(existsSync(path.join(REPO_ROOT, file)), `${file} does not exist`);
  // The local Grafana and infra load observability/grafana/dashboards/ (subfolders too, for Grafana).
  assert.not.ok(file.startsWith('observability/grafana/dashboards/'), `${file} is in the folder the local Grafana and AWS load`);
  const dashboard = imported();
  assert.is(dashboard.uid, 'service-overview-fly');
  const app = dashboard.templating.list.find((variable) => variable.name === 'app');
  assert.match(JSON.stringify(app?.query), /label_values\(app_build_info, app\)/);
  const exprs = panelQueries(dashboard).map(({ expr }) => expr);
  assert.ok(exprs.length > 0);
  for (const expr of exprs) {
    assert.match(expr, /\bapp="\$app"/, expr);
    assert.not.match(expr, /\bjob\b/, expr);
    assert.not.match(expr.replace(/\[[^\]]*\]/g, ''), /[a-z_]+:[a-z_:]+\{/, `reads a recording rule: ${expr}`);
  }
});

Import('the doc says what every panel of that dashboard shows on Fly, and that no sed is needed any more', () => {
  const text = dashboardSection();
  const titles = panels(imported()).map((panel) => panel.title ?? '');
  assert.ok(titles.length > 0);
  for (const title of titles) assert.ok(text.includes(`| ${title} |`), `docs/deploy-fly.md has no table row for the panel "${title}"`);
  assert.not.match(text, /\bsed\b/, 'the section still tells to sed the provisioned dashboard');
});

Import('its outside-in row shows Fly Proxy\'s own counts, at the edge and from the Machines, by status', () => {
  const dashboard = imported();
  const rowIndex = dashboard.panels.findIndex((panel) => panel.type === 'row' && /Fly Proxy/.test(panel.title ?? ''));
  assert.ok(rowIndex >= 0, 'no row of Fly Proxy\'s metrics');
  const next = dashboard.panels.findIndex((panel, index) => index > rowIndex && panel.type === 'row');
  const exprs = dashboard.panels
    .slice(rowIndex + 1, next < 0 ? undefined : next)
    .flatMap((panel) => (panel.targets ?? []).map((target) => target.expr ?? ''));
  for (const metric of ['fly_edge_http_responses_count', 'fly_app_http_responses_count']) {
    assert.ok(exprs.some((expr) => expr.includes(`${metric}{app="$app"`) && /by \(status\)/.test(expr)), `the row draws no ${metric} by status`);
  }
});

Import('its error-budget panels say they cover the 15 days Fly keeps, and compute over exactly those', () => {
  const budgets = panels(imported()).filter((panel) => /error budget left/.test(panel.title ?? ''));
  assert.is(budgets.length, 2);
  for (const panel of budgets) {
    assert.match(panel.title ?? '', /\(last 15 days\b/);
    for (const target of panel.targets ?? []) {
      const ranges = [...(target.expr ?? '').matchAll(/\[([^\]]+)\]/g)].map(([, range]) => range);
      assert.ok(ranges.length > 0 && ranges.every((range) => range === '15d'), `"${panel.title}" reads another window: ${target.expr}`);
    }
  }
});

Import('the alert docs/observability.md gives for Fly is the Edge 5xx ratio panel\'s query, for one app, above the 5% of AppHighErrorRatio', () => {
  const text = section('observability.md', '### On Fly.io: an alert on Fly Proxy\'s metrics');
  const recipe = /```promql\n([\s\S]*?)\n```/.exec(text)?.[1]?.replace(/\s+/g, ' ').trim();
  assert.ok(recipe, 'no promql block in the Fly alert section');
  const panel = panels(imported()).find((candidate) => candidate.title === 'Edge 5xx ratio');
  const expr = panel?.targets?.[0]?.expr;
  assert.ok(expr, 'no panel "Edge 5xx ratio"');
  assert.is(recipe, expr.replaceAll('$app', '<your app>').replace(/\s+/g, ' '));
  assert.match(text, /\*is above\* `0\.05`/);
});

Import.run();
