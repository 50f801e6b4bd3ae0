// The service-level objectives: what is left of each error budget, and the latency distribution
// the latency objective counts.
import {
  CellValuesBuilder,
  HeatmapColorMode,
  HeatmapColorOptionsBuilder,
  HeatmapColorScale,
  PanelBuilder as HeatmapPanelBuilder,
  YAxisConfigBuilder,
} from '@grafana/grafana-foundation-sdk/heatmap';
import { PromQueryFormat } from '@grafana/grafana-foundation-sdk/prometheus';
import { budgetLeft, datasource, queries, whereAlertsRun, type QueryKind, type Row } from '../panels';
import { BUCKETS, type Sources } from '../sources';
import type { Variant } from '../variant';

export function objectivesRow(variant: Variant, query: Sources): Row {
  // Computed from raw series, each point reads the whole window: then only the value now.
  const kind: QueryKind = variant.rules ? 'range' : 'instant';
  const window = variant.budgetWindow.words;
  return {
    title:
      variant.budgetWindow.range === '30d'
        ? 'Service-level objectives (99% over 30 days)'
        : `Service-level objectives (99% over 30 days; budgets over the ${window})`,
    panels: [
      budgetLeft(
        `Availability: error budget left (${window})`,
        `Share of the budget of 5xx answers (1% of user-facing requests) not yet spent over the ${window}; below 0 the SLO is missed.${whereAlertsRun(variant.rules, ' AppAvailabilityFastBurn and AppAvailabilitySlowBurn fire on how fast it goes.')}`,
        query.availabilityErrorRatioBudget,
        kind,
      ),
      budgetLeft(
        `Latency: error budget left (${window})`,
        `Share of the budget of requests slower than 1 s (1% of user-facing requests) not yet spent over the ${window}; below 0 the SLO is missed.${whereAlertsRun(variant.rules, ' AppLatencyFastBurn and AppLatencySlowBurn fire on how fast it goes.')}`,
        query.latencyErrorRatioBudget,
        kind,
      ),
      new HeatmapPanelBuilder()
        .title('Latency heatmap')
        .description(
          'User-facing requests a second to the selected routes, by duration bucket: the latency SLO counts those above the 1 s bucket as bad.',
        )
        .datasource(datasource)
        .targets(
          queries([{ expr: `sum by (le) (rate(${BUCKETS}{${query.userFacingRoutes}}[$__rate_interval]))`, legend: '{{le}}' }]).map((target) =>
            target.format(PromQueryFormat.Heatmap),
          ),
        )
        .height(8)
        .span(12)
        // The buckets are the service's own (Prometheus histogram format): no recalculation.
        .calculate(false)
        .yAxis(new YAxisConfigBuilder().unit('s'))
        .cellValues(new CellValuesBuilder().unit('reqps'))
        .color(new HeatmapColorOptionsBuilder().mode(HeatmapColorMode.Scheme).scheme('Oranges').scale(HeatmapColorScale.Exponential).exponent(0.5))
        .showLegend(),
    ],
  };
}
