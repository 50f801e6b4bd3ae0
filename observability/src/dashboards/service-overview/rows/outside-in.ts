// The service as a user reaches it, seen from outside its process: the local stack's black-box
// probe (job "probe", prometheus.yml), or, on Fly.io, what Fly Proxy counts at the edge and in
// front of the app (fly_edge_http_responses_count, fly_app_http_responses_count, labelled app,
// region and status: Fly's "Metrics on Fly.io", https://fly.io/docs/metrics-and-logs/metrics/).
import { BigValueGraphMode, BigValueTextMode } from '@grafana/grafana-foundation-sdk/common';
import { ThresholdsConfigBuilder, ThresholdsMode } from '@grafana/grafana-foundation-sdk/dashboard';
import { stat, thresholds, timeseries, type Row } from '../panels';
import type { Sources } from '../sources';
import type { Variant } from '../variant';

const PROBE = 'job="probe"';
// The 5% of AppHighErrorRatio, for the edge's own ratio.
const EDGE_ERROR_RATIO_THRESHOLD = 0.05;

function blackboxProbeRow(): Row {
  return {
    title: 'Outside-in probe (local stack: black-box exporter)',
    panels: [
      stat('Probe success', 'Whether the last probe of GET /health got 200 and the service\'s own body within 5 s: AppProbeFailed pages after 2 minutes at 0.', 'none', [
        { expr: `min(probe_success{${PROBE}})`, legend: 'success' },
      ])
        .span(6)
        .height(8)
        .textMode(BigValueTextMode.Value)
        .graphMode(BigValueGraphMode.Area)
        .thresholds(
          new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps([
            { value: null, color: 'red' },
            { value: 1, color: 'green' },
          ]),
        ),
      timeseries('Probe duration by phase', 'Time each phase of the probe took: name resolution, connection, TLS, waiting for the answer, transfer.', 's', [
        { expr: `sum by (phase) (probe_http_duration_seconds{${PROBE}})`, legend: '{{phase}}' },
      ]).span(9),
      timeseries('Probe answer', 'HTTP status code of the last probe, and 1 while its body is not the service\'s own.', 'none', [
        { expr: `max(probe_http_status_code{${PROBE}})`, legend: 'status code' },
        { expr: `max(probe_failed_due_to_regex{${PROBE}})`, legend: 'wrong body' },
      ]).span(9),
    ],
  };
}

function flyProxyRow({ service }: Sources): Row {
  const edge = `fly_edge_http_responses_count{${service}}`;
  const app = `fly_app_http_responses_count{${service}}`;
  return {
    title: 'Outside-in: Fly Proxy',
    panels: [
      stat(
        'Edge 5xx ratio',
        'Share of the answers Fly Proxy gave at the edge that were 5xx, its own (no Machine to route to) included: what users got.',
        'percentunit',
        [
          {
            expr: `(sum(rate(fly_edge_http_responses_count{${service}, status=~"5.."}[5m])) or vector(0)) / sum(rate(${edge}[5m]))`,
            legend: '5xx ratio',
          },
        ],
      )
        .span(6)
        .height(8)
        .thresholds(thresholds([EDGE_ERROR_RATIO_THRESHOLD, 'red'])),
      timeseries('Edge responses by status', 'Answers a second Fly Proxy gave users at the edge, by status code.', 'reqps', [
        { expr: `sum by (status) (rate(${edge}[5m]))`, legend: '{{status}}' },
      ]).span(9),
      timeseries('App responses by status', 'Answers a second the Machines gave Fly Proxy, by status code: the edge minus what the proxy answered itself.', 'reqps', [
        { expr: `sum by (status) (rate(${app}[5m]))`, legend: '{{status}}' },
      ]).span(9),
    ],
  };
}

export function outsideInRow(variant: Variant, query: Sources): Row {
  return variant.outsideIn === 'fly-proxy' ? flyProxyRow(query) : blackboxProbeRow();
}
