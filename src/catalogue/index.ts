export {
  CHAT_MEMORY_BUCKETS,
  CHAT_RESPONSE_TIME_BUCKETS,
  EXTERNAL_METRIC_PREFIXES,
  GEN_AI_DURATION_BUCKETS,
  GEN_AI_SUCCESSORS,
  GEN_AI_TOKEN_USAGE_SUCCESSORS,
  GEN_AI_TOKEN_USAGE_BUCKETS,
  GEN_AI_WORKFLOW_DURATION_BUCKETS,
  GRAPH_NODE_DURATION_BUCKETS,
  METRICS,
  VECTOR_DOCUMENTS_BUCKETS,
  VECTOR_DURATION_BUCKETS,
  metricDefinition,
  metricsForMode,
  prometheusSeriesNames,
} from './metrics.js';
export type { MetricDefinition, MetricGroup, MetricKind, MetricName } from './metrics.js';
export { EVENTS, EVENT_CONTEXT_ATTRIBUTES, eventAttributeKeys, eventDefinition } from './events.js';
export type {
  EventDefinition,
  EventField,
  EventFieldKey,
  EventName,
  EventSeverity,
} from './events.js';
export { SPANS } from './spans.js';
export type { SpanDefinition } from './spans.js';
