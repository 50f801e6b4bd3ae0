// The service's Grafana dashboard, as code, in two variants of the same panels.
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
  ThresholdsConfigBuilder,
  ThresholdsMode,
  VariableRefresh,
  VariableSort,
  type Dashboard,
} from '@grafana/grafana-foundation-sdk/dashboard';
import {
  BigValueColorMode,
  BigValueGraphMode,
  BigValueTextMode,
  GraphThresholdsStyleConfigBuilder,
  GraphThresholdsStyleMode,
  LegendDisplayMode,
  LegendPlacement,
  ReduceDataOptionsBuilder,
  SortOrder,
  TooltipDisplayMode,
  VizLegendOptionsBuilder,
  VizTooltipOptionsBuilder,
  type DataSourceRef,
} from '@grafana/grafana-foundation-sdk/common';
import { DataqueryBuilder, PromQueryFormat } from '@grafana/grafana-foundation-sdk/prometheus';
import {
  CellValuesBuilder,
  HeatmapColorMode,
  HeatmapColorOptionsBuilder,
  HeatmapColorScale,
  PanelBuilder as HeatmapPanelBuilder,
  YAxisConfigBuilder,
} from '@grafana/grafana-foundation-sdk/heatmap';
import { PanelBuilder as StatPanelBuilder } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TimeseriesPanelBuilder } from '@grafana/grafana-foundation-sdk/timeseries';

export const SERVICE_OVERVIEW_UID = 'service-overview';
export const SERVICE_OVERVIEW_FLY_UID = 'service-overview-fly';

/** Where a variant of the dashboard runs: what its Prometheus has besides the scraped series. */
export interface Variant {
  uid: string;
  title: string;
  tags: string[];
  /** The label that names the service's series, and the dashboard variable of that name. */
  label: 'job' | 'app';
  /** Whether that Prometheus evaluates prometheus/rules/: recording rules, and alerts (ALERTS). */
  rules: boolean;
  /** Whether it records the scrape's own series (up, scrape_duration_seconds, scrape_samples_scraped). */
  scrapeSeries: boolean;
}

/** The local stack's Prometheus and Amazon Managed Service for Prometheus: the rules run there. */
export const WITH_RULES: Variant = {
  uid: SERVICE_OVERVIEW_UID,
  title: 'Service overview',
  tags: ['service', 'red', 'nodejs'],
  label: 'job',
  rules: true,
  scrapeSeries: true,
};

/**
 * Fly.io's managed Prometheus: no rules, no alerts, series labelled app, region, host, instance and
 * no documented job or scrape series (docs/deploy-fly.md, from Fly's "Metrics on Fly.io").
 */
export const FLY: Variant = {
  uid: SERVICE_OVERVIEW_FLY_UID,
  title: 'Service overview (Fly.io)',
  tags: ['service', 'red', 'nodejs', 'fly'],
  label: 'app',
  rules: false,
  scrapeSeries: false,
};

// The schema version Grafana 12.0 and 12.1 write (docker-compose.yml pins 12.1); the SDK
// defaults to the newest, which older Grafanas would have to take on trust.
const SCHEMA_VERSION = 41;

// Every panel and variable queries the data source picked in $datasource.
const datasource: DataSourceRef = { type: 'prometheus', uid: '${datasource}' };


const ERROR_RATIO_THRESHOLD = 0.05;
const P99_LATENCY_THRESHOLD_SECONDS = 1;
const EVENT_LOOP_LAG_THRESHOLD_SECONDS = 0.2;
// The error budget of both SLOs of prometheus/rules/app-slo.yml (99% over 30 days).
const SLO_ERROR_BUDGET = 0.01;

const REQUESTS = 'http_server_request_duration_seconds_count';
const BUCKETS = 'http_server_request_duration_seconds_bucket';
// The bucket of the latency SLO's threshold (1 s), as the text format and Prometheus 3 spell it.
const SLO_LATENCY_BUCKET = 'le=~"1(\\\\.0)?"';

/**
 * Every query that differs between the variants: the selectors, and the RED and SLO figures,
 * read from a recording rule where the rules run and computed from the scraped series where not
 * (the same expressions as the rules in app-recording.yml and app-slo.yml, over the same windows).
 */
function sources(variant: Variant) {
  const service = `${variant.label}="$${variant.label}"`;
  const routes = `${service}, route=~"$route"`;
  // Probes and scrapes are not user traffic (and /ready answers 503 on purpose while draining):
  // the same filter as the alerts. The headline figures take it within the selected routes.
  const userFacingRoutes = `${routes}, route!~"/health|/ready|/metrics"`;
  const userFacing = `${service}, route!~"/health|/ready|/metrics"`;
  const rate = (series: string, selector: string, window = '5m') => `rate(${series}{${selector}}[${window}])`;
  /** Share of bad requests over 30 days, where no rule records it (app-slo.yml's ratio_rate30d). */
  const raw30d = (bad: string) => `(${bad} / sum(${rate(REQUESTS, userFacing, '30d')}))`;
  const shared = { service, routes, userFacingRoutes };
  if (variant.rules) {
    return {
      ...shared,
      routeValues: `label_values(job_route:http_server_requests:rate5m{${service}}, route)`,
      requestRate: `sum(job_route:http_server_requests:rate5m{${userFacingRoutes}})`,
      errorRatio: `(sum(job_route:http_server_request_errors:rate5m{${userFacingRoutes}}) or vector(0)) / sum(job_route:http_server_requests:rate5m{${userFacingRoutes}})`,
      p99: `histogram_quantile(0.99, sum by (le) (job_route_le:http_server_request_duration_seconds_bucket:rate5m{${userFacingRoutes}}))`,
      requestsByRouteStatus: `sum by (route, status_code) (job_route_status_code:http_server_requests:rate5m{${routes}})`,
      errorRatioByRoute: `job_route:http_server_request_errors:ratio_rate5m{${routes}}`,
      latencyByRoute: (quantile: string) =>
        `job_route_quantile:http_server_request_duration_seconds:histogram_quantile5m{${routes}, quantile="${quantile}"}`,
      availabilityErrorRatio30d: `job:slo_availability_errors:ratio_rate30d{${service}}`,
      latencyErrorRatio30d: `job:slo_latency_errors:ratio_rate30d{${service}}`,
    };
  }
  return {
    ...shared,
    routeValues: `label_values(${REQUESTS}{${service}}, route)`,
    requestRate: `sum(${rate(REQUESTS, userFacingRoutes)})`,
    errorRatio: `(sum(${rate(REQUESTS, `${userFacingRoutes}, status_code=~"5.."`)}) or vector(0)) / sum(${rate(REQUESTS, userFacingRoutes)})`,
    p99: `histogram_quantile(0.99, sum by (le) (${rate(BUCKETS, userFacingRoutes)}))`,
    requestsByRouteStatus: `sum by (route, status_code) (${rate(REQUESTS, routes)})`,
    errorRatioByRoute: `(sum by (route) (${rate(REQUESTS, `${routes}, status_code=~"5.."`)}) or 0 * sum by (route) (${rate(REQUESTS, routes)})) / sum by (route) (${rate(REQUESTS, routes)})`,
    latencyByRoute: (quantile: string) => `histogram_quantile(${quantile}, sum by (route, le) (${rate(BUCKETS, routes)}))`,
    availabilityErrorRatio30d: raw30d(`(sum(${rate(REQUESTS, `${userFacing}, status_code=~"5.."`, '30d')}) or vector(0))`),
    latencyErrorRatio30d: raw30d(`(sum(${rate(REQUESTS, userFacing, '30d')}) - sum(${rate(BUCKETS, `${userFacing}, ${SLO_LATENCY_BUCKET}`, '30d')}))`),
  };
}

interface Query {
  expr: string;
  legend: string;
}

/** Range queries draw a graph; an instant query asks only for the value now (a stat's number). */
type QueryKind = 'range' | 'instant';

function queries(list: Query[], kind: QueryKind = 'range'): DataqueryBuilder[] {
  return list.map(({ expr, legend }, index) => {
    const query = new DataqueryBuilder()
      .datasource(datasource)
      .refId(String.fromCharCode(65 + index))
      .expr(expr)
      .legendFormat(legend);
    return kind === 'instant' ? query.instant() : query.range();
  });
}

function thresholds(...steps: [value: number, color: string][]): ThresholdsConfigBuilder {
  return new ThresholdsConfigBuilder()
    .mode(ThresholdsMode.Absolute)
    .steps([{ value: null, color: 'green' }, ...steps.map(([value, color]) => ({ value, color }))]);
}

function stat(title: string, description: string, unit: string, list: Query[], kind: QueryKind = 'range'): StatPanelBuilder {
  return new StatPanelBuilder()
    .title(title)
    .description(description)
    .datasource(datasource)
    .targets(queries(list, kind))
    .unit(unit)
    .height(4)
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .graphMode(BigValueGraphMode.Area)
    .colorMode(BigValueColorMode.Value)
    .thresholds(thresholds());
}

function timeseries(title: string, description: string, unit: string, list: Query[]): TimeseriesPanelBuilder {
  return new TimeseriesPanelBuilder()
    .title(title)
    .description(description)
    .datasource(datasource)
    .targets(queries(list))
    .unit(unit)
    .height(8)
    .span(12)
    .min(0)
    .fillOpacity(10)
    .lineWidth(1)
    .legend(
      new VizLegendOptionsBuilder()
        .showLegend(true)
        .displayMode(LegendDisplayMode.List)
        .placement(LegendPlacement.Bottom)
        .calcs([]),
    )
    .tooltip(new VizTooltipOptionsBuilder().mode(TooltipDisplayMode.Multi).sort(SortOrder.Descending))
    .thresholds(thresholds());
}

/** A dashed red line at `value`, for a series an alert watches. */
function alertLine(panel: TimeseriesPanelBuilder, value: number): TimeseriesPanelBuilder {
  return panel
    .thresholds(thresholds([value, 'red']))
    .thresholdsStyle(new GraphThresholdsStyleConfigBuilder().mode(GraphThresholdsStyleMode.Dashed));
}

/**
 * What is left of an SLO's 30-day error budget, from the 30-day ratio of bad requests. Computed
 * from raw series, each point reads 30 days of samples: then it asks only for the value now.
 */
function budgetLeft(title: string, description: string, errorRatio30d: string, kind: QueryKind): StatPanelBuilder {
  const panel = stat(title, description, 'percentunit', [{ expr: `1 - ${errorRatio30d} / ${SLO_ERROR_BUDGET}`, legend: 'budget left' }], kind);
  return (kind === 'instant' ? panel.graphMode(BigValueGraphMode.None) : panel)
    .span(6)
    .height(8)
    .thresholds(
      new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps([
        { value: null, color: 'red' },
        { value: 0, color: 'orange' },
        { value: 0.25, color: 'green' },
      ]),
    );
}

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

/** A sentence about the alerts, in a description, where the alerts run. */
function whereAlertsRun(variant: Variant, sentence: string): string {
  return variant.rules ? sentence : '';
}

export function serviceOverview(variant: Variant = WITH_RULES): Dashboard {
  const { service, userFacingRoutes, ...query } = sources(variant);
  const budgetQueryKind: QueryKind = variant.rules ? 'range' : 'instant';
  const builder = new DashboardBuilder(variant.title)
    .uid(variant.uid)
    .description(
      variant.scrapeSeries
        ? 'Traffic, errors, latency, workload and Node.js runtime of the service, and the health of its scrape.'
        : 'Traffic, errors, latency, workload and Node.js runtime of the service, from its scraped series alone (no recording rules).',
    )
    .tags(variant.tags)
    .readonly()
    .time({ from: 'now-1h', to: 'now' })
    .refresh('30s')
    .timezone('browser')
    .tooltip(DashboardCursorSync.Crosshair)
    .withVariable(new DatasourceVariableBuilder('datasource').label('Data source').type('prometheus'))
    .withVariable(serviceVariable(variant))
    .withVariable(
      new QueryVariableBuilder('route')
        .label('Route')
        .description('Route templates; everything that matches no route is "unmatched"')
        .datasource(datasource)
        .query(query.routeValues)
        .multi(true)
        .includeAll(true)
        .allValue('.*')
        .current({ text: 'All', value: '$__all' })
        .refresh(VariableRefresh.OnTimeRangeChanged)
        .sort(VariableSort.AlphabeticalAsc),
    );

  // Firing alerts of the service, as regions on every graph (Watchdog and the monitoring
  // stack's own alerts carry no job="$job" and stay out). Where no rules run there are none.
  if (variant.rules) {
    builder.annotation(
      new AnnotationQueryBuilder()
        .name('Alerts')
        .datasource(datasource)
        .enable(true)
        .iconColor('red')
        .target(
          new DataqueryBuilder()
            .datasource(datasource)
            .refId('Anno')
            .expr(`ALERTS{${service}, alertstate="firing"}`)
            .interval('60s'),
        )
        .titleFormat('{{alertname}}')
        .textFormat('{{alertname}} ({{severity}})')
        .tagKeys('alertname,severity')
        .useValueForTime(false),
    );
  }

  builder
    .withRow(new RowBuilder('Traffic, errors and latency (5-minute rates)'))
    .withPanel(
      stat(
        'Request rate',
        'User-facing requests a second over the selected routes (probes and scrapes excluded).',
        'reqps',
        [{ expr: query.requestRate, legend: 'requests' }],
      ).span(5),
    )
    .withPanel(
      stat(
        '5xx ratio',
        `Share of user-facing requests to the selected routes answered 5xx${whereAlertsRun(variant, ': with all routes, what AppHighErrorRatio fires on above 5%')}.`,
        'percentunit',
        [{ expr: query.errorRatio, legend: '5xx ratio' }],
      )
        .span(5)
        .thresholds(thresholds([ERROR_RATIO_THRESHOLD, 'red'])),
    )
    .withPanel(
      stat(
        'p99 latency',
        `p99 duration of user-facing requests to the selected routes${whereAlertsRun(variant, ': with all routes, what AppHighP99Latency fires on above 1 s')}.`,
        's',
        [{ expr: query.p99, legend: 'p99' }],
      )
        .span(5)
        .thresholds(thresholds([P99_LATENCY_THRESHOLD_SECONDS, 'red'])),
    )
    .withPanel(
      (variant.scrapeSeries
        ? stat(
            'Targets up',
            'Instances Prometheus scraped successfully, out of the instances it scrapes, now.',
            'none',
            [
              { expr: `sum(up{${service}})`, legend: 'up' },
              { expr: `count(up{${service}})`, legend: 'scraped' },
            ],
            'instant',
          )
        : stat(
            'Instances reporting',
            'Instances (Fly Machines) whose series the last scrape stored, now: a stopped Machine drops out within minutes.',
            'none',
            [{ expr: `count(app_build_info{${service}})`, legend: 'reporting' }],
            'instant',
          )
      )
        .span(4)
        .textMode(BigValueTextMode.ValueAndName)
        .graphMode(BigValueGraphMode.None),
    )
    .withPanel(
      stat(
        'Version',
        'Version and revision each instance reports in app_build_info, now.',
        'none',
        [{ expr: `count by (version, revision) (app_build_info{${service}})`, legend: '{{version}} ({{revision}})' }],
        'instant',
      )
        .span(5)
        .textMode(BigValueTextMode.Name)
        .colorMode(BigValueColorMode.None)
        .graphMode(BigValueGraphMode.None),
    )
    .withPanel(
      timeseries('Requests by route and status', 'Requests a second, by route template and status code.', 'reqps', [
        { expr: query.requestsByRouteStatus, legend: '{{route}} {{status_code}}' },
      ]),
    )
    .withPanel(
      alertLine(
        timeseries('5xx ratio by route', 'Share of requests answered 5xx, by route (0 while a route serves none).', 'percentunit', [
          { expr: query.errorRatioByRoute, legend: '{{route}}' },
        ]),
        ERROR_RATIO_THRESHOLD,
      ),
    )
    .withPanel(
      alertLine(
        timeseries(
          'Latency by route: p50, p95, p99',
          'Request duration quantiles, by route. /api/work includes the latency_ms a caller asked for.',
          's',
          (
            [
              ['0.5', 'p50'],
              ['0.95', 'p95'],
              ['0.99', 'p99'],
            ] as const
          ).map(([quantile, name]) => ({
            expr: query.latencyByRoute(quantile),
            legend: `{{route}} ${name}`,
          })),
        ),
        P99_LATENCY_THRESHOLD_SECONDS,
      ),
    )
    .withPanel(
      timeseries('Requests in flight', 'Requests being served right now, by instance.', 'none', [
        { expr: `sum by (instance) (http_server_active_requests{${service}})`, legend: '{{instance}}' },
      ]),
    )

    .withRow(new RowBuilder('Service-level objectives (99% over 30 days)'))
    .withPanel(
      budgetLeft(
        'Availability: error budget left',
        `Share of the 30-day budget of 5xx answers (1% of user-facing requests) not yet spent; below 0 the SLO is missed.${whereAlertsRun(variant, ' AppAvailabilityFastBurn and AppAvailabilitySlowBurn fire on how fast it goes.')}`,
        query.availabilityErrorRatio30d,
        budgetQueryKind,
      ),
    )
    .withPanel(
      budgetLeft(
        'Latency: error budget left',
        `Share of the 30-day budget of requests slower than 1 s (1% of user-facing requests) not yet spent; below 0 the SLO is missed.${whereAlertsRun(variant, ' AppLatencyFastBurn and AppLatencySlowBurn fire on how fast it goes.')}`,
        query.latencyErrorRatio30d,
        budgetQueryKind,
      ),
    )
    .withPanel(
      new HeatmapPanelBuilder()
        .title('Latency heatmap')
        .description(
          'User-facing requests a second to the selected routes, by duration bucket: the latency SLO counts those above the 1 s bucket as bad.',
        )
        .datasource(datasource)
        .targets(
          queries([
            {
              expr: `sum by (le) (rate(http_server_request_duration_seconds_bucket{${userFacingRoutes}}[$__rate_interval]))`,
              legend: '{{le}}',
            },
          ]).map((query) => query.format(PromQueryFormat.Heatmap)),
        )
        .height(8)
        .span(12)
        // The buckets are the service's own (Prometheus histogram format): no recalculation.
        .calculate(false)
        .yAxis(new YAxisConfigBuilder().unit('s'))
        .cellValues(new CellValuesBuilder().unit('reqps'))
        .color(new HeatmapColorOptionsBuilder().mode(HeatmapColorMode.Scheme).scheme('Oranges').scale(HeatmapColorScale.Exponential).exponent(0.5))
        .showLegend(),
    )

    .withRow(new RowBuilder('Workload: /api/work'))
    .withPanel(
      timeseries('Work units done', 'Units of CPU work (hashing rounds) a second, by instance.', 'short', [
        { expr: `sum by (instance) (rate(app_work_units_total{${service}}[$__rate_interval]))`, legend: '{{instance}}' },
      ]),
    )
    .withPanel(
      timeseries('Work requests by outcome', 'Work requests a second: success, or an injected failure.', 'reqps', [
        { expr: `sum by (outcome) (rate(app_work_requests_total{${service}}[$__rate_interval]))`, legend: '{{outcome}}' },
      ]),
    )

    .withRow(new RowBuilder('Node.js process'))
    .withPanel(
      timeseries('CPU', 'CPU time a second, as a share of one core, by instance.', 'percentunit', [
        { expr: `rate(process_cpu_seconds_total{${service}}[$__rate_interval])`, legend: '{{instance}}' },
      ]).span(8),
    )
    .withPanel(
      timeseries('Memory', 'Resident set size and V8 heap, by instance.', 'bytes', [
        { expr: `process_resident_memory_bytes{${service}}`, legend: '{{instance}} RSS' },
        { expr: `nodejs_heap_size_total_bytes{${service}}`, legend: '{{instance}} heap total' },
        { expr: `nodejs_heap_size_used_bytes{${service}}`, legend: '{{instance}} heap used' },
      ]).span(8),
    )
    .withPanel(
      alertLine(
        timeseries('Event-loop lag', 'Event-loop delay between two scrapes, by instance.', 's', [
          { expr: `nodejs_eventloop_lag_p99_seconds{${service}}`, legend: '{{instance}} p99' },
          { expr: `nodejs_eventloop_lag_p50_seconds{${service}}`, legend: '{{instance}} p50' },
        ]),
        EVENT_LOOP_LAG_THRESHOLD_SECONDS,
      ).span(8),
    );

  // The scrape's own series, where that Prometheus records them.
  if (variant.scrapeSeries) {
    builder
      .withRow(new RowBuilder('Scrape health'))
      .withPanel(
        timeseries('Target up', '1 when Prometheus scraped the instance, 0 when the scrape failed.', 'none', [
          { expr: `up{${service}}`, legend: '{{instance}}' },
        ])
          .span(8)
          .max(1),
      )
      .withPanel(
        timeseries('Scrape duration', 'Time Prometheus took to scrape /metrics, by instance.', 's', [
          { expr: `scrape_duration_seconds{${service}}`, legend: '{{instance}}' },
        ]).span(8),
      )
      .withPanel(
        timeseries('Samples per scrape', 'Samples in each /metrics page: growth here means growing label cardinality.', 'short', [
          { expr: `scrape_samples_scraped{${service}}`, legend: '{{instance}}' },
        ]).span(8),
      );
  }

  const dashboard = builder.build();
  // The SDK's default annotation placement (in the controls menu) is newer than Grafana 12.1:
  // leave it out, so the annotation toggle shows where 12.1 shows it.
  const annotations = (dashboard.annotations?.list ?? []).map(({ placement: _newer, ...annotation }) => annotation);
  return { ...dashboard, annotations: { list: annotations }, schemaVersion: SCHEMA_VERSION };
}
