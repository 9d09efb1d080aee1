import { describe, expect, it } from 'vitest';
import {
  cumulativeBuckets,
  histogramQuantile,
  holt,
  linearRegression,
  quantile,
  stddev,
  tCritical95,
  zScores,
} from '../../../src/analysis/stats.js';
import {
  formatDuration,
  parseDuration,
  parseTime,
  promDuration,
} from '../../../src/analysis/time.js';
import { UsageError } from '../../../src/analysis/errors.js';
import { fitTrend, forecastNext } from '../../../src/analysis/trends.js';
import { growthRate } from '../../../src/analysis/recommend.js';

/** Deterministic pseudo-random numbers (mulberry32) so the noise is the same on every run. */
function rng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('least squares', () => {
  it('recovers a seeded slope and intercept from noisy data', () => {
    const r = rng(7);
    const xs = Array.from({ length: 200 }, (_, i) => i);
    const ys = xs.map((x) => 3 + 0.25 * x + (r() - 0.5));
    const fit = linearRegression(xs, ys);
    expect(fit.slope).toBeCloseTo(0.25, 2);
    expect(fit.intercept).toBeCloseTo(3, 0);
    expect(fit.r2).toBeGreaterThan(0.99);
  });

  it('refuses fewer than two distinct x values', () => {
    expect(() => linearRegression([1], [1])).toThrow(RangeError);
    expect(() => linearRegression([1, 1], [1, 2])).toThrow(RangeError);
  });

  it('classifies rising, falling and flat series by fitted change relative to the mean', () => {
    const hour = 3_600_000;
    const rising = Array.from({ length: 24 }, (_, i) => [i * hour, 100 + 2 * i] as const);
    const falling = rising.map(([t, v]) => [t, 300 - v] as const);
    const flat = rising.map(([t], i) => [t, 100 + (i % 2)] as const);
    expect(fitTrend(rising)).toMatchObject({ direction: 'rising' });
    expect(fitTrend(rising)?.slopePerHour).toBeCloseTo(2, 6);
    expect(fitTrend(falling)).toMatchObject({ direction: 'falling' });
    expect(fitTrend(flat)).toMatchObject({ direction: 'flat' });
  });
});

describe('forecast', () => {
  it("Holt's method continues an exact linear series exactly", () => {
    const ys = Array.from({ length: 20 }, (_, i) => 10 + 4 * i);
    expect(holt(ys).forecast(1)).toBeCloseTo(10 + 4 * 20, 6);
  });

  it('states the method: Holt with enough points, a least-squares line with few, none below 4', () => {
    const step = 60_000;
    const many = Array.from({ length: 10 }, (_, i) => [i * step, 5 + i] as const);
    const few = many.slice(0, 4);
    const h = forecastNext(many, step);
    expect(h?.method).toMatch(/^Holt's double exponential smoothing/);
    expect(h?.value).toBeCloseTo(15, 6);
    expect(h?.points).toBe(10);
    const l = forecastNext(few, step);
    expect(l?.method).toMatch(/^least-squares line/);
    expect(l?.value).toBeCloseTo(9, 6);
    expect(l?.at).toBe(new Date(4 * step).toISOString());
    // Thin data: no forecast from 3 steps, no trend either.
    expect(forecastNext(many.slice(0, 3), step)).toBeNull();
    expect(fitTrend(many.slice(0, 3))).toBeNull();
  });

  it("Student's t 95 % critical values: the table, then the expansion (R's qt(0.975, df))", () => {
    expect(tCritical95(1)).toBeCloseTo(12.706204736174707, 12);
    expect(tCritical95(3)).toBeCloseTo(3.182446305284263, 12);
    expect(tCritical95(30)).toBeCloseTo(2.042272456301236, 12);
    expect(tCritical95(31)).toBeCloseTo(2.039513446396408, 6);
    expect(tCritical95(40)).toBeCloseTo(2.021075390306273, 6);
    expect(tCritical95(100)).toBeCloseTo(1.983971518523552, 6);
    expect(tCritical95(0)).toBeNaN();
  });

  it("a forecast's interval is Student's t prediction interval of the fitted line", () => {
    const step = 60_000;
    // y = 2x + noise (+1, -1, +1, -1, +1): residual SD s = sqrt(SSE / (n - 2)).
    const noise = [1, -1, 1, -1, 1];
    const pts = noise.map((e, i) => [i * step, 2 * i + e] as const);
    const f = forecastNext(pts, step);
    const fit = linearRegression(
      pts.map(([t]) => t / step),
      pts.map(([, v]) => v),
    );
    const s = Math.sqrt(fit.sse / 3);
    // t(0.975, 3) = 3.182446...; x = 5, mean x = 2, Sxx = 10.
    const half = 3.182446305284263 * s * Math.sqrt(1 + 1 / 5 + 9 / 10);
    expect(f?.value).toBeCloseTo(fit.intercept + fit.slope * 5, 10);
    expect((f?.high ?? 0) - (f?.value ?? 0)).toBeCloseTo(half, 6);
    expect((f?.value ?? 0) - (f?.low ?? 0)).toBeCloseTo(half, 6);
  });

  it('tracks a level shift better than a straight line would', () => {
    const ys = [...Array.from({ length: 20 }, () => 10), ...Array.from({ length: 10 }, () => 50)];
    expect(holt(ys).forecast(1)).toBeGreaterThan(45);
  });
});

describe('z-scores', () => {
  it('flags exactly the planted anomaly beyond 2 standard deviations', () => {
    const r = rng(42);
    const values = Array.from({ length: 96 }, () => 1 + 0.1 * (r() - 0.5));
    values[60] = 3;
    const z = zScores(values);
    const flagged = z.flatMap((v, i) => (Math.abs(v) > 2 ? [i] : []));
    expect(flagged).toEqual([60]);
    expect(stddev([2, 4, 4, 4, 5, 5, 7, 9])).toBe(2);
  });
});

describe('histogram quantile (PromQL algorithm)', () => {
  it('interpolates inside the bucket holding the rank', () => {
    // 100 observations: 50 <= 0.1 s, 40 in (0.1, 0.5], 10 in (0.5, 1].
    const buckets = cumulativeBuckets([0.1, 0.5, 1, 2, 5], [50, 40, 10, 0, 0, 0]);
    expect(histogramQuantile(0.5, buckets)).toBeCloseTo(0.1, 10);
    expect(histogramQuantile(0.95, buckets)).toBeCloseTo(0.75, 10);
    expect(histogramQuantile(0.25, buckets)).toBeCloseTo(0.05, 10);
  });

  it('answers the highest finite bound when the rank is in +Inf and NaN without data', () => {
    expect(histogramQuantile(0.99, cumulativeBuckets([0.1, 0.5], [1, 1, 98]))).toBe(0.5);
    expect(histogramQuantile(0.5, cumulativeBuckets([0.1], [0, 0]))).toBeNaN();
  });

  it('clamps the interpolated quantile into the observed min and max', () => {
    // The demo's four turns of 0.016-0.060 s all sit in the plan's first bucket (0, 0.1]:
    // interpolation alone says p95 = 0.095 s, slower than any turn.
    const four = cumulativeBuckets([0.1, 0.5, 1, 2, 5], [4, 0, 0, 0, 0, 0]);
    expect(histogramQuantile(0.95, four)).toBeCloseTo(0.095, 10);
    expect(histogramQuantile(0.95, four, { min: 0.016, max: 0.06 })).toBe(0.06);
    expect(histogramQuantile(0.05, four, { min: 0.016, max: 0.06 })).toBe(0.016);
    // Inside the observed range nothing changes.
    expect(histogramQuantile(0.5, four, { min: 0.001, max: 0.09 })).toBeCloseTo(0.05, 10);
  });

  it('raw quantile interpolates between ranks', () => {
    expect(quantile([1, 2, 3, 4, 5], 0.5)).toBe(3);
    expect(quantile([1, 2, 3, 4], 0.95)).toBeCloseTo(3.85, 10);
  });
});

describe('memory growth rate', () => {
  it('is the fitted relative change between first and last step', () => {
    const series = Array.from({ length: 11 }, (_, i) => [i * 1000, 100 + 2 * i] as const);
    expect(growthRate(series)).toBeCloseTo(0.2, 10);
    expect(growthRate(series.slice(0, 2))).toBeNull();
  });
});

describe('durations and times', () => {
  it('parses Prometheus-style durations', () => {
    expect(parseDuration('7d')).toBe(7 * 86_400_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(formatDuration(5_400_000)).toBe('1h 30m');
  });

  it('formats durations for people and for PromQL (no raw milliseconds)', () => {
    expect(formatDuration(86_700_000)).toBe('1d 0h 5m');
    expect(formatDuration(157)).toBe('157ms');
    expect(formatDuration(90_000)).toBe('1m 30s');
    expect(formatDuration(7 * 86_400_000)).toBe('7d');
    expect(promDuration(86_700_000)).toBe('1d5m');
    expect(promDuration(900_000)).toBe('15m');
    expect(promDuration(1_500)).toBe('1s500ms');
    // Prometheus's duration syntax round-trips through our own parser.
    for (const ms of [86_700_000, 900_000, 3_600_000 * 30, 1_500])
      expect(parseDuration(promDuration(ms))).toBe(ms);
  });

  it.each(['', '7', 'd', '7x', '-1h', '0s', '7d junk'])(
    'rejects "%s" with a usage error',
    (bad) => {
      expect(() => parseDuration(bad)).toThrow(UsageError);
    },
  );

  it('parses now-relative, ISO and Unix times', () => {
    const now = Date.parse('2025-03-10T12:00:00Z');
    expect(parseTime('now', now)).toBe(now);
    expect(parseTime('now-2h', now)).toBe(now - 7_200_000);
    expect(parseTime('2025-03-01T00:00:00Z', now)).toBe(Date.parse('2025-03-01T00:00:00Z'));
    expect(parseTime('1700000000', now)).toBe(1_700_000_000_000);
    expect(() => parseTime('yesterday', now)).toThrow(UsageError);
  });
});
