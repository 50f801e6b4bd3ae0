import * as assert from 'node:assert/strict';
import { suite } from 'uvu';
import { AMAZON_PROMETHEUS_TYPE, CORE_PROMETHEUS_TYPE, dashboardForDatasourceType, prometheusDatasourceType, tokenRotationName } from './grafana';

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
