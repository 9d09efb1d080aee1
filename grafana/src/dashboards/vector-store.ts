import { RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import {
  METRIC_ATTR_COMPONENT,
  METRIC_ATTR_OPERATION,
  METRIC_ATTR_STATUS,
  METRIC_LORECHAT_ERRORS,
  METRIC_LORECHAT_OPERATIONS,
  METRIC_VECTOR_STORE_OPERATION_DURATION,
  METRIC_VECTOR_STORE_OPERATIONS,
  METRIC_VECTOR_STORE_SEARCH_DOCUMENTS,
  SPAN_RETRIEVAL,
} from '../../../src/semconv.js';
import { logs, traces } from '../links.js';
import { series } from '../names.js';
import { stat, timeseries } from '../panels.js';
import { errorRatio, mean, quantile, rate, spanP95 } from '../queries.js';
import { lorechatDashboard } from '../scope.js';

/** The plan's "optimise the index" threshold for a search (the LoreChatVectorSearchSlow alert). */
const SLOW_SEARCH_S = 0.5;
const SEARCH = `${METRIC_ATTR_OPERATION}="search"`;

/** The vector store: operations, search latency, documents returned. */
export function vectorStoreDashboard() {
  const ops = series(METRIC_VECTOR_STORE_OPERATIONS);
  const duration = series(METRIC_VECTOR_STORE_OPERATION_DURATION);
  const docs = series(METRIC_VECTOR_STORE_SEARCH_DOCUMENTS);
  const searchSpans = `name =~ "${SPAN_RETRIEVAL}.*"`;
  const slowSearches = traces(
    `Searches slower than ${SLOW_SEARCH_S} s`,
    `${searchSpans} && duration > ${SLOW_SEARCH_S * 1000}ms`,
  );
  const vectorErrorEvents = logs(
    'Vector store error events',
    '| json | context_component = "vector" | context_error_type != ""',
  );
  return lorechatDashboard({
    uid: 'lorechat-vector-store',
    title: 'LoreChat vector store',
    description:
      'Vector store operations by operation and status, search latency and documents returned.',
    tags: ['vector-store'],
  })
    .withPanel(
      stat({
        title: 'Mean search time (5m)',
        description: `Mean similarity-search time over the last 5 minutes. Plan: optimise the index above ${SLOW_SEARCH_S} s.`,
        unit: 's',
        query: { expr: mean(duration, { matchers: SEARCH, range: '5m' }), legend: 'mean search' },
        steps: [
          [0.4, 'orange'],
          [SLOW_SEARCH_S, 'red'],
        ],
        links: [slowSearches],
      }),
    )
    .withPanel(
      stat({
        title: 'Vector error rate (5m)',
        description: 'Failed / all vector store operations over the last 5 minutes.',
        unit: 'percentunit',
        query: {
          expr: errorRatio(series(METRIC_LORECHAT_ERRORS), series(METRIC_LORECHAT_OPERATIONS), {
            matchers: `${METRIC_ATTR_COMPONENT}="vector"`,
            range: '5m',
          }),
          legend: 'failed operations',
        },
        steps: [
          [0.01, 'orange'],
          [0.05, 'red'],
        ],
        links: [traces('Failed searches', `${searchSpans} && status = error`), vectorErrorEvents],
      }),
    )
    .withRow(new RowBuilder('Operations'))
    .withPanel(
      timeseries({
        title: 'Operations per second by operation and status',
        description: 'Vector store operations per second.',
        unit: 'ops',
        queries: [
          {
            expr: rate(ops, { by: [METRIC_ATTR_OPERATION, METRIC_ATTR_STATUS] }),
            legend: `{{${METRIC_ATTR_OPERATION}}} {{${METRIC_ATTR_STATUS}}}`,
          },
        ],
        links: [vectorErrorEvents],
        layout: { w: 24, h: 8 },
      }),
    )
    .withRow(new RowBuilder('Search'))
    .withPanel(
      timeseries({
        title: 'Search latency',
        description: `Similarity-search duration percentiles and mean; the dots are retrieval spans (Collector span metrics), each opens its trace. Dashed line: ${SLOW_SEARCH_S} s.`,
        unit: 's',
        queries: [
          quantile({ histogram: duration, q: 0.5, matchers: SEARCH, legend: 'p50' }),
          quantile({ histogram: duration, q: 0.95, matchers: SEARCH, legend: 'p95' }),
          { expr: mean(duration, { matchers: SEARCH }), legend: 'mean' },
          spanP95({
            matchers: `span_name=~"${SPAN_RETRIEVAL} .*"`,
            legend: 'p95 of retrieval spans (dots: traces)',
          }),
        ],
        steps: [[SLOW_SEARCH_S, 'red']],
        links: [slowSearches],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Documents returned per search',
        description: 'Mean and p95 of the documents one search returns.',
        unit: 'short',
        queries: [
          { expr: mean(docs), legend: 'mean' },
          quantile({ histogram: docs, q: 0.95, legend: 'p95' }),
        ],
        links: [traces('Searches', searchSpans)],
      }),
    );
}
