import {
  DashboardBuilder,
  DashboardCursorSync,
  RowBuilder,
} from '@grafana/grafana-foundation-sdk/dashboard';
import {
  ATTR_LORECHAT_NODE_NAME,
  METRIC_ATTR_NODE_NAME,
  METRIC_ATTR_STATUS,
  METRIC_GRAPH_NODE_DURATION,
  SPAN_INVOKE_WORKFLOW,
  STATUS_ERROR,
} from '../../../src/semconv.js';
import { label, series } from '../names.js';
import { timeseries, traceSearch } from '../panels.js';

/** LangGraph runs: duration, calls and errors per node; slow runs in Tempo. */
export function graphDashboard(): DashboardBuilder {
  const node = series(METRIC_GRAPH_NODE_DURATION);
  const spanNode = label(ATTR_LORECHAT_NODE_NAME);
  return new DashboardBuilder('LoreChat graph')
    .uid('lorechat-graph')
    .description(
      'LangGraph nodes: how long each takes, how often it runs and fails, and the slowest runs.',
    )
    .tags(['lorechat', 'langgraph'])
    .refresh('30s')
    .time({ from: 'now-1h', to: 'now' })
    .tooltip(DashboardCursorSync.Crosshair)
    .withRow(new RowBuilder('Nodes'))
    .withPanel(
      timeseries('Node duration p95', '95th percentile time spent in each node.', 's', [
        {
          expr: `histogram_quantile(0.95, sum by (le, ${METRIC_ATTR_NODE_NAME}) (rate(${node}_bucket[$__rate_interval])))`,
          legend: `{{${METRIC_ATTR_NODE_NAME}}}`,
        },
      ]),
    )
    .withPanel(
      timeseries('Node mean duration', 'Mean time per node run.', 's', [
        {
          expr: `sum by (${METRIC_ATTR_NODE_NAME}) (rate(${node}_sum[$__rate_interval])) / sum by (${METRIC_ATTR_NODE_NAME}) (rate(${node}_count[$__rate_interval]))`,
          legend: `{{${METRIC_ATTR_NODE_NAME}}}`,
        },
      ]),
    )
    .withPanel(
      timeseries('Node calls', 'Node runs per second.', 'ops', [
        {
          expr: `sum by (${METRIC_ATTR_NODE_NAME}) (rate(${node}_count[$__rate_interval]))`,
          legend: `{{${METRIC_ATTR_NODE_NAME}}}`,
        },
      ]),
    )
    .withPanel(
      timeseries('Node errors', 'Failed node runs per second.', 'ops', [
        {
          expr: `sum by (${METRIC_ATTR_NODE_NAME}) (rate(${node}_count{${METRIC_ATTR_STATUS}="${STATUS_ERROR}"}[$__rate_interval]))`,
          legend: `{{${METRIC_ATTR_NODE_NAME}}}`,
        },
      ]),
    )
    .withRow(new RowBuilder('From spans (Collector span metrics, with exemplars)'))
    .withPanel(
      timeseries(
        'Node span duration p95 (click a dot for the trace)',
        "Computed by the Collector's spanmetrics connector from every span, before any sampling; exemplars link to Tempo.",
        's',
        [
          {
            expr: `histogram_quantile(0.95, sum by (le, ${spanNode}) (rate(traces_span_metrics_duration_seconds_bucket{${spanNode}!=""}[$__rate_interval])))`,
            legend: `{{${spanNode}}}`,
            exemplar: true,
          },
        ],
        { w: 24, h: 8 },
      ),
    )
    .withRow(new RowBuilder('Slowest runs'))
    .withPanel(
      traceSearch(
        'Graph runs slower than 2 s',
        "TraceQL on Tempo: graph-run root spans over the plan's 2 s response-time target.",
        `{ name =~ "${SPAN_INVOKE_WORKFLOW}.*" && duration > 2s }`,
        20,
      ),
    )
    .withPanel(
      traceSearch(
        'Failed node runs',
        'TraceQL on Tempo: node spans that ended with an error.',
        `{ span.${ATTR_LORECHAT_NODE_NAME} != nil && status = error }`,
        20,
      ),
    );
}
