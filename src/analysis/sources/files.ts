import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { METRICS, type MetricDefinition } from '../../catalogue/index.js';
import { BackendError, UsageError } from '../errors.js';
import { cumulativeBuckets } from '../stats.js';
import { stepTimes } from '../time.js';
import { toTelemetryEvent } from './event-record.js';
import {
  anyValue,
  asArray,
  asObject,
  attributes,
  nanosToMillis,
  promLabelName,
  temporality,
  toNumber,
} from './otlp-json.js';
import type {
  EventsReader,
  GaugeReduce,
  HistogramSeries,
  HistogramStep,
  Labels,
  MetricQuery,
  MetricsReader,
  Series,
  StepRange,
  TelemetryEvent,
  TelemetrySource,
  TimeWindow,
} from './types.js';

/** The files the embedded default writes, one OTLP/JSON export request per line. */
export const TELEMETRY_FILES = {
  metrics: 'metrics.jsonl',
  logs: 'logs.jsonl',
  traces: 'traces.jsonl',
} as const;

/** The embedded default's output directory when LORECHAT_OTEL_OUTPUT_DIR is not set. */
export const DEFAULT_OUTPUT_DIR = '.lorechat/telemetry';

interface StoredPoint {
  /** Epoch ms; start of the cumulative interval (or of the delta). */
  readonly start: number;
  readonly time: number;
  /** Counter/gauge: [value]. Histogram: [count, sum, ...per-bucket counts]. */
  readonly vec: readonly number[];
}

interface StoredSeries {
  readonly metric: string;
  readonly shape: 'number' | 'histogram';
  readonly temporality: 'delta' | 'cumulative' | 'gauge';
  readonly labels: Labels;
  bounds: readonly number[];
  readonly points: StoredPoint[];
}

interface Loaded {
  readonly series: Map<string, StoredSeries>;
  readonly events: TelemetryEvent[];
  readonly extent: TimeWindow | undefined;
  readonly skippedLines: number;
}

async function* lines(path: string): AsyncGenerator<string> {
  const rl = createInterface({
    input: createReadStream(path, { encoding: 'utf8' }),
    crlfDelay: Infinity,
  });
  for await (const line of rl) if (line.trim() !== '') yield line;
}

/**
 * A telemetry file and its rotated predecessors (`metrics.2.jsonl`, `metrics.1.jsonl`,
 * `metrics.jsonl`), oldest first.
 */
async function rotationSet(dir: string, file: string): Promise<string[]> {
  const base = file.replace(/\.jsonl$/, '');
  const rotated = new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(\\d+)\\.jsonl$`);
  const names = await readdir(dir);
  const older = names
    .map((n) => [n, rotated.exec(n)?.[1]] as const)
    .filter((x): x is readonly [string, string] => x[1] !== undefined)
    .sort((a, b) => Number(b[1]) - Number(a[1]))
    .map(([n]) => join(dir, n));
  return names.includes(file) ? [...older, join(dir, file)] : older;
}

function sortedLabels(record: Record<string, string | number | boolean>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(record).sort()) out[promLabelName(key)] = String(record[key]);
  return out;
}

function matches(labels: Labels, where: Labels | undefined): boolean {
  if (!where) return true;
  return Object.entries(where).every(([k, v]) => labels[k] === v);
}

function groupKey(labels: Labels, by: readonly string[]): [string, Labels] {
  const picked: Record<string, string> = {};
  for (const k of by) picked[k] = labels[k] ?? '';
  return [JSON.stringify(picked), picked];
}

/**
 * The increase of a series' vector over (a, b]: cumulative points are differenced against
 * the last point at or before `a` of the same start time (a changed start time is a reset and
 * counts from zero); delta points inside the window are summed. Undefined when the series has
 * no point at or before `b`.
 */
function increase(s: StoredSeries, a: number, b: number): number[] | undefined {
  const pts = s.points;
  const width = pts[0]?.vec.length ?? 0;
  const zero = (): number[] => new Array<number>(width).fill(0);
  let lastBefore: StoredPoint | undefined;
  const inside: StoredPoint[] = [];
  for (const p of pts) {
    if (p.time <= a) lastBefore = p;
    else if (p.time <= b) inside.push(p);
    else break;
  }
  if (!lastBefore && inside.length === 0) return undefined;
  const total = zero();
  if (s.temporality === 'delta') {
    for (const p of inside) p.vec.forEach((v, i) => (total[i] = (total[i] ?? 0) + v));
    return total;
  }
  let baseline: readonly number[] = lastBefore?.vec ?? zero();
  let segmentStart = lastBefore?.start;
  let segmentLast: readonly number[] | undefined;
  const close = () => {
    if (segmentLast)
      segmentLast.forEach((v, i) => (total[i] = (total[i] ?? 0) + v - (baseline[i] ?? 0)));
  };
  for (const p of inside) {
    if (segmentStart !== undefined && p.start !== segmentStart) {
      close();
      baseline = zero();
      segmentLast = undefined;
    }
    segmentStart = p.start;
    segmentLast = p.vec;
  }
  close();
  return total.map((v) => Math.max(0, v));
}

function gaugeValues(s: StoredSeries, a: number, b: number): number[] {
  const out: number[] = [];
  for (const p of s.points) if (p.time > a && p.time <= b) out.push(p.vec[0] ?? Number.NaN);
  return out.filter((v) => Number.isFinite(v));
}

class FilesMetrics implements MetricsReader {
  readonly description: string;
  constructor(
    private readonly load: () => Promise<Loaded>,
    dir: string,
  ) {
    this.description = `OTLP-JSON files in ${dir}`;
  }

  private async select(query: MetricQuery, shape: StoredSeries['shape']): Promise<StoredSeries[]> {
    const { series } = await this.load();
    return [...series.values()].filter(
      (s) => s.metric === query.metric.name && s.shape === shape && matches(s.labels, query.where),
    );
  }

  /** Median gap between consecutive points of a series: the app's export interval. */
  async resolution(): Promise<number | undefined> {
    const gaps: number[] = [];
    for (const s of (await this.load()).series.values()) {
      for (let i = 1; i < s.points.length; i++)
        gaps.push((s.points[i]?.time ?? 0) - (s.points[i - 1]?.time ?? 0));
    }
    const positive = gaps.filter((g) => g > 0).sort((a, b) => a - b);
    return positive.length > 0 ? positive[Math.floor(positive.length / 2)] : undefined;
  }

  async counterIncrease(query: MetricQuery, range: StepRange): Promise<Series[]> {
    const groups = new Map<string, { labels: Labels; values: Map<number, number> }>();
    for (const s of await this.select(query, 'number')) {
      const [key, labels] = groupKey(s.labels, query.by);
      const g = groups.get(key) ?? { labels, values: new Map<number, number>() };
      groups.set(key, g);
      for (const t of stepTimes(range)) {
        const inc = increase(s, t - range.step, t);
        if (inc) g.values.set(t, (g.values.get(t) ?? 0) + (inc[0] ?? 0));
      }
    }
    return [...groups.values()].map((g) => ({
      labels: g.labels,
      points: [...g.values.entries()].sort((x, y) => x[0] - y[0]),
    }));
  }

  async histogramIncrease(query: MetricQuery, range: StepRange): Promise<HistogramSeries[]> {
    const groups = new Map<string, { labels: Labels; steps: Map<number, HistogramStep> }>();
    for (const s of await this.select(query, 'histogram')) {
      const [key, labels] = groupKey(s.labels, query.by);
      const g = groups.get(key) ?? { labels, steps: new Map<number, HistogramStep>() };
      groups.set(key, g);
      for (const t of stepTimes(range)) {
        const inc = increase(s, t - range.step, t);
        if (!inc) continue;
        const [count = 0, sum = 0, ...counts] = inc;
        const buckets = cumulativeBuckets(s.bounds, counts);
        const prev = g.steps.get(t);
        g.steps.set(t, {
          t,
          count: count + (prev?.count ?? 0),
          sum: sum + (prev?.sum ?? 0),
          buckets: prev ? mergeBuckets(prev.buckets, buckets) : buckets,
        });
      }
    }
    return [...groups.values()].map((g) => ({
      labels: g.labels,
      points: [...g.steps.values()].sort((x, y) => x.t - y.t),
    }));
  }

  async gauge(query: MetricQuery & { reduce: GaugeReduce }, range: StepRange): Promise<Series[]> {
    const groups = new Map<string, { labels: Labels; values: Map<number, number[]> }>();
    for (const s of await this.select(query, 'number')) {
      const [key, labels] = groupKey(s.labels, query.by);
      const g = groups.get(key) ?? { labels, values: new Map<number, number[]>() };
      groups.set(key, g);
      for (const t of stepTimes(range)) {
        const vals = gaugeValues(s, t - range.step, t);
        if (vals.length > 0) g.values.set(t, [...(g.values.get(t) ?? []), ...vals]);
      }
    }
    return [...groups.values()].map((g) => ({
      labels: g.labels,
      points: [...g.values.entries()]
        .map(([t, vals]): [number, number] => [
          t,
          query.reduce === 'max'
            ? Math.max(...vals)
            : vals.reduce((x, y) => x + y, 0) / vals.length,
        ])
        .sort((x, y) => x[0] - y[0]),
    }));
  }
}

/** Sums cumulative buckets with the same bounds (series of one metric share them). */
function mergeBuckets(
  a: HistogramStep['buckets'],
  b: HistogramStep['buckets'],
): HistogramStep['buckets'] {
  const byLe = new Map<number, number>();
  for (const x of [...a, ...b]) byLe.set(x.le, (byLe.get(x.le) ?? 0) + x.count);
  return [...byLe.entries()].sort((x, y) => x[0] - y[0]).map(([le, count]) => ({ le, count }));
}

class FilesEvents implements EventsReader {
  readonly description: string;
  constructor(
    private readonly load: () => Promise<Loaded>,
    dir: string,
  ) {
    this.description = `OTLP-JSON files in ${dir}`;
  }
  async events(window: TimeWindow, names?: readonly string[]): Promise<TelemetryEvent[]> {
    const { events } = await this.load();
    return events.filter(
      (e) => e.time > window.start && e.time <= window.end && (!names || names.includes(e.name)),
    );
  }
}

const KNOWN_METRIC_NAMES: ReadonlySet<string> = new Set(
  METRICS.map((m: MetricDefinition) => m.name),
);

/**
 * Reads the embedded default's `metrics.jsonl` and `logs.jsonl` (OTLP/JSON export requests,
 * one per line). Only catalogue metrics and catalogue events are kept.
 */
export class FilesSource implements TelemetrySource {
  readonly metrics: MetricsReader;
  readonly events: EventsReader;
  private loading: Promise<Loaded> | undefined;

  constructor(readonly dir: string) {
    const load = () => (this.loading ??= this.loadAll());
    this.metrics = new FilesMetrics(load, dir);
    this.events = new FilesEvents(load, dir);
  }

  /** Fails with a usage error when the directory does not exist or holds none of the files. */
  static async open(dir: string): Promise<FilesSource> {
    let isDir: boolean;
    try {
      isDir = (await stat(dir)).isDirectory();
    } catch {
      isDir = false;
    }
    if (!isDir) throw new UsageError(`telemetry directory ${dir} does not exist`);
    const present = await Promise.all(
      [TELEMETRY_FILES.metrics, TELEMETRY_FILES.logs].map((f) => rotationSet(dir, f)),
    );
    if (present.every((files) => files.length === 0)) {
      throw new UsageError(
        `${dir} holds neither ${TELEMETRY_FILES.metrics} nor ${TELEMETRY_FILES.logs}: is it the output directory of an app running the embedded default?`,
      );
    }
    return new FilesSource(dir);
  }

  describe(): string {
    return `files ${this.dir}`;
  }

  async extent(): Promise<TimeWindow | undefined> {
    return (await (this.loading ??= this.loadAll())).extent;
  }

  /** Lines that were not OTLP/JSON (e.g. a line being written while we read). */
  async skippedLines(): Promise<number> {
    return (await (this.loading ??= this.loadAll())).skippedLines;
  }

  private async loadAll(): Promise<Loaded> {
    const series = new Map<string, StoredSeries>();
    const events: TelemetryEvent[] = [];
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    let skippedLines = 0;
    const seen = (t: number) => {
      if (Number.isFinite(t)) {
        min = Math.min(min, t);
        max = Math.max(max, t);
      }
    };
    const parse = (line: string): Record<string, unknown> | undefined => {
      try {
        return asObject(JSON.parse(line));
      } catch {
        skippedLines++;
        return undefined;
      }
    };
    try {
      for (const path of await rotationSet(this.dir, TELEMETRY_FILES.metrics)) {
        for await (const line of lines(path)) {
          const req = parse(line);
          if (req) readMetricsRequest(req, series, seen);
        }
      }
      for (const path of await rotationSet(this.dir, TELEMETRY_FILES.logs)) {
        for await (const line of lines(path)) {
          const req = parse(line);
          if (req) readLogsRequest(req, events, seen);
        }
      }
    } catch (err) {
      throw new BackendError(
        `cannot read telemetry files in ${this.dir}: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
    for (const s of series.values()) s.points.sort((a, b) => a.time - b.time);
    events.sort((a, b) => a.time - b.time);
    return {
      series,
      events,
      skippedLines,
      extent: min <= max ? { start: min, end: max } : undefined,
    };
  }
}

function readMetricsRequest(
  req: Record<string, unknown>,
  series: Map<string, StoredSeries>,
  seen: (t: number) => void,
): void {
  for (const rm of asArray(req.resourceMetrics)) {
    const resource = JSON.stringify(attributes(asObject(asObject(rm).resource).attributes));
    for (const sm of asArray(asObject(rm).scopeMetrics)) {
      for (const m of asArray(asObject(sm).metrics).map(asObject)) {
        const name = typeof m.name === 'string' ? m.name : '';
        if (!KNOWN_METRIC_NAMES.has(name)) continue;
        const kind = m.sum ? 'sum' : m.gauge ? 'gauge' : m.histogram ? 'histogram' : undefined;
        if (!kind) continue;
        const data = asObject(m[kind]);
        const temp =
          kind === 'gauge' || (kind === 'sum' && data.isMonotonic !== true)
            ? 'gauge'
            : (temporality(data.aggregationTemporality) ?? 'cumulative');
        for (const dp of asArray(data.dataPoints).map(asObject)) {
          const labels = sortedLabels(attributes(dp.attributes));
          const key = `${name}\u0000${resource}\u0000${JSON.stringify(labels)}`;
          const time = nanosToMillis(dp.timeUnixNano);
          const start =
            dp.startTimeUnixNano === undefined ? time : nanosToMillis(dp.startTimeUnixNano);
          if (!Number.isFinite(time)) continue;
          seen(time);
          let s = series.get(key);
          if (kind === 'histogram') {
            const bounds = asArray(dp.explicitBounds).map(toNumber);
            const counts = asArray(dp.bucketCounts).map(toNumber);
            s ??= {
              metric: name,
              shape: 'histogram',
              temporality: temp,
              labels,
              bounds,
              points: [],
            };
            if (s.bounds.length === 0) s.bounds = bounds;
            s.points.push({
              start,
              time,
              vec: [toNumber(dp.count), toNumber(dp.sum ?? 0), ...counts],
            });
          } else {
            const value = dp.asDouble !== undefined ? toNumber(dp.asDouble) : toNumber(dp.asInt);
            s ??= {
              metric: name,
              shape: 'number',
              temporality: temp,
              labels,
              bounds: [],
              points: [],
            };
            s.points.push({ start, time, vec: [value] });
          }
          series.set(key, s);
        }
      }
    }
  }
}

function readLogsRequest(
  req: Record<string, unknown>,
  events: TelemetryEvent[],
  seen: (t: number) => void,
): void {
  for (const rl of asArray(req.resourceLogs)) {
    for (const sl of asArray(asObject(rl).scopeLogs)) {
      for (const lr of asArray(asObject(sl).logRecords).map(asObject)) {
        const rawTime = lr.timeUnixNano ?? lr.observedTimeUnixNano;
        let time = nanosToMillis(rawTime);
        if (!(time > 0)) time = nanosToMillis(lr.observedTimeUnixNano);
        const event = toTelemetryEvent({
          time,
          eventName: typeof lr.eventName === 'string' ? lr.eventName : undefined,
          body: anyValue(lr.body),
          attributes: attributes(lr.attributes),
        });
        if (event && Number.isFinite(time)) {
          seen(time);
          events.push(event);
        }
      }
    }
  }
}
