/**
 * `trends <metric>`: the plan's `analyze_trends`: current value, change against the previous
 * window, least-squares trend over the window and a forecast of the next step.
 */
import { NoDataError } from './errors.js';
import {
  type Evidence,
  MINIMUMS,
  evidence,
  perMinuteWithheld,
  plural,
  quantileWithheld,
} from './evidence.js';
import { type Indicator, type Point, turnsPerStep } from './indicators.js';
import type { MetricsReader, Progress, StepRange, TimeWindow } from './sources/types.js';
import { holt, linearRegression, mean, predictionInterval, tCritical95 } from './stats.js';
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
  /**
   * 95 % prediction interval: Student's t prediction interval of the least-squares line, or
   * value +- t(n-1) x the root-mean-square one-step-ahead error of Holt's method.
   */
  readonly low: number;
  readonly high: number;
  /** Steps the forecast rests on. */
  readonly points: number;
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
  /** What current, windowValue, previousWindowValue, trend and forecast rest on. */
  readonly evidence: Readonly<Record<string, Evidence>>;
  readonly notes: readonly string[];
}

/** Below this fitted change across the window (relative to the mean) a trend counts as flat. */
export const FLAT_THRESHOLD = 0.05;

/** Least-squares trend of a series; x in hours. Needs MINIMUMS.trendSteps points. */
export function fitTrend(series: readonly Point[]): TrendFit | null {
  if (series.length < MINIMUMS.trendSteps) return null;
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

/** Holt's method from this many steps; a least-squares line below. */
export const HOLT_MIN_POINTS = 6;

/**
 * Forecast of the next step with its 95 % prediction interval. Holt's double exponential
 * smoothing (alpha, beta fitted by grid search) from HOLT_MIN_POINTS equally spaced steps,
 * interval +- t(n-1) x its one-step-ahead RMSE; a least-squares line with Student's t
 * prediction interval from MINIMUMS.forecastSteps; nothing below (withheld). Steps missing in
 * the series are left out (Holt assumes equal spacing, so gaps bias it slightly).
 */
export function forecastNext(series: readonly Point[], step: number): Forecast | null {
  const last = series.at(-1);
  if (!last || series.length < MINIMUMS.forecastSteps) return null;
  const at = new Date(last[0] + step).toISOString();
  const ys = series.map(([, v]) => v);
  if (series.length >= HOLT_MIN_POINTS) {
    const h = holt(ys);
    const value = h.forecast(1);
    const half = tCritical95(series.length - 1) * h.rmse;
    return {
      method: `Holt's double exponential smoothing (alpha=${h.alpha}, beta=${h.beta}, fitted by least one-step-ahead error; 95 % interval from its one-step errors)`,
      at,
      value,
      low: value - half,
      high: value + half,
      points: series.length,
    };
  }
  const xs = series.map(([t]) => t / step);
  const fit = linearRegression(xs, ys);
  const p = predictionInterval(fit, (last[0] + step) / step);
  if (!p) return null;
  return {
    method: "least-squares line extrapolated one step (Student's t 95 % prediction interval)",
    at,
    ...p,
    points: series.length,
  };
}

export async function trends(
  reader: MetricsReader,
  indicator: Indicator,
  options: {
    end: number;
    window: number;
    step?: number;
    progress?: Progress;
    /** Where the data are (files know it); bounds the evidence's time span. */
    extent?: TimeWindow;
  },
): Promise<TrendResult> {
  const { end } = options;
  let { window } = options;
  const notes: string[] = [];
  const resolution = (await reader.resolution?.({ start: end - window, end })) ?? 0;
  let step = options.step ?? Math.max(defaultStep(window), resolution);
  if (step < resolution) {
    notes.push(
      `step raised from ${formatDuration(step)} to ${formatDuration(resolution)}, the interval at which the data were exported: a shorter step would put a whole export into one step`,
    );
    step = resolution;
  }
  if (step > window) {
    notes.push(
      `the data were exported every ${formatDuration(step)}, more than the ${formatDuration(window)} window: one step covers the window`,
    );
    step = window;
  }
  // Steps end at `end` and go back by `step`: a window that is not a whole number of steps
  // would leave its first part in no step (its increases lost from the per-step series).
  const steps = Math.ceil(window / step);
  if (steps * step !== window) {
    notes.push(
      `window widened from ${formatDuration(window)} to ${formatDuration(steps * step)}, a whole number of ${formatDuration(step)} steps`,
    );
    window = steps * step;
  }
  const progress = options.progress ?? (() => {});
  progress(`${indicator.id}: ${formatDuration(window)} at ${formatDuration(step)} steps`);
  const range: StepRange = { start: end - window + step, end, step };
  const whole = { start: end, end, step: window };
  const before = { start: end - window, end: end - window, step: window };
  const [series, current, previous] = await Promise.all([
    indicator.evaluate(reader, range),
    indicator.evaluate(reader, whole),
    indicator.evaluate(reader, before),
  ]);
  if (series.length === 0 && current.length === 0) {
    // A quantile withheld for too few turns is not "no data".
    const turns = indicator.quantile !== undefined ? await turnsPerStep(reader, whole) : [];
    if ((turns[0]?.[1] ?? 0) === 0) {
      throw new NoDataError(
        `no data for ${indicator.id} between ${new Date(end - window).toISOString()} and ${new Date(end).toISOString()} (${indicator.description})`,
      );
    }
  }
  const spanOf = (w: TimeWindow, pts: readonly Point[]): number => {
    if (options.extent)
      return Math.max(
        0,
        Math.min(w.end, options.extent.end) - Math.max(w.start, options.extent.start),
      );
    const first = pts[0];
    const lastPt = pts.at(-1);
    return first && lastPt ? Math.min(w.end - w.start, lastPt[0] - first[0] + step) : 0;
  };
  const span = spanOf({ start: end - window, end }, series.length > 0 ? series : current);
  const prevSpan = spanOf({ start: end - 2 * window, end: end - window }, previous);

  // Evidence and the documented minimums.
  const q = indicator.quantile;
  let windowValue = current[0]?.[1] ?? null;
  let previousWindowValue = previous[0]?.[1] ?? null;
  const last = series.at(-1);
  let currentValue = last?.[1] ?? null;
  const ev: Record<string, Evidence> = {};
  if (q !== undefined) {
    const [nowTurns, prevTurns] = await Promise.all([
      turnsPerStep(reader, whole),
      turnsPerStep(reader, before),
    ]);
    const n = Math.round(nowTurns[0]?.[1] ?? 0);
    const np = Math.round(prevTurns[0]?.[1] ?? 0);
    const w = quantileWithheld(q, n, 'turns');
    const wp = np === 0 ? 'no data in the previous window' : quantileWithheld(q, np, 'turns');
    if (w) windowValue = null;
    if (wp) previousWindowValue = null;
    ev.window = evidence(span, n, 'turns', w);
    ev.previousWindow = evidence(prevSpan, np, 'turns', wp);
    ev.current = evidence(
      Math.min(step, span),
      last ? 1 : 0,
      'steps',
      last
        ? undefined
        : `no step holds the ${MINIMUMS.quantileSamples(q)} turns a p${Math.round(q * 100)} needs`,
    );
  } else {
    const w = indicator.perMinute ? perMinuteWithheld(span) : undefined;
    const wp =
      previous.length === 0
        ? 'no data in the previous window'
        : indicator.perMinute
          ? perMinuteWithheld(prevSpan)
          : undefined;
    if (w) {
      windowValue = null;
      currentValue = null;
    }
    if (wp) previousWindowValue = null;
    ev.window = evidence(
      span,
      series.length,
      'steps with data',
      w ?? (current.length === 0 ? 'no data in the window' : undefined),
    );
    ev.previousWindow = evidence(
      prevSpan,
      previous.length,
      'windows with data',
      wp ?? (previous.length === 0 ? 'no data in the previous window' : undefined),
    );
    ev.current = evidence(
      Math.min(step, span),
      last ? 1 : 0,
      'steps',
      w ?? (last ? undefined : 'no step with data'),
    );
  }
  const trend = fitTrend(series);
  const forecast = forecastNext(series, step);
  ev.trend = evidence(
    span,
    series.length,
    'steps with data',
    trend
      ? undefined
      : `a trend needs at least ${plural(MINIMUMS.trendSteps, 'step')} with data; ${series.length} in range`,
  );
  ev.forecast = evidence(
    span,
    series.length,
    'steps with data',
    forecast
      ? undefined
      : `a forecast needs at least ${plural(MINIMUMS.forecastSteps, 'step')} with data; ${series.length} in range`,
  );
  return {
    metric: indicator.id,
    description: indicator.description,
    unit: indicator.unit,
    window: formatDuration(window),
    step: formatDuration(step),
    from: new Date(end - window).toISOString(),
    to: new Date(end).toISOString(),
    current: currentValue,
    currentAt: last && currentValue !== null ? new Date(last[0]).toISOString() : null,
    windowValue,
    previousWindowValue,
    changeVsPrevious:
      windowValue !== null && previousWindowValue !== null && previousWindowValue !== 0
        ? (windowValue - previousWindowValue) / Math.abs(previousWindowValue)
        : null,
    trend,
    forecast,
    series,
    evidence: ev,
    notes,
  };
}

/**
 * About 48 steps per window: the whole number of seconds (>= 1 s) nearest to a 48th of the
 * window that divides it, so the steps tile the window exactly (else a 48th, rounded).
 */
export function defaultStep(window: number): number {
  const ideal = Math.max(1, Math.round(window / 48 / 1000));
  if (window % 1000 !== 0) return ideal * 1000;
  const seconds = window / 1000;
  for (let d = 0; d <= ideal / 2; d++) {
    for (const s of [ideal - d, ideal + d]) if (s >= 1 && seconds % s === 0) return s * 1000;
  }
  return ideal * 1000;
}
