/**
 * What a statistic rests on, and the documented minimums below which it is withheld
 * (docs/analysis.md, "Thin data"). Every number the analysis prints carries an Evidence; a
 * withheld one is null with `withheld` saying why in one line.
 */
import { formatDuration } from './time.js';

export interface Evidence {
  /** Time the data cover, readable (`42s`, `1d 0h 5m`). */
  readonly span: string;
  readonly spanMs: number;
  /** How many observations: chat turns, operations, steps with data, points. */
  readonly samples: number;
  /** What `samples` counts. */
  readonly of: string;
  /** Present when the statistic is withheld: why, in one line. */
  readonly withheld?: string;
}

const MINUTE = 60_000;

/** The minimums (documented in docs/analysis.md). */
export const MINIMUMS = {
  /**
   * A q-quantile needs at least 1 / (1 - q) observations, so that at least one lies above it:
   * a p95 of fewer than 20 turns is the maximum under another name.
   */
  quantileSamples: (q: number): number => Math.ceil(1 / (1 - q) - 1e-9),
  /** A rate per minute needs data covering a minute (a burst is not a rate). */
  perMinuteSpanMs: MINUTE,
  /** A trend (least-squares slope) needs this many steps with data. */
  trendSteps: 4,
  /** A forecast needs this many steps with data (Holt from 6, else a line with its interval). */
  forecastSteps: 4,
  /** Memory growth needs this many steps spanning at least a minute. */
  growthSteps: 3,
  growthSpanMs: MINUTE,
  /** An error pattern (rate above 5 %) needs this many operations of the component. */
  errorPatternOperations: 20,
} as const;

export function evidence(spanMs: number, samples: number, of: string, withheld?: string): Evidence {
  const span = Math.max(0, spanMs);
  return {
    span: formatDuration(span),
    spanMs: span,
    samples,
    of,
    ...(withheld !== undefined ? { withheld } : {}),
  };
}

/** English plural: `plural(1, 'turn')` is `1 turn`, `plural(3, 'turn')` is `3 turns`. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${Number.isInteger(n) ? n : Number(n.toFixed(2))} ${n === 1 ? one : many}`;
}

/** `steps with data` -> `step with data`, `LLM calls` -> `LLM call`, `searches` -> `search`. */
export function singular(phrase: string): string {
  const words = phrase.split(' ');
  const i = words.findIndex((w) => /s$/.test(w) && w !== 'series');
  if (i < 0) return phrase;
  const w = words[i] as string;
  words[i] = /(ch|sh|x|ss)es$/.test(w) ? w.slice(0, -2) : w.slice(0, -1);
  return words.join(' ');
}

/** `4 turns over 157ms`, `1 step with data over 2s`. */
export function describeEvidence(ev: Evidence): string {
  return `${Number.isInteger(ev.samples) ? ev.samples : Number(ev.samples.toFixed(2))} ${ev.samples === 1 ? singular(ev.of) : ev.of} over ${ev.span}`;
}

/** Why a q-quantile of `n` observations is withheld, or undefined when it is not. */
export function quantileWithheld(q: number, n: number, of: string): string | undefined {
  const need = MINIMUMS.quantileSamples(q);
  return n < need
    ? `p${Math.round(q * 100)} needs at least ${plural(need, singular(of), of)}; ${plural(n, singular(of), of)} in range`
    : undefined;
}

/** Why a per-minute rate over data covering `spanMs` is withheld, or undefined. */
export function perMinuteWithheld(spanMs: number): string | undefined {
  return spanMs < MINIMUMS.perMinuteSpanMs
    ? `a rate per minute needs data covering at least ${formatDuration(MINIMUMS.perMinuteSpanMs)}; the data cover ${formatDuration(spanMs)}`
    : undefined;
}
