/**
 * The numerical methods of the analysis: least squares with prediction intervals, Holt's
 * double exponential smoothing, z-scores and Prometheus-compatible histogram quantiles
 * clamped to the observed range. Pure functions over plain arrays. Means, standard
 * deviations and the least-squares line come from simple-statistics (no dependencies); what
 * is left here is what it does not offer. Student's t quantiles are a table plus an expansion:
 * stdlib's t quantile would pull in some 230 packages for one number.
 */
import {
  linearRegression as ssLinearRegression,
  mean as ssMean,
  standardDeviation,
} from 'simple-statistics';

export function mean(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : ssMean([...values]);
}

/** Population standard deviation. */
export function stddev(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : standardDeviation([...values]);
}

/** Student's t 0.975 quantiles for 1..30 degrees of freedom (R: `qt(0.975, 1:30)`). */
const T_975 = [
  12.706204736174707, 4.302652729749464, 3.182446305284263, 2.776445105197799, 2.570581835636314,
  2.446911851144969, 2.364624251592785, 2.306004135204166, 2.262157162798205, 2.228138851986274,
  2.200985160091639, 2.178812829667228, 2.160368656461013, 2.144786687917804, 2.131449545559774,
  2.119905299221255, 2.109815577833317, 2.10092204024096, 2.093024054408309, 2.085963447265865,
  2.079613844727681, 2.073873067904015, 2.068657610419049, 2.063898561628021, 2.059538552753294,
  2.055529438642871, 2.051830516480284, 2.048407141795244, 2.045229642132703, 2.042272456301236,
] as const;

/**
 * The two-sided 95 % critical value of Student's t with `df` degrees of freedom: the table up
 * to 30, then the Cornish-Fisher expansion around the normal quantile (Abramowitz & Stegun
 * 26.7.5; below 1e-6 off from 31 on).
 */
export function tCritical95(df: number): number {
  if (!(df >= 1)) return Number.NaN;
  const exact = T_975[Math.round(df) - 1];
  if (exact !== undefined) return exact;
  const z = 1.959963984540054;
  const g1 = (z ** 3 + z) / 4;
  const g2 = (5 * z ** 5 + 16 * z ** 3 + 3 * z) / 96;
  const g3 = (3 * z ** 7 + 19 * z ** 5 + 17 * z ** 3 - 15 * z) / 384;
  const g4 = (79 * z ** 9 + 776 * z ** 7 + 1482 * z ** 5 - 1920 * z ** 3 - 945 * z) / 92160;
  return z + g1 / df + g2 / df ** 2 + g3 / df ** 3 + g4 / df ** 4;
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
  /** Standard deviation of the residuals (population). */
  readonly residualStd: number;
  readonly n: number;
  /** Mean of x and sum of squared deviations of x: for prediction intervals. */
  readonly meanX: number;
  readonly sxx: number;
  /** Sum of squared residuals. */
  readonly sse: number;
}

/** Ordinary least squares fit y = intercept + slope * x. Needs at least two distinct x. */
export function linearRegression(xs: readonly number[], ys: readonly number[]): LinearFit {
  const n = Math.min(xs.length, ys.length);
  if (n < 2) throw new RangeError('linear regression needs at least two points');
  const xv = xs.slice(0, n);
  const yv = ys.slice(0, n);
  const mx = mean(xv);
  const my = mean(yv);
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxx += ((xv[i] ?? 0) - mx) ** 2;
    syy += ((yv[i] ?? 0) - my) ** 2;
  }
  if (sxx === 0) throw new RangeError('linear regression needs at least two distinct x values');
  const { m: slope, b: intercept } = ssLinearRegression(xv.map((x, i) => [x, yv[i] ?? 0]));
  let sse = 0;
  for (let i = 0; i < n; i++) sse += ((yv[i] ?? 0) - (intercept + slope * (xv[i] ?? 0))) ** 2;
  const r2 = syy === 0 ? 0 : 1 - sse / syy;
  return { slope, intercept, r2, residualStd: Math.sqrt(sse / n), n, meanX: mx, sxx, sse };
}

/**
 * The 95 % prediction interval of a new observation at `x` under the fitted line:
 * y(x) +- t(n-2) * s * sqrt(1 + 1/n + (x - mean x)^2 / Sxx), s^2 = SSE / (n - 2). Needs
 * three points (one degree of freedom for the residuals).
 */
export function predictionInterval(
  fit: LinearFit,
  x: number,
): { value: number; low: number; high: number } | undefined {
  if (fit.n < 3) return undefined;
  const value = fit.intercept + fit.slope * x;
  const s = Math.sqrt(fit.sse / (fit.n - 2));
  const half =
    tCritical95(fit.n - 2) * s * Math.sqrt(1 + 1 / fit.n + (x - fit.meanX) ** 2 / fit.sxx);
  return { value, low: value - half, high: value + half };
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
 * and the highest finite bound when the rank falls into the +Inf bucket; then clamped into
 * the observed [min, max] when the data carry them (OTLP histogram points do): with the
 * plan's coarse buckets, four turns of at most 0.06 s would otherwise give a p95 of 0.095 s.
 */
export function histogramQuantile(
  q: number,
  buckets: readonly Bucket[],
  observed: { readonly min?: number; readonly max?: number } = {},
): number {
  const v = rawHistogramQuantile(q, buckets);
  if (!Number.isFinite(v)) return v;
  const lo = observed.min !== undefined && Number.isFinite(observed.min) ? observed.min : -Infinity;
  const hi = observed.max !== undefined && Number.isFinite(observed.max) ? observed.max : Infinity;
  return lo <= hi ? Math.min(hi, Math.max(lo, v)) : v;
}

function rawHistogramQuantile(q: number, buckets: readonly Bucket[]): number {
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
