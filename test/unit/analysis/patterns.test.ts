import { describe, expect, it } from 'vitest';
import {
  detectAnomalies,
  detectErrorPatterns,
  detectUsagePatterns,
  DEFAULT_PATTERN_OPTIONS,
} from '../../../src/analysis/patterns.js';

const HOUR = 3_600_000;
// 2025-03-03 is a Monday.
const MONDAY = Date.parse('2025-03-03T00:00:00Z');

/** 4 weeks of hourly counts: 9-17 UTC busy on weekdays, Wednesdays busiest, quiet weekends. */
function weeklySeries(skipPeakOnDays: readonly number[] = []): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let h = 0; h < 28 * 24; h++) {
    const begin = MONDAY + h * HOUR;
    const day = Math.floor(h / 24);
    const weekday = new Date(begin).getUTCDay();
    const hour = new Date(begin).getUTCHours();
    const workday = weekday >= 1 && weekday <= 5;
    let v = workday ? 2 : 1;
    if (workday && hour >= 9 && hour < 17) v = weekday === 3 ? 60 : 30;
    if (hour === 14 && !skipPeakOnDays.includes(day)) v += 40;
    out.push([begin + HOUR, v]);
  }
  return out;
}

describe('usage patterns', () => {
  it('finds the planted peak hour with confidence 1 and the busy weekday', () => {
    const { patterns, profile } = detectUsagePatterns(weeklySeries(), DEFAULT_PATTERN_OPTIONS);
    const hours = patterns.filter((p) => p.details.hour !== undefined).map((p) => p.details.hour);
    expect(hours).toEqual([14]);
    expect(patterns.find((p) => p.details.hour === 14)?.score).toBe(1);
    expect(profile.activeDays).toBe(28);
    expect(profile.activeWeeks).toBe(4);
    const weekdays = patterns
      .filter((p) => p.details.weekday !== undefined)
      .map((p) => p.details.weekday);
    expect(weekdays).toEqual(['Wednesday']);
  });

  it('drops an hour below 0.8 confidence (peak missing on 6 weekend days of 28)', () => {
    const { patterns, profile } = detectUsagePatterns(
      weeklySeries([5, 6, 12, 13, 19, 20]),
      DEFAULT_PATTERN_OPTIONS,
    );
    expect(profile.hourConfidence[14]).toBeCloseTo(22 / 28, 10);
    expect(patterns.some((p) => p.details.hour === 14)).toBe(false);
  });

  it('says when there are too few days or weeks', () => {
    const oneDay = weeklySeries().slice(0, 24);
    const { patterns, notes } = detectUsagePatterns(oneDay, DEFAULT_PATTERN_OPTIONS);
    expect(patterns).toEqual([]);
    expect(notes).toEqual([
      'hour-of-day peaks need 3 active days; found 1',
      'weekday peaks need 2 active weeks; found 1',
    ]);
  });
});

describe('error patterns', () => {
  it('reports components and error types above 5 % and nothing at or below', () => {
    const found = detectErrorPatterns(
      {
        byComponent: [
          { component: 'llm', operations: 100, errors: 8, rate: 0.08 },
          { component: 'vector', operations: 100, errors: 5, rate: 0.05 },
          { component: 'chat', operations: 100, errors: 1, rate: 0.01 },
        ],
        byType: [
          { component: 'llm', errorType: 'RateLimitError', errors: 6, rate: 0.06 },
          { component: 'llm', errorType: 'TimeoutError', errors: 2, rate: 0.02 },
        ],
      },
      0.05,
      '7d',
    );
    expect(found.map((p) => p.description)).toEqual([
      'component llm: 8.0 % of operations failed in 7d',
      'error type RateLimitError in llm: 6.0 % of its operations in 7d',
    ]);
  });
});

describe('performance anomalies', () => {
  it('flags the planted spike in a 24h p95 series and nothing else', () => {
    const step = 5 * 60_000;
    const series = Array.from({ length: 288 }, (_, i): [number, number] => [
      i * step,
      0.8 + 0.05 * Math.sin(i / 5),
    ]);
    series[200] = [200 * step, 2.4];
    const a = detectAnomalies('response_time_p95', series, 2, step);
    expect(a.anomalies).toHaveLength(1);
    expect(a.anomalies[0]?.at).toBe(new Date(200 * step).toISOString());
    expect(a.anomalies[0]?.z).toBeGreaterThan(10);
  });
});
