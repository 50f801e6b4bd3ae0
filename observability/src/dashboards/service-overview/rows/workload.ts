// The work /api/work does: units of CPU work, and requests by outcome.
import { timeseries, type Row } from '../panels';
import type { Sources } from '../sources';

export function workloadRow({ service }: Sources): Row {
  return {
    title: 'Workload: /api/work',
    panels: [
      timeseries('Work units done', 'Units of CPU work (hashing rounds) a second, by instance.', 'short', [
        { expr: `sum by (instance) (rate(app_work_units_total{${service}}[$__rate_interval]))`, legend: '{{instance}}' },
      ]),
      timeseries('Work requests by outcome', 'Work requests a second: success, or an injected failure.', 'reqps', [
        { expr: `sum by (outcome) (rate(app_work_requests_total{${service}}[$__rate_interval]))`, legend: '{{outcome}}' },
      ]),
    ],
  };
}
