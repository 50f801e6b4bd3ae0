// The Node.js process: CPU, memory and event-loop lag, by instance.
import { alertLine, timeseries, type Row } from '../panels';
import type { Sources } from '../sources';

// The threshold of AppEventLoopLagHigh (app-alerts.yml).
const EVENT_LOOP_LAG_THRESHOLD_SECONDS = 0.2;

export function runtimeRow({ service }: Sources): Row {
  return {
    title: 'Node.js process',
    panels: [
      timeseries('CPU', 'CPU time a second, as a share of one core, by instance.', 'percentunit', [
        { expr: `rate(process_cpu_seconds_total{${service}}[$__rate_interval])`, legend: '{{instance}}' },
      ]).span(8),
      timeseries('Memory', 'Resident set size and V8 heap, by instance.', 'bytes', [
        { expr: `process_resident_memory_bytes{${service}}`, legend: '{{instance}} RSS' },
        { expr: `nodejs_heap_size_total_bytes{${service}}`, legend: '{{instance}} heap total' },
        { expr: `nodejs_heap_size_used_bytes{${service}}`, legend: '{{instance}} heap used' },
      ]).span(8),
      alertLine(
        timeseries('Event-loop lag', 'Event-loop delay between two scrapes, by instance.', 's', [
          { expr: `nodejs_eventloop_lag_p99_seconds{${service}}`, legend: '{{instance}} p99' },
          { expr: `nodejs_eventloop_lag_p50_seconds{${service}}`, legend: '{{instance}} p50' },
        ]),
        EVENT_LOOP_LAG_THRESHOLD_SECONDS,
      ).span(8),
    ],
  };
}
