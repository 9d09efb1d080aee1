/**
 * `analyze`: the plan's `analyze_logs` for a time range, from metrics where a metrics reader
 * exists and from the log events otherwise (popular queries always come from events).
 */
import { EVENTS, metricDefinition } from '../catalogue/index.js';
import {
  EVENT_CHAT_COMPLETE,
  EVENT_CHAT_MESSAGE,
  EVENT_CHAT_START,
  EVENT_GRAPH_NODE_EXIT,
  EVENT_LLM_ERROR,
  EVENT_LLM_RESPONSE,
  EVENT_VECTOR_INSERT,
  EVENT_VECTOR_SEARCH,
  EVENT_VECTOR_UPDATE,
  METRIC_ATTR_COMPONENT,
  METRIC_ATTR_MODEL,
  METRIC_ATTR_STATUS,
  METRIC_ATTR_TYPE,
  METRIC_CHAT_RESPONSE_TIME,
  METRIC_LLM_TOKEN_USAGE,
  METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_CACHE_READ_INPUT_TOKENS,
  METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_CACHE_WRITE_INPUT_TOKENS,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_MODEL,
  STATUS_ERROR,
} from '../semconv.js';
import { DEFAULT_PRICE_TABLE } from '../cost/default-prices.js';
import type { PriceTable } from '../cost/prices.js';
import { type CostReport, costReport, modelTokens } from './cost.js';
import { NoDataError } from './errors.js';
import { type Evidence, evidence, plural, quantileWithheld } from './evidence.js';
import { ERROR_TYPE_LABEL, mergeHistograms, operationsAndErrors } from './indicators.js';
import type {
  InputReport,
  Progress,
  TelemetryEvent,
  TelemetrySource,
  TimeWindow,
} from './sources/types.js';
import { type Bucket, histogramQuantile, mean, quantile } from './stats.js';

export interface ComponentErrors {
  readonly component: string;
  readonly operations: number;
  readonly errors: number;
  readonly rate: number;
}

export interface ErrorTypeCount {
  readonly component: string;
  readonly errorType: string;
  readonly errors: number;
  /** Share of the component's operations that failed with this error type. */
  readonly rate: number;
}

export interface TokenUsage {
  readonly model: string;
  readonly type: string;
  readonly tokens: number;
}

export interface PopularQuery {
  readonly fingerprint: string;
  readonly count: number;
  readonly share: number;
  /** Only when the app captures content. */
  readonly query?: string;
}

export interface AnalyzeResult {
  readonly from: string;
  readonly to: string;
  readonly source: string;
  /** Where request counts and response times come from. */
  readonly basis: 'metrics' | 'events';
  readonly totalRequests: number;
  readonly failedRequests: number;
  /** Where response times come from: exact span durations, the histogram, or the events. */
  readonly responseTimeBasis: 'spans' | 'histogram' | 'events' | null;
  readonly avgResponseTimeSeconds: number | null;
  /** Null when withheld (fewer than 20 turns; see evidence.p95ResponseTime). */
  readonly p95ResponseTimeSeconds: number | null;
  /** Observed extremes (spans, or the histogram points' min/max), when known. */
  readonly minResponseTimeSeconds: number | null;
  readonly maxResponseTimeSeconds: number | null;
  readonly errorRate: number | null;
  readonly errorsByComponent: readonly ComponentErrors[];
  readonly errorsByType: readonly ErrorTypeCount[];
  readonly tokenUsage: readonly TokenUsage[];
  /** Null when no source in the range counts tokens. */
  readonly totalTokens: number | null;
  /**
   * Spend per model and per turn from the token counts and the price table (the cost rules'
   * table and formula); unpriced models listed as such. Null when no tokens were counted.
   */
  readonly cost: CostReport | null;
  /** What each figure rests on, and why one is withheld. */
  readonly evidence: Readonly<Record<string, Evidence>>;
  /** Files: what was read and which lines could not be used. */
  readonly input: InputReport | null;
  /** Response-time histogram of the range (cumulative buckets, plan's bounds). */
  readonly responseTimeBuckets: readonly Bucket[];
  /** Null when no event source is available. */
  readonly popularQueries: readonly PopularQuery[] | null;
  readonly notes: readonly string[];
}

/** Events that close one operation of a component (the denominators of the error rate). */
const OPERATION_EVENTS: ReadonlySet<string> = new Set([
  EVENT_CHAT_COMPLETE,
  EVENT_GRAPH_NODE_EXIT,
  EVENT_VECTOR_SEARCH,
  EVENT_VECTOR_INSERT,
  EVENT_VECTOR_UPDATE,
  EVENT_LLM_RESPONSE,
  EVENT_LLM_ERROR,
]);

const COMPONENT_OF: ReadonlyMap<string, string> = new Map(EVENTS.map((e) => [e.name, e.component]));

export function popularQueries(events: readonly TelemetryEvent[], top: number): PopularQuery[] {
  const messages = events.filter((e) => e.name === EVENT_CHAT_MESSAGE && e.fingerprint);
  const basis =
    messages.length > 0
      ? messages
      : events.filter((e) => e.name === EVENT_CHAT_COMPLETE && e.fingerprint);
  const counts = new Map<string, { count: number; query?: string }>();
  for (const e of basis) {
    const fp = e.fingerprint as string;
    const c = counts.get(fp) ?? { count: 0 };
    c.count++;
    if (e.query !== undefined) c.query ??= e.query;
    counts.set(fp, c);
  }
  return [...counts.entries()]
    .sort((a, b) => b[1].count - a[1].count || a[0].localeCompare(b[0]))
    .slice(0, top)
    .map(([fingerprint, c]) => ({
      fingerprint,
      count: c.count,
      share: c.count / basis.length,
      ...(c.query !== undefined ? { query: c.query } : {}),
    }));
}

/** Error rates by component and error type from events (used without a metrics reader). */
export function errorsFromEvents(events: readonly TelemetryEvent[]): {
  byComponent: ComponentErrors[];
  byType: ErrorTypeCount[];
} {
  const ops = new Map<string, { operations: number; errors: number }>();
  const types = new Map<string, number>();
  for (const e of events) {
    if (!OPERATION_EVENTS.has(e.name)) continue;
    const component = e.context.component ?? COMPONENT_OF.get(e.name) ?? 'unknown';
    const o = ops.get(component) ?? { operations: 0, errors: 0 };
    ops.set(component, o);
    o.operations++;
    const failed = e.name === EVENT_LLM_ERROR || e.context.error !== undefined;
    if (failed) {
      o.errors++;
      const key = JSON.stringify([component, e.context.error?.type ?? 'Error']);
      types.set(key, (types.get(key) ?? 0) + 1);
    }
  }
  const byComponent = [...ops.entries()].map(([component, o]) => ({
    component,
    ...o,
    rate: o.operations > 0 ? o.errors / o.operations : 0,
  }));
  const byType = [...types.entries()].map(([key, errors]) => {
    const [component, errorType] = JSON.parse(key) as [string, string];
    const operations = ops.get(component)?.operations ?? 0;
    return { component, errorType, errors, rate: operations > 0 ? errors / operations : 0 };
  });
  return { byComponent, byType };
}

/** The part of `window` the source has data for (files know their extent). */
export async function dataSpan(source: TelemetrySource, window: TimeWindow): Promise<number> {
  const extent = await source.extent();
  if (!extent) return window.end - window.start;
  return Math.max(0, Math.min(window.end, extent.end) - Math.max(window.start, extent.start));
}

/** One line about unusable input lines, or undefined when every line was used. */
export function inputNote(input: InputReport | undefined | null): string | undefined {
  if (!input || input.unusableLines === 0) return undefined;
  const where = input.problems
    .slice(0, 3)
    .map((p) => `${p.file}:${p.line} ${p.reason}`)
    .join('; ');
  return `${plural(input.unusableLines, 'line')} of the files could not be used and ${input.unusableLines === 1 ? 'is' : 'are'} left out of every figure (${where}${input.unusableLines > 3 ? '; ...' : ''})`;
}

function tokensFromEvents(events: readonly TelemetryEvent[]): TokenUsage[] {
  const acc = new Map<string, number>();
  for (const e of events) {
    if (e.name !== EVENT_LLM_RESPONSE || !e.tokens) continue;
    for (const [type, n] of [
      ['input', e.tokens.input],
      ['output', e.tokens.output],
    ] as const) {
      if (n === undefined) continue;
      const key = JSON.stringify([e.tokens.model, type]);
      acc.set(key, (acc.get(key) ?? 0) + n);
    }
  }
  return [...acc.entries()].map(([key, tokens]) => {
    const [model, type] = JSON.parse(key) as [string, string];
    return { model, type, tokens };
  });
}

/** Prometheus label names of the request and response model of the latest usage counters. */
const REQUEST_MODEL = ATTR_GEN_AI_REQUEST_MODEL.replace(/\W/g, '_');
const RESPONSE_MODEL = ATTR_GEN_AI_RESPONSE_MODEL.replace(/\W/g, '_');

export interface AnalyzeOptions {
  /** Popular queries listed. @default 10 */
  top?: number;
  progress?: Progress;
  /** Prices per model (src/cost/prices.ts `loadPrices`). @default the shipped price table */
  prices?: PriceTable;
  /** How the prices are named in the output. @default prices.dataset */
  pricesName?: string;
}

export async function analyze(
  source: TelemetrySource,
  window: TimeWindow,
  options: AnalyzeOptions = {},
): Promise<AnalyzeResult> {
  const progress = options.progress ?? (() => {});
  const range = { start: window.end, end: window.end, step: window.end - window.start };
  const notes: string[] = [];
  const input = (await source.inputReport?.()) ?? null;
  const inputProblem = inputNote(input);
  if (inputProblem) notes.push(inputProblem);
  const span = await dataSpan(source, window);
  let events: TelemetryEvent[] | undefined;
  if (source.events) {
    progress(`reading events from ${source.events.description}`);
    events = await source.events.events(window);
  } else {
    notes.push('no event source (give --loki or --files): popular queries are not available');
  }

  let basis: AnalyzeResult['basis'] = 'metrics';
  let rtBasis: AnalyzeResult['responseTimeBasis'] = null;
  let totalRequests = 0;
  let failedRequests = 0;
  let avg: number | null = null;
  let p95: number | null = null;
  let min: number | null = null;
  let max: number | null = null;
  let timed = 0;
  let buckets: Bucket[] = [];
  let byComponent: ComponentErrors[] = [];
  let byType: ErrorTypeCount[] = [];
  let tokenUsage: TokenUsage[] = [];
  let tokensCounted = false;
  const cacheTokens: TokenUsage[] = [];

  if (source.metrics) {
    const m = source.metrics;
    progress(`reading metrics from ${m.description}`);
    // The latest conventions' cache counters, by model as the cost rules relabel them (the
    // response model when the provider reported one, else the request model).
    const cacheCounter = (name: Parameters<typeof metricDefinition>[0]) =>
      m.counterIncrease(
        { metric: metricDefinition(name), by: [REQUEST_MODEL, RESPONSE_MODEL] },
        range,
      );
    const [rt, [ops, errs], tokens, cacheRead, cacheWrite] = await Promise.all([
      m.histogramIncrease(
        { metric: metricDefinition(METRIC_CHAT_RESPONSE_TIME), by: [METRIC_ATTR_STATUS] },
        range,
      ),
      operationsAndErrors(m, range),
      m.counterIncrease(
        {
          metric: metricDefinition(METRIC_LLM_TOKEN_USAGE),
          by: [METRIC_ATTR_MODEL, METRIC_ATTR_TYPE],
        },
        range,
      ),
      cacheCounter(METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_CACHE_READ_INPUT_TOKENS),
      cacheCounter(METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_CACHE_WRITE_INPUT_TOKENS),
    ]);
    const all = mergeHistograms(rt)[0];
    totalRequests = Math.round(all?.count ?? 0);
    failedRequests = Math.round(
      rt
        .filter((s) => s.labels[METRIC_ATTR_STATUS] === STATUS_ERROR)
        .reduce((acc, s) => acc + (s.points[0]?.count ?? 0), 0),
    );
    if (all && all.count > 0) {
      rtBasis = 'histogram';
      timed = totalRequests;
      avg = all.sum / all.count;
      p95 = histogramQuantile(0.95, all.buckets, all);
      min = all.min ?? null;
      max = all.max ?? null;
      buckets = [...all.buckets];
    }
    const value = (s: { points: ReadonlyArray<readonly [number, number]> }) =>
      s.points[0]?.[1] ?? 0;
    const errorsOf = new Map<string, number>();
    for (const s of errs) {
      const c = s.labels[METRIC_ATTR_COMPONENT] ?? '';
      errorsOf.set(c, (errorsOf.get(c) ?? 0) + value(s));
    }
    const opsOf = new Map(ops.map((s) => [s.labels[METRIC_ATTR_COMPONENT] ?? '', value(s)]));
    byComponent = [...new Set([...opsOf.keys(), ...errorsOf.keys()])].map((component) => {
      const operations = Math.round(opsOf.get(component) ?? 0);
      const errors = Math.round(errorsOf.get(component) ?? 0);
      return { component, operations, errors, rate: operations > 0 ? errors / operations : 0 };
    });
    byType = errs
      .filter((s) => value(s) > 0)
      .map((s) => {
        const component = s.labels[METRIC_ATTR_COMPONENT] ?? '';
        // The same (rounded) denominator as the component's own rate.
        const operations = Math.round(opsOf.get(component) ?? 0);
        const errors = Math.round(value(s));
        return {
          component,
          errorType: s.labels[ERROR_TYPE_LABEL] || 'unknown',
          errors,
          rate: operations > 0 ? errors / operations : 0,
        };
      });
    tokenUsage = tokens
      .map((s) => ({
        model: s.labels[METRIC_ATTR_MODEL] ?? '',
        type: s.labels[METRIC_ATTR_TYPE] ?? '',
        tokens: Math.round(value(s)),
      }))
      .filter((t) => t.tokens > 0);
    tokensCounted = tokens.length > 0;
    for (const [type, series] of [
      ['cache_read', cacheRead],
      ['cache_write', cacheWrite],
    ] as const) {
      for (const s of series) {
        const n = Math.round(value(s));
        const model = s.labels[RESPONSE_MODEL] || s.labels[REQUEST_MODEL] || '';
        if (n > 0) cacheTokens.push({ model, type, tokens: n });
      }
    }
  }

  if ((!source.metrics || totalRequests === 0) && events && events.length > 0) {
    basis = 'events';
    if (source.metrics)
      notes.push(
        `the metrics hold no chat turns in the range${inputProblem ? ' (see the unusable lines)' : ''}: turns, errors, response times and tokens come from the log events`,
      );
    const starts = events.filter((e) => e.name === EVENT_CHAT_START);
    const completes = events.filter((e) => e.name === EVENT_CHAT_COMPLETE);
    totalRequests = starts.length > 0 ? starts.length : completes.length;
    failedRequests = completes.filter((e) => e.context.error).length;
    const durations = completes
      .map((e) => e.context.durationMs)
      .filter((d): d is number => d !== undefined)
      .map((d) => d / 1000);
    if (durations.length > 0) {
      rtBasis = 'events';
      timed = durations.length;
      avg = mean(durations);
      p95 = quantile(durations, 0.95);
      min = Math.min(...durations);
      max = Math.max(...durations);
    }
    ({ byComponent, byType } = errorsFromEvents(events));
    const fromEvents = tokensFromEvents(events);
    if (fromEvents.length > 0) {
      tokenUsage = fromEvents;
      tokensCounted = true;
      // Events carry input and output only: cached input is priced as input (as in v1.41 mode).
      cacheTokens.length = 0;
    }
  }

  // Span durations are exact; use them when they account for the same turns.
  if (source.traces && totalRequests > 0) {
    const turns = await source.traces.turns(window);
    if (turns.length === totalRequests) {
      const durations = turns.map((t) => t.durationMs / 1000);
      rtBasis = 'spans';
      timed = durations.length;
      avg = mean(durations);
      p95 = quantile(durations, 0.95);
      min = Math.min(...durations);
      max = Math.max(...durations);
    } else if (turns.length > 0) {
      notes.push(
        `traces.jsonl holds ${plural(turns.length, 'turn span')} for ${plural(totalRequests, 'turn')}: response times come from the ${rtBasis ?? 'metrics'}, not the spans`,
      );
    }
  }

  if (totalRequests === 0 && (!events || events.length === 0)) {
    throw new NoDataError(
      `no chat turns and no events between ${new Date(window.start).toISOString()} and ${new Date(window.end).toISOString()} in ${source.describe()}`,
    );
  }

  const turnsOf = rtBasis === 'spans' ? 'turn spans' : 'turns';
  const p95Withheld = quantileWithheld(0.95, timed, 'turns');
  const ev: Record<string, Evidence> = {
    requests: evidence(span, totalRequests, 'turns'),
    errorRate: evidence(
      span,
      totalRequests,
      'turns',
      totalRequests === 0 ? 'no chat turns in range' : undefined,
    ),
    avgResponseTime: evidence(
      span,
      timed,
      turnsOf,
      timed === 0 ? 'no timed chat turns in range' : undefined,
    ),
    p95ResponseTime: evidence(
      span,
      timed,
      turnsOf,
      p95Withheld && max !== null
        ? `${p95Withheld} (the slowest took ${Number(max.toFixed(3))} s)`
        : p95Withheld,
    ),
    tokens: evidence(
      span,
      tokenUsage.length,
      'model/type series',
      tokensCounted
        ? undefined
        : 'no token counts in range (no llm_token_usage and no llm.response token fields)',
    ),
  };

  byComponent.sort((a, b) => a.component.localeCompare(b.component));
  byType.sort((a, b) => b.errors - a.errors || a.component.localeCompare(b.component));
  tokenUsage.sort((a, b) => a.model.localeCompare(b.model) || a.type.localeCompare(b.type));
  const finite = (v: number | null) => (v !== null && Number.isFinite(v) ? v : null);
  const prices = options.prices ?? DEFAULT_PRICE_TABLE;
  const cost = tokensCounted
    ? costReport(
        modelTokens([...tokenUsage, ...cacheTokens]),
        prices,
        totalRequests,
        options.pricesName ?? prices.dataset,
      )
    : null;
  if (cost && cost.unpricedModels.length > 0)
    notes.push(
      `${plural(cost.unpricedTokens, 'token')} of ${cost.unpricedModels.join(', ')} ${cost.unpricedModels.length === 1 ? 'has' : 'have'} no price in ${cost.priceTable}: ${cost.unpricedModels.length === 1 ? 'its' : 'their'} spend is unknown and not in the cost total (price them with --price-overrides FILE)`,
    );
  return {
    from: new Date(window.start).toISOString(),
    to: new Date(window.end).toISOString(),
    source: source.describe(),
    basis,
    totalRequests,
    failedRequests,
    responseTimeBasis: rtBasis,
    avgResponseTimeSeconds: finite(avg),
    p95ResponseTimeSeconds: p95Withheld ? null : finite(p95),
    minResponseTimeSeconds: finite(min),
    maxResponseTimeSeconds: finite(max),
    errorRate: totalRequests > 0 ? failedRequests / totalRequests : null,
    errorsByComponent: byComponent,
    errorsByType: byType,
    tokenUsage,
    totalTokens: tokensCounted ? tokenUsage.reduce((acc, t) => acc + t.tokens, 0) : null,
    cost,
    responseTimeBuckets: buckets,
    popularQueries: events ? popularQueries(events, options.top ?? 10) : null,
    evidence: ev,
    input,
    notes,
  };
}
