import { RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import {
  ATTR_ERROR_TYPE,
  ATTR_LORECHAT_MEMORY_USAGE,
  METRIC_ATTR_COMPONENT,
  METRIC_ATTR_MODEL,
  METRIC_ATTR_TYPE,
  METRIC_CHAT_MEMORY,
  METRIC_CHAT_MEMORY_MAX,
  METRIC_CHAT_RESPONSE_TIME,
  METRIC_CHAT_SESSIONS_ACTIVE,
  METRIC_LLM_TOKEN_USAGE,
  METRIC_LORECHAT_ERRORS,
  METRIC_LORECHAT_OPERATIONS,
  SPAN_INVOKE_WORKFLOW,
} from '../../../src/semconv.js';
import { logs, traces } from '../links.js';
import { label, series } from '../names.js';
import { barGauge, bucketHeatmap, perMinute, promTable, stat, timeseries } from '../panels.js';
import { errorRatio, mean, perMinuteRate, quantile, rate, spanP95 } from '../queries.js';
import { lorechatDashboard, sel } from '../scope.js';

/** The plan's targets and limits, as the alert rules state them. */
const RESPONSE_TIME_TARGET_S = 2;
const SESSION_MEMORY_LIMIT_BYTES = 500e6;

/** Chat turns are graph runs: their spans are `invoke_workflow {graph}`. */
const TURN_SPANS = `span_name=~"${SPAN_INVOKE_WORKFLOW} .*"`;
const TURN_TRACES = `name =~ "${SPAN_INVOKE_WORKFLOW}.*"`;

/** The plan's monitoring dashboard: response time distribution, memory over time, error rate by component. */
export function overviewDashboard() {
  const responseTime = series(METRIC_CHAT_RESPONSE_TIME);
  const memory = series(METRIC_CHAT_MEMORY);
  const memoryMax = series(METRIC_CHAT_MEMORY_MAX);
  const errors = series(METRIC_LORECHAT_ERRORS);
  const operations = series(METRIC_LORECHAT_OPERATIONS);
  const errorType = label(ATTR_ERROR_TYPE);
  const component = METRIC_ATTR_COMPONENT;

  const slowTurns = traces(
    `Chat turns slower than ${RESPONSE_TIME_TARGET_S} s`,
    `${TURN_TRACES} && duration > ${RESPONSE_TIME_TARGET_S}s`,
  );
  const failedTurns = traces('Failed chat turns', `${TURN_TRACES} && status = error`);
  const errorEvents = logs('Error events', '| json | context_error_type != ""');
  const componentErrorEvents = logs(
    'Error events of ${__field.labels.component}',
    `| json | context_component = "\${__field.labels.${component}}" | context_error_type != ""`,
  );
  const bigSessions = traces(
    'Chat turns with session memory over 400 MB',
    `${TURN_TRACES} && span.${ATTR_LORECHAT_MEMORY_USAGE} > 400000000`,
  );

  return lorechatDashboard({
    uid: 'lorechat-overview',
    title: 'LoreChat overview',
    description:
      "The monitoring plan's dashboard: response times, memory, errors, throughput, tokens and alerts.",
    tags: [],
  })
    .withRow(new RowBuilder("Health (the plan's success metrics)"))
    .withPanel(
      stat({
        title: 'p95 response time (5m)',
        description: `95th percentile chat-turn time over the last 5 minutes. Plan target: < ${RESPONSE_TIME_TARGET_S} s (the LoreChatHighResponseTime alert).`,
        unit: 's',
        query: quantile({ histogram: responseTime, q: 0.95, range: '5m', legend: 'p95' }),
        steps: [
          [1.5, 'orange'],
          [RESPONSE_TIME_TARGET_S, 'red'],
        ],
        links: [slowTurns],
      }),
    )
    .withPanel(
      stat({
        title: 'Error rate (5m)',
        description: 'Failed / all chat turns over the last 5 minutes. SLO: < 1 %; alert: > 5 %.',
        unit: 'percentunit',
        query: {
          expr: errorRatio(errors, operations, { matchers: `${component}="chat"`, range: '5m' }),
          legend: 'failed turns',
        },
        steps: [
          [0.01, 'orange'],
          [0.05, 'red'],
        ],
        links: [failedTurns, errorEvents],
      }),
    )
    .withPanel(
      stat({
        title: 'Largest session memory',
        description: `Largest checkpointed state among active sessions. Plan limit: ${SESSION_MEMORY_LIMIT_BYTES / 1e6} MB per session.`,
        unit: 'decbytes',
        query: { expr: `max(${sel(memoryMax)})`, legend: 'largest session' },
        steps: [
          [400e6, 'orange'],
          [SESSION_MEMORY_LIMIT_BYTES, 'red'],
        ],
        links: [bigSessions],
      }),
    )
    .withPanel(
      stat({
        title: 'Active sessions',
        description: 'Distinct chat threads with a turn in the tracking window.',
        unit: 'short',
        query: { expr: `sum(${sel(series(METRIC_CHAT_SESSIONS_ACTIVE))})`, legend: 'sessions' },
      }),
    )
    .withRow(new RowBuilder('Response time'))
    .withPanel(
      bucketHeatmap({
        title: 'Response time distribution',
        description:
          "Chat turns per response-time bucket per interval (the plan's buckets 0.1, 0.5, 1, 2, 5 s); darker cells hold more turns.",
        unit: 's',
        expr: `sum by (le) (increase(${sel(`${responseTime}_bucket`)}[$__rate_interval]))`,
        links: [slowTurns],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Response time p50 / p95 / p99',
        description: `Chat-turn percentiles from the app's histogram; the dots are graph-run spans (Collector span metrics), each opens its trace. Dashed line: the ${RESPONSE_TIME_TARGET_S} s target.`,
        unit: 's',
        queries: [
          quantile({ histogram: responseTime, q: 0.5, legend: 'p50' }),
          quantile({ histogram: responseTime, q: 0.95, legend: 'p95' }),
          quantile({ histogram: responseTime, q: 0.99, legend: 'p99' }),
          spanP95({ matchers: TURN_SPANS, legend: 'p95 of graph-run spans (dots: traces)' }),
        ],
        steps: [[RESPONSE_TIME_TARGET_S, 'red']],
        links: [slowTurns],
      }),
    )
    .withRow(new RowBuilder('Memory and errors'))
    .withPanel(
      timeseries({
        title: 'Memory usage over time',
        description: `Mean session memory (checkpointed state size after each turn) and the largest active session. Dashed line: the plan's ${SESSION_MEMORY_LIMIT_BYTES / 1e6} MB limit.`,
        unit: 'decbytes',
        queries: [
          { expr: mean(memory), legend: 'mean per session' },
          { expr: `max(${sel(memoryMax)})`, legend: 'largest session' },
        ],
        steps: [[SESSION_MEMORY_LIMIT_BYTES, 'red']],
        links: [bigSessions],
      }),
    )
    .withPanel(
      barGauge({
        title: 'Error rate by component',
        description:
          'Failed / all operations per component (chat, graph, vector, llm) over the selected time range.',
        unit: 'percentunit',
        query: {
          expr: errorRatio(errors, operations, { by: [component], range: '$__range' }),
          legend: `{{${component}}}`,
        },
        steps: [
          [0.01, 'orange'],
          [0.05, 'red'],
        ],
        links: [componentErrorEvents, failedTurns],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Errors per minute by component and type',
        description: 'Failed operations per minute, by component and error.type.',
        unit: perMinute('errors'),
        queries: [
          {
            expr: perMinuteRate(errors, { by: [component, errorType] }),
            legend: `{{${component}}} {{${errorType}}}`,
          },
        ],
        links: [componentErrorEvents],
        layout: { w: 24, h: 8 },
      }),
    )
    .withRow(new RowBuilder('Traffic and tokens'))
    .withPanel(
      timeseries({
        title: 'Chat turns per second',
        description: 'Completed chat turns (graph runs) per second, successful and failed.',
        unit: 'reqps',
        queries: [{ expr: rate(`${responseTime}_count`), legend: 'chat turns' }],
        links: [traces('Chat turns', TURN_TRACES)],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Tokens per minute by model and type',
        description:
          'LLM tokens per minute. Dashed line: the plan recommends caching above 1000/min for all models together (the LoreChatTokenUsageHigh alert).',
        unit: perMinute('tokens'),
        queries: [
          {
            expr: perMinuteRate(series(METRIC_LLM_TOKEN_USAGE), {
              by: [METRIC_ATTR_MODEL, METRIC_ATTR_TYPE],
            }),
            legend: `{{${METRIC_ATTR_MODEL}}} {{${METRIC_ATTR_TYPE}}}`,
          },
          { expr: perMinuteRate(series(METRIC_LLM_TOKEN_USAGE)), legend: 'all models' },
        ],
        steps: [[1000, 'red']],
      }),
    )
    .withRow(new RowBuilder('Alerts'))
    .withPanel(
      promTable({
        title: 'Firing alerts',
        description:
          'Alerts Prometheus fires now (routed by Alertmanager). The rules aggregate every environment and service, so this list is not filtered by the variables.',
        unit: 'none',
        query: { expr: 'ALERTS{alertstate="firing"}', legend: '{{alertname}}' },
        hide: ['Time', 'Value', '__name__', 'alertstate'],
        layout: { w: 24, h: 6 },
      }),
    );
}
