// Grafana as a user meets it in the local stack, through its HTTP API, anonymously: healthy; the
// provisioned Prometheus data source passes its health check; every dashboard is there, marked
// provisioned, Service overview is the home page; every panel query, sent through /api/ds/query
// after some load, returns data; anonymous writes are refused; the log has no provisioning error;
// a dashboard whose file is removed is deleted (git is the truth); and the README's admin overlay
// creates an admin who can log in. The dashboards folder is a copy (plus one dashboard to remove),
// mounted in place of the repository's, so removing a file touches nothing in git.
//
// Runs wherever the grafana/grafana image pinned in docker-compose.yml is present (it is never
// pulled). Where it is absent it prints one line saying so and registers its checks as skipped,
// so uvu's closing line counts them under "Skipped", never under "Passed", and the run exits 0.
// API: Grafana's HTTP API docs (developers/http_api: dashboard, data_source, other) and its route
// table, pkg/api/api.go: /api/ds/query needs datasources:query, which an anonymous Viewer has;
// /api/dashboards/db needs dashboards:create or :write, which it has not; /api/dashboards/home none.
import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as assert from 'uvu/assert';
import { suite } from 'uvu';
import YAML from 'yaml';
import { REPO_ROOT } from '../support/repo';
import { docker, projectEnv, runId } from '../support/docker';
import { waitFor } from '../support/wait';
import { dashboardFiles, grafanaComposeFile, grafanaImageState, panelDsQueries, provisionedDatasourceUid, readDashboard, whyNoData, type DsQueryAnswer } from './lib';

const Grafana = suite('Grafana in the local stack');

const file = grafanaComposeFile();
const project = runId('grafana');
const ADMIN_OVERLAY = path.join(REPO_ROOT, 'docker-compose.grafana-admin.yml');
const ADMIN_PASSWORD = 'a-long-test-password';
// A dashboard only the copy has, removed by a check as git would remove its file.
const REMOVED = { file: 'removed-in-git.json', uid: 'removed-in-git' };
let env: NodeJS.ProcessEnv = {};
let grafanaUrl = '';
let workdir = '';
let files: string[] = [file];

const compose = (...args: string[]) => docker(['compose', ...files.flatMap((name) => ['-f', name]), ...args], { env, timeoutMs: 600_000 });

/** A copy of the dashboards folder with one more dashboard, and the override that mounts it where the stack mounts the original. */
function copyDashboards(): string {
  workdir = mkdtempSync(path.join(tmpdir(), 'grafana-dashboards-'));
  const copy = path.join(workdir, 'dashboards');
  cpSync(path.join(REPO_ROOT, 'observability', 'grafana', 'dashboards'), copy, { recursive: true });
  const extra = { ...(JSON.parse(readFileSync(path.join(copy, 'service-overview.json'), 'utf8')) as object), uid: REMOVED.uid, title: 'Removed in git' };
  writeFileSync(path.join(copy, REMOVED.file), JSON.stringify(extra));
  // Grafana runs as an unprivileged user: the copy must be readable.
  chmodSync(workdir, 0o755);
  chmodSync(copy, 0o755);
  for (const name of [...dashboardFiles(), REMOVED.file]) chmodSync(path.join(copy, name), 0o644);
  const override = path.join(workdir, 'docker-compose.dashboards.yml');
  writeFileSync(override, YAML.stringify({ services: { grafana: { volumes: [`${copy}:/var/lib/grafana/dashboards:ro`] } } }));
  chmodSync(override, 0o644);
  return override;
}

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
  files = [file, copyDashboards()];
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

  'a dashboard whose file is removed is deleted from Grafana at the next scan (git is the truth)': async () => {
    const before = await request('GET', `/api/dashboards/uid/${REMOVED.uid}`);
    assert.is(before.status, 200, `the extra dashboard was not provisioned: ${before.text}`);
    rmSync(path.join(workdir, 'dashboards', REMOVED.file));
    // The provider scans every updateIntervalSeconds (30 s).
    await waitFor('the removed dashboard to be deleted', async () => {
      const answer = await request('GET', `/api/dashboards/uid/${REMOVED.uid}`);
      return answer.status === 404 ? true : undefined;
    }, { deadlineMs: 180_000, intervalMs: 5_000 });
    assert.is((await request('GET', '/api/dashboards/uid/service-overview')).status, 200, 'the shipped dashboard went too');
  },

  'the Grafana log has no provisioning error': async () => {
    const log = await compose('logs', '--no-color', 'grafana');
    const errors = log.split('\n').filter((line) => /level=error/.test(line) && /logger=provisioning/.test(line));
    assert.equal(errors, []);
  },

  // Last: it restarts Grafana with the README's admin overlay.
  'the admin overlay (README) creates admin with the password from the environment, who can log in; anonymous visitors stay viewers': async () => {
    files = [...files, ADMIN_OVERLAY];
    env = { ...env, GRAFANA_ADMIN_PASSWORD: ADMIN_PASSWORD };
    await compose('up', '-d', '--wait', 'grafana');
    const login = await fetch(`${grafanaUrl}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ user: 'admin', password: ADMIN_PASSWORD }),
      signal: AbortSignal.timeout(30_000),
    });
    assert.is(login.status, 200, await login.text());
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const user = await fetch(`${grafanaUrl}/api/user`, { headers: { cookie, accept: 'application/json' }, signal: AbortSignal.timeout(30_000) });
    const me = (await user.json()) as { login?: string; isGrafanaAdmin?: boolean };
    assert.equal([me.login, me.isGrafanaAdmin], ['admin', true]);
    const wrong = await fetch(`${grafanaUrl}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ user: 'admin', password: 'admin' }),
      signal: AbortSignal.timeout(30_000),
    });
    assert.is(wrong.status, 401, 'admin/admin logs in');
    const anonymousWrite = await request('POST', '/api/folders', { title: 'anonymous' });
    assert.ok([401, 403].includes(anonymousWrite.status), `an anonymous write answered ${anonymousWrite.status}`);
  },
};

const image = grafanaImageState(file);
if (image.present) {
  Grafana.before(startStack);
  Grafana.after(async () => {
    await compose('--profile', 'loadgen', 'down', '--volumes', '--rmi', 'local', '--remove-orphans');
    if (workdir) rmSync(workdir, { recursive: true, force: true });
  });
  for (const [name, check] of Object.entries(checks)) Grafana(name, check);
} else {
  console.log(image.reason);
  for (const name of Object.keys(checks)) Grafana.skip(name, () => undefined);
}

Grafana.run();
