import { UsageError } from './errors.js';

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/**
 * Parses a Prometheus-style duration (`90s`, `5m`, `24h`, `7d`, `1w`, `1h30m`) into
 * milliseconds. Throws a UsageError on anything else, including zero.
 */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/gy;
  let total = 0;
  let consumed = 0;
  for (let match = re.exec(trimmed); match; match = re.exec(trimmed)) {
    total += Number(match[1]) * (UNIT_MS[match[2] ?? ''] ?? Number.NaN);
    consumed = re.lastIndex;
  }
  if (trimmed === '' || consumed !== trimmed.length || !Number.isFinite(total) || total <= 0) {
    throw new UsageError(
      `bad duration "${text}": use a number with a unit, e.g. 30s, 5m, 24h, 7d, 1w (or combined: 1h30m)`,
    );
  }
  return Math.round(total);
}

const DISPLAY_UNITS = ['d', 'h', 'm', 's', 'ms'] as const;

function parts(ms: number, units: readonly string[]): Array<[string, number]> {
  // Above a minute, milliseconds are noise.
  let rest = ms >= 60_000 ? Math.round(ms / 1000) * 1000 : Math.round(ms);
  const out: Array<[string, number]> = [];
  for (const unit of units) {
    const size = UNIT_MS[unit] ?? 1;
    const n = Math.floor(rest / size);
    out.push([unit, n]);
    rest -= n * size;
  }
  return out;
}

/**
 * Formats milliseconds for people: from the largest to the smallest non-zero unit, zeros in
 * between kept so that the magnitude reads at a glance (`1d 0h 5m`, `1m 30s`, `157ms`).
 */
export function formatDuration(ms: number): string {
  if (!(ms > 0)) return '0s';
  const p = parts(ms, DISPLAY_UNITS);
  const first = p.findIndex(([, n]) => n > 0);
  let last = p.length - 1;
  while (last > first && (p[last]?.[1] ?? 0) === 0) last--;
  return p
    .slice(first, last + 1)
    .map(([u, n]) => `${n}${u}`)
    .join(' ');
}

/**
 * Formats milliseconds in Prometheus's duration syntax for a PromQL range selector
 * (`1d5m`, `90s`, `250ms`): units from largest to smallest, zero units left out.
 */
export function promDuration(ms: number): string {
  const whole = Math.max(1, Math.round(ms));
  const p = parts(whole, ['w', 'd', 'h', 'm', 's', 'ms']).filter(([, n]) => n > 0);
  return p.length === 0 ? '1ms' : p.map(([u, n]) => `${n}${u}`).join('');
}

/**
 * Parses a point in time: `now`, `now-2h`, an RFC 3339 / ISO 8601 date or date-time, or a
 * Unix timestamp in seconds. Returns epoch milliseconds.
 */
export function parseTime(text: string, now: number): number {
  const trimmed = text.trim();
  const relative = /^now(?:\s*-\s*(.+))?$/.exec(trimmed);
  if (relative) return relative[1] === undefined ? now : now - parseDuration(relative[1]);
  if (/^\d+(?:\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const parsed = Date.parse(trimmed);
  if (!Number.isNaN(parsed) && /^\d{4}-\d{2}-\d{2}/.test(trimmed)) return parsed;
  throw new UsageError(
    `bad time "${text}": use now, now-<duration> (e.g. now-7d), an ISO date-time (2025-01-31T12:00:00Z) or Unix seconds`,
  );
}

/** Evaluation timestamps of a range: end, end - step, ... down to start (ascending). */
export function stepTimes(range: { start: number; end: number; step: number }): number[] {
  const times: number[] = [];
  for (let t = range.end; t >= range.start && times.length < 11_000; t -= range.step) times.push(t);
  return times.reverse();
}
