import {
  DashboardBuilder,
  DashboardCursorSync,
  RowBuilder,
} from '@grafana/grafana-foundation-sdk/dashboard';
import {
  METRIC_ATTR_OPERATION,
  METRIC_ATTR_STATUS,
  METRIC_VECTOR_STORE_OPERATION_DURATION,
  METRIC_VECTOR_STORE_OPERATIONS,
  METRIC_VECTOR_STORE_SEARCH_DOCUMENTS,
} from '../../../src/semconv.js';
import { series } from '../names.js';
import { stat, timeseries } from '../panels.js';

/** The vector store: operations, search latency, documents returned. */
export function vectorStoreDashboard(): DashboardBuilder {
  const ops = series(METRIC_VECTOR_STORE_OPERATIONS);
  const duration = series(METRIC_VECTOR_STORE_OPERATION_DURATION);
  const docs = series(METRIC_VECTOR_STORE_SEARCH_DOCUMENTS);
  return new DashboardBuilder('LoreChat vector store')
    .uid('lorechat-vector-store')
    .description(
      'Vector store operations by operation and status, search latency and documents returned.',
    )
    .tags(['lorechat', 'vector-store'])
    .refresh('30s')
    .time({ from: 'now-1h', to: 'now' })
    .tooltip(DashboardCursorSync.Crosshair)
    .withPanel(
      stat(
        'Mean search time',
        'Plan recommendation: optimise the index above 0.5 s.',
        's',
        {
          expr: 'lorechat:vector_search_duration_seconds:mean_5m',
        },
        [
          [0.4, 'orange'],
          [0.5, 'red'],
        ],
      ),
    )
    .withPanel(
      stat(
        'Vector error rate',
        'Failed / all vector operations over 5 minutes.',
        'percentunit',
        {
          expr: 'lorechat:component_errors:ratio_rate5m{component="vector"}',
        },
        [
          [0.01, 'orange'],
          [0.05, 'red'],
        ],
      ),
    )
    .withRow(new RowBuilder('Operations'))
    .withPanel(
      timeseries(
        'Operations by operation and status',
        'Vector store operations per second.',
        'ops',
        [
          {
            expr: `sum by (${METRIC_ATTR_OPERATION}, ${METRIC_ATTR_STATUS}) (rate(${ops}[$__rate_interval]))`,
            legend: `{{${METRIC_ATTR_OPERATION}}} {{${METRIC_ATTR_STATUS}}}`,
          },
        ],
        { w: 24, h: 8 },
      ),
    )
    .withRow(new RowBuilder('Search'))
    .withPanel(
      timeseries('Search latency', 'Similarity-search duration percentiles and mean.', 's', [
        {
          expr: `histogram_quantile(0.5, sum by (le) (rate(${duration}_bucket{${METRIC_ATTR_OPERATION}="search"}[$__rate_interval])))`,
          legend: 'p50',
        },
        {
          expr: `histogram_quantile(0.95, sum by (le) (rate(${duration}_bucket{${METRIC_ATTR_OPERATION}="search"}[$__rate_interval])))`,
          legend: 'p95',
        },
        { expr: 'lorechat:vector_search_duration_seconds:mean_5m', legend: 'mean (5m)' },
      ]),
    )
    .withPanel(
      timeseries(
        'Documents returned per search',
        'Mean and p95 of the documents one search returns.',
        'short',
        [
          {
            expr: `sum(rate(${docs}_sum[$__rate_interval])) / sum(rate(${docs}_count[$__rate_interval]))`,
            legend: 'mean',
          },
          {
            expr: `histogram_quantile(0.95, sum by (le) (rate(${docs}_bucket[$__rate_interval])))`,
            legend: 'p95',
          },
        ],
      ),
    );
}
