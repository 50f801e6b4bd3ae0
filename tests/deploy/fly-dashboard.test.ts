// docs/deploy-fly.md tells Fly users to import the Fly variant of the Service overview dashboard
// (generated beside the provisioned one by observability/src) and says what each of its panels
// shows there. This keeps the doc and the file together: the file it names exists and is made for
// Fly's Prometheus (selects by app, reads no recording rule), and every panel has its line.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { REPO_ROOT } from '../support/repo';

interface Panel {
  type: string;
  title?: string;
  targets?: Array<{ expr?: string }>;
  panels?: Panel[];
}

interface Dashboard {
  uid: string;
  templating: { list: Array<{ name: string; query?: unknown }> };
  panels: Panel[];
}

/** The doc's section on the dashboard, up to the next heading of its level. */
function dashboardSection(): string {
  const doc = readFileSync(path.join(REPO_ROOT, 'docs', 'deploy-fly.md'), 'utf8');
  const match = /^## The \*Service overview\* dashboard on Fly's Grafana\n([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(doc);
  if (!match?.[1]) throw new Error("docs/deploy-fly.md has no section \"## The *Service overview* dashboard on Fly's Grafana\"");
  return match[1];
}

/** The dashboard file the section tells the reader to upload. */
function importedFile(section: string): string {
  const match = /upload `([^`]+\.json)`/.exec(section);
  if (!match?.[1]) throw new Error('the dashboard section of docs/deploy-fly.md names no file to upload');
  return match[1];
}

const Import = suite('the Fly variant of the Service overview dashboard, as docs/deploy-fly.md tells to import it');

Import('the doc names a committed file made for Fly: its own uid, selected by app, no recording rule, no job', () => {
  const file = importedFile(dashboardSection());
  assert.ok(existsSync(path.join(REPO_ROOT, file)), `${file} does not exist`);
  // The local Grafana and infra load observability/grafana/dashboards/ (subfolders too, for Grafana).
  assert.not.ok(file.startsWith('observability/grafana/dashboards/'), `${file} is in the folder the local Grafana and AWS load`);
  const dashboard = JSON.parse(readFileSync(path.join(REPO_ROOT, file), 'utf8')) as Dashboard;
  assert.is(dashboard.uid, 'service-overview-fly');
  const app = dashboard.templating.list.find((variable) => variable.name === 'app');
  assert.match(JSON.stringify(app?.query), /label_values\(app_build_info, app\)/);
  const exprs = dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]).flatMap((panel) => (panel.targets ?? []).map((target) => target.expr ?? ''));
  assert.ok(exprs.length > 0);
  for (const expr of exprs) {
    assert.match(expr, /\bapp="\$app"/, expr);
    assert.not.match(expr, /\bjob\b/, expr);
    assert.not.match(expr.replace(/\[[^\]]*\]/g, ''), /[a-z_]+:[a-z_:]+\{/, `reads a recording rule: ${expr}`);
  }
});

Import('the doc says what every panel of that dashboard shows on Fly, and that no sed is needed any more', () => {
  const section = dashboardSection();
  const dashboard = JSON.parse(readFileSync(path.join(REPO_ROOT, importedFile(section)), 'utf8')) as Dashboard;
  const panels = dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]).filter((panel) => panel.type !== 'row');
  assert.ok(panels.length > 0);
  for (const { title } of panels) {
    assert.ok(section.includes(`| ${title} |`), `docs/deploy-fly.md has no table row for the panel "${title}"`);
  }
  assert.not.match(section, /\bsed\b/, 'the section still tells to sed the provisioned dashboard');
});

Import.run();
