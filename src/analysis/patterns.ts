/**
 * `patterns`: the plan's three detectors.
 *
 * - usage (30 d, hourly steps): an hour of the day is a peak on a day when its requests are at
 *   least 1.5x that day's mean hourly requests; its confidence is the share of active days on
 *   which it is a peak. A weekday is a peak in a week when its requests are at least 1.25x the
 *   week's mean daily requests; confidence = share of active weeks. Reported at >= 0.8.
 * - errors (7 d): components and (component, error type) pairs whose share of failed
 *   operations is above 5 %.
 * - performance (24 h): steps whose p95 response time (or average vector search time) lies
 *   more than 2 standard deviations from the window's mean (z-score).
 */
import { metricDefinition } from '../catalogue/index.js';
import { METRIC_ATTR_COMPONENT, METRIC_CHAT_RESPONSE_TIME } from '../semconv.js';
import { type ComponentErrors, type ErrorTypeCount, errorsFromEvents } from './analyze.js';
import {
  ERROR_TYPE_LABEL,
  type Point,
  indicator,
  mergeHistograms,
  operationsAndErrors,
} from './indicators.js';
import { type Evidence, MINIMUMS, evidence, plural } from './evidence.js';
import type { Progress, TelemetrySource, TimeWindow } from './sources/types.js';
import { mean, stddev, zScores } from './stats.js';
import { formatDuration } from './time.js';

const HOUR = 3_600_000;
const DAY = 86_400_000;
export const WEEKDAYS = [
  'Sunday',
  'Monday',
  'Tuesday',
  'Wednesday',
  'Thursday',
  'Friday',
  'Saturday',
] as const;

export interface PatternOptions {
  readonly usageWindow: number;
  readonly minConfidence: number;
  readonly hourPeakFactor: number;
  readonly weekdayPeakFactor: number;
  readonly minDays: number;
  readonly minWeeks: number;
  readonly errorWindow: number;
  readonly errorThreshold: number;
  readonly performanceWindow: number;
  /** Step of the anomaly series; by default 5 min, or span / 48 when less data exists. */
  readonly performanceStep?: number;
  readonly deviationThreshold: number;
  readonly minAnomalyPoints: number;
}

/** The plan's parameters: 30 d at >= 0.8 confidence, 7 d above 5 %, 24 h beyond 2 sigma. */
export const DEFAULT_PATTERN_OPTIONS: PatternOptions = {
  usageWindow: 30 * DAY,
  minConfidence: 0.8,
  hourPeakFactor: 1.5,
  weekdayPeakFactor: 1.25,
  minDays: 3,
  minWeeks: 2,
  errorWindow: 7 * DAY,
  errorThreshold: 0.05,
  performanceWindow: DAY,
  deviationThreshold: 2,
  minAnomalyPoints: 8,
};

export interface Pattern {
  readonly type: 'usage' | 'error' | 'performance';
  readonly description: string;
  /** Usage: share of days/weeks with the peak. Error: the error rate. Performance: |z|. */
  readonly score: number;
  readonly scoreName: 'confidence' | 'error_rate' | 'z_score';
  readonly details: Readonly<Record<string, string | number>>;
  /** The data the pattern rests on. */
  readonly evidence?: Evidence;
}

export interface UsageProfile {
  /** Mean requests per hour of the day (UTC), over active days. */
  readonly hourOfDay: readonly number[];
  /** Mean requests per weekday (UTC, Sunday first), over active weeks. */
  readonly weekday: readonly number[];
  readonly activeDays: number;
  readonly activeWeeks: number;
  readonly hourConfidence: readonly number[];
  readonly weekdayConfidence: readonly number[];
}

export interface AnomalySeries {
  readonly metric: string;
  readonly step: string;
  readonly mean: number;
  readonly stddev: number;
  readonly series: readonly Point[];
  readonly anomalies: ReadonlyArray<{
    readonly at: string;
    readonly value: number;
    readonly z: number;
  }>;
  readonly evidence?: Evidence;
}

export interface PatternsResult {
  readonly to: string;
  readonly source: string;
  readonly patterns: readonly Pattern[];
  readonly usage: UsageProfile | null;
  readonly errors: {
    readonly byComponent: readonly ComponentErrors[];
    readonly byType: readonly ErrorTypeCount[];
  } | null;
  readonly performance: readonly AnomalySeries[];
  readonly notes: readonly string[];
}

/** Usage peaks from hourly request counts `[t, count]`, t = end of the hour (UTC-aligned). */
export function detectUsagePatterns(
  hourly: readonly Point[],
  options: Pick<
    PatternOptions,
    'minConfidence' | 'hourPeakFactor' | 'weekdayPeakFactor' | 'minDays' | 'minWeeks'
  >,
): { patterns: Pattern[]; profile: UsageProfile; notes: string[] } {
  const days = new Map<number, number[]>();
  for (const [t, v] of hourly) {
    const begin = t - HOUR;
    const day = Math.floor(begin / DAY);
    const hours = days.get(day) ?? new Array<number>(24).fill(0);
    hours[new Date(begin).getUTCHours()] = (hours[new Date(begin).getUTCHours()] ?? 0) + v;
    days.set(day, hours);
  }
  const active = [...days.entries()].filter(([, h]) => h.some((v) => v > 0));
  const hourPeaks = new Array<number>(24).fill(0);
  const hourSums = new Array<number>(24).fill(0);
  for (const [, hours] of active) {
    const m = mean(hours);
    hours.forEach((v, h) => {
      hourSums[h] = (hourSums[h] ?? 0) + v;
      if (v > 0 && v >= options.hourPeakFactor * m) hourPeaks[h] = (hourPeaks[h] ?? 0) + 1;
    });
  }
  // Weeks start on Monday (UTC); day 0 of the epoch was a Thursday.
  const weeks = new Map<number, number[]>();
  for (const [day, hours] of active) {
    const week = Math.floor((day + 3) / 7);
    const wd = weeks.get(week) ?? new Array<number>(7).fill(0);
    const weekday = (day + 4) % 7;
    wd[weekday] = (wd[weekday] ?? 0) + hours.reduce((a, b) => a + b, 0);
    weeks.set(week, wd);
  }
  const weekdayPeaks = new Array<number>(7).fill(0);
  const weekdaySums = new Array<number>(7).fill(0);
  for (const wd of weeks.values()) {
    const m = mean(wd);
    wd.forEach((v, d) => {
      weekdaySums[d] = (weekdaySums[d] ?? 0) + v;
      if (v > 0 && v >= options.weekdayPeakFactor * m) weekdayPeaks[d] = (weekdayPeaks[d] ?? 0) + 1;
    });
  }
  const profile: UsageProfile = {
    hourOfDay: hourSums.map((s) => (active.length > 0 ? s / active.length : 0)),
    weekday: weekdaySums.map((s) => (weeks.size > 0 ? s / weeks.size : 0)),
    activeDays: active.length,
    activeWeeks: weeks.size,
    hourConfidence: hourPeaks.map((p) => (active.length > 0 ? p / active.length : 0)),
    weekdayConfidence: weekdayPeaks.map((p) => (weeks.size > 0 ? p / weeks.size : 0)),
  };
  const patterns: Pattern[] = [];
  const notes: string[] = [];
  if (active.length >= options.minDays) {
    profile.hourConfidence.forEach((c, h) => {
      if (c >= options.minConfidence) {
        patterns.push({
          type: 'usage',
          description: `peak hour ${String(h).padStart(2, '0')}:00-${String(h + 1).padStart(2, '0')}:00 UTC`,
          score: c,
          scoreName: 'confidence',
          evidence: evidence(active.length * DAY, active.length, 'active days'),
          details: {
            hour: h,
            peakDays: hourPeaks[h] ?? 0,
            activeDays: active.length,
            meanRequests: profile.hourOfDay[h] ?? 0,
            meanHourlyRequests: mean(profile.hourOfDay),
          },
        });
      }
    });
  } else {
    notes.push(`hour-of-day peaks need ${options.minDays} active days; found ${active.length}`);
  }
  if (weeks.size >= options.minWeeks) {
    profile.weekdayConfidence.forEach((c, d) => {
      if (c >= options.minConfidence) {
        patterns.push({
          type: 'usage',
          description: `peak weekday ${WEEKDAYS[d]} (UTC)`,
          score: c,
          scoreName: 'confidence',
          evidence: evidence(weeks.size * 7 * DAY, weeks.size, 'active weeks'),
          details: {
            weekday: WEEKDAYS[d] ?? '',
            peakWeeks: weekdayPeaks[d] ?? 0,
            activeWeeks: weeks.size,
            meanRequests: profile.weekday[d] ?? 0,
          },
        });
      }
    });
  } else {
    notes.push(`weekday peaks need ${options.minWeeks} active weeks; found ${weeks.size}`);
  }
  return { patterns, profile, notes };
}

/**
 * Components and error types above the threshold. A component with fewer than
 * `minOperations` operations (20 by default, so that 5 % is at least one operation) is not
 * judged: `withheld` lists it with the reason.
 */
export function detectErrorPatterns(
  errors: { byComponent: readonly ComponentErrors[]; byType: readonly ErrorTypeCount[] },
  threshold: number,
  window: string,
  options: { minOperations?: number; spanMs?: number; withheld?: string[] } = {},
): Pattern[] {
  const minOps = options.minOperations ?? MINIMUMS.errorPatternOperations;
  const out: Pattern[] = [];
  const opsOf = new Map(errors.byComponent.map((c) => [c.component, c.operations]));
  const thin = (component: string) => (opsOf.get(component) ?? 0) < minOps;
  for (const c of errors.byComponent) {
    if (c.operations > 0 && thin(c.component)) {
      options.withheld?.push(
        `error patterns of component ${c.component} withheld: it needs at least ${plural(minOps, 'operation')}; ${plural(c.operations, 'operation')} in ${window}`,
      );
      continue;
    }
    if (c.operations > 0 && c.rate > threshold) {
      out.push({
        type: 'error',
        description: `component ${c.component}: ${(c.rate * 100).toFixed(1)} % of operations failed in ${window}`,
        score: c.rate,
        scoreName: 'error_rate',
        details: { component: c.component, errors: c.errors, operations: c.operations, threshold },
        evidence: evidence(options.spanMs ?? 0, c.operations, 'operations'),
      });
    }
  }
  for (const t of errors.byType) {
    if (thin(t.component)) continue;
    if (t.rate > threshold) {
      out.push({
        type: 'error',
        description: `error type ${t.errorType} in ${t.component}: ${(t.rate * 100).toFixed(1)} % of its operations in ${window}`,
        score: t.rate,
        scoreName: 'error_rate',
        details: { component: t.component, errorType: t.errorType, errors: t.errors, threshold },
        evidence: evidence(options.spanMs ?? 0, opsOf.get(t.component) ?? 0, 'operations'),
      });
    }
  }
  return out.sort((a, b) => b.score - a.score);
}

/** Steps whose value deviates from the mean by more than `threshold` standard deviations. */
export function detectAnomalies(
  metric: string,
  series: readonly Point[],
  threshold: number,
  step: number,
): AnomalySeries {
  const values = series.map(([, v]) => v);
  const z = zScores(values);
  return {
    metric,
    step: formatDuration(step),
    mean: mean(values),
    stddev: stddev(values),
    series,
    anomalies: series
      .map(([t, v], i) => ({ at: new Date(t).toISOString(), value: v, z: z[i] ?? 0 }))
      .filter((a) => Math.abs(a.z) > threshold),
  };
}

export async function patterns(
  source: TelemetrySource,
  options: { end: number; extent?: TimeWindow; progress?: Progress } & Partial<PatternOptions>,
): Promise<PatternsResult> {
  const o: PatternOptions = { ...DEFAULT_PATTERN_OPTIONS, ...options };
  const progress = options.progress ?? (() => {});
  const notes: string[] = [];
  const found: Pattern[] = [];
  let usage: UsageProfile | null = null;
  let errors: PatternsResult['errors'] = null;
  const performance: AnomalySeries[] = [];
  const end = options.end;

  if (source.metrics) {
    const m = source.metrics;
    // Usage: hourly request counts, hours aligned on UTC hours.
    progress(`usage patterns over ${formatDuration(o.usageWindow)}`);
    const hourEnd = Math.ceil(end / HOUR) * HOUR;
    const hourly = mergeHistograms(
      await m.histogramIncrease(
        { metric: metricDefinition(METRIC_CHAT_RESPONSE_TIME), by: [] },
        { start: hourEnd - o.usageWindow + HOUR, end: hourEnd, step: HOUR },
      ),
    ).map((p): Point => [p.t, p.count]);
    const u = detectUsagePatterns(hourly, o);
    usage = u.profile;
    found.push(...u.patterns);
    notes.push(...u.notes);

    progress(`error patterns over ${formatDuration(o.errorWindow)}`);
    const range = { start: end, end, step: o.errorWindow };
    const [ops, errs] = await operationsAndErrors(m, range);
    const v = (s: { points: ReadonlyArray<readonly [number, number]> }) => s.points[0]?.[1] ?? 0;
    const opsOf = new Map(ops.map((s) => [s.labels[METRIC_ATTR_COMPONENT] ?? '', v(s)]));
    const errOf = new Map<string, number>();
    for (const s of errs)
      errOf.set(
        s.labels[METRIC_ATTR_COMPONENT] ?? '',
        (errOf.get(s.labels[METRIC_ATTR_COMPONENT] ?? '') ?? 0) + v(s),
      );
    errors = {
      byComponent: [...opsOf.entries()].map(([component, operations]) => {
        const e = errOf.get(component) ?? 0;
        return {
          component,
          operations: Math.round(operations),
          errors: Math.round(e),
          rate: operations > 0 ? e / operations : 0,
        };
      }),
      byType: errs
        .filter((s) => v(s) > 0)
        .map((s) => {
          const component = s.labels[METRIC_ATTR_COMPONENT] ?? '';
          const operations = opsOf.get(component) ?? 0;
          return {
            component,
            errorType: s.labels[ERROR_TYPE_LABEL] || 'unknown',
            errors: Math.round(v(s)),
            rate: operations > 0 ? v(s) / operations : 0,
          };
        }),
    };
  } else if (source.events) {
    notes.push(
      'no metrics source: usage and performance patterns need metrics; error patterns come from events',
    );
    const events = await source.events.events({ start: end - o.errorWindow, end });
    errors = errorsFromEvents(events);
  }
  if (errors) {
    const errorStart = Math.max(end - o.errorWindow, options.extent?.start ?? -Infinity);
    found.push(
      ...detectErrorPatterns(errors, o.errorThreshold, formatDuration(o.errorWindow), {
        spanMs: end - errorStart,
        withheld: notes,
      }),
    );
  }

  if (source.metrics) {
    const start = Math.max(
      end - o.performanceWindow,
      options.extent?.start ?? Number.NEGATIVE_INFINITY,
    );
    const span = end - start;
    const floor = (await source.metrics.resolution?.({ start, end })) ?? 1000;
    const step =
      o.performanceStep ??
      Math.max(floor, Math.min(5 * 60_000, Math.round(span / 48 / 1000) * 1000));
    for (const id of ['response_time_p95', 'vector_search_avg']) {
      progress(
        `performance anomalies of ${id} over ${formatDuration(span)} at ${formatDuration(step)}`,
      );
      const series = await indicator(id).evaluate(source.metrics, {
        start: end - Math.floor(span / step) * step + step,
        end,
        step,
      });
      if (series.length < o.minAnomalyPoints) {
        notes.push(
          `${id}: ${plural(series.length, 'step')} with data in ${formatDuration(span)}; anomalies need ${o.minAnomalyPoints}`,
        );
        if (series.length === 0) continue;
      }
      const a = {
        ...detectAnomalies(id, series, o.deviationThreshold, step),
        evidence: evidence(
          span,
          series.length,
          'steps with data',
          series.length < o.minAnomalyPoints
            ? `anomalies need at least ${plural(o.minAnomalyPoints, 'step')} with data; ${series.length} in range`
            : undefined,
        ),
      };
      performance.push(a);
      if (series.length >= o.minAnomalyPoints) {
        for (const x of a.anomalies) {
          found.push({
            type: 'performance',
            description: `${id} ${x.z > 0 ? 'spike' : 'drop'} at ${x.at}: ${x.value.toFixed(3)} vs mean ${a.mean.toFixed(3)} (z = ${x.z.toFixed(2)})`,
            score: Math.abs(x.z),
            scoreName: 'z_score',
            evidence: a.evidence,
            details: {
              metric: id,
              at: x.at,
              value: x.value,
              mean: a.mean,
              stddev: a.stddev,
              z: x.z,
              step: a.step,
            },
          });
        }
      }
    }
  }
  return {
    to: new Date(end).toISOString(),
    source: source.describe(),
    patterns: found,
    usage,
    errors,
    performance,
    notes,
  };
}
