// Grafana as a user meets it in the local stack, through its HTTP API, anonymously: healthy; the
// provisioned Prometheus data source passes its health check; every dashboard is there, marked
// provisioned, Service overview is the home page; every panel query, sent through /api/ds/query
// after some load, returns data; anonymous writes are refused; the log has no provisioning error.
//
// Runs wherever the grafana/grafana image pinned in docker-compose.yml is present (it is never
// pulled). Where it is absent it prints one line saying so and registers its checks as skipped,
// so uvu's closing line counts them under "Skipped", never under "Passed", and the run exits 0.
// API: Grafana's HTTP API docs (developers/http_api: dashboard, data_source, other) and its route
// table, pkg/api/api.go: /api/ds/query needs datasources:query, which an anonymous Viewer has;
// /api/dashboards/db needs dashboards:create or :write, which it has not; /api/dashboards/home none.
import * as assert from 'uvu/assert';
import { suite } from 'uvu';
import { docker, projectEnv, runId } from '../support/docker';
import { waitFor } from '../support/wait';
import { dashboardFiles, grafanaComposeFile, grafanaImageState, panelDsQueries, provisionedDatasourceUid, readDashboard, whyNoData, type DsQueryAnswer } from './lib';

const Grafana = suite('Grafana in the local stack');

const file = grafanaComposeFile();
const project = runId('grafana');
let env: NodeJS.ProcessEnv = {};
let grafanaUrl = '';

const compose = (...args: string[]) => docker(['compose', '-f', file, ...args], { env, timeoutMs: 600_000 });

async function request(method: string, pathAndQuery: string, body?: unknown): Promise<{ status: number; json: unknown; text: string }> {
  const response = await fetch(`${grafanaUrl}${pathAndQuery}`, {
    method,
    headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, json, text };
}

async function startStack(): Promise<void> {
  const stack = await projectEnv(project);
  env = stack.env;
  grafanaUrl = `http://127.0.0.1:${stack.ports.grafana}`;
  try {
    // The README's start block: every service, then traffic, so the panels have something to show.
    await compose('up', '--build', '--wait');
    await compose('--profile', 'loadgen', 'up', '-d', 'loadgen');
  } catch (error) {
    console.error(await compose('logs', '--no-color', '--tail', '40').catch(() => ''));
    throw error;
  }
}

const checks: Record<string, () => Promise<void>> = {
  'Grafana reports itself healthy, with its database ok': async () => {
    const health = await request('GET', '/api/health');
    assert.is(health.status, 200, health.text);
    assert.is((health.json as { database?: string }).database, 'ok');
  },

  'the provisioned Prometheus data source passes its health check': async () => {
    const uid = provisionedDatasourceUid();
    const health = await waitFor('the data source health check', async () => {
      const answer = await request('GET', `/api/datasources/uid/${uid}/health`);
      return answer.status === 200 ? answer : undefined;
    });
    assert.is((health.json as { status?: string }).status, 'OK', health.text);
  },

  'every dashboard is served to an anonymous viewer by uid, marked provisioned; Service overview is the home page': async () => {
    for (const name of dashboardFiles()) {
      const expected = readDashboard(name);
      const answer = await request('GET', `/api/dashboards/uid/${expected.uid}`);
      assert.is(answer.status, 200, `${name}: ${answer.text}`);
      const { dashboard, meta } = answer.json as { dashboard: { title: string }; meta: { provisioned?: boolean } };
      assert.is(dashboard.title, expected.title, name);
      assert.is(meta.provisioned, true, `${name} is not marked provisioned`);
    }
    const home = await request('GET', '/api/dashboards/home');
    assert.is(home.status, 200, home.text);
    assert.is((home.json as { dashboard: { title?: string } }).dashboard.title, 'Service overview');
  },

  'every panel query, sent through /api/ds/query after some load, returns data': async () => {
    const uid = provisionedDatasourceUid();
    const queries = dashboardFiles().flatMap((name) => panelDsQueries(readDashboard(name), uid, { job: 'app' }));
    assert.ok(queries.length > 0, 'the dashboards have no panel query');
    // Rates over 5-minute windows need a few 15 s scrapes first: wait for all, report the stragglers.
    let empty: string[] = [];
    await waitFor('every panel query to return data', async () => {
      empty = [];
      for (const query of queries) {
        const answer = await request('POST', '/api/ds/query', query.body);
        const refId = String(query.body.queries[0]?.refId);
        const why = answer.status === 200 ? whyNoData(answer.json as DsQueryAnswer, refId) : `HTTP ${answer.status}: ${answer.text}`;
        if (why !== undefined) empty.push(`${query.where}: ${why}`);
      }
      return empty.length === 0 ? true : undefined;
    }, { deadlineMs: 600_000, intervalMs: 10_000 }).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${empty.join('\n')}`);
    });
  },

  'anonymous writes are refused and change nothing': async () => {
    const uid = readDashboard(dashboardFiles()[0] ?? '').uid;
    const before = await request('GET', `/api/dashboards/uid/${uid}`);
    const attempts = [
      await request('POST', '/api/dashboards/db', { dashboard: { title: 'written anonymously', panels: [] }, overwrite: false }),
      await request('POST', '/api/dashboards/db', { dashboard: { ...(before.json as { dashboard: object }).dashboard, title: 'overwritten' }, overwrite: true }),
      await request('DELETE', `/api/dashboards/uid/${uid}`),
      await request('POST', '/api/datasources', { name: 'anonymous', type: 'prometheus', access: 'proxy', url: 'http://example.invalid' }),
      await request('POST', '/api/folders', { title: 'anonymous' }),
    ];
    for (const attempt of attempts) assert.ok([401, 403].includes(attempt.status), `an anonymous write answered ${attempt.status}: ${attempt.text}`);
    const after = await request('GET', `/api/dashboards/uid/${uid}`);
    assert.equal(after.json, before.json, 'the dashboard changed');
  },

  'the Grafana log has no provisioning error': async () => {
    const log = await compose('logs', '--no-color', 'grafana');
    const errors = log.split('\n').filter((line) => /level=error/.test(line) && /logger=provisioning/.test(line));
    assert.equal(errors, []);
  },
};

const image = grafanaImageState(file);
if (image.present) {
  Grafana.before(startStack);
  Grafana.after(async () => {
    await compose('--profile', 'loadgen', 'down', '--volumes', '--rmi', 'local', '--remove-orphans');
  });
  for (const [name, check] of Object.entries(checks)) Grafana(name, check);
} else {
  console.log(image.reason);
  for (const name of Object.keys(checks)) Grafana.skip(name, () => undefined);
}

Grafana.run();
