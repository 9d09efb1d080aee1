/**
 * `trends <metric>`: the plan's `analyze_trends`: current value, change against the previous
 * window, least-squares trend over the window and a forecast of the next step.
 */
import { NoDataError } from './errors.js';
import { type Indicator, type Point } from './indicators.js';
import type { MetricsReader, Progress, StepRange } from './sources/types.js';
import { holt, linearRegression, mean } from './stats.js';
import { formatDuration } from './time.js';

export type Direction = 'rising' | 'falling' | 'flat';

export interface TrendFit {
  readonly direction: Direction;
  /** Change per hour (least-squares slope), in the indicator's unit. */
  readonly slopePerHour: number;
  /** Fitted change across the whole window relative to the window's mean. */
  readonly relativeChange: number;
  readonly r2: number;
  readonly points: number;
}

export interface Forecast {
  readonly method: string;
  /** Time of the forecast step (end + step), ISO. */
  readonly at: string;
  readonly value: number;
  /** Approximate 95 % interval: value +- 1.96 x the one-step error of the method. */
  readonly low: number;
  readonly high: number;
}

export interface TrendResult {
  readonly metric: string;
  readonly description: string;
  readonly unit: string;
  readonly window: string;
  readonly step: string;
  readonly from: string;
  readonly to: string;
  /** Value of the last step with data. */
  readonly current: number | null;
  readonly currentAt: string | null;
  /** The indicator over the whole current window and the whole previous window. */
  readonly windowValue: number | null;
  readonly previousWindowValue: number | null;
  /** (window - previous) / previous; null when the previous window has no data or is 0. */
  readonly changeVsPrevious: number | null;
  readonly trend: TrendFit | null;
  readonly forecast: Forecast | null;
  readonly series: readonly Point[];
}

/** Below this fitted change across the window (relative to the mean) a trend counts as flat. */
export const FLAT_THRESHOLD = 0.05;

/** Least-squares trend of a series; x in hours. Needs two points. */
export function fitTrend(series: readonly Point[]): TrendFit | null {
  if (series.length < 2) return null;
  const t0 = series[0]?.[0] ?? 0;
  const xs = series.map(([t]) => (t - t0) / 3_600_000);
  const ys = series.map(([, v]) => v);
  const fit = linearRegression(xs, ys);
  const span = (xs.at(-1) ?? 0) - (xs[0] ?? 0);
  const m = mean(ys);
  const relativeChange =
    m !== 0 ? (fit.slope * span) / Math.abs(m) : fit.slope === 0 ? 0 : Math.sign(fit.slope);
  const direction: Direction =
    Math.abs(relativeChange) < FLAT_THRESHOLD ? 'flat' : relativeChange > 0 ? 'rising' : 'falling';
  return { direction, slopePerHour: fit.slope, relativeChange, r2: fit.r2, points: series.length };
}

/**
 * Forecast of the next step. Holt's double exponential smoothing (alpha, beta fitted by grid
 * search) with at least 4 equally spaced points; linear regression with 2 or 3; the steps
 * missing in the series are left out (Holt assumes equal spacing, so gaps bias it slightly).
 */
export function forecastNext(series: readonly Point[], step: number): Forecast | null {
  const last = series.at(-1);
  if (!last || series.length < 2) return null;
  const at = new Date(last[0] + step).toISOString();
  const ys = series.map(([, v]) => v);
  if (series.length >= 4) {
    const h = holt(ys);
    const value = h.forecast(1);
    return {
      method: `Holt's double exponential smoothing (alpha=${h.alpha}, beta=${h.beta}, fitted by least one-step-ahead error)`,
      at,
      value,
      low: value - 1.96 * h.rmse,
      high: value + 1.96 * h.rmse,
    };
  }
  const xs = series.map(([t]) => t / step);
  const fit = linearRegression(xs, ys);
  const value = fit.intercept + fit.slope * ((last[0] + step) / step);
  return {
    method: 'linear regression (least squares) extrapolated one step',
    at,
    value,
    low: value - 1.96 * fit.residualStd,
    high: value + 1.96 * fit.residualStd,
  };
}

export async function trends(
  reader: MetricsReader,
  indicator: Indicator,
  options: { end: number; window: number; step?: number; progress?: Progress },
): Promise<TrendResult> {
  const { end, window } = options;
  const step = options.step ?? Math.max(defaultStep(window), (await reader.resolution?.()) ?? 0);
  const progress = options.progress ?? (() => {});
  progress(`${indicator.id}: ${formatDuration(window)} at ${formatDuration(step)} steps`);
  const range: StepRange = { start: end - window + step, end, step };
  const [series, current, previous] = await Promise.all([
    indicator.evaluate(reader, range),
    indicator.evaluate(reader, { start: end, end, step: window }),
    indicator.evaluate(reader, { start: end - window, end: end - window, step: window }),
  ]);
  if (series.length === 0 && current.length === 0) {
    throw new NoDataError(
      `no data for ${indicator.id} between ${new Date(end - window).toISOString()} and ${new Date(end).toISOString()} (${indicator.description})`,
    );
  }
  const windowValue = current[0]?.[1] ?? null;
  const previousWindowValue = previous[0]?.[1] ?? null;
  const last = series.at(-1);
  return {
    metric: indicator.id,
    description: indicator.description,
    unit: indicator.unit,
    window: formatDuration(window),
    step: formatDuration(step),
    from: new Date(end - window).toISOString(),
    to: new Date(end).toISOString(),
    current: last?.[1] ?? null,
    currentAt: last ? new Date(last[0]).toISOString() : null,
    windowValue,
    previousWindowValue,
    changeVsPrevious:
      windowValue !== null && previousWindowValue !== null && previousWindowValue !== 0
        ? (windowValue - previousWindowValue) / Math.abs(previousWindowValue)
        : null,
    trend: fitTrend(series),
    forecast: forecastNext(series, step),
    series,
  };
}

/** About 48 steps per window, rounded to a whole number of seconds (>= 1 s). */
export function defaultStep(window: number): number {
  return Math.max(1000, Math.round(window / 48 / 1000) * 1000);
}
