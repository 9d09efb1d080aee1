/**
 * The named indicators the CLI knows (`trends <metric>`), each computed per step from the
 * catalogue metrics through a source's MetricsReader. With Prometheus the reader issues
 * PromQL on the catalogue's Prometheus names; with files it reads the same metrics from
 * OTLP/JSON; the arithmetic below is shared.
 */
import { type MetricName, metricDefinition } from '../catalogue/index.js';
import {
  METRIC_ATTR_COMPONENT,
  METRIC_ATTR_OPERATION,
  METRIC_ATTR_STATUS,
  METRIC_CHAT_MEMORY,
  METRIC_CHAT_MEMORY_MAX,
  METRIC_CHAT_RESPONSE_TIME,
  METRIC_CHAT_SESSIONS_ACTIVE,
  METRIC_LLM_TOKEN_USAGE,
  METRIC_LORECHAT_ERRORS,
  METRIC_LORECHAT_OPERATIONS,
  METRIC_VECTOR_STORE_OPERATION_DURATION,
  STATUS_ERROR,
  ATTR_ERROR_TYPE,
} from '../semconv.js';
import { UsageError } from './errors.js';
import { MINIMUMS } from './evidence.js';
import { promLabelName } from './sources/otlp-json.js';
import type {
  HistogramSeries,
  HistogramStep,
  Labels,
  MetricsReader,
  Series,
  StepRange,
} from './sources/types.js';
import { type Bucket, histogramQuantile } from './stats.js';

export type Point = readonly [number, number];

/** The Prometheus label `error.type` becomes. */
export const ERROR_TYPE_LABEL = promLabelName(ATTR_ERROR_TYPE);

/**
 * Operations by component and errors by component and error type over `range`: the two
 * counters behind every error rate.
 */
export function operationsAndErrors(
  m: MetricsReader,
  range: StepRange,
): Promise<[operations: Series[], errors: Series[]]> {
  return Promise.all([
    m.counterIncrease(
      { metric: metricDefinition(METRIC_LORECHAT_OPERATIONS), by: [METRIC_ATTR_COMPONENT] },
      range,
    ),
    m.counterIncrease(
      {
        metric: metricDefinition(METRIC_LORECHAT_ERRORS),
        by: [METRIC_ATTR_COMPONENT, ERROR_TYPE_LABEL],
      },
      range,
    ),
  ]);
}

/** Sums several series point-wise (a step is present when any series has it). */
export function sumSeries(series: readonly Series[]): Point[] {
  const acc = new Map<number, number>();
  for (const s of series) for (const [t, v] of s.points) acc.set(t, (acc.get(t) ?? 0) + v);
  return [...acc.entries()].sort((a, b) => a[0] - b[0]);
}

/** Merges histogram series step-wise into one. */
export function mergeHistograms(series: readonly HistogramSeries[]): HistogramStep[] {
  const acc = new Map<
    number,
    {
      buckets: Map<number, number>;
      sum: number;
      count: number;
      min?: number;
      max?: number;
      unbounded?: boolean;
    }
  >();
  for (const s of series) {
    for (const p of s.points) {
      const a = acc.get(p.t) ?? { buckets: new Map<number, number>(), sum: 0, count: 0 };
      acc.set(p.t, a);
      a.sum += p.sum;
      a.count += p.count;
      // Observed bounds are only known when every merged series with data knows them.
      if (p.count > 0) {
        a.min = p.min === undefined || a.unbounded ? undefined : Math.min(a.min ?? p.min, p.min);
        a.max = p.max === undefined || a.unbounded ? undefined : Math.max(a.max ?? p.max, p.max);
        if (a.min === undefined || a.max === undefined) a.unbounded = true;
      }
      for (const b of p.buckets) a.buckets.set(b.le, (a.buckets.get(b.le) ?? 0) + b.count);
    }
  }
  return [...acc.entries()]
    .sort((x, y) => x[0] - y[0])
    .map(([t, a]) => ({
      t,
      sum: a.sum,
      count: a.count,
      ...(a.min !== undefined ? { min: a.min } : {}),
      ...(a.max !== undefined ? { max: a.max } : {}),
      buckets: [...a.buckets.entries()]
        .sort((x, y) => x[0] - y[0])
        .map(([le, count]): Bucket => ({ le, count })),
    }));
}

/** Point-wise ratio; steps where the denominator is zero or missing are dropped. */
export function ratio(
  num: readonly Point[],
  den: readonly Point[],
  absentNumeratorIsZero = true,
): Point[] {
  const n = new Map(num);
  const out: Point[] = [];
  for (const [t, d] of den) {
    const v = n.get(t) ?? (absentNumeratorIsZero ? 0 : undefined);
    if (d > 0 && v !== undefined) out.push([t, v / d]);
  }
  return out;
}

const def = (name: MetricName) => metricDefinition(name);

async function histogram(
  reader: MetricsReader,
  name: MetricName,
  range: StepRange,
  where?: Labels,
) {
  return mergeHistograms(
    await reader.histogramIncrease({ metric: def(name), by: [], where }, range),
  );
}

export interface Indicator {
  readonly id: string;
  readonly description: string;
  /** Unit of the values, for display. */
  readonly unit: string;
  /** Catalogue metrics it reads (the PromQL/files inputs). */
  readonly inputs: readonly MetricName[];
  /** Whether a rise is bad (for wording only). */
  readonly higherIsWorse: boolean;
  /** A rate per minute: withheld when the data cover less than a minute. */
  readonly perMinute?: boolean;
  /** A quantile (0..1) of turns: withheld below the quantile's minimum of turns. */
  readonly quantile?: number;
  evaluate(reader: MetricsReader, range: StepRange): Promise<Point[]>;
}

/** Steps with fewer turns than the quantile's minimum are left out (withheld). */
const responseQuantile = (q: number) => async (reader: MetricsReader, range: StepRange) =>
  (await histogram(reader, METRIC_CHAT_RESPONSE_TIME, range))
    .filter((p) => p.count > 0 && Math.round(p.count) >= MINIMUMS.quantileSamples(q))
    .map((p): Point => [p.t, histogramQuantile(q, p.buckets, p)])
    .filter(([, v]) => Number.isFinite(v));

/** Chat turns per step (the count of chat_response_time_seconds): the evidence of quantiles. */
export async function turnsPerStep(reader: MetricsReader, range: StepRange): Promise<Point[]> {
  return (await histogram(reader, METRIC_CHAT_RESPONSE_TIME, range)).map((p): Point => [
    p.t,
    p.count,
  ]);
}

export const INDICATORS: readonly Indicator[] = [
  {
    id: 'response_time_p95',
    description:
      '95th percentile of chat response time (histogram_quantile over chat_response_time_seconds)',
    unit: 's',
    inputs: [METRIC_CHAT_RESPONSE_TIME],
    higherIsWorse: true,
    quantile: 0.95,
    evaluate: responseQuantile(0.95),
  },
  {
    id: 'response_time_p50',
    description: 'median chat response time',
    unit: 's',
    inputs: [METRIC_CHAT_RESPONSE_TIME],
    higherIsWorse: true,
    quantile: 0.5,
    evaluate: responseQuantile(0.5),
  },
  {
    id: 'response_time_avg',
    description: 'average chat response time (sum / count of chat_response_time_seconds)',
    unit: 's',
    inputs: [METRIC_CHAT_RESPONSE_TIME],
    higherIsWorse: true,
    async evaluate(reader, range) {
      return (await histogram(reader, METRIC_CHAT_RESPONSE_TIME, range))
        .filter((p) => p.count > 0)
        .map((p): Point => [p.t, p.sum / p.count]);
    },
  },
  {
    id: 'throughput',
    description: 'chat turns per minute (increase of chat_response_time_seconds_count)',
    unit: 'req/min',
    inputs: [METRIC_CHAT_RESPONSE_TIME],
    higherIsWorse: false,
    perMinute: true,
    async evaluate(reader, range) {
      return (await histogram(reader, METRIC_CHAT_RESPONSE_TIME, range)).map((p): Point => [
        p.t,
        p.count / (range.step / 60_000),
      ]);
    },
  },
  {
    id: 'error_rate',
    description:
      'share of chat turns that failed (status="error" in chat_response_time_seconds_count)',
    unit: 'ratio',
    inputs: [METRIC_CHAT_RESPONSE_TIME],
    higherIsWorse: true,
    async evaluate(reader, range) {
      const byStatus = await reader.histogramIncrease(
        { metric: def(METRIC_CHAT_RESPONSE_TIME), by: [METRIC_ATTR_STATUS] },
        range,
      );
      const count = (s: HistogramSeries): Point[] => s.points.map((p): Point => [p.t, p.count]);
      const total = sumSeries(byStatus.map((s) => ({ labels: s.labels, points: count(s) })));
      const errors = sumSeries(
        byStatus
          .filter((s) => s.labels[METRIC_ATTR_STATUS] === STATUS_ERROR)
          .map((s) => ({ labels: s.labels, points: count(s) })),
      );
      return ratio(errors, total);
    },
  },
  {
    id: 'llm_error_rate',
    description:
      'share of LLM calls that failed (lorechat_errors_total / lorechat_operations_total, component="llm")',
    unit: 'ratio',
    inputs: [METRIC_LORECHAT_ERRORS, METRIC_LORECHAT_OPERATIONS],
    higherIsWorse: true,
    async evaluate(reader, range) {
      const where = { [METRIC_ATTR_COMPONENT]: 'llm' };
      const [errors, ops] = await Promise.all([
        reader.counterIncrease({ metric: def(METRIC_LORECHAT_ERRORS), by: [], where }, range),
        reader.counterIncrease({ metric: def(METRIC_LORECHAT_OPERATIONS), by: [], where }, range),
      ]);
      return ratio(sumSeries(errors), sumSeries(ops));
    },
  },
  {
    id: 'memory_max',
    description: 'largest session memory (max of chat_memory_max_bytes)',
    unit: 'bytes',
    inputs: [METRIC_CHAT_MEMORY_MAX],
    higherIsWorse: true,
    async evaluate(reader, range) {
      const series = await reader.gauge(
        { metric: def(METRIC_CHAT_MEMORY_MAX), by: [], reduce: 'max' },
        range,
      );
      return series.flatMap((s) => s.points).sort((a, b) => a[0] - b[0]);
    },
  },
  {
    id: 'memory_avg',
    description: 'average session memory after a turn (sum / count of chat_memory_bytes)',
    unit: 'bytes',
    inputs: [METRIC_CHAT_MEMORY],
    higherIsWorse: true,
    async evaluate(reader, range) {
      return (await histogram(reader, METRIC_CHAT_MEMORY, range))
        .filter((p) => p.count > 0)
        .map((p): Point => [p.t, p.sum / p.count]);
    },
  },
  {
    id: 'token_rate',
    description: 'LLM tokens per minute (increase of llm_token_usage_total)',
    unit: 'tokens/min',
    inputs: [METRIC_LLM_TOKEN_USAGE],
    higherIsWorse: true,
    perMinute: true,
    async evaluate(reader, range) {
      const series = await reader.counterIncrease(
        { metric: def(METRIC_LLM_TOKEN_USAGE), by: [] },
        range,
      );
      return sumSeries(series).map(([t, v]): Point => [t, v / (range.step / 60_000)]);
    },
  },
  {
    id: 'vector_search_avg',
    description:
      'average similarity-search duration (vector_store_operation_duration_seconds, operation="search")',
    unit: 's',
    inputs: [METRIC_VECTOR_STORE_OPERATION_DURATION],
    higherIsWorse: true,
    async evaluate(reader, range) {
      return (
        await histogram(reader, METRIC_VECTOR_STORE_OPERATION_DURATION, range, {
          [METRIC_ATTR_OPERATION]: 'search',
        })
      )
        .filter((p) => p.count > 0)
        .map((p): Point => [p.t, p.sum / p.count]);
    },
  },
  {
    id: 'sessions_active',
    description: 'active chat sessions (max of chat_sessions_active)',
    unit: 'sessions',
    inputs: [METRIC_CHAT_SESSIONS_ACTIVE],
    higherIsWorse: false,
    async evaluate(reader, range) {
      const series = await reader.gauge(
        { metric: def(METRIC_CHAT_SESSIONS_ACTIVE), by: [], reduce: 'max' },
        range,
      );
      return series.flatMap((s) => s.points).sort((a, b) => a[0] - b[0]);
    },
  },
];

export function indicator(id: string): Indicator {
  const found = INDICATORS.find((i) => i.id === id);
  if (!found) {
    throw new UsageError(
      `unknown metric "${id}"; known metrics: ${INDICATORS.map((i) => i.id).join(', ')}`,
    );
  }
  return found;
}
