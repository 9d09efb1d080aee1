import type { MetricDefinition } from '../../catalogue/index.js';
import type { Bucket } from '../stats.js';

/**
 * A range of evaluation steps. Each step is the time window (t - step, t] for
 * t = end, end - step, ... >= start, exactly like a Prometheus range query whose
 * expressions use `[step]` windows. Times are epoch milliseconds.
 */
export interface StepRange {
  readonly start: number;
  readonly end: number;
  readonly step: number;
}

export interface TimeWindow {
  readonly start: number;
  readonly end: number;
}

/** Prometheus label names (`error_type`, not `error.type`) and their values. */
export type Labels = Readonly<Record<string, string>>;

/** One value per step; steps without data are absent. `[t, value]`, t in epoch ms. */
export interface Series {
  readonly labels: Labels;
  readonly points: ReadonlyArray<readonly [number, number]>;
}

export interface HistogramStep {
  readonly t: number;
  /** Cumulative buckets of the observations in the step, ending with le = +Infinity. */
  readonly buckets: readonly Bucket[];
  readonly sum: number;
  readonly count: number;
}

export interface HistogramSeries {
  readonly labels: Labels;
  readonly points: readonly HistogramStep[];
}

/** How a gauge is reduced inside a step and across the series being grouped. */
export type GaugeReduce = 'max' | 'avg';

export interface MetricQuery {
  readonly metric: MetricDefinition;
  /** Labels to keep; every other label is summed (or reduced) away. */
  readonly by: readonly string[];
  /** Exact label matches applied before grouping. */
  readonly where?: Labels;
}

/** Metrics of the catalogue, read as per-step increases (counters, histograms) or values. */
export interface MetricsReader {
  readonly description: string;
  counterIncrease(query: MetricQuery, range: StepRange): Promise<Series[]>;
  histogramIncrease(query: MetricQuery, range: StepRange): Promise<HistogramSeries[]>;
  gauge(query: MetricQuery & { reduce: GaugeReduce }, range: StepRange): Promise<Series[]>;
  /** The finest useful step (e.g. the export interval of files), if known. */
  resolution?(): Promise<number | undefined>;
}

/** The plan's EventContext, normalised from the log record's body and attributes. */
export interface EventContext {
  readonly threadId?: string;
  readonly requestId?: string;
  readonly component?: string;
  readonly action?: string;
  readonly durationMs?: number;
  readonly memoryUsage?: number;
  readonly error?: { readonly type?: string; readonly message?: string };
}

/** One log event (an OpenTelemetry log record named after the plan's EventType). */
export interface TelemetryEvent {
  /** Epoch milliseconds. */
  readonly time: number;
  /** The plan's EventType value, e.g. `chat.start`. */
  readonly name: string;
  readonly context: EventContext;
  /** Attributes (and, from Loki, labels and structured metadata), keys as received. */
  readonly attributes: Readonly<Record<string, string | number | boolean>>;
  /** `lorechat.query.fingerprint` of chat.message / chat.complete events. */
  readonly fingerprint?: string;
  /** Query text, only present when the app captures content. */
  readonly query?: string;
}

export interface EventsReader {
  readonly description: string;
  /** Events whose time lies in (start, end], optionally only those with the given names. */
  events(window: TimeWindow, names?: readonly string[]): Promise<TelemetryEvent[]>;
}

/**
 * The one interface the analysis reads telemetry through. Prometheus provides metrics, Loki
 * events, the embedded default's OTLP-JSON files both; either capability may be missing.
 */
export interface TelemetrySource {
  readonly metrics?: MetricsReader;
  readonly events?: EventsReader;
  /** Where data exist, if the source can tell (files); undefined means "up to now". */
  extent(): Promise<TimeWindow | undefined>;
  describe(): string;
}

/** Reports progress of long operations (the CLI prints it on stderr). */
export type Progress = (message: string) => void;
