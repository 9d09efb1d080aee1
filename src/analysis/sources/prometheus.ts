import { prometheusSeriesNames } from '../../catalogue/index.js';
import { BackendError } from '../errors.js';
import type { Bucket } from '../stats.js';
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

function promDuration(ms: number): string {
  return `${Math.max(1, Math.round(ms / 1000))}s`;
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
}

/** Catalogue metrics through PromQL on their Prometheus names. */
export class PrometheusMetrics implements MetricsReader {
  readonly description: string;
  constructor(readonly client: PrometheusClient) {
    this.description = `Prometheus ${client.url.href}`;
  }

  async counterIncrease(query: MetricQuery, range: StepRange): Promise<Series[]> {
    const by = query.by.join(',');
    const expr = `sum by (${by}) (increase(${selector(query.metric.prometheusName, query.where)}[${promDuration(range.step)}]))`;
    const result = await this.client.queryRange(expr, range);
    return result.map((r) => ({
      labels: labelsOf(r.metric, query.by),
      points: toPoints(r.values),
    }));
  }

  async histogramIncrease(query: MetricQuery, range: StepRange): Promise<HistogramSeries[]> {
    const name = query.metric.prometheusName;
    const window = promDuration(range.step);
    const by = query.by.join(',');
    const sel = (suffix: string) => selector(`${name}${suffix}`, query.where);
    const [buckets, sums, counts] = await Promise.all([
      this.client.queryRange(
        `sum by (${[...query.by, 'le'].join(',')}) (increase(${sel('_bucket')}[${window}]))`,
        range,
      ),
      this.client.queryRange(`sum by (${by}) (increase(${sel('_sum')}[${window}]))`, range),
      this.client.queryRange(`sum by (${by}) (increase(${sel('_count')}[${window}]))`, range),
    ]);
    const groups = new Map<
      string,
      { labels: Labels; steps: Map<number, { buckets: Bucket[]; sum: number; count: number }> }
    >();
    const group = (metric: Record<string, string>) => {
      const labels = labelsOf(metric, query.by);
      const key = JSON.stringify(labels);
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { labels, steps: new Map() }));
      return g;
    };
    const step = (g: ReturnType<typeof group>, t: number) => {
      let s = g.steps.get(t);
      if (!s) g.steps.set(t, (s = { buckets: [], sum: 0, count: 0 }));
      return s;
    };
    for (const r of buckets) {
      const le = r.metric.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(r.metric.le);
      if (Number.isNaN(le)) continue;
      const g = group(r.metric);
      for (const [t, v] of toPoints(r.values)) step(g, t).buckets.push({ le, count: v });
    }
    for (const r of sums) {
      const g = group(r.metric);
      for (const [t, v] of toPoints(r.values)) step(g, t).sum = v;
    }
    for (const r of counts) {
      const g = group(r.metric);
      for (const [t, v] of toPoints(r.values)) step(g, t).count = v;
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
