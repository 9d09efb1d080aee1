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
  /**
   * Bounds of the observations, when the source knows them (OTLP histogram points carry
   * min/max; Prometheus classic histograms do not). A quantile is clamped into them.
   */
  readonly min?: number;
  readonly max?: number;
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
  /**
   * The finest useful step: the interval at which the app exported its points (the median
   * time a point covers), if known. Steps shorter than this put a whole export into one step.
   */
  resolution?(window?: TimeWindow): Promise<number | undefined>;
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
  /** `llm.response`: the call's token counts. */
  readonly tokens?: { readonly model: string; readonly input?: number; readonly output?: number };
}

export interface EventsReader {
  readonly description: string;
  /** Events whose time lies in (start, end], optionally only those with the given names. */
  events(window: TimeWindow, names?: readonly string[]): Promise<TelemetryEvent[]>;
}

/** A finished span of a chat turn (`invoke_workflow {graph}`), with its exact duration. */
export interface TurnSpan {
  /** End time, epoch ms. */
  readonly time: number;
  readonly durationMs: number;
  readonly error: boolean;
}

export interface TracesReader {
  readonly description: string;
  /** Chat-turn spans that ended in (start, end]. */
  turns(window: TimeWindow): Promise<TurnSpan[]>;
}

/** A line of an input file that could not be used. */
export interface InputProblem {
  readonly file: string;
  /** 1-based line number. */
  readonly line: number;
  readonly reason: string;
}

/** What a file source read and what it could not use. */
export interface InputReport {
  readonly files: ReadonlyArray<{ readonly file: string; readonly lines: number }>;
  /** Lines that could not be used, in all files. */
  readonly unusableLines: number;
  /** The first unusable lines with their reasons (at most 20). */
  readonly problems: readonly InputProblem[];
}

/**
 * The one interface the analysis reads telemetry through. Prometheus provides metrics, Loki
 * events, the embedded default's OTLP-JSON files both; either capability may be missing.
 */
export interface TelemetrySource {
  readonly metrics?: MetricsReader;
  readonly events?: EventsReader;
  /** Exact chat-turn durations (files with traces.jsonl). */
  readonly traces?: TracesReader;
  /** Files: what was read and which lines could not be used. */
  inputReport?(): Promise<InputReport | undefined>;
  /** Where data exist, if the source can tell (files); undefined means "up to now". */
  extent(): Promise<TimeWindow | undefined>;
  describe(): string;
}

/** Reports progress of long operations (the CLI prints it on stderr). */
export type Progress = (message: string) => void;
