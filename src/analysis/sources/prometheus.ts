import { metricDefinition, prometheusSeriesNames } from '../../catalogue/index.js';
import { METRIC_CHAT_RESPONSE_TIME } from '../../semconv.js';
import { BackendError } from '../errors.js';
import type { Bucket } from '../stats.js';
import { promDuration, stepTimes } from '../time.js';
import { baseUrl, getJson } from './http.js';
import type {
  GaugeReduce,
  HistogramSeries,
  HistogramStep,
  Labels,
  MetricQuery,
  MetricsReader,
  Progress,
  Series,
  StepRange,
  TelemetrySource,
  TimeWindow,
} from './types.js';

/** Prometheus refuses range queries of more than 11,000 points per series. */
const MAX_POINTS = 11_000;

interface MatrixResult {
  metric: Record<string, string>;
  values: Array<[number, string]>;
}

const SERIES_NAMES: ReadonlySet<string> = new Set(prometheusSeriesNames());

function selector(name: string, where: Labels | undefined): string {
  if (!SERIES_NAMES.has(name)) throw new Error(`${name} is not a catalogue series`);
  const matchers = Object.entries(where ?? {}).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  return matchers.length > 0 ? `${name}{${matchers.join(',')}}` : name;
}

function toPoints(values: MatrixResult['values']): Array<[number, number]> {
  return values
    .map(([t, v]): [number, number] => [Math.round(t * 1000), Number(v)])
    .filter(([, v]) => Number.isFinite(v));
}

function labelsOf(metric: Record<string, string>, by: readonly string[]): Labels {
  const out: Record<string, string> = {};
  for (const k of by) out[k] = metric[k] ?? '';
  return out;
}

/** Client for Prometheus's HTTP API (`/api/v1/query_range`). */
export class PrometheusClient {
  readonly url: URL;
  constructor(
    url: string,
    private readonly options: { timeoutMs?: number; progress?: Progress } = {},
  ) {
    this.url = baseUrl(url, 'Prometheus');
  }

  /** Runs a range query; the evaluation times are end, end - step, ... (aligned on end). */
  async queryRange(expr: string, range: StepRange): Promise<MatrixResult[]> {
    const steps = Math.floor((range.end - range.start) / range.step);
    if (steps + 1 > MAX_POINTS) {
      throw new BackendError(
        `the range holds ${steps + 1} steps of ${promDuration(range.step)}; Prometheus allows ${MAX_POINTS}: use a larger --step`,
      );
    }
    const start = range.end - steps * range.step;
    const url = new URL('api/v1/query_range', this.url);
    url.searchParams.set('query', expr);
    url.searchParams.set('start', (start / 1000).toFixed(3));
    url.searchParams.set('end', (range.end / 1000).toFixed(3));
    url.searchParams.set('step', `${range.step / 1000}`);
    return this.#matrix(expr, url);
  }

  async #matrix(expr: string, url: URL): Promise<MatrixResult[]> {
    this.options.progress?.(`prometheus: ${expr}`);
    const body = (await getJson('Prometheus', url, {
      timeoutMs: this.options.timeoutMs ?? 60_000,
    })) as {
      status?: string;
      error?: string;
      data?: { resultType?: string; result?: MatrixResult[] };
    };
    if (body.status !== 'success') {
      throw new BackendError(`Prometheus rejected "${expr}": ${body.error ?? 'unknown error'}`);
    }
    if (body.data?.resultType !== 'matrix' || !Array.isArray(body.data.result)) {
      throw new BackendError(
        `Prometheus answered "${expr}" with ${body.data?.resultType ?? 'no'} data, not a matrix`,
      );
    }
    return body.data.result;
  }

  /**
   * Raw samples of a series selector from `lookbackMs` before the first step window to the
   * range's end: an instant query of a range selector (`x[d]` at end, i.e. (end - d, end]).
   */
  async rawSamples(sel: string, range: StepRange, lookbackMs: number): Promise<MatrixResult[]> {
    const times = stepTimes(range);
    const from = (times[0] ?? range.end) - range.step - lookbackMs;
    const expr = `${sel}[${promDuration(Math.max(1000, Math.ceil((range.end - from) / 1000) * 1000))}]`;
    const url = new URL('api/v1/query', this.url);
    url.searchParams.set('query', expr);
    url.searchParams.set('time', (range.end / 1000).toFixed(3));
    return this.#matrix(expr, url);
  }
}

/**
 * How far before the first step window raw samples are read, to find each series' baseline.
 * Prometheus's own lookback delta: a live series has a sample at least this often.
 */
const BASELINE_LOOKBACK_MS = 300_000;

type Sample = readonly [number, number];

/**
 * Per-step increases of one cumulative series from its raw samples, keyed by step end time.
 *
 * Why not `increase(x[step])`: Prometheus stores OTLP cumulative points without their start
 * time (unless the experimental created-timestamp feature is on), so `increase()` cannot
 * count a series' first sample. Every new series -- each process start (`instance` is the
 * SDK's service.instance.id), each label set seen for the first time, such as a new
 * `error_type` -- loses what it counted before its first export, and a label set that fired
 * once and never again reads as 0. Differencing the raw samples instead counts everything: a
 * series without a sample before the first window started at zero (OTLP cumulative counters
 * do), a drop is a reset counting from zero.
 *
 * Each difference accrued between its two samples, so it is spread evenly over that interval
 * (the linear model `increase()` uses when it extrapolates); a series' first sample, whose
 * start Prometheus does not know, is spread over the series' median sample interval (the
 * export interval) before it. A step therefore never receives a whole export's increase just
 * because the sample landed in it. Steps from the first to the last step an increase touches
 * are present (0 when nothing changed); steps outside are absent.
 */
export function stepIncreases(samples: readonly Sample[], range: StepRange): Map<number, number> {
  const times = stepTimes(range);
  const out = new Map<number, number>();
  const first = times[0];
  const last = times.at(-1);
  if (first === undefined || last === undefined) return out;
  const windowStart = first - range.step;
  const gaps: number[] = [];
  for (let i = 1; i < samples.length; i++) {
    const g = (samples[i]?.[0] ?? 0) - (samples[i - 1]?.[0] ?? 0);
    if (g > 0) gaps.push(g);
  }
  gaps.sort((a, b) => a - b);
  const typicalGap = gaps[Math.floor(gaps.length / 2)] ?? 0;
  let prev: Sample | undefined;
  let lo: number | undefined;
  let hi: number | undefined;
  const add = (k: number, v: number) => {
    const at = times[k] as number;
    out.set(at, (out.get(at) ?? 0) + v);
    lo = lo === undefined ? k : Math.min(lo, k);
    hi = hi === undefined ? k : Math.max(hi, k);
  };
  const index = (t: number) => Math.ceil((t - first) / range.step);
  for (const sample of samples) {
    const [t, v] = sample;
    if (t <= windowStart) {
      prev = sample;
      continue;
    }
    if (t > last) break;
    const delta = prev === undefined || v < prev[1] ? v : v - prev[1];
    // A first sample (or a reset) accrued since an unknown start: assume the export interval,
    // but inside the range, so that nothing counted is dropped for a guess.
    const from =
      prev !== undefined && v >= prev[1] ? prev[0] : Math.max(windowStart, t - typicalGap);
    prev = sample;
    if (from >= t) {
      add(index(t), delta);
      continue;
    }
    for (let k = Math.max(0, index(from + 1e-6)); k <= index(t); k++) {
      const stepEnd = times[k] as number;
      const overlap = Math.min(stepEnd, t) - Math.max(stepEnd - range.step, from);
      // Parts of the interval before the first window are outside the range.
      if (overlap > 0) add(k, (delta * overlap) / (t - from));
    }
  }
  if (lo === undefined || hi === undefined) return out;
  for (let k = lo; k <= hi; k++) {
    const at = times[k] as number;
    if (!out.has(at)) out.set(at, 0);
  }
  return out;
}

/** Catalogue metrics on their Prometheus names: raw samples for counters and histograms. */
export class PrometheusMetrics implements MetricsReader {
  readonly description: string;
  constructor(readonly client: PrometheusClient) {
    this.description = `Prometheus ${client.url.href}`;
  }

  /**
   * The export interval the app's points arrive at: the median gap between the raw samples
   * of the chat-turn counter (every export repeats it) within the window.
   */
  async resolution(window?: TimeWindow): Promise<number | undefined> {
    if (!window) return undefined;
    const span = Math.max(1000, window.end - window.start);
    const raw = await this.client.rawSamples(
      selector(`${metricDefinition(METRIC_CHAT_RESPONSE_TIME).prometheusName}_count`, undefined),
      { start: window.end, end: window.end, step: span },
      0,
    );
    const gaps: number[] = [];
    for (const r of raw) {
      const pts = toPoints(r.values);
      for (let i = 1; i < pts.length; i++) gaps.push((pts[i]?.[0] ?? 0) - (pts[i - 1]?.[0] ?? 0));
    }
    const positive = gaps.filter((g) => g > 0).sort((a, b) => a - b);
    return positive[Math.floor(positive.length / 2)];
  }

  /** Step increases of every series of `name` matching `where`, grouped by `by`. */
  async #increases(
    name: string,
    where: Labels | undefined,
    by: readonly string[],
    range: StepRange,
  ): Promise<Array<{ labels: Labels; values: Map<number, number> }>> {
    const raw = await this.client.rawSamples(selector(name, where), range, BASELINE_LOOKBACK_MS);
    const groups = new Map<string, { labels: Labels; values: Map<number, number> }>();
    for (const r of raw) {
      const labels = labelsOf(r.metric, by);
      const key = JSON.stringify(labels);
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { labels, values: new Map() }));
      for (const [t, v] of stepIncreases(toPoints(r.values), range))
        g.values.set(t, (g.values.get(t) ?? 0) + v);
    }
    return [...groups.values()];
  }

  async counterIncrease(query: MetricQuery, range: StepRange): Promise<Series[]> {
    const groups = await this.#increases(query.metric.prometheusName, query.where, query.by, range);
    return groups.map((g) => ({
      labels: g.labels,
      points: [...g.values.entries()].sort((a, b) => a[0] - b[0]),
    }));
  }

  async histogramIncrease(query: MetricQuery, range: StepRange): Promise<HistogramSeries[]> {
    const name = query.metric.prometheusName;
    const [buckets, sums, counts] = await Promise.all([
      this.#increases(`${name}_bucket`, query.where, [...query.by, 'le'], range),
      this.#increases(`${name}_sum`, query.where, query.by, range),
      this.#increases(`${name}_count`, query.where, query.by, range),
    ]);
    const groups = new Map<
      string,
      { labels: Labels; steps: Map<number, { buckets: Bucket[]; sum: number; count: number }> }
    >();
    const group = (labels: Labels) => {
      const own = labelsOf(labels, query.by);
      const key = JSON.stringify(own);
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { labels: own, steps: new Map() }));
      return g;
    };
    const step = (g: ReturnType<typeof group>, t: number) => {
      let s = g.steps.get(t);
      if (!s) g.steps.set(t, (s = { buckets: [], sum: 0, count: 0 }));
      return s;
    };
    for (const b of buckets) {
      const raw = b.labels.le ?? '';
      const le = raw === '+Inf' ? Number.POSITIVE_INFINITY : Number(raw);
      if (raw === '' || Number.isNaN(le)) continue;
      const g = group(b.labels);
      for (const [t, v] of b.values) step(g, t).buckets.push({ le, count: v });
    }
    for (const s of sums) {
      const g = group(s.labels);
      for (const [t, v] of s.values) step(g, t).sum = v;
    }
    for (const c of counts) {
      const g = group(c.labels);
      for (const [t, v] of c.values) step(g, t).count = v;
    }
    return [...groups.values()].map((g) => ({
      labels: g.labels,
      points: [...g.steps.entries()]
        .map(([t, s]): HistogramStep => ({
          t,
          sum: s.sum,
          count: s.count,
          buckets: s.buckets.sort((a, b) => a.le - b.le),
        }))
        .sort((a, b) => a.t - b.t),
    }));
  }

  async gauge(query: MetricQuery & { reduce: GaugeReduce }, range: StepRange): Promise<Series[]> {
    const fn = query.reduce === 'max' ? 'max' : 'avg';
    const expr = `${fn} by (${query.by.join(',')}) (${fn}_over_time(${selector(query.metric.prometheusName, query.where)}[${promDuration(range.step)}]))`;
    const result = await this.client.queryRange(expr, range);
    return result.map((r) => ({
      labels: labelsOf(r.metric, query.by),
      points: toPoints(r.values),
    }));
  }
}

/** Prometheus as a TelemetrySource with metrics only (events come from Loki or files). */
export class PrometheusSource implements TelemetrySource {
  readonly metrics: PrometheusMetrics;
  constructor(client: PrometheusClient) {
    this.metrics = new PrometheusMetrics(client);
  }
  extent(): Promise<TimeWindow | undefined> {
    return Promise.resolve(undefined);
  }
  describe(): string {
    return this.metrics.description;
  }
}
