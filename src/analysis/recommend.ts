/**
 * `recommend`: the plan's optimisation rules (vector search > 0.5 s, memory growth > 10 %,
 * token usage > 1000 per minute) and further rules the telemetry supports (p95 and error
 * rate against the plan's thresholds, session memory limit, LLM and vector-store error rates,
 * slow graph nodes). Each recommendation carries the numbers that triggered it.
 */
import { metricDefinition } from '../catalogue/index.js';
import {
  METRIC_ATTR_COMPONENT,
  METRIC_ATTR_NODE_NAME,
  METRIC_ATTR_OPERATION,
  METRIC_ATTR_STATUS,
  METRIC_GRAPH_NODE_DURATION,
  METRIC_LORECHAT_OPERATIONS,
  METRIC_VECTOR_STORE_OPERATIONS,
  STATUS_ERROR,
} from '../semconv.js';
import { NoDataError } from './errors.js';
import {
  type Evidence,
  MINIMUMS,
  evidence,
  perMinuteWithheld,
  plural,
  quantileWithheld,
} from './evidence.js';
import { type Point, indicator, turnsPerStep } from './indicators.js';
import type { MetricsReader, Progress, TimeWindow, TracesReader } from './sources/types.js';
import { histogramQuantile, linearRegression, quantile } from './stats.js';
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
  /** The data the finding rests on. */
  readonly evidence: Evidence;
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
  /** What each measurement rests on; a withheld one (null) says why. */
  readonly evidence: Readonly<Record<string, Evidence>>;
  readonly recommendations: readonly Recommendation[];
}

/** Relative growth of a series between its fitted first and last value (least squares). */
export function growthRate(series: readonly Point[]): number | null {
  if (series.length < MINIMUMS.growthSteps) return null;
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
  options: {
    source: string;
    thresholds?: Partial<Thresholds>;
    progress?: Progress;
    /** Where the data are (files know it); bounds the evidence's time span. */
    extent?: TimeWindow;
    /** Exact turn durations (files with traces): the p95 rule uses them when they match. */
    traces?: TracesReader;
  },
): Promise<RecommendResult> {
  const th = { ...DEFAULT_THRESHOLDS, ...options.thresholds };
  const progress = options.progress ?? (() => {});
  const span = window.end - window.start;
  const dataSpan = options.extent
    ? Math.max(
        0,
        Math.min(window.end, options.extent.end) - Math.max(window.start, options.extent.start),
      )
    : span;
  const whole = { start: window.end, end: window.end, step: span };
  const step = Math.max(
    (await reader.resolution?.(window)) ?? 1000,
    Math.round(span / 48 / 1000) * 1000,
  );
  const series = {
    start: window.end - Math.floor(span / step) * step + step,
    end: window.end,
    step,
  };
  const one = async (id: string) => {
    progress(`measuring ${id}`);
    return (await indicator(id).evaluate(reader, whole))[0]?.[1] ?? null;
  };
  const turns = Math.round((await turnsPerStep(reader, whole))[0]?.[1] ?? 0);
  // A rate per minute of less than a minute of data is a burst, not a rate: withheld, so that
  // a sub-second demo never "uses 5352 tokens per minute".
  const tokenWithheld = perMinuteWithheld(dataSpan);
  const [vectorAvg, tokenRateRaw, histogramP95, errorRate, llmErrorRate] = [
    await one('vector_search_avg'),
    tokenWithheld ? null : await one('token_rate'),
    await one('response_time_p95'),
    await one('error_rate'),
    await one('llm_error_rate'),
  ];
  // The same p95 as `analyze`: exact from the turn spans when they account for the turns.
  const spans = options.traces ? await options.traces.turns(window) : [];
  const p95 =
    histogramP95 !== null && spans.length === turns
      ? quantile(
          spans.map((t) => t.durationMs / 1000),
          0.95,
        )
      : histogramP95;
  const tokenRate = tokenRateRaw;
  progress('measuring memory growth');
  let memorySeries = await indicator('memory_max').evaluate(reader, series);
  let memoryBasis = 'memory_max';
  if (memorySeries.length < MINIMUMS.growthSteps) {
    memorySeries = await indicator('memory_avg').evaluate(reader, series);
    memoryBasis = 'memory_avg';
  }
  const memorySpan =
    memorySeries.length > 0
      ? (memorySeries.at(-1)?.[0] ?? 0) - (memorySeries[0]?.[0] ?? 0) + step
      : 0;
  const growthWithheld =
    memorySeries.length < MINIMUMS.growthSteps
      ? `memory growth needs at least ${plural(MINIMUMS.growthSteps, 'step')} with data; ${memorySeries.length} in range`
      : memorySpan < MINIMUMS.growthSpanMs
        ? `memory growth needs steps spanning at least ${formatDuration(MINIMUMS.growthSpanMs)}; they span ${formatDuration(memorySpan)}`
        : undefined;
  const memoryGrowth = growthWithheld ? null : growthRate(memorySeries);
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
  const searches = Math.round(vectorTotal);
  const llmCalls = Math.round(
    (
      await reader.counterIncrease(
        {
          metric: metricDefinition(METRIC_LORECHAT_OPERATIONS),
          by: [],
          where: { [METRIC_ATTR_COMPONENT]: 'llm' },
        },
        whole,
      )
    ).reduce((a, x) => a + (x.points[0]?.[1] ?? 0), 0),
  );
  const ev = {
    vector_search_avg_seconds: evidence(
      dataSpan,
      searches,
      'searches',
      vectorAvg === null ? 'no similarity searches in range' : undefined,
    ),
    memory_growth_rate: evidence(
      memorySpan,
      memorySeries.length,
      `steps of ${memoryBasis}`,
      growthWithheld,
    ),
    memory_max_bytes: evidence(
      dataSpan,
      memorySeries.length,
      `steps of ${memoryBasis}`,
      memoryMax === null ? 'no session memory in range' : undefined,
    ),
    tokens_per_minute: evidence(
      dataSpan,
      turns,
      'turns',
      tokenWithheld ?? (tokenRate === null ? 'no token counts in range' : undefined),
    ),
    response_time_p95_seconds: evidence(
      dataSpan,
      turns,
      'turns',
      quantileWithheld(0.95, turns, 'turns') ??
        (p95 === null ? 'no chat turns in range' : undefined),
    ),
    error_rate: evidence(
      dataSpan,
      turns,
      'turns',
      errorRate === null ? 'no chat turns in range' : undefined,
    ),
    llm_error_rate: evidence(
      dataSpan,
      llmCalls,
      'LLM calls',
      llmErrorRate === null ? 'no LLM calls in range' : undefined,
    ),
    vector_search_error_rate: evidence(
      dataSpan,
      searches,
      'searches',
      vectorErrorRate === null ? 'no similarity searches in range' : undefined,
    ),
  } satisfies Record<string, Evidence>;
  if (Object.values(measurements).every((v) => v === null) && nodes.length === 0) {
    throw new NoDataError(
      `no metrics between ${new Date(window.start).toISOString()} and ${new Date(window.end).toISOString()} in ${options.source}`,
    );
  }

  const recs: Recommendation[] = [];
  const w = formatDuration(dataSpan);
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
      evidence: ev.vector_search_avg_seconds,
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
      evidence: ev.memory_growth_rate,
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
      evidence: ev.tokens_per_minute,
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
      evidence: ev.response_time_p95_seconds,
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
      evidence: ev.error_rate,
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
      evidence: ev.memory_max_bytes,
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
      evidence: ev.llm_error_rate,
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
      evidence: ev.vector_search_error_rate,
    });
  }
  const nodeTime = nodes.reduce((a, s) => a + (s.points[0]?.sum ?? 0), 0);
  for (const s of nodes) {
    const p = s.points[0];
    if (!p || p.count === 0) continue;
    // A p95 of fewer than 20 runs is withheld like every other quantile.
    if (quantileWithheld(0.95, Math.round(p.count), 'runs')) continue;
    const q = histogramQuantile(0.95, p.buckets, p);
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
        evidence: evidence(
          dataSpan,
          Math.round(p.count),
          `runs of node ${s.labels[METRIC_ATTR_NODE_NAME] ?? ''}`,
        ),
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
    evidence: ev,
    recommendations: recs,
  };
}
