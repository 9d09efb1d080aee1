/**
 * Small panel helpers over @grafana/grafana-foundation-sdk so the dashboards read as a list of
 * questions and the queries that answer them. Every helper takes a unit, a description and a
 * legend for each query, so no panel can be built without them.
 */
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import {
  BarGaugeDisplayMode,
  BigValueColorMode,
  BigValueGraphMode,
  GraphThresholdsStyleConfigBuilder,
  GraphThresholdsStyleMode,
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
  MappingType,
  SpecialValueMatch,
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
import type { DataLinkBuilder } from './links.js';

/** One PromQL target: the expression and its legend. */
export interface Prom {
  expr: string;
  /** Legend format (`{{label}}` or a fixed name); every series is named. */
  legend: string;
  /**
   * Ask Prometheus for exemplars (trace ids) so points link to Tempo. Only the Collector's span
   * metrics carry exemplars: the JS metrics SDK records none on the app's own histograms.
   */
  exemplar?: boolean;
}

/** Grafana's custom-unit syntax `suffix:<text>`: values read "12 events/min". */
export function perMinute(what: string): string {
  return `suffix: ${what}/min`;
}

/** The same per second: "12 items/s". */
export function perSecond(what: string): string {
  return `suffix: ${what}/s`;
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
  const t = new PromQuery()
    .refId(refId(i))
    .datasource(PROMETHEUS)
    .expr(q.expr)
    .legendFormat(q.legend);
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

export type Steps = [number, string][];

/** Threshold steps: `base` below the first value, then each [value, colour]. */
export function thresholds(steps: Steps = [], base = 'green') {
  return new ThresholdsConfigBuilder()
    .mode(ThresholdsMode.Absolute)
    .steps([{ value: null, color: base }, ...steps.map(([value, color]) => ({ value, color }))]);
}

export interface Layout {
  w: number;
  h: number;
}

/** What every panel states: what it shows, in which unit, and where to go from it. */
interface PanelCommon {
  title: string;
  description: string;
  unit: string;
  layout?: Layout;
  /** Links to the matching traces (Tempo) and logs (Loki); see links.ts. */
  links?: DataLinkBuilder[];
}

export interface TimeseriesOptions extends PanelCommon {
  queries: Prom[];
  /** Drawn as dashed lines (a target, a limit). */
  steps?: Steps;
}

export function timeseries(o: TimeseriesOptions): TimeseriesPanel {
  const layout = o.layout ?? { w: 12, h: 8 };
  const p = new TimeseriesPanel()
    .title(o.title)
    .description(o.description)
    .datasource(PROMETHEUS)
    .unit(o.unit)
    .span(layout.w)
    .height(layout.h)
    .legend(legend())
    .tooltip(tooltip())
    .lineWidth(1)
    .fillOpacity(10);
  if (o.steps) {
    p.thresholds(thresholds(o.steps)).thresholdsStyle(
      new GraphThresholdsStyleConfigBuilder().mode(GraphThresholdsStyleMode.Dashed),
    );
  }
  if (o.links) p.dataLinks(o.links);
  o.queries.forEach((q, i) => p.withTarget(promTarget(q, i)));
  return p;
}

export interface HeatmapOptions extends PanelCommon {
  /** Per-bucket counts (`sum by (le) (increase(x_bucket[...]))`). */
  expr: string;
}

/** Prometheus classic-histogram buckets as a heatmap (the plan's response-time distribution). */
export function bucketHeatmap(o: HeatmapOptions): HeatmapPanel {
  const layout = o.layout ?? { w: 12, h: 8 };
  const p = new HeatmapPanel()
    .title(o.title)
    .description(o.description)
    .datasource(PROMETHEUS)
    .unit(o.unit)
    .span(layout.w)
    .height(layout.h)
    .calculate(false)
    .yAxis(new YAxisConfigBuilder().unit(o.unit))
    .color(
      new HeatmapColorOptionsBuilder()
        .mode(HeatmapColorMode.Scheme)
        .scheme('Oranges')
        .fill('dark-orange')
        .exponent(0.5)
        .steps(64),
    )
    .withTarget(
      promTarget({ expr: o.expr, legend: '{{le}}' }, 0, { format: PromQueryFormat.Heatmap }),
    );
  if (o.links) p.dataLinks(o.links);
  return p;
}

export interface StatOptions extends PanelCommon {
  query: Prom;
  steps?: Steps;
}

export function stat(o: StatOptions): StatPanel {
  const layout = o.layout ?? { w: 6, h: 4 };
  const p = new StatPanel()
    .title(o.title)
    .description(o.description)
    .datasource(PROMETHEUS)
    .unit(o.unit)
    .span(layout.w)
    .height(layout.h)
    .graphMode(BigValueGraphMode.Area)
    .colorMode(BigValueColorMode.Value)
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .thresholds(thresholds(o.steps))
    .withTarget(promTarget(o.query, 0));
  if (o.links) p.dataLinks(o.links);
  return p;
}

export interface UpDownOptions extends Omit<PanelCommon, 'unit'> {
  /** 1 when up, 0 when down; write it so that a missing target gives 0 (`... or vector(0)`). */
  query: Prom;
}

/**
 * An up/down stat: 1 shows a green UP, 0 a red DOWN, and no data (the query failed, the
 * target vanished) a red DOWN too, whatever the query returns.
 */
export function upDownStat(o: UpDownOptions): StatPanel {
  const layout = o.layout ?? { w: 6, h: 4 };
  const p = new StatPanel()
    .title(o.title)
    .description(o.description)
    .datasource(PROMETHEUS)
    .unit('none')
    .span(layout.w)
    .height(layout.h)
    .graphMode(BigValueGraphMode.None)
    .colorMode(BigValueColorMode.Background)
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .thresholds(thresholds([[1, 'green']], 'red'))
    .mappings([
      {
        type: MappingType.ValueToText,
        options: {
          '0': { text: 'DOWN', color: 'red', index: 0 },
          '1': { text: 'UP', color: 'green', index: 1 },
        },
      },
      {
        type: MappingType.SpecialValue,
        options: {
          match: SpecialValueMatch.NullAndNan,
          result: { text: 'DOWN', color: 'red', index: 2 },
        },
      },
    ])
    .noValue('DOWN')
    .withTarget(promTarget(o.query, 0));
  if (o.links) p.dataLinks(o.links);
  return p;
}

export interface BarGaugeOptions extends PanelCommon {
  query: Prom;
  steps?: Steps;
}

export function barGauge(o: BarGaugeOptions): BarGaugePanel {
  const layout = o.layout ?? { w: 12, h: 8 };
  const p = new BarGaugePanel()
    .title(o.title)
    .description(o.description)
    .datasource(PROMETHEUS)
    .unit(o.unit)
    .span(layout.w)
    .height(layout.h)
    .orientation(VizOrientation.Horizontal)
    .displayMode(BarGaugeDisplayMode.Gradient)
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .thresholds(thresholds(o.steps))
    .withTarget(promTarget(o.query, 0, { instant: true }));
  if (o.links) p.dataLinks(o.links);
  return p;
}

export interface PromTableOptions extends PanelCommon {
  query: Prom;
  /** Columns to hide (e.g. the constant Time and Value of an instant query). */
  hide?: string[];
}

/** An instant PromQL query shown as a table (one row per series). */
export function promTable(o: PromTableOptions): TablePanel {
  const layout = o.layout ?? { w: 12, h: 8 };
  const p = new TablePanel()
    .title(o.title)
    .description(o.description)
    .datasource(PROMETHEUS)
    .unit(o.unit)
    .span(layout.w)
    .height(layout.h)
    .withTarget(promTarget(o.query, 0, { instant: true, format: PromQueryFormat.Table }));
  if (o.hide) {
    p.withTransformation({
      id: 'organize',
      options: { excludeByName: Object.fromEntries(o.hide.map((c) => [c, true])) },
    });
  }
  if (o.links) p.dataLinks(o.links);
  return p;
}

export interface LogListOptions extends Omit<PanelCommon, 'unit'> {
  expr: string;
}

/**
 * A list of log lines. The logs visualization has no unit (Grafana's logs panel shows lines,
 * not numbers); trace ids in the lines link to Tempo through the Loki datasource.
 */
export function logList(o: LogListOptions): LogsPanel {
  const layout = o.layout ?? { w: 24, h: 12 };
  return new LogsPanel()
    .title(o.title)
    .description(o.description)
    .datasource(LOKI)
    .span(layout.w)
    .height(layout.h)
    .showTime(true)
    .wrapLogMessage(true)
    .prettifyLogMessage(true)
    .enableLogDetails(true)
    .sortOrder(LogsSortOrder.Descending)
    .withTarget(new LokiQuery().refId('A').datasource(LOKI).expr(o.expr).maxLines(1000));
}

export interface LogMetricOptions extends PanelCommon {
  expr: string;
  legend: string;
}

/** A LogQL metric query as a time series. */
export function logMetric(o: LogMetricOptions): TimeseriesPanel {
  const layout = o.layout ?? { w: 12, h: 8 };
  const p = new TimeseriesPanel()
    .title(o.title)
    .description(o.description)
    .datasource(LOKI)
    .unit(o.unit)
    .span(layout.w)
    .height(layout.h)
    .legend(legend())
    .tooltip(tooltip())
    .withTarget(
      new LokiQuery().refId('A').datasource(LOKI).expr(o.expr).legendFormat(o.legend).range(true),
    );
  if (o.links) p.dataLinks(o.links);
  return p;
}

export interface TraceSearchOptions extends Omit<PanelCommon, 'unit'> {
  query: string;
  limit: number;
}

/**
 * A TraceQL search shown as a table of traces (each row links to the trace view). Its columns
 * come typed from Tempo (trace id, start time, duration in ms), so it sets no unit: a panel unit
 * would also apply to the start-time column.
 */
export function traceSearch(o: TraceSearchOptions): TablePanel {
  const layout = o.layout ?? { w: 24, h: 10 };
  return new TablePanel()
    .title(o.title)
    .description(o.description)
    .datasource(TEMPO)
    .span(layout.w)
    .height(layout.h)
    .withTarget(
      new TempoQuery()
        .refId('A')
        .datasource(TEMPO)
        .queryType('traceql')
        .query(o.query)
        .limit(o.limit)
        .tableType(SearchTableType.Traces),
    );
}

export type AnyPanel = cog.Builder<Panel>;
