import {
  DashboardBuilder,
  DashboardCursorSync,
  RowBuilder,
} from '@grafana/grafana-foundation-sdk/dashboard';
import {
  METRIC_ATTR_COMPONENT,
  METRIC_ATTR_MODEL,
  METRIC_ATTR_TYPE,
  METRIC_CHAT_MEMORY_MAX,
  METRIC_CHAT_RESPONSE_TIME,
  METRIC_CHAT_SESSIONS_ACTIVE,
  METRIC_LLM_TOKEN_USAGE,
} from '../../../src/semconv.js';
import { series } from '../names.js';
import { barGauge, bucketHeatmap, promTable, stat, timeseries } from '../panels.js';

/** The plan's monitoring dashboard: response time distribution, memory over time, error rate by component. */
export function overviewDashboard(): DashboardBuilder {
  const responseTime = series(METRIC_CHAT_RESPONSE_TIME);
  const tokens = series(METRIC_LLM_TOKEN_USAGE);
  return new DashboardBuilder('LoreChat overview')
    .uid('lorechat-overview')
    .description(
      "The monitoring plan's dashboard: response times, memory, errors, throughput, tokens and alerts.",
    )
    .tags(['lorechat'])
    .refresh('30s')
    .time({ from: 'now-1h', to: 'now' })
    .tooltip(DashboardCursorSync.Crosshair)
    .withRow(new RowBuilder("Health (the plan's success metrics)"))
    .withPanel(
      stat(
        'p95 response time',
        'Plan target: < 2 s.',
        's',
        {
          expr: 'lorechat:chat_response_time_seconds:p95_5m',
        },
        [
          [1.5, 'orange'],
          [2, 'red'],
        ],
      ),
    )
    .withPanel(
      stat(
        'Error rate',
        'Failed chat turns over 5 minutes. SLO: < 1 %; alert: > 5 %.',
        'percentunit',
        {
          expr: 'lorechat:chat_errors:ratio_rate5m',
        },
        [
          [0.01, 'orange'],
          [0.05, 'red'],
        ],
      ),
    )
    .withPanel(
      stat(
        'Largest session memory',
        'Plan limit: 500 MB per session.',
        'decbytes',
        {
          expr: `max(${series(METRIC_CHAT_MEMORY_MAX)})`,
        },
        [
          [400e6, 'orange'],
          [500e6, 'red'],
        ],
      ),
    )
    .withPanel(
      stat(
        'Active sessions',
        'Distinct chat threads with a turn in the tracking window.',
        'short',
        {
          expr: `sum(${series(METRIC_CHAT_SESSIONS_ACTIVE)})`,
        },
      ),
    )
    .withRow(new RowBuilder('Response time'))
    .withPanel(
      bucketHeatmap(
        'Response time distribution',
        "Chat turns per response-time bucket (the plan's buckets 0.1, 0.5, 1, 2, 5 s).",
        `sum by (le) (increase(${responseTime}_bucket[$__rate_interval]))`,
        's',
      ),
    )
    .withPanel(
      timeseries('Response time p50 / p95 / p99', 'Recorded percentiles over 5 minutes.', 's', [
        { expr: 'lorechat:chat_response_time_seconds:p50_5m', legend: 'p50' },
        { expr: 'lorechat:chat_response_time_seconds:p95_5m', legend: 'p95' },
        { expr: 'lorechat:chat_response_time_seconds:p99_5m', legend: 'p99' },
      ]),
    )
    .withRow(new RowBuilder('Memory and errors'))
    .withPanel(
      timeseries(
        'Memory usage over time',
        'Mean session memory (state size after each turn) and the largest active session.',
        'decbytes',
        [
          { expr: 'lorechat:chat_memory_bytes:mean_5m', legend: 'mean per session' },
          { expr: `max(${series(METRIC_CHAT_MEMORY_MAX)})`, legend: 'largest session' },
        ],
      ),
    )
    .withPanel(
      barGauge(
        'Error rate by component',
        'Failed / all operations per component over 5 minutes.',
        'percentunit',
        {
          expr: 'lorechat:component_errors:ratio_rate5m',
          legend: `{{${METRIC_ATTR_COMPONENT}}}`,
        },
        [
          [0.01, 'orange'],
          [0.05, 'red'],
        ],
      ),
    )
    .withRow(new RowBuilder('Traffic and tokens'))
    .withPanel(
      timeseries('Throughput', 'Chat turns per second.', 'reqps', [
        { expr: 'lorechat:chat_turns:rate5m', legend: 'chat turns' },
      ]),
    )
    .withPanel(
      timeseries(
        'Token usage by model and type',
        'Tokens per minute; the plan recommends caching above 1000/min.',
        'short',
        [
          {
            expr: `sum by (${METRIC_ATTR_MODEL}, ${METRIC_ATTR_TYPE}) (rate(${tokens}[$__rate_interval])) * 60`,
            legend: `{{${METRIC_ATTR_MODEL}}} {{${METRIC_ATTR_TYPE}}}`,
          },
        ],
      ),
    )
    .withRow(new RowBuilder('Alerts'))
    .withPanel(
      promTable(
        'Firing alerts',
        'Alerts Prometheus currently fires (routed by Alertmanager).',
        {
          expr: 'ALERTS{alertstate="firing"}',
        },
        { w: 24, h: 6 },
      ),
    );
}
