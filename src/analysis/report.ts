/**
 * `report`: one self-contained HTML file (echarts inlined, no network) with the plan's
 * dashboard for people without Grafana: summary, response-time distribution, memory over
 * time, error rate by component, tokens, trends with forecasts, patterns, recommendations.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { type AnalyzeResult, analyze, inputNote } from './analyze.js';
import { AnalysisError, NoDataError } from './errors.js';
import { MINIMUMS, describeEvidence, perMinuteWithheld, plural } from './evidence.js';
import { type Point, indicator } from './indicators.js';
import { type PatternsResult, WEEKDAYS, patterns } from './patterns.js';
import { type RecommendResult, recommend } from './recommend.js';
import { EVENT_CHAT_COMPLETE } from '../semconv.js';
import type { Progress, TelemetrySource, TimeWindow } from './sources/types.js';
import { type TrendResult, trends } from './trends.js';

export interface ReportData {
  readonly generatedAt: string;
  readonly from: string;
  readonly to: string;
  readonly source: string;
  readonly summary: AnalyzeResult | null;
  /**
   * Session memory over time: the gauge's largest session and the histogram's average per
   * step, and each turn's session memory from the `chat.complete` events (exact times).
   */
  readonly memory: {
    readonly max: readonly Point[];
    readonly avg: readonly Point[];
    readonly perTurn: readonly Point[];
  };
  readonly tokenRate: readonly Point[];
  /** Why the token-rate chart is not drawn, when it is not. */
  readonly tokenRateWithheld?: string;
  readonly trends: readonly TrendResult[];
  readonly patterns: PatternsResult | null;
  readonly recommendations: RecommendResult | null;
  readonly notes: readonly string[];
}

export const REPORT_TRENDS = [
  'response_time_p95',
  'throughput',
  'error_rate',
  'memory_max',
  'token_rate',
] as const;

async function orNote<T>(notes: string[], what: string, run: () => Promise<T>): Promise<T | null> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof NoDataError) {
      notes.push(`${what}: ${err.message}`);
      return null;
    }
    throw err;
  }
}

/** Gathers everything the report shows; sections without data become notes. */
export async function collectReport(
  source: TelemetrySource,
  window: TimeWindow,
  options: { progress?: Progress; now?: number } = {},
): Promise<ReportData> {
  const notes: string[] = [];
  const progress = options.progress;
  const span = window.end - window.start;
  const extent = await source.extent();
  const dataSpan = extent
    ? Math.max(0, Math.min(window.end, extent.end) - Math.max(window.start, extent.start))
    : span;
  const resolution = (await source.metrics?.resolution?.(window)) ?? 1000;
  const step = Math.min(span, Math.max(resolution, Math.round(span / 60 / 1000) * 1000));
  const stepRange = {
    start: window.end - Math.floor(span / step) * step + step,
    end: window.end,
    step,
  };
  const summary = await orNote(notes, 'summary', () => analyze(source, window, { progress }));
  const m = source.metrics;
  const trendResults: TrendResult[] = [];
  const perTurn: Point[] = source.events
    ? (await source.events.events(window, [EVENT_CHAT_COMPLETE]))
        .filter((e) => e.context.memoryUsage !== undefined)
        .map((e): Point => [e.time, e.context.memoryUsage as number])
    : [];
  let memory: ReportData['memory'] = { max: [], avg: [], perTurn };
  let tokenRate: readonly Point[] = [];
  const tokenRateWithheld = perMinuteWithheld(dataSpan);
  let recs: RecommendResult | null = null;
  if (m) {
    memory = {
      max: await indicator('memory_max').evaluate(m, stepRange),
      avg: await indicator('memory_avg').evaluate(m, stepRange),
      perTurn,
    };
    if (!tokenRateWithheld) tokenRate = await indicator('token_rate').evaluate(m, stepRange);
    for (const id of REPORT_TRENDS) {
      const t = await orNote(notes, `trend ${id}`, () =>
        trends(m, indicator(id), {
          end: window.end,
          window: span,
          step,
          progress,
          ...(extent ? { extent } : {}),
        }),
      );
      if (t) trendResults.push(t);
    }
    recs = await orNote(notes, 'recommendations', () =>
      recommend(m, window, {
        source: source.describe(),
        progress,
        ...(extent ? { extent } : {}),
        ...(source.traces ? { traces: source.traces } : {}),
      }),
    );
  } else {
    notes.push('no metrics source: charts over time, trends and recommendations need metrics');
  }
  const pat = await orNote(notes, 'patterns', () =>
    patterns(source, {
      end: window.end,
      extent: window,
      progress,
    }),
  );
  const input = inputNote(await source.inputReport?.());
  if (input && !summary) notes.push(input);
  if (!summary && trendResults.length === 0) {
    throw new NoDataError(
      `no telemetry between ${new Date(window.start).toISOString()} and ${new Date(window.end).toISOString()} in ${source.describe()}`,
    );
  }
  return {
    generatedAt: new Date(options.now ?? Date.now()).toISOString(),
    from: new Date(window.start).toISOString(),
    to: new Date(window.end).toISOString(),
    source: source.describe(),
    summary,
    memory,
    tokenRate,
    ...(tokenRateWithheld ? { tokenRateWithheld } : {}),
    trends: trendResults,
    patterns: pat,
    recommendations: recs,
    notes,
  };
}

// --- rendering -------------------------------------------------------------------------------

const esc = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

/** JSON safe inside a <script> element. */
const scriptJson = (v: unknown) =>
  JSON.stringify(v)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');

function num(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return 'n/a';
  return Number(v.toFixed(digits)).toLocaleString('en-US');
}
const pct = (v: number | null | undefined) =>
  v === null || v === undefined ? 'n/a' : `${(v * 100).toFixed(2)} %`;

let echartsSource: string | undefined;
async function echartsScript(): Promise<string> {
  if (echartsSource === undefined) {
    const require = createRequire(typeof __filename === 'string' ? __filename : import.meta.url);
    let path: string;
    try {
      path = require.resolve('echarts/dist/echarts.min.js');
    } catch (err) {
      throw new AnalysisError('the report needs the echarts package (npm install echarts)', 1, {
        cause: err,
      });
    }
    // A literal "</script" inside would end the element early.
    echartsSource = (await readFile(path, 'utf8')).replace(/<\/script/gi, '<\\/script');
  }
  return echartsSource;
}

type ChartOption = Record<string, unknown>;

/** A time series is drawn from this many points: one point is a dot, not a line over time. */
export const MIN_CHART_POINTS = 2;

/** A time axis scaled to the data (echarts would otherwise pad a lone point to days). */
function timeAxis(...series: ReadonlyArray<readonly Point[]>): Record<string, unknown> {
  const ts = series.flatMap((s) => s.map(([t]) => t));
  const lo = Math.min(...ts);
  const hi = Math.max(...ts);
  return {
    type: 'time',
    axisLabel: { hideOverlap: true },
    ...(ts.length > 0 && hi > lo ? { min: lo, max: hi } : {}),
  };
}

const line = (name: string, data: readonly Point[], extra: Record<string, unknown> = {}) => ({
  name,
  type: 'line',
  showSymbol: data.length < 40,
  data: data.map(([t, v]) => [t, v]),
  ...extra,
});

function bucketLabels(buckets: AnalyzeResult['responseTimeBuckets']): {
  labels: string[];
  counts: number[];
} {
  const labels: string[] = [];
  const counts: number[] = [];
  let prevLe = 0;
  let prevCount = 0;
  for (const b of buckets) {
    labels.push(b.le === Number.POSITIVE_INFINITY ? `> ${prevLe} s` : `${prevLe}-${b.le} s`);
    counts.push(Math.round(b.count - prevCount));
    prevLe = b.le;
    prevCount = b.count;
  }
  return { labels, counts };
}

/** Why each chart the report would draw is not drawn, keyed by chart id. */
export function missingCharts(data: ReportData): Record<string, string> {
  const why: Record<string, string> = {};
  const s = data.summary;
  const few = (n: number, what: string) =>
    `needs at least ${plural(MIN_CHART_POINTS, what)}; ${n} in range`;
  if (!s || s.responseTimeBuckets.length === 0)
    why['chart-response-distribution'] = 'no response-time histogram in range';
  const memoryPoints = Math.max(
    data.memory.max.length,
    data.memory.avg.length,
    data.memory.perTurn.length,
  );
  if (memoryPoints < MIN_CHART_POINTS)
    why['chart-memory'] = `memory over time ${few(memoryPoints, 'point')}`;
  if (!s || s.errorsByComponent.length === 0) why['chart-errors'] = 'no operations in range';
  else if (s.errorsByComponent.every((c) => c.errors === 0))
    why['chart-errors'] = `no errors in ${plural(
      s.errorsByComponent.reduce((a, c) => a + c.operations, 0),
      'operation',
    )}: nothing to draw`;
  if (!s || s.tokenUsage.length === 0) why['chart-tokens'] = 'no token counts in range';
  if (data.tokenRateWithheld) why['chart-token-rate'] = data.tokenRateWithheld;
  else if (data.tokenRate.length < MIN_CHART_POINTS)
    why['chart-token-rate'] = `token rate over time ${few(data.tokenRate.length, 'step')}`;
  for (const t of data.trends) {
    if (t.series.length < MINIMUMS.trendSteps)
      why[`chart-trend-${t.metric}`] =
        `${t.metric}: a trend needs at least ${plural(MINIMUMS.trendSteps, 'step')} with data; ${t.series.length} in range`;
  }
  const u = data.patterns?.usage;
  if (!u || u.activeDays === 0) {
    why['chart-usage-hours'] = 'no requests by hour in range';
    why['chart-usage-weekdays'] = 'no requests by weekday in range';
  }
  for (const a of data.patterns?.performance ?? []) {
    if (a.evidence?.withheld) why[`chart-anomaly-${a.metric}`] = a.evidence.withheld;
  }
  return why;
}

/** The echarts options of every chart, keyed by element id (only charts with enough data). */
export function chartOptions(data: ReportData): Record<string, ChartOption> {
  const charts: Record<string, ChartOption> = {};
  const skip = missingCharts(data);
  const s = data.summary;
  if (s && !skip['chart-response-distribution']) {
    const { labels, counts } = bucketLabels(s.responseTimeBuckets);
    charts['chart-response-distribution'] = {
      title: { text: 'Response time distribution' },
      tooltip: {},
      xAxis: { type: 'category', data: labels, name: 'response time' },
      yAxis: { type: 'value', name: 'chat turns', minInterval: 1 },
      series: [{ type: 'bar', name: 'chat turns', data: counts }],
    };
  }
  if (!skip['chart-memory']) {
    const all = [...data.memory.max, ...data.memory.avg, ...data.memory.perTurn];
    // kB for the small sessions of a demo, MB for real ones: an axis of 0.0025-0.005 MB says little.
    const [unit, size] = Math.max(...all.map(([, v]) => v)) < 1e6 ? ['kB', 1e3] : ['MB', 1e6];
    const mb = (pts: readonly Point[]) => pts.map(([t, v]): Point => [t, v / size]);
    const drawn = [
      ['largest session (gauge)', data.memory.max],
      ['average session (per step)', data.memory.avg],
      ['session after each turn (events)', data.memory.perTurn],
    ].filter(([, pts]) => (pts as readonly Point[]).length >= MIN_CHART_POINTS) as Array<
      [string, readonly Point[]]
    >;
    charts['chart-memory'] = {
      title: { text: `Session memory over time (${unit})` },
      tooltip: { trigger: 'axis' },
      legend: { top: 28 },
      xAxis: timeAxis(...drawn.map(([, pts]) => pts)),
      yAxis: { type: 'value', name: unit, scale: true },
      series: drawn.map(([name, pts]) => line(name, mb(pts))),
    };
  }
  if (s && !skip['chart-errors']) {
    charts['chart-errors'] = {
      title: { text: 'Error rate by component (%)' },
      tooltip: {},
      xAxis: { type: 'category', data: s.errorsByComponent.map((c) => c.component) },
      yAxis: { type: 'value', name: '%' },
      series: [
        {
          type: 'bar',
          name: 'error rate',
          data: s.errorsByComponent.map((c) => Number((c.rate * 100).toFixed(3))),
          markLine: { data: [{ yAxis: 5, name: 'plan threshold 5 %' }], symbol: 'none' },
        },
      ],
    };
  }
  if (s && !skip['chart-tokens']) {
    const models = [...new Set(s.tokenUsage.map((t) => t.model))];
    const types = [...new Set(s.tokenUsage.map((t) => t.type))];
    charts['chart-tokens'] = {
      title: { text: 'Tokens by model and type' },
      tooltip: { trigger: 'axis' },
      legend: { top: 28 },
      xAxis: { type: 'category', data: models },
      yAxis: { type: 'value', name: 'tokens' },
      series: types.map((type) => ({
        type: 'bar',
        stack: 'tokens',
        name: type,
        data: models.map(
          (model) => s.tokenUsage.find((t) => t.model === model && t.type === type)?.tokens ?? 0,
        ),
      })),
    };
  }
  if (!skip['chart-token-rate']) {
    charts['chart-token-rate'] = {
      title: { text: 'Token rate (tokens per minute)' },
      tooltip: { trigger: 'axis' },
      xAxis: timeAxis(data.tokenRate),
      yAxis: { type: 'value', name: 'tokens/min' },
      series: [
        line('tokens/min', data.tokenRate, {
          markLine: { data: [{ yAxis: 1000, name: 'plan threshold' }], symbol: 'none' },
        }),
      ],
    };
  }
  for (const t of data.trends) {
    if (skip[`chart-trend-${t.metric}`]) continue;
    const series: unknown[] = [line(t.metric, t.series)];
    const drawnPoints: Point[][] = [[...t.series]];
    if (t.forecast && t.series.length > 0) {
      const last = t.series.at(-1) as Point;
      const next: Point = [Date.parse(t.forecast.at), t.forecast.value];
      drawnPoints.push([next]);
      series.push(
        line('forecast', [last, next], {
          lineStyle: { type: 'dashed' },
          showSymbol: true,
        }),
      );
    }
    charts[`chart-trend-${t.metric}`] = {
      title: {
        text: `${t.metric} (${t.unit})`,
        subtext: t.trend
          ? `trend: ${t.trend.direction}, ${plural(t.series.length, 'step')} of ${t.step}`
          : '',
      },
      tooltip: { trigger: 'axis' },
      legend: { top: 28, right: 10 },
      xAxis: timeAxis(...drawnPoints),
      yAxis: { type: 'value', scale: true },
      series,
    };
  }
  const u = data.patterns?.usage;
  if (u && !skip['chart-usage-hours']) {
    charts['chart-usage-hours'] = {
      title: { text: 'Requests by hour of day (UTC, mean per active day)' },
      tooltip: {},
      xAxis: { type: 'category', data: u.hourOfDay.map((_, h) => String(h).padStart(2, '0')) },
      yAxis: { type: 'value' },
      series: [
        { type: 'bar', name: 'requests', data: u.hourOfDay.map((v) => Number(v.toFixed(2))) },
      ],
    };
    charts['chart-usage-weekdays'] = {
      title: { text: 'Requests by weekday (UTC, mean per active week)' },
      tooltip: {},
      xAxis: { type: 'category', data: WEEKDAYS.map((d) => d.slice(0, 3)) },
      yAxis: { type: 'value' },
      series: [{ type: 'bar', name: 'requests', data: u.weekday.map((v) => Number(v.toFixed(2))) }],
    };
  }
  for (const a of data.patterns?.performance ?? []) {
    if (skip[`chart-anomaly-${a.metric}`]) continue;
    charts[`chart-anomaly-${a.metric}`] = {
      title: {
        text: `${a.metric}: beyond 2 sigma`,
        subtext: `${plural(a.series.length, 'step')} of ${a.step}, ${plural(a.anomalies.length, 'anomaly', 'anomalies')}`,
      },
      tooltip: { trigger: 'axis' },
      xAxis: timeAxis(a.series),
      yAxis: { type: 'value', scale: true },
      series: [
        line(a.metric, a.series, {
          markLine: {
            symbol: 'none',
            data: [
              { yAxis: a.mean + 2 * a.stddev, name: '+2 sigma' },
              { yAxis: Math.max(0, a.mean - 2 * a.stddev), name: '-2 sigma' },
            ],
          },
        }),
        {
          type: 'scatter',
          name: 'anomaly',
          symbolSize: 12,
          data: a.anomalies.map((x) => [Date.parse(x.at), x.value]),
        },
      ],
    };
  }
  return charts;
}

function table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  if (rows.length === 0) return '<p class="empty">none</p>';
  return `<table><thead><tr>${headers.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

const chartDiv = (id: string, charts: Record<string, ChartOption>) =>
  charts[id] ? `<div class="chart" id="${id}"></div>` : '';

/** The charts of a section, and one line per chart not drawn saying why. */
function section(
  ids: readonly string[],
  charts: Record<string, ChartOption>,
  missing: Record<string, string>,
): string {
  const drawn = ids.filter((id) => charts[id]);
  const why = ids.filter((id) => !charts[id] && missing[id]).map((id) => missing[id] as string);
  return (
    (drawn.length > 0
      ? `<div class="grid">\n${drawn.map((id) => chartDiv(id, charts)).join('\n')}\n</div>`
      : '') +
    (why.length > 0
      ? `<ul class="thin">${why.map((w) => `<li>Not drawn: ${esc(w)}</li>`).join('')}</ul>`
      : '')
  );
}

/** Renders the report as one HTML document with echarts inlined. */
export async function renderReport(data: ReportData): Promise<string> {
  const charts = chartOptions(data);
  const missing = missingCharts(data);
  const s = data.summary;
  const e = s?.evidence ?? {};
  const shown = (text: string, key: string) => {
    const ev = e[key];
    return ev?.withheld ? `withheld: ${ev.withheld}` : text;
  };
  const rests = (key: string) => {
    const ev = e[key];
    return ev ? describeEvidence(ev) : '';
  };
  const summaryRows: string[][] = s
    ? [
        ['Total requests', num(s.totalRequests, 0), rests('requests')],
        ['Failed requests', num(s.failedRequests, 0), rests('requests')],
        ['Error rate', shown(pct(s.errorRate), 'errorRate'), rests('errorRate')],
        [
          'Average response time',
          shown(`${num(s.avgResponseTimeSeconds)} s`, 'avgResponseTime'),
          rests('avgResponseTime'),
        ],
        [
          'p95 response time',
          shown(`${num(s.p95ResponseTimeSeconds)} s`, 'p95ResponseTime'),
          rests('p95ResponseTime'),
        ],
        ...(s.maxResponseTimeSeconds !== null
          ? [
              [
                'Fastest / slowest turn',
                `${num(s.minResponseTimeSeconds)} s / ${num(s.maxResponseTimeSeconds)} s`,
                rests('avgResponseTime'),
              ],
            ]
          : []),
        ['Total tokens', shown(num(s.totalTokens, 0), 'tokens'), rests('tokens')],
        [
          'Figures from',
          `${s.basis}${s.responseTimeBasis && s.responseTimeBasis !== s.basis ? ` (response times from ${s.responseTimeBasis})` : ''}`,
          '',
        ],
      ]
    : [];
  const inUnit = (v: number | null, unit: string) =>
    unit === 'ratio'
      ? pct(v)
      : unit === 'bytes'
        ? v === null
          ? 'n/a'
          : `${num(v / 1e6, 3)} MB`
        : `${num(v)} ${unit}`;
  const cell = (text: string, withheld: string | undefined) =>
    withheld ? `withheld: ${withheld}` : text;
  // A trend row with nothing but withheld figures is explained in one line instead.
  const shownTrends = data.trends.filter(
    (t) => t.current !== null || t.windowValue !== null || t.trend || t.forecast,
  );
  const hiddenTrends = data.trends.filter((t) => !shownTrends.includes(t));
  const trendRows = shownTrends.map((t) => [
    t.metric,
    cell(inUnit(t.windowValue, t.unit), t.evidence.window?.withheld),
    t.changeVsPrevious === null ? 'n/a (no previous window)' : pct(t.changeVsPrevious),
    cell(
      t.trend
        ? `${t.trend.direction} (${num(t.trend.slopePerHour, 4)} ${t.unit}/h, R² ${num(t.trend.r2, 2)})`
        : 'n/a',
      t.evidence.trend?.withheld,
    ),
    cell(
      t.forecast
        ? `${inUnit(t.forecast.value, t.unit)} [${inUnit(t.forecast.low, t.unit)}, ${inUnit(t.forecast.high, t.unit)}]`
        : 'n/a',
      t.evidence.forecast?.withheld,
    ),
    t.forecast?.method ?? '',
  ]);
  const recs = data.recommendations?.recommendations ?? [];
  const recHtml =
    recs.length === 0
      ? `<p class="ok">${data.recommendations ? 'No rule triggered: nothing to recommend for this range.' : 'Recommendations need metrics.'}</p>`
      : `<ul class="recs">${recs
          .map(
            (r) =>
              `<li class="${r.severity}"><strong>[${esc(r.severity)}] ${esc(r.title)}</strong><br>${esc(r.finding)} <span class="thin">(based on ${esc(describeEvidence(r.evidence))})</span><br><em>${esc(r.action)}</em></li>`,
          )
          .join('')}</ul>`;
  const pats = data.patterns?.patterns ?? [];
  const queries = s?.popularQueries ?? [];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>LoreChat monitoring report ${esc(data.from)} to ${esc(data.to)}</title>
<style>
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0 auto;max-width:1200px;padding:16px 24px;color:#1f2328;background:#fff}
h1{font-size:1.6em;margin-bottom:0}h2{border-bottom:1px solid #d0d7de;padding-bottom:4px;margin-top:32px}
.meta{color:#57606a}.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:16px}
.chart{height:320px;border:1px solid #d0d7de;border-radius:6px;padding:8px}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #d0d7de;padding:4px 10px;text-align:left}th{background:#f6f8fa}
.recs li{margin:8px 0;padding:8px;border-left:4px solid #999;list-style:none}.recs .critical{border-color:#cf222e}.recs .warning{border-color:#bf8700}.recs .info{border-color:#0969da}
.empty,.ok,.thin{color:#57606a}.notes{color:#57606a;font-size:.9em}
</style>
</head>
<body>
<h1>LoreChat monitoring report</h1>
<p class="meta">${esc(data.from)} to ${esc(data.to)} · source: ${esc(data.source)} · generated ${esc(data.generatedAt)}</p>
<h2>Summary</h2>
${table(['Measure', 'Value', 'Based on'], summaryRows)}
<h2>Recommendations</h2>
${recHtml}
<h2>Response time, memory, errors, tokens</h2>
${section(['chart-response-distribution', 'chart-memory', 'chart-errors', 'chart-tokens', 'chart-token-rate'], charts, missing)}
${table(
  ['Component', 'Operations', 'Errors', 'Error rate'],
  (s?.errorsByComponent ?? []).map((c) => [
    c.component,
    num(c.operations, 0),
    num(c.errors, 0),
    pct(c.rate),
  ]),
)}
${table(
  ['Model', 'Type', 'Tokens'],
  (s?.tokenUsage ?? []).map((t) => [t.model, t.type, num(t.tokens, 0)]),
)}
<h2>Trends</h2>
${trendRows.length > 0 ? table(['Metric', 'This range', 'Change vs previous range', 'Trend', 'Forecast (95 % interval)', 'Method'], trendRows) : ''}
${hiddenTrends.length > 0 ? `<p class="thin">${esc(hiddenTrends.map((t) => t.metric).join(', '))}: not enough data for any figure (${esc(hiddenTrends[0]?.evidence.trend?.withheld ?? '')}).</p>` : ''}
${section(
  data.trends.map((t) => `chart-trend-${t.metric}`),
  charts,
  missing,
)}
<h2>Patterns</h2>
${table(
  ['Type', 'Pattern', 'Score'],
  pats.map((p) => [p.type, p.description, `${p.scoreName} ${num(p.score, 2)}`]),
)}
${section(['chart-usage-hours', 'chart-usage-weekdays', ...(data.patterns?.performance ?? []).map((a) => `chart-anomaly-${a.metric}`)], charts, missing)}
<h2>Popular queries</h2>
${
  s?.popularQueries === null || s === null
    ? '<p class="empty">needs an event source (Loki or files)</p>'
    : table(
        ['Query fingerprint', 'Count', 'Share', 'Query (content capture)'],
        queries.map((q) => [q.fingerprint, num(q.count, 0), pct(q.share), q.query ?? '']),
      )
}
${data.notes.length + (data.patterns?.notes.length ?? 0) + (s?.notes.length ?? 0) > 0 ? `<h2>Notes</h2><ul class="notes">${[...data.notes, ...(s?.notes ?? []), ...(data.patterns?.notes ?? [])].map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : ''}
<script>${await echartsScript()}</script>
<script type="application/json" id="report-charts">${scriptJson(charts)}</script>
<script>
(function () {
  var options = JSON.parse(document.getElementById('report-charts').textContent);
  window.__reportCharts = [];
  Object.keys(options).forEach(function (id) {
    var el = document.getElementById(id);
    if (!el) return;
    var chart = echarts.init(el);
    chart.setOption(Object.assign({ animation: false, grid: { top: 70, left: 60, right: 30, bottom: 40 } }, options[id]));
    window.__reportCharts.push(id);
  });
  window.addEventListener('resize', function () {
    window.__reportCharts.forEach(function (id) { echarts.getInstanceByDom(document.getElementById(id)).resize(); });
  });
})();
</script>
</body>
</html>
`;
}
