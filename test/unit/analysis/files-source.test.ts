import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { metricDefinition } from '../../../src/catalogue/index.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../../../src/analysis/analyze.js';
import { indicator } from '../../../src/analysis/indicators.js';
import { recommend } from '../../../src/analysis/recommend.js';
import { FilesSource } from '../../../src/analysis/sources/files.js';
import { defaultStep, trends } from '../../../src/analysis/trends.js';
import { runCli } from '../../../src/cli/run.js';
import { type Turn, writeTelemetry } from './telemetry-fixture.js';

const T0 = Date.parse('2025-03-10T10:00:00Z');
const MIN = 60_000;
// Per minute: six successful turns; minute 9 adds a failed one (LLM rate limit).
const SECONDS = [0.05, 0.2, 0.3, 0.6, 1.5, 3];
const turnsOf = (minute: number): Turn[] => [
  ...SECONDS.map((seconds, i) => ({
    seconds,
    fingerprint: i < 4 ? 'fp-weather' : 'fp-dragons',
    inputTokens: 200,
    outputTokens: 50,
    searchSeconds: 0.7,
    nodeSeconds: { retrieve: 0.7, generate: seconds },
  })),
  ...(minute === 9
    ? [
        {
          seconds: 4,
          status: 'error' as const,
          fingerprint: 'fp-dragons',
          llmError: 'RateLimitError',
        },
      ]
    : []),
];

let dir: string;
let out: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lorechat-analysis-'));
  out = join(dir, 'telemetry');
  await writeTelemetry(out, {
    start: T0,
    interval: MIN,
    turns: Array.from({ length: 10 }, (_, m) => turnsOf(m)),
    memoryMax: Array.from({ length: 10 }, (_, m) => 1e6 * (1 + 0.05 * m)),
  });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function io(env: Record<string, string> = {}) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    io: {
      stdout: (t: string) => void stdout.push(t),
      stderr: (t: string) => void stderr.push(t),
      env,
      now: () => T0 + 3600_000,
    },
    stdout: () => stdout.join(''),
    stderr: () => stderr.join(''),
  };
}

describe('files source (OTLP-JSON written from real SDK objects)', () => {
  it('knows the time span of the files', async () => {
    const source = await FilesSource.open(out);
    const extent = await source.extent();
    expect(extent?.end).toBe(T0 + 10 * MIN);
    // The data begin at the SDK start: the first cumulative points count from there.
    expect(extent?.start).toBe(T0);
  });

  it('analyze: totals, average and p95 response time, error rates, tokens, popular queries', async () => {
    const source = await FilesSource.open(out);
    const r = await analyze(source, { start: T0, end: T0 + 10 * MIN });
    expect(r.basis).toBe('metrics');
    expect(r.totalRequests).toBe(61);
    expect(r.failedRequests).toBe(1);
    expect(r.errorRate).toBeCloseTo(1 / 61, 10);
    expect(r.avgResponseTimeSeconds).toBeCloseTo(
      (10 * SECONDS.reduce((a, b) => a + b) + 4) / 61,
      10,
    );
    // Buckets 0.1/0.5/1/2/5 hold 10/20/10/10/11: rank 57.95 lies in (2, 5], where PromQL's
    // interpolation gives 4.17 s; no turn took longer than 4 s (the points' max), so p95 is 4.
    expect(r.p95ResponseTimeSeconds).toBe(4);
    expect(r.maxResponseTimeSeconds).toBe(4);
    expect(r.minResponseTimeSeconds).toBe(0.05);
    expect(r.evidence.p95ResponseTime).toMatchObject({ samples: 61, of: 'turns' });
    expect(r.tokenUsage).toEqual([
      { model: 'gpt-4o-mini', type: 'input', tokens: 12000 },
      { model: 'gpt-4o-mini', type: 'output', tokens: 3000 },
    ]);
    expect(r.errorsByComponent.find((c) => c.component === 'llm')).toEqual({
      component: 'llm',
      operations: 61,
      errors: 1,
      rate: 1 / 61,
    });
    expect(r.errorsByType).toContainEqual({
      component: 'llm',
      errorType: 'RateLimitError',
      errors: 1,
      rate: 1 / 61,
    });
    expect(r.popularQueries?.[0]).toEqual({ fingerprint: 'fp-weather', count: 40, share: 40 / 61 });
    expect(r.popularQueries?.[1]).toMatchObject({ fingerprint: 'fp-dragons', count: 21 });
  });

  it('per-step increases of cumulative points match what was recorded in each minute', async () => {
    const source = await FilesSource.open(out);
    const series = await indicator('throughput').evaluate(source.metrics, {
      start: T0 + MIN,
      end: T0 + 10 * MIN,
      step: MIN,
    });
    expect(series.map(([, v]) => v)).toEqual([6, 6, 6, 6, 6, 6, 6, 6, 6, 7]);
    const tokens = await indicator('token_rate').evaluate(source.metrics, {
      start: T0 + MIN,
      end: T0 + 10 * MIN,
      step: MIN,
    });
    expect(tokens.map(([, v]) => v)).toEqual([
      1500, 1500, 1500, 1500, 1500, 1500, 1500, 1500, 1500, 1500,
    ]);
  });

  it('trends: a rising memory series, its slope and a Holt forecast', async () => {
    const source = await FilesSource.open(out);
    const r = await trends(source.metrics, indicator('memory_max'), {
      end: T0 + 10 * MIN,
      window: 10 * MIN,
      step: MIN,
    });
    expect(r.current).toBe(1.45e6);
    expect(r.trend?.direction).toBe('rising');
    expect(r.trend?.slopePerHour).toBeCloseTo(0.05e6 * 60, 3);
    expect(r.forecast?.method).toMatch(/Holt/);
    expect(r.forecast?.value).toBeCloseTo(1.5e6, -2);
  });

  it('trends: a window that is not a whole number of steps is widened, no increase left out', async () => {
    const source = await FilesSource.open(out);
    const r = await trends(source.metrics, indicator('throughput'), {
      end: T0 + 10 * MIN,
      window: 9.5 * MIN,
      step: MIN,
    });
    expect(r.window).toBe('10m');
    expect(r.notes.join('\n')).toMatch(/window widened from 9m ?30s to 10m/);
    // Per-minute rates over one-minute steps: their sum is the number of turns (6 a minute,
    // one more in minute 9). With the window's first half minute in no step, the first
    // minute's 6 turns were missing.
    expect(r.series.reduce((a, [, v]) => a + v, 0)).toBeCloseTo(61, 9);
  });

  it('the default step tiles the window: a divisor near a 48th of it', () => {
    expect(defaultStep(24 * 3600_000)).toBe(1800_000);
    expect(defaultStep(86_700_000)).toBe(1734_000); // 1d 5m in 50 steps
    expect(defaultStep(79_000)).toBe(1000); // 79 s is prime: 1 s steps
    for (const w of [60_000, 79_000, 3600_000, 86_700_000, 7 * 86_400_000])
      expect(w % defaultStep(w), String(w)).toBe(0);
  });

  it("recommend: the plan's three rules fire with the numbers behind them", async () => {
    const source = await FilesSource.open(out);
    const r = await recommend(
      source.metrics,
      { start: T0, end: T0 + 10 * MIN },
      { source: source.describe() },
    );
    const ids = r.recommendations.map((x) => x.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'vector-search-slow',
        'memory-growth',
        'token-rate',
        'response-time-p95',
        'slow-node:generate',
      ]),
    );
    expect(ids).not.toContain('slow-node:retrieve');
    expect(r.measurements.vector_search_avg_seconds).toBeCloseTo(0.7, 10);
    expect(r.measurements.tokens_per_minute).toBeCloseTo(1500, 6);
    expect(r.measurements.memory_growth_rate).toBeGreaterThan(0.3);
    expect(r.recommendations.find((x) => x.id === 'token-rate')?.finding).toMatch(
      /1500 tokens per minute/,
    );
  });

  it('reads rotated files oldest first and reports a torn last line by file and line', async () => {
    const rotated = join(dir, 'rotated');
    await writeTelemetry(rotated, { start: T0, interval: MIN, turns: [turnsOf(0), turnsOf(1)] });
    const lines = readFileSync(join(rotated, 'metrics.jsonl'), 'utf8').trim().split('\n');
    writeFileSync(join(rotated, 'metrics.1.jsonl'), lines[0] + '\n');
    writeFileSync(join(rotated, 'metrics.jsonl'), lines[1] + '\n');
    appendFileSync(join(rotated, 'metrics.jsonl'), '{"resourceMetrics":[{"reso');
    const source = await FilesSource.open(rotated);
    const r = await analyze(source, { start: T0, end: T0 + 2 * MIN });
    expect(r.totalRequests).toBe(12);
    expect(r.input?.unusableLines).toBe(1);
    expect(r.input?.problems).toEqual([
      {
        file: 'metrics.jsonl',
        line: 2,
        reason: 'truncated: the last line ends without a newline (a write cut short)',
      },
    ]);
    expect(r.notes.join(' ')).toMatch(/1 line of the files could not be used.*metrics\.jsonl:2/);
  });
});

describe('CLI on files', () => {
  it('analyze --json with LORECHAT_OTEL_OUTPUT_DIR', async () => {
    const c = io({ LORECHAT_OTEL_OUTPUT_DIR: out });
    expect(await runCli(['analyze', '--json'], c.io)).toBe(0);
    const r = JSON.parse(c.stdout()) as { totalRequests: number; source: string };
    expect(r.totalRequests).toBe(61);
    expect(r.source).toContain(out);
    expect(c.stderr()).toContain('reading metrics');
  });

  it('prints human-readable tables by default', async () => {
    const c = io();
    expect(await runCli(['analyze', '--files', out, '--quiet'], c.io)).toBe(0);
    expect(c.stdout()).toMatch(/total requests\s+61/);
    expect(c.stdout()).toMatch(/fp-weather\s+40/);
    expect(c.stderr()).toBe('');
  });

  it('trends of an unknown metric is a usage error listing the known ones (exit 2)', async () => {
    const c = io();
    expect(await runCli(['trends', 'latency', '--files', out], c.io)).toBe(2);
    expect(c.stderr()).toMatch(
      /unknown metric "latency"; known metrics: response_time_p95,.*token_rate/,
    );
  });

  it('a bad duration is a usage error (exit 2)', async () => {
    const c = io();
    expect(await runCli(['trends', 'throughput', '--window', '7days', '--files', out], c.io)).toBe(
      2,
    );
    expect(c.stderr()).toMatch(/bad duration "7days"/);
  });

  it('an empty range exits 3 (no data) and a reversed one exits 2', async () => {
    const c = io();
    expect(
      await runCli(
        [
          'analyze',
          '--files',
          out,
          '--from',
          '2024-01-01T00:00:00Z',
          '--to',
          '2024-01-02T00:00:00Z',
        ],
        c.io,
      ),
    ).toBe(3);
    expect(c.stderr()).toMatch(/no chat turns and no events between 2024-01-01/);
    const d = io();
    expect(await runCli(['analyze', '--files', out, '--from', 'now', '--to', 'now-1h'], d.io)).toBe(
      2,
    );
  });

  it('a missing directory or no source at all is a usage error', async () => {
    const c = io();
    expect(await runCli(['analyze', '--files', join(dir, 'nope')], c.io)).toBe(2);
    expect(c.stderr()).toMatch(/does not exist/);
  });

  it('trends text output states the forecast method', async () => {
    const c = io();
    expect(
      await runCli(
        ['trends', 'throughput', '--files', out, '--window', '10m', '--step', '1m', '--quiet'],
        c.io,
      ),
    ).toBe(0);
    expect(c.stdout()).toMatch(/forecast method\s+Holt's double exponential smoothing/);
    expect(c.stdout()).toMatch(/trend \(least squares\)\s+(rising|flat)/);
  });

  it('patterns and recommend run on files', async () => {
    const p = io();
    expect(await runCli(['patterns', '--files', out, '--json', '--quiet'], p.io)).toBe(0);
    const pr = JSON.parse(p.stdout()) as { patterns: Array<{ type: string }>; notes: string[] };
    expect(pr.notes.join(' ')).toMatch(/hour-of-day peaks need 3 active days; found 1/);
    const r = io();
    expect(await runCli(['recommend', '--files', out, '--quiet'], r.io)).toBe(0);
    expect(r.stdout()).toContain('Consider implementing token usage caching');
  });
});

describe('files source: one series per instrumentation scope', () => {
  it('two scopes counting the same labels are two series, not resets of one', async () => {
    const d = join(dir, 'scopes');
    const ns = (ms: number) => `${ms}000000`;
    const point = (value: number, at: number) => ({
      attributes: [{ key: 'component', value: { stringValue: 'llm' } }],
      startTimeUnixNano: ns(T0),
      timeUnixNano: ns(at),
      asInt: String(value),
    });
    const scope = (name: string, values: [number, number]) => ({
      scope: { name },
      metrics: [
        {
          name: 'lorechat.operations',
          sum: {
            aggregationTemporality: 2,
            isMonotonic: true,
            dataPoints: [point(values[0], T0 + MIN)],
          },
        },
      ],
    });
    const request = (i: 0 | 1) => ({
      resourceMetrics: [
        {
          resource: { attributes: [] },
          scopeMetrics: [
            scope('chat-models', [[3, 6][i] as number, 0]),
            scope('agents', [[1, 2][i] as number, 0]),
          ].map((s) => ({
            ...s,
            metrics: s.metrics.map((m) => ({
              ...m,
              sum: {
                ...m.sum,
                dataPoints: [{ ...m.sum.dataPoints[0]!, timeUnixNano: ns(T0 + (i + 1) * MIN) }],
              },
            })),
          })),
        },
      ],
    });
    mkdirSync(d, { recursive: true });
    writeFileSync(
      join(d, 'metrics.jsonl'),
      `${JSON.stringify(request(0))}\n${JSON.stringify(request(1))}\n`,
    );
    const source = await FilesSource.open(d);
    const [ops] = await source.metrics.counterIncrease(
      { metric: metricDefinition('lorechat.operations'), by: ['component'] },
      { start: T0 + 2 * MIN, end: T0 + 2 * MIN, step: 2 * MIN },
    );
    expect(ops?.points).toEqual([[T0 + 2 * MIN, 8]]);
  });
});
