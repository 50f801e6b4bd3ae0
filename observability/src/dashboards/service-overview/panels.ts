// The panel shapes every row uses: stats and time series on the picked data source, alert lines,
// and the error-budget stat.
import { ThresholdsConfigBuilder, ThresholdsMode, type Panel } from '@grafana/grafana-foundation-sdk/dashboard';
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import {
  BigValueColorMode,
  BigValueGraphMode,
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
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatPanelBuilder } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TimeseriesPanelBuilder } from '@grafana/grafana-foundation-sdk/timeseries';

/** A row of the dashboard: its title and its panels, in reading order. */
export interface Row {
  title: string;
  panels: cog.Builder<Panel>[];
}

// Every panel and variable queries the data source picked in $datasource.
export const datasource: DataSourceRef = { type: 'prometheus', uid: '${datasource}' };

// The error budget of both SLOs of prometheus/rules/app-slo.yml (99% over 30 days).
const SLO_ERROR_BUDGET = 0.01;

export interface Query {
  expr: string;
  legend: string;
}

/** Range queries draw a graph; an instant query asks only for the value now (a stat's number). */
export type QueryKind = 'range' | 'instant';

export function queries(list: Query[], kind: QueryKind = 'range'): DataqueryBuilder[] {
  return list.map(({ expr, legend }, index) => {
    const query = new DataqueryBuilder()
      .datasource(datasource)
      .refId(String.fromCharCode(65 + index))
      .expr(expr)
      .legendFormat(legend);
    return kind === 'instant' ? query.instant() : query.range();
  });
}

export function thresholds(...steps: [value: number, color: string][]): ThresholdsConfigBuilder {
  return new ThresholdsConfigBuilder()
    .mode(ThresholdsMode.Absolute)
    .steps([{ value: null, color: 'green' }, ...steps.map(([value, color]) => ({ value, color }))]);
}

export function stat(title: string, description: string, unit: string, list: Query[], kind: QueryKind = 'range'): StatPanelBuilder {
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

export function timeseries(title: string, description: string, unit: string, list: Query[]): TimeseriesPanelBuilder {
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
export function alertLine(panel: TimeseriesPanelBuilder, value: number): TimeseriesPanelBuilder {
  return panel
    .thresholds(thresholds([value, 'red']))
    .thresholdsStyle(new GraphThresholdsStyleConfigBuilder().mode(GraphThresholdsStyleMode.Dashed));
}

/**
 * What is left of an SLO's error budget, from the ratio of bad requests over the budget's window.
 * Computed from raw series, each point reads the whole window of samples: then it asks only for
 * the value now.
 */
export function budgetLeft(title: string, description: string, errorRatio: string, kind: QueryKind): StatPanelBuilder {
  const panel = stat(title, description, 'percentunit', [{ expr: `1 - ${errorRatio} / ${SLO_ERROR_BUDGET}`, legend: 'budget left' }], kind);
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

/** A sentence about the alerts, in a description, where the alerts run. */
export function whereAlertsRun(rules: boolean, sentence: string): string {
  return rules ? sentence : '';
}
