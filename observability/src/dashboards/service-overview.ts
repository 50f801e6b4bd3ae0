// The service's Grafana dashboard, as code. `npm run generate -w observability` writes it to
// grafana/dashboards/service-overview.json, which Grafana provisions and a test keeps current.
// Panels read the recording rules of prometheus/rules/ (app-recording.yml, app-slo.yml) where one
// exists, and the same user-facing filter as the alerts, so a panel shows what an alert fires on.
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

// The schema version Grafana 12.0 and 12.1 write (docker-compose.yml pins 12.1); the SDK
// defaults to the newest, which older Grafanas would have to take on trust.
const SCHEMA_VERSION = 41;

// Every panel and variable queries the data source picked in $datasource.
const datasource: DataSourceRef = { type: 'prometheus', uid: '${datasource}' };

const job = 'job="$job"';
const routes = `${job}, route=~"$route"`;
// Probes and scrapes are not user traffic (and /ready answers 503 on purpose while draining):
// the same filter as the alerts. The headline figures take it within the selected routes.
const userFacingRoutes = `${routes}, route!~"/health|/ready|/metrics"`;

const ERROR_RATIO_THRESHOLD = 0.05;
const P99_LATENCY_THRESHOLD_SECONDS = 1;
const EVENT_LOOP_LAG_THRESHOLD_SECONDS = 0.2;
// The error budget of both SLOs of prometheus/rules/app-slo.yml (99% over 30 days).
const SLO_ERROR_BUDGET = 0.01;

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

/** What is left of an SLO's 30-day error budget, from the ratio of bad requests app-slo.yml records. */
function budgetLeft(title: string, description: string, recordedRatio: string): StatPanelBuilder {
  return stat(title, description, 'percentunit', [
    { expr: `1 - ${recordedRatio}{${job}} / ${SLO_ERROR_BUDGET}`, legend: 'budget left' },
  ])
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

export function serviceOverview(): Dashboard {
  const dashboard = new DashboardBuilder('Service overview')
    .uid(SERVICE_OVERVIEW_UID)
    .description('Traffic, errors, latency, workload and Node.js runtime of the service, and the health of its scrape.')
    .tags(['service', 'red', 'nodejs'])
    .readonly()
    .time({ from: 'now-1h', to: 'now' })
    .refresh('30s')
    .timezone('browser')
    .tooltip(DashboardCursorSync.Crosshair)
    .withVariable(new DatasourceVariableBuilder('datasource').label('Data source').type('prometheus'))
    .withVariable(
      new QueryVariableBuilder('job')
        .label('Job')
        .description('Prometheus job that scrapes the service')
        .datasource(datasource)
        .query('label_values(app_build_info, job)')
        .current({ text: 'app', value: 'app' })
        .refresh(VariableRefresh.OnDashboardLoad)
        .sort(VariableSort.AlphabeticalAsc),
    )
    .withVariable(
      new QueryVariableBuilder('route')
        .label('Route')
        .description('Route templates; everything that matches no route is "unmatched"')
        .datasource(datasource)
        .query(`label_values(job_route:http_server_requests:rate5m{${job}}, route)`)
        .multi(true)
        .includeAll(true)
        .allValue('.*')
        .current({ text: 'All', value: '$__all' })
        .refresh(VariableRefresh.OnTimeRangeChanged)
        .sort(VariableSort.AlphabeticalAsc),
    )

    // Firing alerts of the service, as regions on every graph (Watchdog and the monitoring
    // stack's own alerts carry no job="$job" and stay out).
    .annotation(
      new AnnotationQueryBuilder()
        .name('Alerts')
        .datasource(datasource)
        .enable(true)
        .iconColor('red')
        .target(
          new DataqueryBuilder()
            .datasource(datasource)
            .refId('Anno')
            .expr(`ALERTS{${job}, alertstate="firing"}`)
            .interval('60s'),
        )
        .titleFormat('{{alertname}}')
        .textFormat('{{alertname}} ({{severity}})')
        .tagKeys('alertname,severity')
        .useValueForTime(false),
    )

    .withRow(new RowBuilder('Traffic, errors and latency (5-minute rates)'))
    .withPanel(
      stat(
        'Request rate',
        'User-facing requests a second over the selected routes (probes and scrapes excluded).',
        'reqps',
        [{ expr: `sum(job_route:http_server_requests:rate5m{${userFacingRoutes}})`, legend: 'requests' }],
      ).span(5),
    )
    .withPanel(
      stat(
        '5xx ratio',
        'Share of user-facing requests to the selected routes answered 5xx: with all routes, what AppHighErrorRatio fires on above 5%.',
        'percentunit',
        [
          {
            expr: `(sum(job_route:http_server_request_errors:rate5m{${userFacingRoutes}}) or vector(0)) / sum(job_route:http_server_requests:rate5m{${userFacingRoutes}})`,
            legend: '5xx ratio',
          },
        ],
      )
        .span(5)
        .thresholds(thresholds([ERROR_RATIO_THRESHOLD, 'red'])),
    )
    .withPanel(
      stat(
        'p99 latency',
        'p99 duration of user-facing requests to the selected routes: with all routes, what AppHighP99Latency fires on above 1 s.',
        's',
        [
          {
            expr: `histogram_quantile(0.99, sum by (le) (job_route_le:http_server_request_duration_seconds_bucket:rate5m{${userFacingRoutes}}))`,
            legend: 'p99',
          },
        ],
      )
        .span(5)
        .thresholds(thresholds([P99_LATENCY_THRESHOLD_SECONDS, 'red'])),
    )
    .withPanel(
      stat(
        'Targets up',
        'Instances Prometheus scraped successfully, out of the instances it scrapes, now.',
        'none',
        [
          { expr: `sum(up{${job}})`, legend: 'up' },
          { expr: `count(up{${job}})`, legend: 'scraped' },
        ],
        'instant',
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
        [{ expr: `count by (version, revision) (app_build_info{${job}})`, legend: '{{version}} ({{revision}})' }],
        'instant',
      )
        .span(5)
        .textMode(BigValueTextMode.Name)
        .colorMode(BigValueColorMode.None)
        .graphMode(BigValueGraphMode.None),
    )
    .withPanel(
      timeseries('Requests by route and status', 'Requests a second, by route template and status code.', 'reqps', [
        {
          expr: `sum by (route, status_code) (job_route_status_code:http_server_requests:rate5m{${routes}})`,
          legend: '{{route}} {{status_code}}',
        },
      ]),
    )
    .withPanel(
      alertLine(
        timeseries('5xx ratio by route', 'Share of requests answered 5xx, by route (0 while a route serves none).', 'percentunit', [
          { expr: `job_route:http_server_request_errors:ratio_rate5m{${routes}}`, legend: '{{route}}' },
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
          [
            ['0.5', 'p50'],
            ['0.95', 'p95'],
            ['0.99', 'p99'],
          ].map(([quantile, name]) => ({
            expr: `job_route_quantile:http_server_request_duration_seconds:histogram_quantile5m{${routes}, quantile="${quantile}"}`,
            legend: `{{route}} ${name}`,
          })),
        ),
        P99_LATENCY_THRESHOLD_SECONDS,
      ),
    )
    .withPanel(
      timeseries('Requests in flight', 'Requests being served right now, by instance.', 'none', [
        { expr: `sum by (instance) (http_server_active_requests{${job}})`, legend: '{{instance}}' },
      ]),
    )

    .withRow(new RowBuilder('Service-level objectives (99% over 30 days)'))
    .withPanel(
      budgetLeft(
        'Availability: error budget left',
        'Share of the 30-day budget of 5xx answers (1% of user-facing requests) not yet spent; below 0 the SLO is missed. AppAvailabilityFastBurn and AppAvailabilitySlowBurn fire on how fast it goes.',
        'job:slo_availability_errors:ratio_rate30d',
      ),
    )
    .withPanel(
      budgetLeft(
        'Latency: error budget left',
        'Share of the 30-day budget of requests slower than 1 s (1% of user-facing requests) not yet spent; below 0 the SLO is missed. AppLatencyFastBurn and AppLatencySlowBurn fire on how fast it goes.',
        'job:slo_latency_errors:ratio_rate30d',
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
        { expr: `sum by (instance) (rate(app_work_units_total{${job}}[$__rate_interval]))`, legend: '{{instance}}' },
      ]),
    )
    .withPanel(
      timeseries('Work requests by outcome', 'Work requests a second: success, or an injected failure.', 'reqps', [
        { expr: `sum by (outcome) (rate(app_work_requests_total{${job}}[$__rate_interval]))`, legend: '{{outcome}}' },
      ]),
    )

    .withRow(new RowBuilder('Node.js process'))
    .withPanel(
      timeseries('CPU', 'CPU time a second, as a share of one core, by instance.', 'percentunit', [
        { expr: `rate(process_cpu_seconds_total{${job}}[$__rate_interval])`, legend: '{{instance}}' },
      ]).span(8),
    )
    .withPanel(
      timeseries('Memory', 'Resident set size and V8 heap, by instance.', 'bytes', [
        { expr: `process_resident_memory_bytes{${job}}`, legend: '{{instance}} RSS' },
        { expr: `nodejs_heap_size_total_bytes{${job}}`, legend: '{{instance}} heap total' },
        { expr: `nodejs_heap_size_used_bytes{${job}}`, legend: '{{instance}} heap used' },
      ]).span(8),
    )
    .withPanel(
      alertLine(
        timeseries('Event-loop lag', 'Event-loop delay between two scrapes, by instance.', 's', [
          { expr: `nodejs_eventloop_lag_p99_seconds{${job}}`, legend: '{{instance}} p99' },
          { expr: `nodejs_eventloop_lag_p50_seconds{${job}}`, legend: '{{instance}} p50' },
        ]),
        EVENT_LOOP_LAG_THRESHOLD_SECONDS,
      ).span(8),
    )

    .withRow(new RowBuilder('Scrape health'))
    .withPanel(
      timeseries('Target up', '1 when Prometheus scraped the instance, 0 when the scrape failed.', 'none', [
        { expr: `up{${job}}`, legend: '{{instance}}' },
      ])
        .span(8)
        .max(1),
    )
    .withPanel(
      timeseries('Scrape duration', 'Time Prometheus took to scrape /metrics, by instance.', 's', [
        { expr: `scrape_duration_seconds{${job}}`, legend: '{{instance}}' },
      ]).span(8),
    )
    .withPanel(
      timeseries('Samples per scrape', 'Samples in each /metrics page: growth here means growing label cardinality.', 'short', [
        { expr: `scrape_samples_scraped{${job}}`, legend: '{{instance}}' },
      ]).span(8),
    )
    .build();
  // The SDK's default annotation placement (in the controls menu) is newer than Grafana 12.1:
  // leave it out, so the annotation toggle shows where 12.1 shows it.
  const annotations = (dashboard.annotations?.list ?? []).map(({ placement: _newer, ...annotation }) => annotation);
  return { ...dashboard, annotations: { list: annotations }, schemaVersion: SCHEMA_VERSION };
}
