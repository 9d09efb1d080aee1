import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { METRICS, type MetricDefinition } from '../../catalogue/index.js';
import { rotatedFiles } from '../../exporters/rotating-file.js';
import { SPAN_INVOKE_AGENT, SPAN_INVOKE_WORKFLOW } from '../../semconv.js';
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
  InputProblem,
  InputReport,
  Labels,
  MetricQuery,
  MetricsReader,
  Progress,
  Series,
  StepRange,
  TelemetryEvent,
  TelemetrySource,
  TimeWindow,
  TracesReader,
  TurnSpan,
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
  /** Histogram points: the observed min and max (over the point's interval). */
  readonly min?: number;
  readonly max?: number;
}

/** An increase of a series spread evenly over (from, to]; from === to is a jump at `to`. */
interface Interval {
  readonly from: number;
  readonly to: number;
  readonly vec: readonly number[];
  readonly min?: number;
  readonly max?: number;
}

interface StoredSeries {
  readonly metric: string;
  /** Metric and resource: series exported together by one SDK. */
  readonly group: string;
  readonly shape: 'number' | 'histogram';
  readonly temporality: 'delta' | 'cumulative' | 'gauge';
  readonly labels: Labels;
  bounds: readonly number[];
  readonly points: StoredPoint[];
  /** The increases between points, computed once after loading. */
  intervals?: Interval[];
}

interface Loaded {
  readonly series: Map<string, StoredSeries>;
  readonly events: TelemetryEvent[];
  readonly turns: TurnSpan[];
  readonly extent: TimeWindow | undefined;
  readonly input: InputReport;
}

/** At most this many unusable lines are listed by file and line (all are counted). */
const MAX_LISTED_PROBLEMS = 20;

interface Line {
  readonly text: string;
  readonly number: number;
  /** False for a last line without its newline: a write cut short (or still going on). */
  readonly terminated: boolean;
}

/** Lines of a (possibly gzip-compressed) file, with their numbers; blank lines skipped. */
async function* lines(path: string): AsyncGenerator<Line> {
  const raw = createReadStream(path);
  const input = path.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  input.setEncoding('utf8');
  let rest = '';
  let number = 0;
  for await (const chunk of input as AsyncIterable<string>) {
    rest += chunk;
    let nl = rest.indexOf('\n');
    while (nl >= 0) {
      const text = rest.slice(0, nl).replace(/\r$/, '');
      rest = rest.slice(nl + 1);
      number++;
      if (text.trim() !== '') yield { text, number, terminated: true };
      nl = rest.indexOf('\n');
    }
  }
  if (rest.trim() !== '') yield { text: rest, number: number + 1, terminated: false };
}

/**
 * A telemetry file and its rotated predecessors (legacy `metrics.2.jsonl`, time-stamped
 * `metrics.<time>.jsonl.gz`, then the live `metrics.jsonl`), oldest first.
 */
async function rotationSet(dir: string, file: string): Promise<string[]> {
  const older = rotatedFiles(join(dir, file)).map((f) => f.path);
  let live: boolean;
  try {
    live = (await stat(join(dir, file))).isFile();
  } catch {
    live = false;
  }
  return live ? [...older, join(dir, file)] : older;
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
 * The increases a series' points stand for, each spread over the time it accrued: a
 * cumulative point adds its difference to the previous point of the same start time over
 * (previous time, time]; the first point of a start time (a process start, a reset) adds its
 * whole value over (start, time]; a delta point adds its value over (start, time]. A value
 * below the previous one of the same start is a reset and counts from zero.
 */
function intervalsOf(s: StoredSeries, exports?: readonly number[]): Interval[] {
  if (s.intervals) return s.intervals;
  const out: Interval[] = [];
  let prev: StoredPoint | undefined;
  for (const p of s.points) {
    const continues = s.temporality !== 'delta' && prev !== undefined && prev.start === p.start;
    let vec = p.vec;
    if (continues && prev) {
      const base = prev.vec;
      const reset = p.vec.some((v, i) => v < (base[i] ?? 0));
      if (!reset) vec = p.vec.map((v, i) => v - (base[i] ?? 0));
    }
    // A cumulative SDK exports every attribute set it has seen at each collection, so a series
    // absent from an earlier export of its metric was still zero then: a label set first seen
    // in minute 9 accrued in minute 9, not since the process started.
    let from = continues && prev ? prev.time : Math.min(p.start, p.time);
    if (!continues && s.temporality === 'cumulative' && exports) {
      const before = lastBefore(exports, p.time);
      if (before !== undefined && before > from) from = before;
    }
    out.push({ from, to: p.time, vec, min: p.min, max: p.max });
    prev = p;
  }
  s.intervals = out;
  return out;
}

/** The largest value of an ascending list below `t`. */
function lastBefore(sorted: readonly number[], t: number): number | undefined {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] as number) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 ? sorted[lo - 1] : undefined;
}

/**
 * The increase of a series' vector over (a, b]: the share of each interval's increase that
 * falls inside, assuming it accrued evenly (Prometheus's `increase()` makes the same linear
 * assumption when it extrapolates to a window's edges). A window that covers whole intervals
 * gets their exact sum. Undefined when no interval overlaps the window.
 */
function increase(
  s: StoredSeries,
  a: number,
  b: number,
): { vec: number[]; min?: number; max?: number } | undefined {
  let total: number[] | undefined;
  let min: number | undefined;
  let max: number | undefined;
  for (const iv of intervalsOf(s)) {
    if (iv.from > b) break;
    let share: number;
    if (iv.to === iv.from) share = iv.to > a && iv.to <= b ? 1 : 0;
    else share = Math.max(0, Math.min(b, iv.to) - Math.max(a, iv.from)) / (iv.to - iv.from);
    if (share <= 0) continue;
    total ??= new Array<number>(iv.vec.length).fill(0);
    iv.vec.forEach((v, i) => {
      (total as number[])[i] = ((total as number[])[i] ?? 0) + v * share;
    });
    if (iv.min !== undefined) min = Math.min(min ?? iv.min, iv.min);
    if (iv.max !== undefined) max = Math.max(max ?? iv.max, iv.max);
  }
  return total ? { vec: total, min, max } : undefined;
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

  /**
   * The app's export interval: the median time a counter or histogram point covers (since
   * the previous point, or since its start time for a series' first point). A run shorter
   * than one export interval, exported once at exit, gives the run's length.
   */
  async resolution(): Promise<number | undefined> {
    const gaps: number[] = [];
    for (const s of (await this.load()).series.values()) {
      if (s.temporality === 'gauge') continue;
      for (const iv of intervalsOf(s)) gaps.push(iv.to - iv.from);
    }
    const positive = gaps.filter((g) => g > 0).sort((x, y) => x - y);
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
        if (inc) g.values.set(t, (g.values.get(t) ?? 0) + (inc.vec[0] ?? 0));
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
        const [count = 0, sum = 0, ...counts] = inc.vec;
        const buckets = cumulativeBuckets(s.bounds, counts);
        const prev = g.steps.get(t);
        const pick = (f: (...v: number[]) => number, x?: number, y?: number) =>
          x === undefined ? y : y === undefined ? x : f(x, y);
        const min = count > 0 ? pick(Math.min, inc.min, prev?.min) : prev?.min;
        const max = count > 0 ? pick(Math.max, inc.max, prev?.max) : prev?.max;
        g.steps.set(t, {
          t,
          count: count + (prev?.count ?? 0),
          sum: sum + (prev?.sum ?? 0),
          buckets: prev ? mergeBuckets(prev.buckets, buckets) : buckets,
          ...(min !== undefined ? { min } : {}),
          ...(max !== undefined ? { max } : {}),
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

class FilesTraces implements TracesReader {
  readonly description: string;
  constructor(
    private readonly load: () => Promise<Loaded>,
    dir: string,
  ) {
    this.description = `traces.jsonl in ${dir}`;
  }
  async turns(window: TimeWindow): Promise<TurnSpan[]> {
    return (await this.load()).turns.filter((t) => t.time > window.start && t.time <= window.end);
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
  readonly traces: TracesReader;
  private loading: Promise<Loaded> | undefined;

  constructor(
    readonly dir: string,
    private readonly options: { progress?: Progress } = {},
  ) {
    const load = () => (this.loading ??= this.loadAll());
    this.metrics = new FilesMetrics(load, dir);
    this.events = new FilesEvents(load, dir);
    this.traces = new FilesTraces(load, dir);
  }

  /** Fails with a usage error when the directory does not exist or holds none of the files. */
  static async open(dir: string, options: { progress?: Progress } = {}): Promise<FilesSource> {
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
    return new FilesSource(dir, options);
  }

  describe(): string {
    return `files ${this.dir}`;
  }

  async extent(): Promise<TimeWindow | undefined> {
    return (await (this.loading ??= this.loadAll())).extent;
  }

  /** What was read and which lines could not be used (garbage, truncated writes). */
  async inputReport(): Promise<InputReport> {
    return (await (this.loading ??= this.loadAll())).input;
  }

  private async loadAll(): Promise<Loaded> {
    const series = new Map<string, StoredSeries>();
    const events: TelemetryEvent[] = [];
    const runs: GraphRunSpan[] = [];
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    let unusableLines = 0;
    const problems: InputProblem[] = [];
    const files: Array<{ file: string; lines: number }> = [];
    const seen = (t: number) => {
      if (Number.isFinite(t)) {
        min = Math.min(min, t);
        max = Math.max(max, t);
      }
    };
    const problem = (file: string, line: number, reason: string) => {
      unusableLines++;
      if (problems.length < MAX_LISTED_PROBLEMS) problems.push({ file, line, reason });
    };
    const readers: Array<[string, string, (req: Record<string, unknown>) => void]> = [
      [TELEMETRY_FILES.metrics, 'resourceMetrics', (r) => readMetricsRequest(r, series, seen)],
      [TELEMETRY_FILES.logs, 'resourceLogs', (r) => readLogsRequest(r, events, seen)],
      [TELEMETRY_FILES.traces, 'resourceSpans', (r) => readTracesRequest(r, runs)],
    ];
    try {
      for (const [file, key, read] of readers) {
        for (const path of await rotationSet(this.dir, file)) {
          const name = basename(path);
          let bytes = 0;
          try {
            bytes = (await stat(path)).size;
          } catch {
            continue;
          }
          this.options.progress?.(`reading ${name} (${(bytes / 1e6).toFixed(1)} MB)`);
          let count = 0;
          for await (const line of lines(path)) {
            count = line.number;
            let req: unknown;
            try {
              req = JSON.parse(line.text);
            } catch {
              problem(
                name,
                line.number,
                line.terminated
                  ? 'not JSON'
                  : 'truncated: the last line ends without a newline (a write cut short)',
              );
              continue;
            }
            const obj = asObject(req);
            if (!Array.isArray(obj[key])) {
              problem(name, line.number, `JSON but not an OTLP export request (no ${key})`);
              continue;
            }
            read(obj);
          }
          files.push({ file: name, lines: count });
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
    const exports = new Map<string, number[]>();
    for (const s of series.values()) {
      s.points.sort((a, b) => a.time - b.time);
      const times = exports.get(s.group) ?? [];
      for (const p of s.points) times.push(p.time);
      exports.set(s.group, times);
    }
    for (const [group, times] of exports)
      exports.set(
        group,
        [...new Set(times)].sort((a, b) => a - b),
      );
    for (const s of series.values()) {
      // A counter's first point accrued since its start: the data begin there.
      if (s.temporality !== 'gauge')
        for (const iv of intervalsOf(s, exports.get(s.group))) seen(iv.from);
    }
    events.sort((a, b) => a.time - b.time);
    const turns = topLevelRuns(runs).sort((a, b) => a.time - b.time);
    return {
      series,
      events,
      turns,
      input: { files, unusableLines, problems },
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
      // Several instrumentation scopes record the same catalogue counter with the same labels
      // (lorechat.operations{component="llm"}): each scope's points are their own series, as
      // in Prometheus (otel_scope_name); merged, they would read as resets of one another.
      const scope = asObject(asObject(sm).scope);
      const origin = JSON.stringify([resource, scope.name ?? '', scope.version ?? '']);
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
          const key = `${name}\u0000${origin}\u0000${JSON.stringify(labels)}`;
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
              group: `${name}\u0000${origin}`,
              shape: 'histogram',
              temporality: temp,
              labels,
              bounds,
              points: [],
            };
            if (s.bounds.length === 0) s.bounds = bounds;
            const lo = dp.min === undefined ? undefined : toNumber(dp.min);
            const hi = dp.max === undefined ? undefined : toNumber(dp.max);
            s.points.push({
              start,
              time,
              vec: [toNumber(dp.count), toNumber(dp.sum ?? 0), ...counts],
              ...(lo !== undefined && Number.isFinite(lo) ? { min: lo } : {}),
              ...(hi !== undefined && Number.isFinite(hi) ? { max: hi } : {}),
            });
          } else {
            const value = dp.asDouble !== undefined ? toNumber(dp.asDouble) : toNumber(dp.asInt);
            s ??= {
              metric: name,
              group: `${name}\u0000${origin}`,
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

/** OTLP's Status.code: 2 is ERROR. */
const STATUS_CODE_ERROR = 2;

/** A graph run's span while loading: kept as a turn unless nested in another graph run. */
interface GraphRunSpan extends TurnSpan {
  readonly spanId: string;
  readonly parentSpanId: string;
}

/** `invoke_workflow {graph}` and `invoke_agent {agent}`: the runs chat_response_time times. */
const isGraphRun = (name: string) =>
  [SPAN_INVOKE_WORKFLOW, SPAN_INVOKE_AGENT].some((n) => name === n || name.startsWith(`${n} `));

function readTracesRequest(req: Record<string, unknown>, runs: GraphRunSpan[]): void {
  for (const rs of asArray(req.resourceSpans)) {
    for (const ss of asArray(asObject(rs).scopeSpans)) {
      for (const span of asArray(asObject(ss).spans).map(asObject)) {
        const name = typeof span.name === 'string' ? span.name : '';
        if (!isGraphRun(name)) continue;
        const start = nanosToMillis(span.startTimeUnixNano);
        const end = nanosToMillis(span.endTimeUnixNano);
        if (!Number.isFinite(start) || !Number.isFinite(end) || end < start) continue;
        const code = asObject(span.status).code;
        runs.push({
          time: end,
          durationMs: end - start,
          error: code === STATUS_CODE_ERROR || code === 'STATUS_CODE_ERROR',
          spanId: typeof span.spanId === 'string' ? span.spanId : '',
          parentSpanId: typeof span.parentSpanId === 'string' ? span.parentSpanId : '',
        });
      }
    }
  }
}

/** Top-level graph runs: a run inside another run (a subgraph, an agent in a node) is not a turn. */
function topLevelRuns(runs: readonly GraphRunSpan[]): TurnSpan[] {
  const ids = new Set(runs.map((r) => r.spanId).filter((id) => id !== ''));
  return runs
    .filter((r) => r.parentSpanId === '' || !ids.has(r.parentSpanId))
    .map(({ time, durationMs, error }) => ({ time, durationMs, error }));
}
