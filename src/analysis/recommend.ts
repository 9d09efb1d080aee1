/**
 * `recommend`: the plan's optimisation rules (vector search > 0.5 s, memory growth > 10 %,
 * token usage > 1000 per minute) and further rules the telemetry supports (p95 and error
 * rate against the plan's thresholds, session memory limit, LLM and vector-store error rates,
 * slow graph nodes). Each recommendation carries the numbers that triggered it.
 */
import { metricDefinition } from '../catalogue/index.js';
import {
  METRIC_ATTR_NODE_NAME,
  METRIC_ATTR_OPERATION,
  METRIC_ATTR_STATUS,
  METRIC_GRAPH_NODE_DURATION,
  METRIC_VECTOR_STORE_OPERATIONS,
  STATUS_ERROR,
} from '../semconv.js';
import { NoDataError } from './errors.js';
import { type Point, indicator } from './indicators.js';
import type { MetricsReader, Progress, TimeWindow } from './sources/types.js';
import { histogramQuantile, linearRegression } from './stats.js';
import { formatDuration } from './time.js';

export type Severity = 'info' | 'warning' | 'critical';

export interface Recommendation {
  readonly id: string;
  readonly severity: Severity;
  readonly title: string;
  /** What was measured, with the numbers. */
  readonly finding: string;
  /** What to do about it. */
  readonly action: string;
  readonly value: number;
  readonly threshold: number;
  readonly unit: string;
}

export interface Thresholds {
  readonly vectorSearchAvgSeconds: number;
  readonly memoryGrowthRate: number;
  readonly tokensPerMinute: number;
  readonly p95Seconds: number;
  readonly errorRateWarning: number;
  readonly errorRateCritical: number;
  readonly memoryMaxBytes: number;
  readonly llmErrorRate: number;
  readonly vectorErrorRate: number;
  readonly nodeP95Seconds: number;
}

/** The plan's numbers (optimisation rules, alerting thresholds, success metrics). */
export const DEFAULT_THRESHOLDS: Thresholds = {
  vectorSearchAvgSeconds: 0.5,
  memoryGrowthRate: 0.1,
  tokensPerMinute: 1000,
  p95Seconds: 2,
  errorRateWarning: 0.01,
  errorRateCritical: 0.05,
  memoryMaxBytes: 500_000_000,
  llmErrorRate: 0.05,
  vectorErrorRate: 0.05,
  nodeP95Seconds: 1,
};

export interface RecommendResult {
  readonly from: string;
  readonly to: string;
  readonly source: string;
  readonly measurements: Readonly<Record<string, number | null>>;
  readonly recommendations: readonly Recommendation[];
}

/** Relative growth of a series between its fitted first and last value (least squares). */
export function growthRate(series: readonly Point[]): number | null {
  if (series.length < 3) return null;
  const t0 = series[0]?.[0] ?? 0;
  const xs = series.map(([t]) => t - t0);
  const fit = linearRegression(
    xs,
    series.map(([, v]) => v),
  );
  const first = fit.intercept;
  const last = fit.intercept + fit.slope * (xs.at(-1) ?? 0);
  return first > 0 ? (last - first) / first : null;
}

const fmt = (v: number, digits = 3) => Number(v.toFixed(digits)).toString();
const pct = (v: number) => `${(v * 100).toFixed(1)} %`;
const mb = (v: number) => `${(v / 1e6).toFixed(1)} MB`;

export async function recommend(
  reader: MetricsReader,
  window: TimeWindow,
  options: { source: string; thresholds?: Partial<Thresholds>; progress?: Progress },
): Promise<RecommendResult> {
  const th = { ...DEFAULT_THRESHOLDS, ...options.thresholds };
  const progress = options.progress ?? (() => {});
  const span = window.end - window.start;
  const whole = { start: window.end, end: window.end, step: span };
  const step = Math.max((await reader.resolution?.()) ?? 1000, Math.round(span / 48 / 1000) * 1000);
  const series = {
    start: window.end - Math.floor(span / step) * step + step,
    end: window.end,
    step,
  };
  const one = async (id: string) => {
    progress(`measuring ${id}`);
    return (await indicator(id).evaluate(reader, whole))[0]?.[1] ?? null;
  };
  // Below a minute the tokens count against one minute: a per-minute rate of a shorter range
  // would extrapolate a burst (the scripted demo's turns take a fraction of a second).
  const perMinute = (rate: number | null) =>
    rate === null ? null : (rate * span) / Math.max(span, 60_000);
  const [vectorAvg, tokenRate, p95, errorRate, llmErrorRate] = [
    await one('vector_search_avg'),
    perMinute(await one('token_rate')),
    await one('response_time_p95'),
    await one('error_rate'),
    await one('llm_error_rate'),
  ];
  progress('measuring memory growth');
  let memorySeries = await indicator('memory_max').evaluate(reader, series);
  let memoryBasis = 'memory_max';
  if (memorySeries.length < 3) {
    memorySeries = await indicator('memory_avg').evaluate(reader, series);
    memoryBasis = 'memory_avg';
  }
  const memoryGrowth = growthRate(memorySeries);
  const memoryMax =
    memorySeries.length > 0 && memoryBasis === 'memory_max'
      ? Math.max(...memorySeries.map(([, v]) => v))
      : await one('memory_max');

  progress('measuring vector-store errors and node durations');
  const [vectorOps, nodes] = await Promise.all([
    reader.counterIncrease(
      {
        metric: metricDefinition(METRIC_VECTOR_STORE_OPERATIONS),
        by: [METRIC_ATTR_STATUS],
        where: { [METRIC_ATTR_OPERATION]: 'search' },
      },
      whole,
    ),
    reader.histogramIncrease(
      { metric: metricDefinition(METRIC_GRAPH_NODE_DURATION), by: [METRIC_ATTR_NODE_NAME] },
      whole,
    ),
  ]);
  const vectorTotal = vectorOps.reduce((a, s) => a + (s.points[0]?.[1] ?? 0), 0);
  const vectorErrors = vectorOps
    .filter((s) => s.labels[METRIC_ATTR_STATUS] === STATUS_ERROR)
    .reduce((a, s) => a + (s.points[0]?.[1] ?? 0), 0);
  const vectorErrorRate = vectorTotal > 0 ? vectorErrors / vectorTotal : null;

  const measurements: Record<string, number | null> = {
    vector_search_avg_seconds: vectorAvg,
    memory_growth_rate: memoryGrowth,
    memory_max_bytes: memoryMax,
    tokens_per_minute: tokenRate,
    response_time_p95_seconds: p95,
    error_rate: errorRate,
    llm_error_rate: llmErrorRate,
    vector_search_error_rate: vectorErrorRate,
  };
  if (Object.values(measurements).every((v) => v === null) && nodes.length === 0) {
    throw new NoDataError(
      `no metrics between ${new Date(window.start).toISOString()} and ${new Date(window.end).toISOString()} in ${options.source}`,
    );
  }

  const recs: Recommendation[] = [];
  const w = formatDuration(span);
  if (vectorAvg !== null && vectorAvg > th.vectorSearchAvgSeconds) {
    recs.push({
      id: 'vector-search-slow',
      severity: 'warning',
      title: 'Consider optimizing the vector store index',
      finding: `average similarity search took ${fmt(vectorAvg)} s over ${w} (threshold ${th.vectorSearchAvgSeconds} s)`,
      action:
        'Use an approximate-nearest-neighbour index (HNSW/IVF) or tune its parameters, lower k, cache embeddings of frequent queries, or move the store closer to the app.',
      value: vectorAvg,
      threshold: th.vectorSearchAvgSeconds,
      unit: 's',
    });
  }
  if (memoryGrowth !== null && memoryGrowth > th.memoryGrowthRate) {
    recs.push({
      id: 'memory-growth',
      severity: 'warning',
      title: 'Investigate potential memory leaks',
      finding: `session memory (${memoryBasis}) grew ${pct(memoryGrowth)} over ${w} by least-squares fit of ${memorySeries.length} steps (threshold ${pct(th.memoryGrowthRate)})`,
      action:
        'Trim or summarise long conversation histories in the checkpointer, expire idle threads, and compare heap snapshots if process memory grows too.',
      value: memoryGrowth,
      threshold: th.memoryGrowthRate,
      unit: 'ratio',
    });
  }
  if (tokenRate !== null && tokenRate > th.tokensPerMinute) {
    recs.push({
      id: 'token-rate',
      severity: 'warning',
      title: 'Consider implementing token usage caching',
      finding: `${fmt(tokenRate, 0)} tokens per minute on average over ${w} (threshold ${th.tokensPerMinute})`,
      action:
        'Cache answers for repeated query fingerprints, cache prompt prefixes with the provider, shorten the retrieved context, or route simple turns to a smaller model.',
      value: tokenRate,
      threshold: th.tokensPerMinute,
      unit: 'tokens/min',
    });
  }
  if (p95 !== null && p95 > th.p95Seconds) {
    recs.push({
      id: 'response-time-p95',
      severity: 'critical',
      title: 'High response time',
      finding: `p95 chat response time ${fmt(p95)} s over ${w} (plan target < ${th.p95Seconds} s)`,
      action:
        'Look at the slowest node and the LLM call durations in the traces; stream responses, reduce retrieved context, or use a faster model for the first turn.',
      value: p95,
      threshold: th.p95Seconds,
      unit: 's',
    });
  }
  if (errorRate !== null && errorRate > th.errorRateWarning) {
    const critical = errorRate > th.errorRateCritical;
    recs.push({
      id: 'error-rate',
      severity: critical ? 'critical' : 'warning',
      title: critical ? 'High error rate' : 'Error rate above the plan target',
      finding: `${pct(errorRate)} of chat turns failed over ${w} (target < ${pct(th.errorRateWarning)}, alert at ${pct(th.errorRateCritical)})`,
      action:
        'Run `patterns` to see which component and error type dominate, then follow the failing traces from the error events.',
      value: errorRate,
      threshold: critical ? th.errorRateCritical : th.errorRateWarning,
      unit: 'ratio',
    });
  }
  if (memoryMax !== null && memoryMax > th.memoryMaxBytes) {
    recs.push({
      id: 'memory-max',
      severity: 'critical',
      title: 'High memory usage',
      finding: `a session held ${mb(memoryMax)} of memory over ${w} (plan limit ${mb(th.memoryMaxBytes)})`,
      action:
        'Cap the stored message history per thread (trim or summarise) and drop retrieved documents from the persisted state.',
      value: memoryMax,
      threshold: th.memoryMaxBytes,
      unit: 'bytes',
    });
  }
  if (llmErrorRate !== null && llmErrorRate > th.llmErrorRate) {
    recs.push({
      id: 'llm-errors',
      severity: 'warning',
      title: 'Frequent LLM errors',
      finding: `${pct(llmErrorRate)} of LLM calls failed over ${w} (threshold ${pct(th.llmErrorRate)})`,
      action:
        'Check the error types (rate limits, timeouts); add retries with backoff, raise quotas or configure a fallback model.',
      value: llmErrorRate,
      threshold: th.llmErrorRate,
      unit: 'ratio',
    });
  }
  if (vectorErrorRate !== null && vectorErrorRate > th.vectorErrorRate) {
    recs.push({
      id: 'vector-errors',
      severity: 'warning',
      title: 'Frequent vector search errors',
      finding: `${pct(vectorErrorRate)} of similarity searches failed over ${w} (${fmt(vectorErrors, 0)} of ${fmt(vectorTotal, 0)}; threshold ${pct(th.vectorErrorRate)})`,
      action:
        'Check the vector store connection and timeouts; add retries or a circuit breaker around retrieval.',
      value: vectorErrorRate,
      threshold: th.vectorErrorRate,
      unit: 'ratio',
    });
  }
  const nodeTime = nodes.reduce((a, s) => a + (s.points[0]?.sum ?? 0), 0);
  for (const s of nodes) {
    const p = s.points[0];
    if (!p || p.count === 0) continue;
    const q = histogramQuantile(0.95, p.buckets);
    if (Number.isFinite(q) && q > th.nodeP95Seconds) {
      const node = s.labels[METRIC_ATTR_NODE_NAME] ?? '';
      recs.push({
        id: `slow-node:${node}`,
        severity: 'info',
        title: `Slow graph node "${node}"`,
        finding: `p95 of node ${node} is ${fmt(q)} s (average ${fmt(p.sum / p.count)} s over ${fmt(p.count, 0)} runs, ${pct(nodeTime > 0 ? p.sum / nodeTime : 0)} of all node time) over ${w} (threshold ${th.nodeP95Seconds} s)`,
        action:
          'Profile this node in the traces (its child spans show LLM and retrieval calls); parallelise independent work or cache its results.',
        value: q,
        threshold: th.nodeP95Seconds,
        unit: 's',
      });
    }
  }
  const order: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };
  recs.sort((a, b) => order[a.severity] - order[b.severity]);
  return {
    from: new Date(window.start).toISOString(),
    to: new Date(window.end).toISOString(),
    source: options.source,
    measurements,
    recommendations: recs,
  };
}
