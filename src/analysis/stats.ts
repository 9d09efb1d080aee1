/**
 * The numerical methods of the analysis: least squares, Holt's double exponential smoothing,
 * z-scores and Prometheus-compatible histogram quantiles. Pure functions over plain arrays.
 */

export function mean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** Population standard deviation. */
export function stddev(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const m = mean(values);
  let acc = 0;
  for (const v of values) acc += (v - m) ** 2;
  return Math.sqrt(acc / values.length);
}

/** Quantile of raw values with linear interpolation between closest ranks (q in [0, 1]). */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] ?? Number.NaN;
  const b = sorted[hi] ?? Number.NaN;
  return a + (b - a) * (pos - lo);
}

export interface LinearFit {
  /** Change of y per unit of x. */
  readonly slope: number;
  readonly intercept: number;
  /** Coefficient of determination (1 = perfect line; 0 when y is constant). */
  readonly r2: number;
  /** Standard deviation of the residuals. */
  readonly residualStd: number;
  readonly n: number;
}

/** Ordinary least squares fit y = intercept + slope * x. Needs at least two distinct x. */
export function linearRegression(xs: readonly number[], ys: readonly number[]): LinearFit {
  const n = Math.min(xs.length, ys.length);
  if (n < 2) throw new RangeError('linear regression needs at least two points');
  const mx = mean(xs.slice(0, n));
  const my = mean(ys.slice(0, n));
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (xs[i] ?? 0) - mx;
    const dy = (ys[i] ?? 0) - my;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  if (sxx === 0) throw new RangeError('linear regression needs at least two distinct x values');
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  let sse = 0;
  for (let i = 0; i < n; i++) sse += ((ys[i] ?? 0) - (intercept + slope * (xs[i] ?? 0))) ** 2;
  const r2 = syy === 0 ? 0 : 1 - sse / syy;
  return { slope, intercept, r2, residualStd: Math.sqrt(sse / n), n };
}

export interface HoltResult {
  readonly alpha: number;
  readonly beta: number;
  readonly level: number;
  readonly trend: number;
  /** Forecast `horizon` steps ahead of the last observation. */
  readonly forecast: (horizon: number) => number;
  /** Root mean square of the one-step-ahead errors. */
  readonly rmse: number;
}

function holtRun(ys: readonly number[], alpha: number, beta: number) {
  let level = ys[0] ?? 0;
  let trend = (ys[1] ?? level) - level;
  let sse = 0;
  for (let i = 1; i < ys.length; i++) {
    const y = ys[i] ?? 0;
    const predicted = level + trend;
    sse += (y - predicted) ** 2;
    const newLevel = alpha * y + (1 - alpha) * (level + trend);
    trend = beta * (newLevel - level) + (1 - beta) * trend;
    level = newLevel;
  }
  return { level, trend, rmse: Math.sqrt(sse / Math.max(1, ys.length - 1)) };
}

/**
 * Holt's linear (double exponential) smoothing for equally spaced observations. Without
 * explicit parameters, alpha and beta are chosen on a 0.05 grid to minimise the squared
 * one-step-ahead errors.
 */
export function holt(ys: readonly number[], params?: { alpha: number; beta: number }): HoltResult {
  if (ys.length < 2) throw new RangeError("Holt's method needs at least two observations");
  let best = { alpha: params?.alpha ?? 0.5, beta: params?.beta ?? 0.5 };
  if (!params) {
    let bestRmse = Number.POSITIVE_INFINITY;
    for (let a = 0.05; a <= 1.0001; a += 0.05) {
      for (let b = 0.05; b <= 1.0001; b += 0.05) {
        const { rmse } = holtRun(ys, a, b);
        if (rmse < bestRmse - 1e-12) {
          bestRmse = rmse;
          best = { alpha: Math.round(a * 100) / 100, beta: Math.round(b * 100) / 100 };
        }
      }
    }
  }
  const { level, trend, rmse } = holtRun(ys, best.alpha, best.beta);
  return { ...best, level, trend, rmse, forecast: (h) => level + h * trend };
}

/** z-score of every value against the mean and population standard deviation of all values. */
export function zScores(values: readonly number[]): number[] {
  const m = mean(values);
  const s = stddev(values);
  return values.map((v) => (s === 0 || Number.isNaN(s) ? 0 : (v - m) / s));
}

/** A cumulative histogram bucket: observations <= le (le may be Infinity). */
export interface Bucket {
  readonly le: number;
  readonly count: number;
}

/**
 * Quantile of a cumulative histogram with the algorithm of PromQL's `histogram_quantile`:
 * linear interpolation inside the bucket holding the rank, the lowest bucket starting at 0,
 * and the highest finite bound when the rank falls into the +Inf bucket.
 */
export function histogramQuantile(q: number, buckets: readonly Bucket[]): number {
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const last = sorted.at(-1);
  if (!last || last.le !== Number.POSITIVE_INFINITY || sorted.length < 2) return Number.NaN;
  const total = last.count;
  if (!(total > 0)) return Number.NaN;
  if (q < 0) return Number.NEGATIVE_INFINITY;
  if (q > 1) return Number.POSITIVE_INFINITY;
  const rank = q * total;
  let i = sorted.findIndex((b) => b.count >= rank);
  if (i < 0) i = sorted.length - 1;
  const bucket = sorted[i] as Bucket;
  if (bucket.le === Number.POSITIVE_INFINITY) return (sorted[sorted.length - 2] as Bucket).le;
  const prev = i > 0 ? (sorted[i - 1] as Bucket) : undefined;
  const lower = prev ? prev.le : bucket.le > 0 ? 0 : bucket.le;
  const below = prev ? prev.count : 0;
  const inBucket = bucket.count - below;
  if (inBucket <= 0) return bucket.le;
  return lower + (bucket.le - lower) * ((rank - below) / inBucket);
}

/** Converts OTLP's per-bucket counts (explicit bounds + overflow) to cumulative buckets. */
export function cumulativeBuckets(bounds: readonly number[], counts: readonly number[]): Bucket[] {
  const out: Bucket[] = [];
  let acc = 0;
  for (let i = 0; i <= bounds.length; i++) {
    acc += counts[i] ?? 0;
    out.push({
      le: i < bounds.length ? (bounds[i] as number) : Number.POSITIVE_INFINITY,
      count: acc,
    });
  }
  return out;
}
