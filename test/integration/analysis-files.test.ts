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
let summary: { turns: number; inputTokens: number; outputTokens: number; errors: number };

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
  if (!turns || !tokens || !errors) throw new Error(`no summary in the demo's output:\n${out}`);
  summary = {
    turns: Number(turns[1]),
    inputTokens: Number(tokens[1]),
    outputTokens: Number(tokens[2]),
    errors: Number(errors[1]),
  };
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('analysis CLI on the scripted demo files', () => {
  it('analyze: turns, failures and tokens are what the SDK summary reported', async () => {
    const a = await cli<AnalyzeResult>(['analyze']);
    expect(summary.turns).toBeGreaterThan(0);
    expect(a.basis).toBe('metrics');
    expect(a.totalRequests).toBe(summary.turns);
    expect(a.failedRequests).toBe(summary.errors);
    expect(a.tokenUsage).toEqual([
      { model: 'lorechat-offline-1', type: 'input', tokens: summary.inputTokens },
      { model: 'lorechat-offline-1', type: 'output', tokens: summary.outputTokens },
    ]);
    expect(a.avgResponseTimeSeconds).toBeGreaterThan(0);
    expect(a.p95ResponseTimeSeconds).toBeGreaterThan(0);
    expect(a.errorsByComponent.map((c) => c.component)).toEqual(['chat', 'graph', 'llm', 'vector']);
    // Popular queries come from the chat.message events of the logs file: one per turn.
    expect(a.popularQueries?.reduce((s, q) => s + q.count, 0)).toBe(summary.turns);
  });

  it('trends: every metric reads the files (one step: the demo lasts well under a second)', async () => {
    for (const m of INDICATORS) {
      const r = await cli<TrendResult>(['trends', m.id]);
      expect(r.current, m.id).not.toBeNull();
      expect(Number.isFinite(r.windowValue), m.id).toBe(true);
      expect(r.previousWindowValue, m.id).toBeNull();
      // One step with data: no trend or forecast is invented from it.
      expect(r.trend, m.id).toBeNull();
      expect(r.forecast, m.id).toBeNull();
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
          /^response_time_p95: \d+ steps with data in \d+ms; anomalies need 8$/,
        ),
      ]),
    );
  });

  it('recommend: token rate of a sub-minute run counts against one minute', async () => {
    const r = await cli<RecommendResult>(['recommend']);
    expect(r.measurements.tokens_per_minute).toBeCloseTo(
      summary.inputTokens + summary.outputTokens,
      6,
    );
    expect(r.measurements.error_rate).toBe(summary.errors / summary.turns);
  });

  it('report: renders every chart offline in headless Chromium', async () => {
    const out = join(dir, 'report.html');
    const r = await cli<{ out: string; charts: string[] }>(['report', '--out', out]);
    expect(r.out).toBe(out);
    expect(r.charts.length).toBeGreaterThan(0);
    expect(readFileSync(out, 'utf8')).not.toMatch(/<script[^>]+src=/);
    const rendered = await renderReport(out, async (page) => {
      expect(await page.textContent('body')).toContain('lorechat-offline-1');
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
