/**
 * The analysis CLI against the real pipeline: the reference app (dist/demo/server.js with
 * `--import dist/register.js`) exports OTLP to our Collector, which writes to Prometheus's OTLP
 * receiver (shipped configs, started by test/helpers/stack.ts). A bounded load with injected
 * failures and slow turns drives the app; every subcommand then reads the real Prometheus and
 * its numbers are compared with what the load generator measured on its own.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LoadSummary, runLoad } from '../../demo/load/run-load.js';
import type { AnalyzeResult } from '../../src/analysis/analyze.js';
import { INDICATORS } from '../../src/analysis/indicators.js';
import type { PatternsResult } from '../../src/analysis/patterns.js';
import type { RecommendResult } from '../../src/analysis/recommend.js';
import type { TrendResult } from '../../src/analysis/trends.js';
import { runCli } from '../../src/cli/run.js';
import { startNode, type NodeRun } from '../helpers/run-node.js';
import { startStack, type Stack } from '../helpers/stack.js';

const REQUESTS = 200;
const FAIL_SHARE = 0.1;
const SLOW_SHARE = 0.1;
/** Injected per LLM call; a turn makes several calls, so slow turns take about 1-2 s. */
const SLOW_MS = 300;
const THREADS = 20;
/** Step of the trend series; the load runs for a few dozen seconds. */
const STEP_S = 2;

let stack: Stack;
let app: NodeRun | undefined;
let load: LoadSummary;
let startedAt: number;
let analysedAt: number;
let outDir: string;

async function cliJson<T>(args: readonly string[]): Promise<T> {
  let stdout = '';
  let stderr = '';
  const code = await runCli([...args, '--prometheus', stack.prometheus!.url, '--quiet', '--json'], {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    env: {},
    now: () => analysedAt,
  });
  expect(code, `lorechat-otel ${args.join(' ')}\n${stderr}`).toBe(0);
  return JSON.parse(stdout) as T;
}

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'lorechat-analysis-prom-'));
  stack = await startStack({ collector: true, prometheus: true, scrapeInterval: '1s' });
  startedAt = Date.now();
  app = startNode(['--import', './dist/register.js', 'dist/demo/server.js'], {
    env: {
      PORT: '0',
      HOST: '127.0.0.1',
      OTEL_EXPORTER_OTLP_ENDPOINT: stack.collector!.otlpHttp,
      OTEL_METRIC_EXPORT_INTERVAL: '1000',
    },
    timeoutMs: 600_000,
  });
  const [, url] = await app.waitForOutput(/LoreChat listening on (http:\/\/\S+)/, 60_000);
  load = await runLoad({
    url: url!,
    requests: REQUESTS,
    concurrency: 2,
    failShare: FAIL_SHARE,
    slowShare: SLOW_SHARE,
    slowMs: SLOW_MS,
    threads: THREADS,
    durationMs: 240_000,
  });
  // Every finished turn is in Prometheus once the app's next cumulative point arrived.
  await stack.waitForQuery('sum(chat_response_time_seconds_count)', {
    timeoutMs: 60_000,
    accept: (r) => Number(r[0]?.value[1]) >= load.completed,
  });
  // One more export interval, so that every counter of the last turns has arrived too.
  await new Promise((r) => setTimeout(r, 3_000));
  analysedAt = Date.now();
});

afterAll(async () => {
  if (app) {
    app.child.kill('SIGTERM');
    await app.done;
  }
  await stack?.stop();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

const BOUNDS = [0.1, 0.5, 1, 2, 5, Number.POSITIVE_INFINITY];
/** The response-time histogram bucket (lower, upper] that holds `seconds`. */
function bucketOf(seconds: number): [number, number] {
  const i = BOUNDS.findIndex((b) => seconds <= b);
  return [i > 0 ? (BOUNDS[i - 1] as number) : 0, BOUNDS[i] as number];
}

const range = () => [
  '--from',
  new Date(startedAt).toISOString(),
  '--to',
  new Date(analysedAt).toISOString(),
];

describe('analysis CLI against the real Prometheus', () => {
  let a: AnalyzeResult;
  beforeAll(async () => {
    a = await cliJson<AnalyzeResult>(['analyze', ...range()]);
  });

  it('the load itself is what was asked for (the baseline the CLI is compared with)', () => {
    expect(load.completed).toBe(REQUESTS);
    expect(load.injected.fail).toBe(REQUESTS * FAIL_SHARE);
    expect(load.injected.slow).toBe(REQUESTS * SLOW_SHARE);
    // Every failure is an injected model failure, answered 502 by the app.
    expect(load.errorsByKind).toEqual({ http_502: load.injected.fail });
  });

  it('analyze: total and failed requests are exactly what the load generator counted', () => {
    expect(a.basis).toBe('metrics');
    // Cumulative counters: a point re-sent by the Collector (at-least-once) repeats a value,
    // it does not add; raw-sample differencing counts each series from zero, so no turn is
    // lost to a series' first export and nothing is extrapolated.
    expect(a.totalRequests).toBe(load.completed);
    expect(a.failedRequests).toBe(load.errors);
    expect(a.errorRate).toBeCloseTo(FAIL_SHARE, 10);
    expect(a.responseTimeBuckets.at(-1)?.count).toBe(load.completed);
  });

  it('analyze: error rate by component and by error type (error.type stored as error_type)', () => {
    const chat = a.errorsByComponent.find((c) => c.component === 'chat');
    expect(chat).toEqual({
      component: 'chat',
      operations: load.completed,
      errors: load.errors,
      rate: load.errors / load.completed,
    });
    const llm = a.errorsByComponent.find((c) => c.component === 'llm');
    expect(llm?.errors).toBe(load.errors);
    expect(llm?.operations).toBeGreaterThan(load.completed);
    expect(a.errorsByType).toContainEqual({
      component: 'llm',
      errorType: 'OfflineModelError',
      errors: load.errors,
      rate: load.errors / (llm?.operations ?? Number.NaN),
    });
    expect(a.errorsByType.map((t) => t.errorType)).not.toContain('unknown');
  });

  it('analyze: token usage by model and type', () => {
    const model = 'lorechat-offline-1';
    expect(a.tokenUsage.map((t) => [t.model, t.type])).toEqual([
      [model, 'input'],
      [model, 'output'],
    ]);
    for (const t of a.tokenUsage) {
      expect(Number.isInteger(t.tokens)).toBe(true);
      expect(t.tokens).toBeGreaterThan(0);
    }
    expect(a.totalTokens).toBe(a.tokenUsage.reduce((s, t) => s + t.tokens, 0));
  });

  it('analyze: response times agree with the client-side measurements', () => {
    const client = load.latencyMs!;
    // Fast turns take milliseconds, slow ones several injected LLM delays of SLOW_MS.
    expect(a.responseTimeBuckets.find((b) => b.le === 0.5)?.count).toBe(
      load.completed - load.injected.slow,
    );
    // The app's time excludes the HTTP round trip, so it is at most the client's; the
    // histogram interpolates inside a bucket, so the p95 lies in the bucket of the client's
    // p95 (or the one below when the round trip moves it across a bound).
    const p95 = a.p95ResponseTimeSeconds!;
    expect(p95).toBeGreaterThan(bucketOf((client.p95 / 1000) * 0.9)[0]);
    expect(p95).toBeLessThanOrEqual(bucketOf(client.p95 / 1000)[1]);
    expect(a.avgResponseTimeSeconds!).toBeLessThanOrEqual(client.mean / 1000);
    expect(a.avgResponseTimeSeconds!).toBeGreaterThan((client.mean / 1000) * 0.8);
  });

  it('trends: every metric has a per-step series that adds up to the totals', async () => {
    const window = `${Math.ceil((analysedAt - startedAt) / 1000)}s`;
    const results = new Map<string, TrendResult>();
    for (const m of INDICATORS) {
      const r = await cliJson<TrendResult>([
        'trends',
        m.id,
        '--window',
        window,
        '--step',
        `${STEP_S}s`,
        '--to',
        new Date(analysedAt).toISOString(),
      ]);
      if (m.quantile === 0.95) {
        // A p95 needs 20 turns: 2-second steps of this load hold fewer, so the per-step series
        // is withheld (with the reason), while the window's p95 is given.
        expect(r.windowValue, m.id).not.toBeNull();
        if (r.series.length < 4) expect(r.evidence.trend?.withheld, m.id).toMatch(/trend needs/);
        results.set(m.id, r);
        continue;
      }
      expect(r.series.length, m.id).toBeGreaterThanOrEqual(4);
      expect(r.trend, m.id).not.toBeNull();
      expect(r.forecast, m.id).not.toBeNull();
      for (const [, v] of r.series) expect(Number.isFinite(v), m.id).toBe(true);
      results.set(m.id, r);
    }
    const perStep = (id: string) => results.get(id)!.series.map(([, v]) => v);
    const sum = (xs: number[]) => xs.reduce((x, y) => x + y, 0);
    // Rates per minute times the step length give back the counts.
    expect(sum(perStep('throughput')) * (STEP_S / 60)).toBeCloseTo(load.completed, 6);
    expect(sum(perStep('token_rate')) * (STEP_S / 60)).toBeCloseTo(a.totalTokens ?? NaN, 6);
    expect(results.get('error_rate')!.windowValue).toBeCloseTo(load.errors / load.completed, 10);
    for (const id of ['response_time_p50', 'response_time_avg']) {
      for (const v of perStep(id)) {
        expect(v, id).toBeGreaterThan(0);
        expect(v, id).toBeLessThanOrEqual(5);
      }
    }
    // The slow turns (several injected delays of SLOW_MS) show in the steps holding them: the
    // highest step average stands above the window's. (A fixed 0.3 s failed once the samples
    // arrived every export: a slow turn shares its 2-second step with dozens of fast ones.)
    expect(Math.max(...perStep('response_time_avg'))).toBeGreaterThan(
      results.get('response_time_avg')!.windowValue!,
    );
    for (const id of ['memory_max', 'memory_avg', 'vector_search_avg'])
      for (const v of perStep(id)) expect(v, id).toBeGreaterThan(0);
    // Sessions are counted before the first and after the last turn too (0 then).
    const sessions = perStep('sessions_active');
    expect(Math.max(...sessions)).toBeGreaterThanOrEqual(1);
    for (const v of sessions) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(THREADS);
    }
  });

  it('patterns: the short real range gives honest "insufficient data" instead of patterns', async () => {
    const r = await cliJson<PatternsResult>([
      'patterns',
      '--to',
      new Date(analysedAt).toISOString(),
    ]);
    expect(r.usage?.activeDays).toBe(1);
    expect(r.patterns.filter((p) => p.type === 'usage')).toEqual([]);
    expect(r.notes).toContain('hour-of-day peaks need 3 active days; found 1');
    expect(r.notes).toContain('weekday peaks need 2 active weeks; found 1');
    // 24 h at 5 min steps: the load fits in one or two steps, too few for a z-score.
    for (const p of r.performance) {
      expect(p.series.length).toBeLessThan(8);
      expect(p.anomalies).toEqual([]);
    }
    expect(r.patterns.filter((p) => p.type === 'performance')).toEqual([]);
    expect(r.notes).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^response_time_p95: [0-2] steps? with data in 1d; anomalies need 8$/,
        ),
      ]),
    );
    // Errors over 7 days need no history: the injected 10 % on chat turns is a pattern.
    const chat = r.patterns.find((p) => p.type === 'error' && p.details.component === 'chat');
    expect(chat?.score).toBeCloseTo(load.errors / load.completed, 10);
  });

  it('recommend: the failed-turn rule fires with the measured rate', async () => {
    const r = await cliJson<RecommendResult>(['recommend', ...range()]);
    expect(r.measurements.error_rate).toBeCloseTo(load.errors / load.completed, 10);
    const rec = r.recommendations.find((x) => x.id === 'error-rate');
    expect(rec?.severity).toBe('critical');
    expect(r.measurements.llm_error_rate).toBeCloseTo(
      load.errors / (a.errorsByComponent.find((c) => c.component === 'llm')?.operations ?? 0),
      10,
    );
    // A rate per minute needs a minute of data; below that it is withheld with the reason.
    if (analysedAt - startedAt < 60_000) {
      expect(r.measurements.tokens_per_minute).toBeNull();
      expect(r.evidence.tokens_per_minute?.withheld).toMatch(/needs data covering at least 1m/);
    } else {
      const minutes = (analysedAt - startedAt) / 60_000;
      expect(r.measurements.tokens_per_minute).toBeCloseTo((a.totalTokens ?? NaN) / minutes, 0);
    }
  });

  it('report: writes the HTML report from Prometheus', async () => {
    const out = join(outDir, 'report.html');
    const r = await cliJson<{ out: string; bytes: number; charts: string[]; notes: string[] }>([
      'report',
      ...range(),
      '--out',
      out,
    ]);
    expect(r.out).toBe(out);
    expect(r.charts).toEqual(
      expect.arrayContaining(['chart-response-distribution', 'chart-errors', 'chart-tokens']),
    );
    const html = readFileSync(out, 'utf8');
    expect(Buffer.byteLength(html)).toBe(r.bytes);
    expect(html).toContain('OfflineModelError');
  });
});
