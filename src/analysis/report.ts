/**
 * `report`: one self-contained HTML file (echarts inlined, no network) with the plan's
 * dashboard for people without Grafana: summary, response-time distribution, memory over
 * time, error rate by component, tokens, trends with forecasts, patterns, recommendations.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { type AnalyzeResult, analyze } from './analyze.js';
import { AnalysisError, NoDataError } from './errors.js';
import { type Point, indicator } from './indicators.js';
import { type PatternsResult, WEEKDAYS, patterns } from './patterns.js';
import { type RecommendResult, recommend } from './recommend.js';
import type { Progress, TelemetrySource, TimeWindow } from './sources/types.js';
import { type TrendResult, trends } from './trends.js';

export interface ReportData {
  readonly generatedAt: string;
  readonly from: string;
  readonly to: string;
  readonly source: string;
  readonly summary: AnalyzeResult | null;
  readonly memory: { readonly max: readonly Point[]; readonly avg: readonly Point[] };
  readonly tokenRate: readonly Point[];
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
  const resolution = (await source.metrics?.resolution?.()) ?? 1000;
  const step = Math.max(resolution, Math.round(span / 60 / 1000) * 1000);
  const stepRange = {
    start: window.end - Math.floor(span / step) * step + step,
    end: window.end,
    step,
  };
  const summary = await orNote(notes, 'summary', () => analyze(source, window, { progress }));
  const m = source.metrics;
  const trendResults: TrendResult[] = [];
  let memory: ReportData['memory'] = { max: [], avg: [] };
  let tokenRate: readonly Point[] = [];
  let recs: RecommendResult | null = null;
  if (m) {
    memory = {
      max: await indicator('memory_max').evaluate(m, stepRange),
      avg: await indicator('memory_avg').evaluate(m, stepRange),
    };
    tokenRate = await indicator('token_rate').evaluate(m, stepRange);
    for (const id of REPORT_TRENDS) {
      const t = await orNote(notes, `trend ${id}`, () =>
        trends(m, indicator(id), { end: window.end, window: span, step, progress }),
      );
      if (t) trendResults.push(t);
    }
    recs = await orNote(notes, 'recommendations', () =>
      recommend(m, window, { source: source.describe(), progress }),
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

const timeAxis = { type: 'time' };
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

/** The echarts options of every chart, keyed by element id (only charts with data). */
export function chartOptions(data: ReportData): Record<string, ChartOption> {
  const charts: Record<string, ChartOption> = {};
  const s = data.summary;
  if (s && s.responseTimeBuckets.length > 0) {
    const { labels, counts } = bucketLabels(s.responseTimeBuckets);
    charts['chart-response-distribution'] = {
      title: { text: 'Response time distribution' },
      tooltip: {},
      xAxis: { type: 'category', data: labels, name: 'response time' },
      yAxis: { type: 'value', name: 'chat turns' },
      series: [{ type: 'bar', name: 'chat turns', data: counts }],
    };
  }
  if (data.memory.max.length > 0 || data.memory.avg.length > 0) {
    charts['chart-memory'] = {
      title: { text: 'Session memory over time (MB)' },
      tooltip: { trigger: 'axis' },
      legend: { top: 28 },
      xAxis: timeAxis,
      yAxis: { type: 'value', name: 'MB' },
      series: [
        line(
          'largest session',
          data.memory.max.map(([t, v]): Point => [t, v / 1e6]),
        ),
        line(
          'average session',
          data.memory.avg.map(([t, v]): Point => [t, v / 1e6]),
        ),
      ],
    };
  }
  if (s && s.errorsByComponent.length > 0) {
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
  if (s && s.tokenUsage.length > 0) {
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
  if (data.tokenRate.length > 0) {
    charts['chart-token-rate'] = {
      title: { text: 'Token rate (tokens per minute)' },
      tooltip: { trigger: 'axis' },
      xAxis: timeAxis,
      yAxis: { type: 'value', name: 'tokens/min' },
      series: [
        line('tokens/min', data.tokenRate, {
          markLine: { data: [{ yAxis: 1000, name: 'plan threshold' }], symbol: 'none' },
        }),
      ],
    };
  }
  for (const t of data.trends) {
    const series: unknown[] = [line(t.metric, t.series)];
    if (t.forecast && t.series.length > 0) {
      const last = t.series.at(-1) as Point;
      series.push(
        line('forecast', [last, [Date.parse(t.forecast.at), t.forecast.value]], {
          lineStyle: { type: 'dashed' },
          showSymbol: true,
        }),
      );
    }
    charts[`chart-trend-${t.metric}`] = {
      title: {
        text: `${t.metric} (${t.unit})`,
        subtext: t.trend ? `trend: ${t.trend.direction}` : '',
      },
      tooltip: { trigger: 'axis' },
      legend: { top: 28, right: 10 },
      xAxis: timeAxis,
      yAxis: { type: 'value', scale: true },
      series,
    };
  }
  const u = data.patterns?.usage;
  if (u && u.activeDays > 0) {
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
    charts[`chart-anomaly-${a.metric}`] = {
      title: {
        text: `${a.metric}: beyond 2 sigma`,
        subtext: `step ${a.step}, ${a.anomalies.length} anomalies`,
      },
      tooltip: { trigger: 'axis' },
      xAxis: timeAxis,
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

/** Renders the report as one HTML document with echarts inlined. */
export async function renderReport(data: ReportData): Promise<string> {
  const charts = chartOptions(data);
  const s = data.summary;
  const summaryRows: string[][] = s
    ? [
        ['Total requests', num(s.totalRequests, 0)],
        ['Failed requests', num(s.failedRequests, 0)],
        ['Error rate', pct(s.errorRate)],
        ['Average response time', `${num(s.avgResponseTimeSeconds)} s`],
        ['p95 response time', `${num(s.p95ResponseTimeSeconds)} s`],
        ['Total tokens', num(s.totalTokens, 0)],
        ['Figures from', s.basis],
      ]
    : [];
  const trendRows = data.trends.map((t) => [
    t.metric,
    `${num(t.current)} ${t.unit}`,
    t.changeVsPrevious === null ? 'n/a' : pct(t.changeVsPrevious),
    t.trend
      ? `${t.trend.direction} (${num(t.trend.slopePerHour, 4)} ${t.unit}/h, R² ${num(t.trend.r2, 2)})`
      : 'n/a',
    t.forecast
      ? `${num(t.forecast.value)} ${t.unit} [${num(t.forecast.low)}, ${num(t.forecast.high)}]`
      : 'n/a',
    t.forecast?.method ?? '',
  ]);
  const recs = data.recommendations?.recommendations ?? [];
  const recHtml =
    recs.length === 0
      ? `<p class="ok">${data.recommendations ? 'No rule triggered: nothing to recommend for this range.' : 'Recommendations need metrics.'}</p>`
      : `<ul class="recs">${recs
          .map(
            (r) =>
              `<li class="${r.severity}"><strong>[${esc(r.severity)}] ${esc(r.title)}</strong><br>${esc(r.finding)}<br><em>${esc(r.action)}</em></li>`,
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
.empty,.ok{color:#57606a}.notes{color:#57606a;font-size:.9em}
</style>
</head>
<body>
<h1>LoreChat monitoring report</h1>
<p class="meta">${esc(data.from)} to ${esc(data.to)} · source: ${esc(data.source)} · generated ${esc(data.generatedAt)}</p>
<h2>Summary</h2>
${table(['Measure', 'Value'], summaryRows)}
<h2>Recommendations</h2>
${recHtml}
<h2>Response time, memory, errors, tokens</h2>
<div class="grid">
${['chart-response-distribution', 'chart-memory', 'chart-errors', 'chart-tokens', 'chart-token-rate'].map((id) => chartDiv(id, charts)).join('\n')}
</div>
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
${table(['Metric', 'Current', 'Change vs previous window', 'Trend', 'Forecast (95 % interval)', 'Method'], trendRows)}
<div class="grid">
${data.trends.map((t) => chartDiv(`chart-trend-${t.metric}`, charts)).join('\n')}
</div>
<h2>Patterns</h2>
${table(
  ['Type', 'Pattern', 'Score'],
  pats.map((p) => [p.type, p.description, `${p.scoreName} ${num(p.score, 2)}`]),
)}
<div class="grid">
${['chart-usage-hours', 'chart-usage-weekdays', ...(data.patterns?.performance ?? []).map((a) => `chart-anomaly-${a.metric}`)].map((id) => chartDiv(id, charts)).join('\n')}
</div>
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
