// docs/deploy-fly.md tells Fly users to import the shipped dashboard through a sed that selects by
// `app` (the label Fly documents on every series) instead of `job`. This runs that exact command
// on the dashboard as it is now, so a dashboard change cannot silently leave panels on `job`.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { REPO_ROOT } from '../support/repo';

const DASHBOARD = 'observability/grafana/dashboards/service-overview.json';

/** The fenced command under the dashboard step of docs/deploy-fly.md, as a reader copies it. */
function documentedCommand(): string {
  const doc = readFileSync(path.join(REPO_ROOT, 'docs', 'deploy-fly.md'), 'utf8');
  const match = /```bash\n((?:\s*sed [\s\S]*?))```/.exec(doc);
  if (!match?.[1]) throw new Error('docs/deploy-fly.md has no ```bash block starting with sed');
  return match[1];
}

interface Dashboard {
  templating: { list: Array<{ name: string; query?: unknown }> };
  panels: Array<{ targets?: Array<{ expr?: string }> }>;
}

const Import = suite('the Fly variant of the Service overview dashboard');

Import('the documented sed selects every query by app, not job, and leaves valid JSON', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'fly-dashboard-'));
  try {
    mkdirSync(path.join(scratch, path.dirname(DASHBOARD)), { recursive: true });
    cpSync(path.join(REPO_ROOT, DASHBOARD), path.join(scratch, DASHBOARD));
    execFileSync('bash', ['-euo', 'pipefail', '-c', documentedCommand()], { cwd: scratch });
    const fly = JSON.parse(readFileSync(path.join(scratch, 'service-overview-fly.json'), 'utf8')) as Dashboard;
    const exprs = fly.panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr ?? ''));
    assert.ok(exprs.length > 0);
    for (const expr of exprs) {
      assert.not.match(expr, /\bjob=/, expr);
      assert.match(expr, /\bapp="\$job"/, expr);
    }
    const jobVariable = fly.templating.list.find((variable) => variable.name === 'job');
    assert.match(JSON.stringify(jobVariable?.query), /label_values\(app_build_info, app\)/);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});

Import.run();
