// The parts of the Grafana suite that need no Grafana: the queries it sends, how it reads the
// answers, and that a machine without the image reports the suite as skipped, never as passed.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as assert from 'uvu/assert';
import { suite } from 'uvu';
import { COMPOSE_FILE } from '../support/docker';
import { REPO_ROOT } from '../support/repo';
import { dashboardFiles, interpolate, panelDsQueries, panelsOf, provisionedDatasourceUid, readDashboard, variableValues, whyNoData, type Dashboard } from './lib';

const Queries = suite('Grafana panel queries, as the frontend sends them');

const SMALL: Dashboard = {
  uid: 'small',
  title: 'Small',
  templating: {
    list: [
      { type: 'datasource', name: 'datasource', query: 'prometheus' },
      { type: 'query', name: 'job', current: { value: 'app' } },
      { type: 'query', name: 'route', allValue: '.*', current: { value: ['$__all'] } },
    ],
  },
  panels: [
    { type: 'stat', title: 'Rate', targets: [{ refId: 'A', expr: 'sum(rate(x{job="$job", route=~"${route}"}[$__rate_interval]))', instant: true, range: false, datasource: { type: 'prometheus', uid: '${datasource}' } }] },
    { type: 'row', title: 'Collapsed', panels: [{ type: 'timeseries', title: 'Inside', targets: [{ refId: 'B', expr: 'up{job="$job"}', hide: true }, { refId: 'C', expr: 'up' }] }] },
    { type: 'text', title: 'No query' },
  ],
};

Queries('substitutes dashboard variables, leaves the ones Grafana’s backend fills in, and resolves the data source', () => {
  const queries = panelDsQueries(SMALL, 'prom-uid');
  assert.equal(queries.map((q) => q.where), ['small / "Rate" / A', 'small / "Inside" / C']);
  const first = queries[0]?.body.queries[0] ?? {};
  assert.is(first.expr, 'sum(rate(x{job="app", route=~".*"}[$__rate_interval]))');
  assert.equal(first.datasource, { type: 'prometheus', uid: 'prom-uid' });
  assert.is(first.instant, true);
  assert.is(first.range, false);
});

Queries('a variable without a value is a clear error, not a query with "$name" in it', () => {
  assert.throws(() => interpolate('up{job="$nope"}', {}, { where: 'here' }), /here: no value for \$nope/);
  const noCurrent: Dashboard = { ...SMALL, templating: { list: [{ type: 'query', name: 'job' }] } };
  assert.throws(() => variableValues(noCurrent, 'uid'), /\$job has no current value/);
  assert.equal(variableValues(noCurrent, 'uid', { job: 'app' }), { job: 'app' });
});

Queries('every panel query of the shipped dashboards becomes a request with no dashboard variable left', () => {
  const uid = provisionedDatasourceUid();
  for (const file of dashboardFiles()) {
    const dashboard = readDashboard(file);
    const queries = panelDsQueries(dashboard, uid, { job: 'app' });
    const targets = panelsOf(dashboard).flatMap((panel) => panel.targets ?? []).filter((t) => t.hide !== true && typeof t.expr === 'string');
    assert.is(queries.length, targets.length, file);
    for (const query of queries) {
      const expr = String(query.body.queries[0]?.expr);
      assert.not.match(expr.replace(/\$\{?__\w+\}?/g, ''), /\$/, `${query.where}: ${expr}`);
      assert.equal(query.body.queries[0]?.datasource, { type: 'prometheus', uid });
    }
  }
});

Queries('reads "returns data" from /api/ds/query answers: values, an error, or nothing', () => {
  assert.is(whyNoData({ results: { A: { frames: [{ data: { values: [[1], [2]] } }] } } }, 'A'), undefined);
  assert.is(whyNoData({ results: { A: { frames: [{ data: { values: [[], []] } }] } } }, 'A'), 'no data');
  assert.is(whyNoData({ results: { A: { frames: [] } } }, 'A'), 'no data');
  assert.is(whyNoData({ results: { A: { error: 'bad_data: parse error' } } }, 'A'), 'error: bad_data: parse error');
  assert.is(whyNoData({ results: {} }, 'A'), 'no result for A');
});

Queries.run();

const Skip = suite('the Grafana suite where its image is absent');

Skip('prints one line naming the image, counts its checks as skipped, none as passed, and exits 0', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'grafana-skip-'));
  try {
    const absent = 'grafana/grafana:0.0.0-absent';
    const composeFile = path.join(dir, 'docker-compose.yml');
    writeFileSync(composeFile, readFileSync(COMPOSE_FILE, 'utf8').replace(/image: grafana\/grafana:\S+/, `image: ${absent}`));
    const run = spawnSync(
      path.join(REPO_ROOT, 'node_modules', '.bin', 'uvu'),
      ['-r', 'tsx', '-r', path.join(REPO_ROOT, 'tests', 'support', 'uvu-strict.cjs'), 'tests/grafana', 'grafana-stack\\.test\\.ts$'],
      { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, GRAFANA_COMPOSE_FILE: composeFile, NO_COLOR: '1' }, timeout: 120_000 },
    );
    // NO_COLOR and a pipe keep uvu's output plain, so the closing line reads as printed.
    const output = `${run.stdout}${run.stderr}`;
    assert.is(run.status, 0, output);
    const reasons = output.split('\n').filter((line) => line.startsWith('skipped:'));
    // With no engine at all the line says so instead; either way it names the image.
    assert.is(reasons.length, 1, output);
    assert.match(reasons[0] ?? '', absent);
    assert.match(output, /Passed:\s+0\n/);
    assert.match(output, /Skipped:\s+[1-9]/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

Skip.run();
