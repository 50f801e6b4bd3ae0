// The service's Grafana dashboard, as code, in two variants of the same rows (one file per row).
// `npm run generate -w observability` writes both; a test keeps the committed files current.
// - service-overview.json (grafana/dashboards/, provisioned locally and pushed to AWS): panels read
//   the recording rules of prometheus/rules/ (app-recording.yml, app-slo.yml) where one exists, and
//   the same user-facing filter as the alerts, so a panel shows what an alert fires on.
// - service-overview-fly.json (grafana/dashboards-fly/, imported by hand on Fly.io): Fly's managed
//   Prometheus evaluates no rules and labels series by `app`, so every panel computes from the
//   scraped series and selects by `app`; what only rules or alerts provide is left out.
import {
  AnnotationQueryBuilder,
  DashboardBuilder,
  DashboardCursorSync,
  DatasourceVariableBuilder,
  QueryVariableBuilder,
  RowBuilder,
  VariableRefresh,
  VariableSort,
  type Dashboard,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { datasource, type Row } from './panels';
import { objectivesRow } from './rows/objectives';
import { outsideInRow } from './rows/outside-in';
import { runtimeRow } from './rows/runtime';
import { scrapeRow } from './rows/scrape';
import { trafficRow } from './rows/traffic';
import { workloadRow } from './rows/workload';
import { sources, type Sources } from './sources';
import { FLY, WITH_RULES, type Variant } from './variant';

export { FLY, SERVICE_OVERVIEW_FLY_UID, SERVICE_OVERVIEW_UID, WITH_RULES, type Variant } from './variant';

// The schema version Grafana 12.0 and 12.1 write (docker-compose.yml pins 12.1); the SDK
// defaults to the newest, which older Grafanas would have to take on trust.
const SCHEMA_VERSION = 41;

/** The variable that picks the service: a Prometheus job, or a Fly app (whose name is the user's). */
function serviceVariable(variant: Variant): QueryVariableBuilder {
  const isJob = variant.label === 'job';
  const variable = new QueryVariableBuilder(variant.label)
    .label(isJob ? 'Job' : 'App')
    .description(isJob ? 'Prometheus job that scrapes the service' : 'Fly app that runs the service')
    .datasource(datasource)
    .query(`label_values(app_build_info, ${variant.label})`);
  // The local stack and AWS name the job app; a Fly app's name is the user's, so Grafana picks one.
  if (isJob) variable.current({ text: 'app', value: 'app' });
  return variable.refresh(VariableRefresh.OnDashboardLoad).sort(VariableSort.AlphabeticalAsc);
}

function routeVariable(query: Sources): QueryVariableBuilder {
  return new QueryVariableBuilder('route')
    .label('Route')
    .description('Route templates; everything that matches no route is "unmatched"')
    .datasource(datasource)
    .query(query.routeValues)
    .multi(true)
    .includeAll(true)
    .allValue('.*')
    .current({ text: 'All', value: '$__all' })
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc);
}

/**
 * Firing alerts of the service, as regions on every graph (Watchdog and the monitoring stack's
 * own alerts carry no job="$job" and stay out).
 */
function alertsAnnotation(service: string): AnnotationQueryBuilder {
  return new AnnotationQueryBuilder()
    .name('Alerts')
    .datasource(datasource)
    .enable(true)
    .iconColor('red')
    .target(new DataqueryBuilder().datasource(datasource).refId('Anno').expr(`ALERTS{${service}, alertstate="firing"}`).interval('60s'))
    .titleFormat('{{alertname}}')
    .textFormat('{{alertname}} ({{severity}})')
    .tagKeys('alertname,severity')
    .useValueForTime(false);
}

/** The rows of a variant, top to bottom: the scrape's own health only where its series exist. */
function rows(variant: Variant, query: Sources): Row[] {
  return [
    trafficRow(variant, query),
    outsideInRow(variant, query),
    objectivesRow(variant, query),
    workloadRow(query),
    runtimeRow(query),
    ...(variant.scrapeSeries ? [scrapeRow(query)] : []),
  ];
}

export function serviceOverview(variant: Variant = WITH_RULES): Dashboard {
  const query = sources(variant);
  const builder = new DashboardBuilder(variant.title)
    .uid(variant.uid)
    .description(
      variant.scrapeSeries
        ? 'Traffic, errors, latency, outside-in checks, workload and Node.js runtime of the service, and the health of its scrape.'
        : 'Traffic, errors, latency, outside-in checks, workload and Node.js runtime of the service, from its scraped series alone (no recording rules).',
    )
    .tags(variant.tags)
    .readonly()
    .time({ from: 'now-1h', to: 'now' })
    .refresh('30s')
    .timezone('browser')
    .tooltip(DashboardCursorSync.Crosshair)
    .withVariable(new DatasourceVariableBuilder('datasource').label('Data source').type('prometheus'))
    .withVariable(serviceVariable(variant))
    .withVariable(routeVariable(query));
  // Where no rules run there are no alerts to show.
  if (variant.rules) builder.annotation(alertsAnnotation(query.service));

  for (const row of rows(variant, query)) {
    builder.withRow(new RowBuilder(row.title));
    for (const panel of row.panels) builder.withPanel(panel);
  }

  const dashboard = builder.build();
  // The SDK's default annotation placement (in the controls menu) is newer than Grafana 12.1:
  // leave it out, so the annotation toggle shows where 12.1 shows it.
  const annotations = (dashboard.annotations?.list ?? []).map(({ placement: _newer, ...annotation }) => annotation);
  return { ...dashboard, annotations: { list: annotations }, schemaVersion: SCHEMA_VERSION };
}

/** The Fly.io variant. */
export const serviceOverviewFly = (): Dashboard => serviceOverview(FLY);
