import { describe, expect, it } from 'vitest';
import { EXTERNAL_METRIC_PREFIXES, prometheusSeriesNames } from '../../../src/catalogue/index.js';
import { dashboardQueries } from '../../../grafana/src/index.js';
import { allRules, promqlMetricNames } from './helpers.js';

const catalogue = new Set(prometheusSeriesNames());
const recorded = new Set(allRules().flatMap((r) => (r.record ? [r.record] : [])));

function known(name: string): boolean {
  return (
    catalogue.has(name) ||
    recorded.has(name) ||
    EXTERNAL_METRIC_PREFIXES.some((p) => (p === 'up' ? name === 'up' : name.startsWith(p)))
  );
}

describe('PromQL metric-name extraction', () => {
  it('finds selected series and skips functions, labels, ranges, durations and grouping', () => {
    expect(
      promqlMetricNames(
        'histogram_quantile(0.95, sum by (le, node_name) (rate(graph_node_duration_seconds_bucket{status="error"}[5m]))) / (lorechat:x:y offset 1h) > 1e3',
      ).sort(),
    ).toEqual(['graph_node_duration_seconds_bucket', 'lorechat:x:y']);
  });

  it('would report a name that is not in the catalogue', () => {
    const names = promqlMetricNames('rate(chat_response_seconds_total[5m])');
    expect(names).toEqual(['chat_response_seconds_total']);
    expect(names.filter((n) => !known(n))).toEqual(['chat_response_seconds_total']);
  });
});

describe('every metric name used is defined', () => {
  it('alert and recording rules use only catalogue, external or recorded series', () => {
    const unknown = allRules().flatMap((r) =>
      promqlMetricNames(r.expr)
        .filter((n) => !known(n))
        .map((n) => `${r.alert ?? r.record}: ${n}`),
    );
    expect(unknown).toEqual([]);
  });

  it('dashboard PromQL uses only catalogue, external or recorded series', () => {
    const queries = dashboardQueries().filter((q) => q.language === 'promql');
    expect(queries.length).toBeGreaterThan(30);
    const unknown = queries.flatMap((q) =>
      promqlMetricNames(q.query)
        .filter((n) => !known(n))
        .map((n) => `${q.dashboard} / ${q.panel}: ${n}`),
    );
    expect(unknown).toEqual([]);
  });

  it('every recording rule is used by an alert or a dashboard, or is one of the plan aggregates', () => {
    const used = new Set([
      // Alerts, and recording rules that build on another (the cost rules read the price series).
      ...allRules().flatMap((r) =>
        r.alert || r.record !== undefined
          ? promqlMetricNames(r.expr).filter((n) => n !== r.record)
          : [],
      ),
      ...dashboardQueries().flatMap((q) =>
        q.language === 'promql' ? promqlMetricNames(q.query) : [],
      ),
    ]);
    const planAggregate =
      /^lorechat:(chat_response_time_seconds:p(50|95|99)|chat_turns:rate|llm_cost_usd:rate|chat_errors:ratio_rate|component_errors:ratio_rate|chat_memory_bytes:mean|chat_memory_max_bytes:max)_?(1m|5m|1h|1d)$/;
    const orphans = [...recorded].filter((r) => !used.has(r) && !planAggregate.test(r));
    expect(orphans).toEqual([]);
  });
});
