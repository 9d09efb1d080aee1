/**
 * PromQL shapes the dashboards repeat, each scoped to `$environment` and `$service` (scope.ts).
 * The series names come from the catalogue (names.ts) or the Collector's span metrics.
 */
import type { Prom } from './panels.js';
import { sel } from './scope.js';

/**
 * The Collector's span metrics (otel-collector-config.yaml, connector span_metrics, namespace
 * traces.span.metrics, unit s). They are computed from every span before sampling, and they
 * are the only histograms with exemplars (trace ids), so they put trace links on latency panels.
 */
export const SPAN_DURATION = 'traces_span_metrics_duration_seconds';

/**
 * One series name, or the names of the same measurement in both GenAI semantic-conventions
 * generations (names.ts `generations`). Several names are read as
 * `rate(a{...}[r]) or rate(b{...}[r])` inside the aggregation: an app emits one generation, so
 * the panel shows whichever exists, and a fleet in transition (some services opted in, some
 * not) shows every service, each under its own labels. A dashboard variable to pick the
 * generation was the alternative; it leaves every panel empty until the user finds it, and
 * cannot show a mixed fleet at once.
 */
export type SeriesNames = string | readonly string[];

const namesOf = (s: SeriesNames): readonly string[] => (typeof s === 'string' ? [s] : s);

/** `rate(a{...}[range]) or rate(b{...}[range])`: the per-second rate of whichever exists. */
function rates(names: SeriesNames, matchers: string | undefined, range: string): string {
  return namesOf(names)
    .map((n) => `rate(${sel(n, matchers)}[${range}])`)
    .join(' or ');
}

export interface QuantileOptions {
  /** The histogram's series name(s) without `_bucket`. */
  histogram: SeriesNames;
  q: number;
  /** Label matchers besides the scope (`operation="search"`). */
  matchers?: string;
  /** Labels to keep besides `le`. */
  by?: string[];
  range?: string;
  legend: string;
}

/** `sum(` or `sum by (a, b) (`. */
function sumBy(labels: string[]): string {
  return labels.length === 0 ? 'sum(' : `sum by (${labels.join(', ')}) (`;
}

/** `histogram_quantile(q, sum by (le, ...) (rate(x_bucket{...}[range])))`. */
export function quantile(o: QuantileOptions): Prom {
  return {
    expr: `histogram_quantile(${o.q}, ${sumBy(['le', ...(o.by ?? [])])}${rates(
      namesOf(o.histogram).map((h) => `${h}_bucket`),
      o.matchers,
      o.range ?? '$__rate_interval',
    )}))`,
    legend: o.legend,
  };
}

/**
 * The p95 of the spans that measure the same operation, with exemplars: each dot on the
 * panel is one span and opens its trace in Tempo.
 */
export function spanP95(o: Omit<QuantileOptions, 'histogram' | 'q'>): Prom {
  return { ...quantile({ ...o, histogram: SPAN_DURATION, q: 0.95 }), exemplar: true };
}

/** `sum by (...) (rate(x{...}[range]))`, per second (of either name, see SeriesNames). */
export function rate(
  seriesName: SeriesNames,
  o: { matchers?: string; by?: string[]; range?: string } = {},
): string {
  return `${sumBy(o.by ?? [])}${rates(seriesName, o.matchers, o.range ?? '$__rate_interval')})`;
}

/** The `_count` (or another suffix's) series of each name. */
export function suffixed(names: SeriesNames, suffix: string): string[] {
  return namesOf(names).map((n) => `${n}${suffix}`);
}

/** A per-second rate scaled to per minute: what "per minute" panels plot. */
export function perMinuteRate(
  seriesName: SeriesNames,
  o: { matchers?: string; by?: string[]; range?: string } = {},
): string {
  return `60 * ${rate(seriesName, o)}`;
}

/**
 * failed / all as a ratio, 0 (not "no data") when nothing failed: a counter of failures gets its
 * first series only at the first failure.
 */
export function errorRatio(
  errors: string,
  all: string,
  o: { matchers?: string; by?: string[]; range?: string } = {},
): string {
  const total = rate(all, o);
  return `(${rate(errors, o)} or 0 * ${total}) / ${total}`;
}

/** `sum(rate(x_sum)) / sum(rate(x_count))`: the mean of a histogram. */
export function mean(
  histogram: string,
  o: { matchers?: string; by?: string[]; range?: string } = {},
): string {
  return `${rate(`${histogram}_sum`, o)} / ${rate(`${histogram}_count`, o)}`;
}
