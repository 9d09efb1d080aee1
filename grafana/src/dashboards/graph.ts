import { RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import {
  ATTR_LORECHAT_NODE_NAME,
  METRIC_ATTR_NODE_NAME,
  METRIC_ATTR_STATUS,
  METRIC_GRAPH_NODE_DURATION,
  SPAN_INVOKE_WORKFLOW,
  STATUS_ERROR,
} from '../../../src/semconv.js';
import { logs, traces } from '../links.js';
import { label, series } from '../names.js';
import { timeseries, traceSearch } from '../panels.js';
import { mean, quantile, rate, spanP95 } from '../queries.js';
import { lorechatDashboard, TRACE_SCOPE } from '../scope.js';

/** LangGraph runs: duration, calls and errors per node; slow runs in Tempo. */
export function graphDashboard() {
  const node = series(METRIC_GRAPH_NODE_DURATION);
  const spanNode = label(ATTR_LORECHAT_NODE_NAME);
  const nodeLegend = `{{${METRIC_ATTR_NODE_NAME}}}`;
  /** The traces of the node whose series was clicked. */
  const nodeSpans = `span.${ATTR_LORECHAT_NODE_NAME} = "\${__field.labels.${METRIC_ATTR_NODE_NAME}}"`;
  const nodeTraces = traces('Traces of node ${__field.labels.node_name}', nodeSpans);
  const failedNodeTraces = traces(
    'Failed runs of node ${__field.labels.node_name}',
    `${nodeSpans} && status = error`,
  );
  const graphErrorEvents = logs(
    'Graph error events',
    '| json | context_component = "graph" | context_error_type != ""',
  );
  return lorechatDashboard({
    uid: 'lorechat-graph',
    title: 'LoreChat graph',
    description:
      'LangGraph nodes: how long each takes, how often it runs and fails, and the slowest runs.',
    tags: ['langgraph'],
  })
    .withRow(new RowBuilder('Nodes'))
    .withPanel(
      timeseries({
        title: 'Node duration p95',
        description:
          "95th percentile time spent in each node (the app's histogram); the dots are node spans (Collector span metrics), each opens its trace.",
        unit: 's',
        queries: [
          quantile({ histogram: node, q: 0.95, by: [METRIC_ATTR_NODE_NAME], legend: nodeLegend }),
          spanP95({
            matchers: `${spanNode}!=""`,
            by: [spanNode],
            legend: `{{${spanNode}}} spans (dots: traces)`,
          }),
        ],
        links: [nodeTraces],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Node mean duration',
        description: 'Mean time per node run.',
        unit: 's',
        queries: [{ expr: mean(node, { by: [METRIC_ATTR_NODE_NAME] }), legend: nodeLegend }],
        links: [nodeTraces],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Node runs per second',
        description: 'Node runs per second, successful and failed.',
        unit: 'ops',
        queries: [
          { expr: rate(`${node}_count`, { by: [METRIC_ATTR_NODE_NAME] }), legend: nodeLegend },
        ],
        links: [nodeTraces],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Failed node runs per second',
        description: 'Node runs per second that ended with an error.',
        unit: 'ops',
        queries: [
          {
            expr: rate(`${node}_count`, {
              matchers: `${METRIC_ATTR_STATUS}="${STATUS_ERROR}"`,
              by: [METRIC_ATTR_NODE_NAME],
            }),
            legend: nodeLegend,
          },
        ],
        links: [failedNodeTraces, graphErrorEvents],
      }),
    )
    .withRow(new RowBuilder('Slowest runs'))
    .withPanel(
      traceSearch({
        title: 'Graph runs slower than 2 s',
        description:
          "TraceQL on Tempo: graph-run root spans over the plan's 2 s response-time target.",
        query: `{ ${TRACE_SCOPE} && name =~ "${SPAN_INVOKE_WORKFLOW}.*" && duration > 2s }`,
        limit: 20,
      }),
    )
    .withPanel(
      traceSearch({
        title: 'Failed node runs',
        description: 'TraceQL on Tempo: node spans that ended with an error.',
        query: `{ ${TRACE_SCOPE} && span.${ATTR_LORECHAT_NODE_NAME} != nil && status = error }`,
        limit: 20,
      }),
    );
}
