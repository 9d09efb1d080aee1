/**
 * The analysis CLI on the embedded default's real output: the scripted demo runs with
 * `--import dist/register.js` and no Collector, writing OTLP-JSON lines files; the built
 * `dist/cli.js` then reads them with `--files` for every subcommand, and the numbers are
 * compared with the summary the SDK itself printed at shutdown. The report is opened in
 * headless Chromium.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyzeResult } from '../../src/analysis/analyze.js';
import { INDICATORS } from '../../src/analysis/indicators.js';
import type { PatternsResult } from '../../src/analysis/patterns.js';
import type { RecommendResult } from '../../src/analysis/recommend.js';
import type { TrendResult } from '../../src/analysis/trends.js';
import { renderReport } from '../helpers/report-browser.js';
import { runNode } from '../helpers/run-node.js';

let dir: string;
let telemetry: string;
/** What the SDK's shutdown summary says about the run. */
let summary: {
  turns: number;
  inputTokens: number;
  outputTokens: number;
  errors: number;
  /** Nearest-rank p95 of the turns in seconds (printed to the millisecond). */
  p95: number;
};

/** Top-level graph runs (invoke_workflow, invoke_agent) in traces.jsonl, read independently. */
function graphRuns(file: string): Array<{ seconds: number; error: boolean }> {
  const spans: Array<{ id: string; parent: string; seconds: number; error: boolean }> = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const req = JSON.parse(line) as {
      resourceSpans: Array<{
        scopeSpans: Array<{
          spans: Array<{
            name: string;
            spanId: string;
            parentSpanId?: string;
            startTimeUnixNano: string;
            endTimeUnixNano: string;
            status?: { code?: number };
          }>;
        }>;
      }>;
    };
    for (const rs of req.resourceSpans)
      for (const ss of rs.scopeSpans)
        for (const sp of ss.spans)
          if (/^invoke_(workflow|agent)( |$)/.test(sp.name))
            spans.push({
              id: sp.spanId,
              parent: sp.parentSpanId ?? '',
              seconds: Number(BigInt(sp.endTimeUnixNano) - BigInt(sp.startTimeUnixNano)) / 1e9,
              error: sp.status?.code === 2,
            });
  }
  const ids = new Set(spans.map((x) => x.id));
  return spans.filter((x) => !ids.has(x.parent));
}

async function cli<T>(args: readonly string[]): Promise<T> {
  const r = await runNode(['dist/cli.js', ...args, '--files', telemetry, '--json', '--quiet'], {
    timeoutMs: 60_000,
  });
  expect(r.code, `lorechat-otel ${args.join(' ')}\n${r.stderr}`).toBe(0);
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as T;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lorechat-analysis-files-'));
  telemetry = join(dir, 'telemetry');
  const demo = await runNode(['--import', './dist/register.js', 'dist/demo/scripted-demo.js'], {
    env: { LORECHAT_OTEL_OUTPUT_DIR: telemetry, LORECHAT_OTEL_PROMETHEUS_PORT: '0' },
    timeoutMs: 120_000,
  });
  expect(demo.code, demo.stderr).toBe(0);
  const out = demo.stdout + demo.stderr;
  const turns = /^\s*turns:\s+(\d+)$/m.exec(out);
  const tokens = /^\s*tokens:\s+(\d+) input, (\d+) output$/m.exec(out);
  const errors = /^\s*errors:\s+(\d+)/m.exec(out);
  const p95 = /^\s*response time:.*p95 ([\d.]+) s/m.exec(out);
  if (!turns || !tokens || !errors || !p95)
    throw new Error(`no summary in the demo's output:\n${out}`);
  summary = {
    turns: Number(turns[1]),
    inputTokens: Number(tokens[1]),
    outputTokens: Number(tokens[2]),
    errors: Number(errors[1]),
    p95: Number(p95[1]),
  };
});

afterAll(() => {
  if (dir && !process.env.KEEP_ANALYSIS_FILES) rmSync(dir, { recursive: true, force: true });
});

describe('analysis CLI on the scripted demo files', () => {
  it('analyze: turns, failures, tokens and times agree with the spans and the SDK summary', async () => {
    const a = await cli<AnalyzeResult>(['analyze']);
    const runs = graphRuns(join(telemetry, 'traces.jsonl'));
    // A turn is a top-level graph run: the workflow turns the SDK summary counts, plus the
    // agent runs of the demo's agent turns; each has one chat_response_time observation.
    expect(summary.turns).toBeGreaterThan(0);
    expect(runs.length).toBeGreaterThanOrEqual(summary.turns);
    expect(a.basis).toBe('metrics');
    expect(a.totalRequests).toBe(runs.length);
    expect(a.failedRequests).toBe(runs.filter((r) => r.error).length);
    const byType = (type: string) =>
      a.tokenUsage.filter((t) => t.type === type).reduce((x, t) => x + t.tokens, 0);
    expect(byType('input')).toBe(summary.inputTokens);
    expect(byType('output')).toBe(summary.outputTokens);
    expect(a.totalTokens).toBe(summary.inputTokens + summary.outputTokens);
    // Response times are the exact durations of those spans. A p95 of a handful of turns is
    // withheld with its reason; the extremes are given.
    expect(a.responseTimeBasis).toBe('spans');
    expect(runs.length).toBeLessThan(20);
    expect(a.p95ResponseTimeSeconds).toBeNull();
    expect(a.evidence.p95ResponseTime?.withheld).toMatch(
      new RegExp(`^p95 needs at least 20 turns; ${runs.length} turns in range`),
    );
    expect(a.maxResponseTimeSeconds).toBeCloseTo(Math.max(...runs.map((r) => r.seconds)), 9);
    expect(a.minResponseTimeSeconds).toBeCloseTo(Math.min(...runs.map((r) => r.seconds)), 9);
    expect(a.avgResponseTimeSeconds).toBeCloseTo(
      runs.reduce((x, r) => x + r.seconds, 0) / runs.length,
      9,
    );
    expect(a.evidence.requests).toMatchObject({ samples: runs.length, of: 'turns' });
    expect(a.evidence.requests?.spanMs).toBeLessThan(60_000);
    expect(a.input).toEqual(expect.objectContaining({ unusableLines: 0 }));
    expect(a.errorsByComponent.map((c) => c.component)).toEqual(
      expect.arrayContaining(['chat', 'graph', 'llm', 'vector']),
    );
    // Popular queries come from the chat.message events of the logs file: one per turn with a
    // user message (the demo's resumed agent turn has none: its input is Command({ resume })).
    expect(a.popularQueries?.reduce((x, q) => x + q.count, 0)).toBeGreaterThanOrEqual(
      summary.turns - 1,
    );
  });

  it('trends: every figure of every metric is a number or withheld with its reason', async () => {
    for (const m of INDICATORS) {
      const r = await cli<TrendResult>(['trends', m.id]);
      const figures: Array<[string, unknown]> = [
        ['current', r.current],
        ['window', r.windowValue],
        ['previousWindow', r.previousWindowValue],
        ['trend', r.trend],
        ['forecast', r.forecast],
      ];
      for (const [key, value] of figures) {
        const ev = r.evidence[key];
        expect(ev, `${m.id} ${key}`).toBeDefined();
        if (value === null) expect(ev?.withheld, `${m.id} ${key}`).toMatch(/\w/);
        else expect(ev?.withheld, `${m.id} ${key}`).toBeUndefined();
      }
      // The demo lasts well under a second: no trend or forecast is invented from it, and no
      // rate per minute is extrapolated from a burst.
      expect(r.trend, m.id).toBeNull();
      expect(r.forecast, m.id).toBeNull();
      if (m.perMinute) {
        expect(r.windowValue, m.id).toBeNull();
        expect(r.evidence.window?.withheld, m.id).toMatch(/needs data covering at least 1m/);
      }
      if (m.quantile === 0.95) expect(r.evidence.window?.withheld).toMatch(/needs at least 20/);
    }
  });

  it('patterns: no usage peaks or anomalies from one short run, with the reasons', async () => {
    const r = await cli<PatternsResult>(['patterns']);
    expect(r.patterns).toEqual([]);
    expect(r.usage?.activeDays).toBe(1);
    expect(r.notes).toEqual(
      expect.arrayContaining([
        'hour-of-day peaks need 3 active days; found 1',
        'weekday peaks need 2 active weeks; found 1',
        expect.stringMatching(
          /^response_time_p95: \d+ steps? with data in \d+ms; anomalies need 8$/,
        ),
      ]),
    );
  });

  it('recommend: no per-minute rule fires on a sub-minute run; the rate is withheld', async () => {
    const r = await cli<RecommendResult>(['recommend']);
    expect(r.measurements.tokens_per_minute).toBeNull();
    expect(r.evidence.tokens_per_minute?.withheld).toMatch(
      /^a rate per minute needs data covering at least 1m; the data cover \d+ms$/,
    );
    expect(r.recommendations.map((x) => x.id)).not.toContain('token-rate');
    expect(r.measurements.response_time_p95_seconds).toBeNull();
    const runs = graphRuns(join(telemetry, 'traces.jsonl'));
    expect(r.measurements.error_rate).toBe(runs.filter((x) => x.error).length / runs.length);
    for (const rec of r.recommendations) expect(rec.evidence.samples).toBeGreaterThan(0);
  });

  it('report: no empty chart in headless Chromium; thin sections say why; memory over time', async () => {
    const out = join(dir, 'report.html');
    const r = await cli<{ out: string; charts: string[] }>(['report', '--out', out]);
    expect(r.out).toBe(out);
    expect(r.charts).toEqual(expect.arrayContaining(['chart-memory', 'chart-tokens']));
    const html = readFileSync(out, 'utf8');
    expect(html).not.toMatch(/<script[^>]+src=/);
    const rendered = await renderReport(out, async (page) => {
      const body = await page.innerText('body');
      await page.screenshot({ path: join(dir, 'report.png'), fullPage: true });
      expect(body).toContain('lorechat-offline-1');
      expect(body).not.toMatch(/\b1 (recommendations|steps|turns|points)\b/);
      expect(body).toMatch(/Not drawn: a rate per minute needs data covering at least 1m/);
      expect(body).toMatch(/withheld: p95 needs at least 20 turns/);
      // Every drawn chart has data: each has a series with points, time series at least two,
      // not all zero, and time axes span the data (not days around a lone point).
      const drawn = await page.evaluate<
        Array<{ id: string; points: number; nonZero: number; axisSpanMs: number | null }>
      >(`window.__reportCharts.map((id) => {
        const o = echarts.getInstanceByDom(document.getElementById(id)).getOption();
        const data = o.series.flatMap((s) => s.data || []);
        const values = data.map((d) => (Array.isArray(d) ? d[1] : d)).filter((v) => v !== null && v !== undefined);
        const x = o.xAxis[0];
        return { id, points: values.length, nonZero: values.filter((v) => Number(v) !== 0).length,
          axisSpanMs: x.type === 'time' && x.min !== undefined ? x.max - x.min : null };
      })`);
      expect(drawn.length).toBeGreaterThan(0);
      for (const c of drawn) {
        expect(c.points, c.id).toBeGreaterThanOrEqual(2);
        expect(c.nonZero, c.id).toBeGreaterThan(0);
        if (c.axisSpanMs !== null) expect(c.axisSpanMs, c.id).toBeLessThan(60_000);
      }
      expect(drawn.find((c) => c.id === 'chart-memory')?.axisSpanMs).not.toBeNull();
    });
    expect(rendered.charts.map((c) => c.id).sort()).toEqual([...r.charts].sort());
    for (const c of rendered.charts) {
      expect(c.instance, c.id).toBe(true);
      expect(c.width, c.id).toBeGreaterThan(100);
    }
    expect(rendered.problems).toEqual([]);
    expect(rendered.requests.filter((u) => !u.startsWith('file://'))).toEqual([]);
  });
});
