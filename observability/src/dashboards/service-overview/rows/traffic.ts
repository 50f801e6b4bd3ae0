// Traffic, errors and latency: the headline figures, and the same by route.
import { BigValueColorMode, BigValueGraphMode, BigValueTextMode } from '@grafana/grafana-foundation-sdk/common';
import { alertLine, stat, thresholds, timeseries, whereAlertsRun, type Row } from '../panels';
import type { Sources } from '../sources';
import type { Variant } from '../variant';

// The thresholds of AppHighErrorRatio and AppHighP99Latency (app-slo.yml).
const ERROR_RATIO_THRESHOLD = 0.05;
const P99_LATENCY_THRESHOLD_SECONDS = 1;

/** Instances scraped (where the scrape's own series exist), else instances whose series arrive. */
function instancesPanel(variant: Variant, service: string) {
  const panel = variant.scrapeSeries
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
      );
  return panel.span(4).textMode(BigValueTextMode.ValueAndName).graphMode(BigValueGraphMode.None);
}

export function trafficRow(variant: Variant, query: Sources): Row {
  const { service } = query;
  const quantiles = [
    ['0.5', 'p50'],
    ['0.95', 'p95'],
    ['0.99', 'p99'],
  ] as const;
  return {
    title: 'Traffic, errors and latency (5-minute rates)',
    panels: [
      stat('Request rate', 'User-facing requests a second over the selected routes (probes and scrapes excluded).', 'reqps', [
        { expr: query.requestRate, legend: 'requests' },
      ]).span(5),
      stat(
        '5xx ratio',
        `Share of user-facing requests to the selected routes answered 5xx${whereAlertsRun(variant.rules, ': with all routes, what AppHighErrorRatio opens a ticket on above 5%')}.`,
        'percentunit',
        [{ expr: query.errorRatio, legend: '5xx ratio' }],
      )
        .span(5)
        .thresholds(thresholds([ERROR_RATIO_THRESHOLD, 'red'])),
      stat(
        'p99 latency',
        `p99 duration of user-facing requests to the selected routes${whereAlertsRun(variant.rules, ': with all routes, what AppHighP99Latency opens a ticket on above 1 s')}.`,
        's',
        [{ expr: query.p99, legend: 'p99' }],
      )
        .span(5)
        .thresholds(thresholds([P99_LATENCY_THRESHOLD_SECONDS, 'red'])),
      instancesPanel(variant, service),
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
      timeseries('Requests by route and status', 'Requests a second, by route template and status code.', 'reqps', [
        { expr: query.requestsByRouteStatus, legend: '{{route}} {{status_code}}' },
      ]),
      alertLine(
        timeseries('5xx ratio by route', 'Share of requests answered 5xx, by route (0 while a route serves none).', 'percentunit', [
          { expr: query.errorRatioByRoute, legend: '{{route}}' },
        ]),
        ERROR_RATIO_THRESHOLD,
      ),
      alertLine(
        timeseries(
          'Latency by route: p50, p95, p99',
          'Request duration quantiles, by route. /api/work includes the latency_ms a caller asked for.',
          's',
          quantiles.map(([quantile, name]) => ({ expr: query.latencyByRoute(quantile), legend: `{{route}} ${name}` })),
        ),
        P99_LATENCY_THRESHOLD_SECONDS,
      ),
      timeseries('Requests in flight', 'Requests being served right now, by instance.', 'none', [
        { expr: `sum by (instance) (http_server_active_requests{${service}})`, legend: '{{instance}}' },
      ]),
    ],
  };
}
