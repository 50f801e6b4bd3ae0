import * as assert from 'node:assert/strict';
import { suite } from 'uvu';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type * as pulumi from '@pulumi/pulumi';
import { construct } from '../testing/component';
import { inputOf } from '../testing/helpers';
import {
  AMAZON_PROMETHEUS_TYPE, CORE_PROMETHEUS_TYPE, dashboardForDatasourceType, ManagedGrafana, type ManagedGrafanaArgs, prometheusDatasourceType, TOKEN_SECONDS_TO_LIVE, tokenRotationName,
} from './grafana';

const WEEK_MS = 7 * 24 * 3600 * 1000;

const test = suite('tokenRotationName');
test('stays the same within a week, so repeated deploys do not churn the token', () => {
  const weekStart = new Date(2900 * WEEK_MS);
  assert.equal(tokenRotationName(weekStart), tokenRotationName(new Date(weekStart.getTime() + WEEK_MS - 1)));
});
test('changes every week, so a deploy replaces the 30-day token long before it expires', () => {
  const weekStart = new Date(2900 * WEEK_MS);
  assert.notEqual(tokenRotationName(weekStart), tokenRotationName(new Date(weekStart.getTime() + WEEK_MS)));
});
// A deploy after any idle time must not hand the Grafana provider an expired token: whenever the
// rotation name is unchanged since the token was minted, that token is still valid.
test('a token is replaced before it expires, whatever the time between two deploys', () => {
  const weekStart = 2900 * WEEK_MS;
  for (const mintedAt of [weekStart, weekStart + WEEK_MS / 2, weekStart + WEEK_MS - 1]) {
    for (const idleMs of [0, 3600_000, WEEK_MS - 1, WEEK_MS, 13 * 24 * 3600_000, TOKEN_SECONDS_TO_LIVE * 1000, 31 * 24 * 3600_000, 400 * 24 * 3600_000]) {
      const reused = tokenRotationName(new Date(mintedAt)) === tokenRotationName(new Date(mintedAt + idleMs));
      if (reused) assert.ok(idleMs < TOKEN_SECONDS_TO_LIVE * 1000, `minted at +${mintedAt - weekStart} ms, reused after ${idleMs} ms`);
    }
  }
  // https://docs.aws.amazon.com/grafana/latest/APIReference/API_CreateWorkspaceServiceAccountToken.html
  assert.ok(TOKEN_SECONDS_TO_LIVE <= 30 * 24 * 3600, 'AMG allows at most 30 days');
});
test.run();

const types = suite('data source type per Grafana version');
types('12.4 needs the Amazon Managed Service for Prometheus plugin; 9.4 and 10.4 keep core prometheus', () => {
  assert.equal(prometheusDatasourceType('12.4'), AMAZON_PROMETHEUS_TYPE);
  assert.equal(prometheusDatasourceType('10.4'), CORE_PROMETHEUS_TYPE);
  assert.equal(prometheusDatasourceType('9.4'), CORE_PROMETHEUS_TYPE);
});
types('the dashboard moves its variable filter and panel references to the plugin type, and nothing else', () => {
  const dashboard = JSON.stringify({
    templating: { list: [{ type: 'datasource', name: 'datasource', query: 'prometheus' }, { type: 'query', name: 'job', query: 'label_values(up, job)', datasource: { type: 'prometheus', uid: '${datasource}' } }] },
    panels: [{ type: 'timeseries', datasource: { type: 'prometheus', uid: '${datasource}' }, targets: [{ expr: 'up', datasource: { type: 'prometheus', uid: '${datasource}' } }] }],
  });
  const adapted = JSON.parse(dashboardForDatasourceType(dashboard, AMAZON_PROMETHEUS_TYPE)) as { templating: { list: { query: string; datasource?: { type: string } }[] }; panels: { type: string; datasource: { type: string }; targets: { expr: string; datasource: { type: string } }[] }[] };
  assert.equal(adapted.templating.list[0]?.query, AMAZON_PROMETHEUS_TYPE);
  assert.equal(adapted.templating.list[1]?.query, 'label_values(up, job)');
  assert.equal(adapted.templating.list[1]?.datasource?.type, AMAZON_PROMETHEUS_TYPE);
  assert.equal(adapted.panels[0]?.type, 'timeseries');
  assert.equal(adapted.panels[0]?.datasource.type, AMAZON_PROMETHEUS_TYPE);
  assert.equal(adapted.panels[0]?.targets[0]?.datasource.type, AMAZON_PROMETHEUS_TYPE);
  assert.equal(dashboardForDatasourceType(dashboard, CORE_PROMETHEUS_TYPE), dashboard);
});
types.run();

// Component under mocks. Resource options do not reach the mocks, so a transformation on the
// component records the options each child is registered with.
const T = { workspace: 'aws:grafana/workspace:Workspace', datasource: 'grafana:oss/dataSource:DataSource', dashboard: 'grafana:oss/dashboard:Dashboard', serviceAccount: 'aws:grafana/workspaceServiceAccount:WorkspaceServiceAccount' };
const component = suite('ManagedGrafana');
component('data source and dashboards are replaced with the workspace and deleted with it or on their own, never retained', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grafana-dashboards-'));
  fs.writeFileSync(path.join(dir, 'overview.json'), JSON.stringify({ uid: 'overview', panels: [] }));
  fs.writeFileSync(path.join(dir, 'slo.json'), JSON.stringify({ uid: 'slo', panels: [] }));
  const options = new Map<string, pulumi.CustomResourceOptions>();
  let workspaceResource: pulumi.Resource | undefined;
  const record: pulumi.ResourceTransformation = ({ resource, type, name, props, opts }) => {
    options.set(`${type} ${name}`, opts as pulumi.CustomResourceOptions);
    if (type === T.workspace) workspaceResource = resource;
    return { props, opts };
  };
  const args: ManagedGrafanaArgs = {
    region: 'eu-west-1', authenticationProviders: ['AWS_SSO'], grafanaVersion: '12.4', roleAssociations: [], scrapeIntervalSeconds: 15,
    permissionsBoundaryArn: undefined, ampWorkspaceArn: 'arn:aws:aps:eu-west-1:123456789012:workspace/ws-1', prometheusEndpoint: 'https://aps/ws-1/', dashboardsDir: dir,
  };
  try {
    const built = await construct('gf', () => new ManagedGrafana('gf', args, { transformations: [record] }), Object.values(T));
    assert.ok(workspaceResource);
    const grafanaSide = [...options.entries()].filter(([key]) => key.startsWith('grafana:oss/'));
    assert.deepEqual(grafanaSide.map(([key]) => key).sort(), [`${T.dashboard} gf-dashboard-overview`, `${T.dashboard} gf-dashboard-slo`, `${T.datasource} gf-amp`]);
    for (const [key, opts] of grafanaSide) {
      assert.equal(opts.retainOnDelete, undefined, `${key} is deleted, not retained`);
      assert.equal(opts.deletedWith, workspaceResource, `${key} is deleted with the workspace`);
      assert.equal(opts.replaceWith?.length, 1, `${key} is replaced with the workspace`);
      assert.equal(opts.replaceWith?.[0], workspaceResource, `${key} is replaced with the workspace`);
    }
    // Grafana, "Roles and permissions": Editor cannot add data sources, so Admin is the narrowest role that provisions one.
    // https://grafana.com/docs/grafana/latest/administration/roles-and-permissions/#organization-roles
    assert.equal(inputOf(built.one(T.serviceAccount), 'grafanaRole'), 'ADMIN');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
component.run();
