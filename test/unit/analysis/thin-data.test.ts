/**
 * Correct statistics and honesty about thin data, on embedded-default files written from real
 * SDK objects (telemetry-fixture.ts): the two runs of issue 16's "Why" (a 42-second server run
 * exported once at exit, a sub-second scripted demo) and a long run where every figure is given.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../../../src/analysis/analyze.js';
import { MINIMUMS, describeEvidence } from '../../../src/analysis/evidence.js';
import { indicator } from '../../../src/analysis/indicators.js';
import { patterns } from '../../../src/analysis/patterns.js';
import { recommend } from '../../../src/analysis/recommend.js';
import { collectReport, missingCharts, renderReport } from '../../../src/analysis/report.js';
import { FilesSource } from '../../../src/analysis/sources/files.js';
import { trends } from '../../../src/analysis/trends.js';
import { type Turn, writeTelemetry } from './telemetry-fixture.js';

const T0 = Date.parse('2025-03-10T10:00:00Z');
const turn = (seconds: number): Turn => ({
  seconds,
  fingerprint: 'fp',
  inputTokens: 200,
  outputTokens: 50,
  searchSeconds: 0.01,
});

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lorechat-thin-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a 42-second server run of 25 requests, exported once at exit', () => {
  let source: FilesSource;
  beforeAll(async () => {
    await writeTelemetry(join(dir, 'server'), {
      start: T0,
      interval: 42_000,
      turns: [Array.from({ length: 25 }, (_, i) => turn(0.02 + i * 0.001))],
    });
    source = await FilesSource.open(join(dir, 'server'));
  });

  it('the step is never shorter than the export interval (42 s here)', async () => {
    expect(await source.metrics.resolution?.()).toBe(42_000);
    const r = await trends(source.metrics, indicator('throughput'), {
      end: T0 + 42_000,
      window: 60_000,
      step: 1_000,
      extent: await source.extent(),
    });
    expect(r.step).toBe('42s');
    expect(r.notes[0]).toMatch(/^step raised from 1s to 42s, the interval at which/);
  });

  it('the counter increase is spread over the 42 s it accrued in: ~35.7 req/min, not 1,500', async () => {
    // One 1-second step at the export: before, the whole increase landed in it (25 x 60).
    const oneSecond = await indicator('throughput').evaluate(source.metrics, {
      start: T0 + 42_000,
      end: T0 + 42_000,
      step: 1_000,
    });
    expect(oneSecond[0]?.[1]).toBeCloseTo((25 / 42) * 60, 9);
    const tokens = await indicator('token_rate').evaluate(source.metrics, {
      start: T0 + 42_000,
      end: T0 + 42_000,
      step: 42_000,
    });
    expect(tokens[0]?.[1]).toBeCloseTo((25 * 250 * 60) / 42, 6);
  });

  it('a rate per minute over 42 s of data is withheld with the reason; totals are exact', async () => {
    const r = await trends(source.metrics, indicator('throughput'), {
      end: T0 + 42_000,
      window: 60_000,
      extent: await source.extent(),
    });
    expect(r.windowValue).toBeNull();
    expect(r.current).toBeNull();
    expect(r.evidence.window?.withheld).toBe(
      'a rate per minute needs data covering at least 1m; the data cover 42s',
    );
    const a = await analyze(source, { start: T0 - 1, end: T0 + 42_000 });
    expect(a.totalRequests).toBe(25);
    expect(a.totalTokens).toBe(25 * 250);
    // 25 turns: a p95 is given (>= 20), clamped to the slowest turn.
    expect(a.p95ResponseTimeSeconds).not.toBeNull();
    expect(a.p95ResponseTimeSeconds!).toBeLessThanOrEqual(0.044 + 1e-9);
    expect(a.evidence.p95ResponseTime).toMatchObject({ samples: 25, span: '42s' });
  });

  it('no per-minute recommendation fires on a sub-minute window', async () => {
    const r = await recommend(
      source.metrics,
      { start: T0 - 1, end: T0 + 42_000 },
      { source: 'files', thresholds: { tokensPerMinute: 100 }, extent: await source.extent() },
    );
    expect(r.measurements.tokens_per_minute).toBeNull();
    expect(r.recommendations.map((x) => x.id)).not.toContain('token-rate');
  });
});

describe('the scripted demo: 4 turns in 157 ms', () => {
  let source: FilesSource;
  beforeAll(async () => {
    await writeTelemetry(join(dir, 'demo'), {
      start: T0,
      interval: 157,
      turns: [[turn(0.016), turn(0.02), turn(0.035), turn(0.06)]],
      memoryMax: [4050],
    });
    source = await FilesSource.open(join(dir, 'demo'));
  });

  it('analyze: p95 withheld (needs 20 turns), evidence on every figure', async () => {
    const a = await analyze(source, { start: T0 - 1, end: T0 + 157 });
    expect(a.p95ResponseTimeSeconds).toBeNull();
    expect(a.evidence.p95ResponseTime?.withheld).toBe(
      'p95 needs at least 20 turns; 4 turns in range (the slowest took 0.06 s)',
    );
    expect(a.maxResponseTimeSeconds).toBeCloseTo(0.06, 9);
    for (const key of ['requests', 'errorRate', 'avgResponseTime', 'tokens'])
      expect(a.evidence[key]?.withheld, key).toBeUndefined();
    expect(describeEvidence(a.evidence.requests!)).toBe('4 turns over 158ms');
    expect(MINIMUMS.quantileSamples(0.95)).toBe(20);
    expect(MINIMUMS.quantileSamples(0.5)).toBe(2);
  });

  it('trends: no trend, forecast or per-minute rate is made up from one step', async () => {
    for (const id of ['throughput', 'token_rate', 'response_time_p95', 'memory_max']) {
      const r = await trends(source.metrics, indicator(id), {
        end: T0 + 157,
        window: 60_000,
        extent: await source.extent(),
      });
      expect(r.trend, id).toBeNull();
      expect(r.forecast, id).toBeNull();
      expect(r.evidence.trend?.withheld, id).toMatch(/a trend needs at least 4 steps with data/);
      expect(r.evidence.forecast?.withheld, id).toMatch(/a forecast needs at least 4 steps/);
    }
  });

  it('patterns: error patterns of thin components withheld, anomalies with their evidence', async () => {
    const r = await patterns(source, { end: T0 + 157, extent: await source.extent() });
    expect(r.patterns).toEqual([]);
    expect(r.notes).toEqual(
      expect.arrayContaining([
        'error patterns of component chat withheld: it needs at least 20 operations; 4 operations in 7d',
      ]),
    );
    for (const a of r.performance)
      expect(a.evidence?.withheld).toMatch(/anomalies need at least 8/);
  });

  it('report: thin charts are not drawn and say why; singular wording for one', async () => {
    const data = await collectReport(source, { start: T0 - 1, end: T0 + 157 });
    const missing = missingCharts(data);
    expect(missing['chart-token-rate']).toMatch(/needs data covering at least 1m/);
    expect(missing['chart-trend-throughput']).toMatch(/a trend needs at least 4 steps/);
    const html = await renderReport(data);
    expect(html).toContain('Not drawn: a rate per minute needs data covering at least 1m');
    expect(html).not.toMatch(/\b1 (recommendations|turns|steps) /);
    expect(html).toContain('No rule triggered');
  });
});

describe('a long, steady run: every figure is given, with its evidence', () => {
  it('trend and forecast with a 95 % interval that contains the next value', async () => {
    const minutes = 30;
    await writeTelemetry(join(dir, 'long'), {
      start: T0,
      interval: 60_000,
      turns: Array.from({ length: minutes }, (_, m) =>
        Array.from({ length: 20 + m }, (__, i) => turn(0.05 + (i % 5) * 0.1)),
      ),
    });
    const source = await FilesSource.open(join(dir, 'long'));
    const r = await trends(source.metrics, indicator('throughput'), {
      end: T0 + (minutes - 1) * 60_000,
      window: (minutes - 1) * 60_000,
      step: 60_000,
      extent: await source.extent(),
    });
    expect(r.trend?.direction).toBe('rising');
    expect(r.forecast).not.toBeNull();
    // Next minute's truth: 20 + 29 = 49 turns.
    expect(r.forecast!.low).toBeLessThanOrEqual(49);
    expect(r.forecast!.high).toBeGreaterThanOrEqual(49);
    expect(r.evidence.forecast).toMatchObject({ samples: r.series.length, of: 'steps with data' });
    expect(r.evidence.window?.withheld).toBeUndefined();
    expect(r.windowValue).toBeCloseTo(
      Array.from({ length: minutes - 1 }, (_, m) => 20 + m).reduce((a, b) => a + b, 0) /
        (minutes - 1),
      6,
    );
  });
});
