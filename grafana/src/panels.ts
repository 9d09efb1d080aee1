/**
 * Small panel helpers over @grafana/grafana-foundation-sdk so the dashboards read as a list of
 * questions and the queries that answer them.
 */
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import {
  BarGaugeDisplayMode,
  BigValueColorMode,
  BigValueGraphMode,
  LegendDisplayMode,
  LegendPlacement,
  LogsSortOrder,
  ReduceDataOptionsBuilder,
  SortOrder,
  TooltipDisplayMode,
  VizLegendOptionsBuilder,
  VizOrientation,
  VizTooltipOptionsBuilder,
} from '@grafana/grafana-foundation-sdk/common';
import {
  ThresholdsConfigBuilder,
  ThresholdsMode,
  type Panel,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { PanelBuilder as BarGaugePanel } from '@grafana/grafana-foundation-sdk/bargauge';
import {
  HeatmapColorMode,
  HeatmapColorOptionsBuilder,
  PanelBuilder as HeatmapPanel,
  YAxisConfigBuilder,
} from '@grafana/grafana-foundation-sdk/heatmap';
import { DataqueryBuilder as LokiQuery } from '@grafana/grafana-foundation-sdk/loki';
import { PanelBuilder as LogsPanel } from '@grafana/grafana-foundation-sdk/logs';
import {
  DataqueryBuilder as PromQuery,
  PromQueryFormat,
} from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatPanel } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TablePanel } from '@grafana/grafana-foundation-sdk/table';
import {
  DataqueryBuilder as TempoQuery,
  SearchTableType,
} from '@grafana/grafana-foundation-sdk/tempo';
import { PanelBuilder as TimeseriesPanel } from '@grafana/grafana-foundation-sdk/timeseries';
import { LOKI, PROMETHEUS, TEMPO } from './datasources.js';

/** One PromQL target: the expression and its legend. */
export interface Prom {
  expr: string;
  legend?: string;
  /** Ask Prometheus for exemplars (trace ids) so points link to Tempo. */
  exemplar?: boolean;
}

const REF_IDS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

function refId(i: number): string {
  const id = REF_IDS[i];
  if (id === undefined) throw new Error(`a panel may have at most ${REF_IDS.length} queries`);
  return id;
}

function promTarget(
  q: Prom,
  i: number,
  opts: { instant?: boolean; format?: PromQueryFormat } = {},
) {
  const t = new PromQuery().refId(refId(i)).datasource(PROMETHEUS).expr(q.expr);
  if (q.legend !== undefined) t.legendFormat(q.legend);
  if (q.exemplar) t.exemplar(true);
  if (opts.instant) t.instant();
  else t.range();
  if (opts.format) t.format(opts.format);
  return t;
}

function legend() {
  return new VizLegendOptionsBuilder()
    .showLegend(true)
    .displayMode(LegendDisplayMode.Table)
    .placement(LegendPlacement.Bottom)
    .calcs(['mean', 'max', 'lastNotNull']);
}

function tooltip() {
  return new VizTooltipOptionsBuilder().mode(TooltipDisplayMode.Multi).sort(SortOrder.Descending);
}

/** Threshold steps: green below the first value, then each [value, colour]. */
export function thresholds(...steps: [number, string][]) {
  return new ThresholdsConfigBuilder()
    .mode(ThresholdsMode.Absolute)
    .steps([{ value: null, color: 'green' }, ...steps.map(([value, color]) => ({ value, color }))]);
}

export interface Layout {
  w: number;
  h: number;
}

export function timeseries(
  title: string,
  description: string,
  unit: string,
  queries: Prom[],
  layout: Layout = { w: 12, h: 8 },
): TimeseriesPanel {
  const p = new TimeseriesPanel()
    .title(title)
    .description(description)
    .datasource(PROMETHEUS)
    .unit(unit)
    .span(layout.w)
    .height(layout.h)
    .legend(legend())
    .tooltip(tooltip())
    .lineWidth(1)
    .fillOpacity(10);
  queries.forEach((q, i) => p.withTarget(promTarget(q, i)));
  return p;
}

/** Prometheus classic-histogram buckets as a heatmap (the plan's response-time distribution). */
export function bucketHeatmap(
  title: string,
  description: string,
  expr: string,
  unit: string,
  layout: Layout = { w: 12, h: 8 },
): HeatmapPanel {
  return new HeatmapPanel()
    .title(title)
    .description(description)
    .datasource(PROMETHEUS)
    .span(layout.w)
    .height(layout.h)
    .calculate(false)
    .yAxis(new YAxisConfigBuilder().unit(unit))
    .color(
      new HeatmapColorOptionsBuilder()
        .mode(HeatmapColorMode.Scheme)
        .scheme('Oranges')
        .fill('dark-orange')
        .exponent(0.5)
        .steps(64),
    )
    .withTarget(promTarget({ expr, legend: '{{le}}' }, 0, { format: PromQueryFormat.Heatmap }));
}

export function stat(
  title: string,
  description: string,
  unit: string,
  q: Prom,
  steps: [number, string][] = [],
  layout: Layout = { w: 6, h: 4 },
): StatPanel {
  return new StatPanel()
    .title(title)
    .description(description)
    .datasource(PROMETHEUS)
    .unit(unit)
    .span(layout.w)
    .height(layout.h)
    .graphMode(BigValueGraphMode.Area)
    .colorMode(BigValueColorMode.Value)
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .thresholds(thresholds(...steps))
    .withTarget(promTarget(q, 0));
}

export function barGauge(
  title: string,
  description: string,
  unit: string,
  q: Prom,
  steps: [number, string][] = [],
  layout: Layout = { w: 12, h: 8 },
): BarGaugePanel {
  return new BarGaugePanel()
    .title(title)
    .description(description)
    .datasource(PROMETHEUS)
    .unit(unit)
    .span(layout.w)
    .height(layout.h)
    .orientation(VizOrientation.Horizontal)
    .displayMode(BarGaugeDisplayMode.Gradient)
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .thresholds(thresholds(...steps))
    .withTarget(promTarget(q, 0, { instant: true }));
}

/** An instant PromQL query shown as a table (one row per series). */
export function promTable(
  title: string,
  description: string,
  q: Prom,
  layout: Layout = { w: 12, h: 8 },
): TablePanel {
  return new TablePanel()
    .title(title)
    .description(description)
    .datasource(PROMETHEUS)
    .span(layout.w)
    .height(layout.h)
    .withTarget(promTarget(q, 0, { instant: true, format: PromQueryFormat.Table }));
}

export function logs(
  title: string,
  description: string,
  expr: string,
  layout: Layout = { w: 24, h: 12 },
): LogsPanel {
  return new LogsPanel()
    .title(title)
    .description(description)
    .datasource(LOKI)
    .span(layout.w)
    .height(layout.h)
    .showTime(true)
    .wrapLogMessage(true)
    .prettifyLogMessage(true)
    .enableLogDetails(true)
    .sortOrder(LogsSortOrder.Descending)
    .withTarget(new LokiQuery().refId('A').datasource(LOKI).expr(expr).maxLines(1000));
}

/** A LogQL metric query as a time series. */
export function logMetric(
  title: string,
  description: string,
  unit: string,
  expr: string,
  legendFormat: string,
  layout: Layout = { w: 12, h: 8 },
): TimeseriesPanel {
  return new TimeseriesPanel()
    .title(title)
    .description(description)
    .datasource(LOKI)
    .unit(unit)
    .span(layout.w)
    .height(layout.h)
    .legend(legend())
    .tooltip(tooltip())
    .withTarget(
      new LokiQuery().refId('A').datasource(LOKI).expr(expr).legendFormat(legendFormat).range(true),
    );
}

/** A TraceQL search shown as a table of traces (each row links to the trace view). */
export function traceSearch(
  title: string,
  description: string,
  query: string,
  limit: number,
  layout: Layout = { w: 24, h: 10 },
): TablePanel {
  return new TablePanel()
    .title(title)
    .description(description)
    .datasource(TEMPO)
    .span(layout.w)
    .height(layout.h)
    .withTarget(
      new TempoQuery()
        .refId('A')
        .datasource(TEMPO)
        .queryType('traceql')
        .query(query)
        .limit(limit)
        .tableType(SearchTableType.Traces),
    );
}

export type AnyPanel = cog.Builder<Panel>;
