/**
 * Programmatic API of lorechat-otel. Most apps need none of it: run them with
 * `node --import lorechat-otel/register` (or `--require`). Use this to start telemetry from
 * code, build the SDK components yourself, or instrument a vector store instance.
 */

// --- SDK and configuration -------------------------------------------------------------------
export { buildLoreChatSdk, DEFAULT_SERVICE_NAME, startLoreChatTelemetry } from './sdk.js';
export type { BuildOptions, EmbeddedFiles, LoreChatSdkParts, LoreChatTelemetry } from './sdk.js';
export {
  DEFAULTS,
  ENV_VARS,
  hasOtlpDestination,
  loadConfig,
  OTLP_DESTINATION_ENV_VARS,
  readEnv,
} from './config.js';
export type {
  EnvParser,
  LoreChatOtelConfig,
  LoreChatOtelOptions,
  TelemetryMode,
} from './config.js';

// --- Exporters of the embedded default ------------------------------------------------------
export { JsonStdoutLogRecordExporter, planEventFromLogRecord } from './exporters/json-stdout.js';
export {
  OtlpJsonFileLogRecordExporter,
  OtlpJsonFileMetricExporter,
  OtlpJsonFileSpanExporter,
  toOtlpJsonLine,
} from './exporters/otlp-json-file.js';
export { PrometheusEndpoint } from './exporters/prometheus-endpoint.js';
export { RotatingJsonlFile } from './exporters/rotating-file.js';
export type { RotatingFileOptions } from './exporters/rotating-file.js';
export { formatSummary, SummarySpanProcessor } from './exporters/summary.js';
export type { SummarySnapshot } from './exporters/summary.js';

// --- Instrumentations ---------------------------------------------------------------------
export {
  buildLoreChatInstrumentations,
  CHAT_MODEL_INSTRUMENTATION_NAME,
  createLoreChatInstrumentations,
  DEFAULT_CONTENT_MAX_LENGTH,
  instrumentVectorStore,
  LANGGRAPH_INSTRUMENTATION_NAME,
  LangChainChatModelInstrumentation,
  LangChainVectorStoreInstrumentation,
  LangGraphInstrumentation,
  normaliseQuery,
  queryFingerprint,
  VECTOR_STORE_INSTRUMENTATION_NAME,
} from './instrumentations/index.js';
export type {
  LangChainChatModelInstrumentationConfig,
  LangChainVectorStoreInstrumentationConfig,
  LangGraphInstrumentationConfig,
  LoreChatInstrumentations,
  LoreChatInstrumentationsConfig,
  LoreChatSharedConfig,
} from './instrumentations/index.js';

// --- Catalogue (metric, event and span names, buckets) --------------------------------------
export {
  CHAT_MEMORY_BUCKETS,
  CHAT_RESPONSE_TIME_BUCKETS,
  EVENT_CONTEXT_ATTRIBUTES,
  EVENTS,
  EXTERNAL_METRIC_PREFIXES,
  eventDefinition,
  GEN_AI_DURATION_BUCKETS,
  GEN_AI_TOKEN_USAGE_BUCKETS,
  GRAPH_NODE_DURATION_BUCKETS,
  METRICS,
  metricDefinition,
  prometheusSeriesNames,
  SPANS,
  VECTOR_DOCUMENTS_BUCKETS,
  VECTOR_DURATION_BUCKETS,
} from './catalogue/index.js';
export type {
  EventDefinition,
  EventName,
  EventSeverity,
  MetricDefinition,
  MetricGroup,
  MetricKind,
  MetricName,
  SpanDefinition,
} from './catalogue/index.js';

// --- Attribute, metric, event and span names (semconv.ts) ---------------------------------
export {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_REQUEST_TEMPERATURE,
  ATTR_GEN_AI_REQUEST_MAX_TOKENS,
  ATTR_GEN_AI_REQUEST_TOP_P,
  ATTR_GEN_AI_REQUEST_TOP_K,
  ATTR_GEN_AI_REQUEST_STREAM,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_RESPONSE_ID,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_TOKEN_TYPE,
  ATTR_GEN_AI_CONVERSATION_ID,
  ATTR_GEN_AI_WORKFLOW_NAME,
  ATTR_GEN_AI_DATA_SOURCE_ID,
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OUTPUT_MESSAGES,
  ATTR_GEN_AI_RETRIEVAL_QUERY_TEXT,
  ATTR_GEN_AI_RETRIEVAL_DOCUMENTS,
  GEN_AI_OPERATION_CHAT,
  GEN_AI_OPERATION_RETRIEVAL,
  GEN_AI_OPERATION_INVOKE_WORKFLOW,
  GEN_AI_TOKEN_TYPE_INPUT,
  GEN_AI_TOKEN_TYPE_OUTPUT,
  ATTR_DB_SYSTEM_NAME,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_COLLECTION_NAME,
  ATTR_DB_OPERATION_BATCH_SIZE,
  ATTR_ERROR_TYPE,
  ATTR_ERROR_MESSAGE,
  ATTR_LORECHAT_REQUEST_ID,
  ATTR_LORECHAT_COMPONENT,
  ATTR_LORECHAT_ACTION,
  ATTR_LORECHAT_DURATION_MS,
  ATTR_LORECHAT_MEMORY_USAGE,
  ATTR_LORECHAT_NODE_NAME,
  ATTR_LORECHAT_NODE_STEP,
  ATTR_LORECHAT_NODE_TRIGGERS,
  ATTR_LORECHAT_STATE_KEYS,
  ATTR_LORECHAT_STATE_VALUES,
  ATTR_LORECHAT_RETRIEVAL_RESULT_COUNT,
  ATTR_LORECHAT_RETRIEVAL_SCORES,
  ATTR_LORECHAT_QUERY_FINGERPRINT,
  ATTR_LORECHAT_RESPONSE_LENGTH,
  ATTR_LORECHAT_MESSAGE_LENGTH,
  METRIC_ATTR_MODEL,
  METRIC_ATTR_TYPE,
  METRIC_ATTR_OPERATION,
  METRIC_ATTR_STATUS,
  METRIC_ATTR_NODE_NAME,
  METRIC_ATTR_COMPONENT,
  STATUS_SUCCESS,
  STATUS_ERROR,
  COMPONENTS,
  VECTOR_OPERATIONS,
  METRIC_CHAT_RESPONSE_TIME,
  METRIC_LLM_TOKEN_USAGE,
  METRIC_VECTOR_STORE_OPERATIONS,
  METRIC_VECTOR_STORE_OPERATION_DURATION,
  METRIC_VECTOR_STORE_SEARCH_DOCUMENTS,
  METRIC_GRAPH_NODE_DURATION,
  METRIC_CHAT_MEMORY,
  METRIC_CHAT_MEMORY_MAX,
  METRIC_CHAT_SESSIONS_ACTIVE,
  METRIC_LORECHAT_OPERATIONS,
  METRIC_LORECHAT_ERRORS,
  METRIC_GEN_AI_CLIENT_TOKEN_USAGE,
  METRIC_GEN_AI_CLIENT_OPERATION_DURATION,
  METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK,
  EVENT_CHAT_START,
  EVENT_CHAT_MESSAGE,
  EVENT_CHAT_COMPLETE,
  EVENT_GRAPH_NODE_ENTER,
  EVENT_GRAPH_NODE_EXIT,
  EVENT_GRAPH_STATE_UPDATE,
  EVENT_VECTOR_SEARCH,
  EVENT_VECTOR_INSERT,
  EVENT_VECTOR_UPDATE,
  EVENT_LLM_REQUEST,
  EVENT_LLM_RESPONSE,
  EVENT_LLM_ERROR,
  SPAN_INVOKE_WORKFLOW,
  SPAN_INVOKE_NODE,
  SPAN_RETRIEVAL,
  SPAN_CHAT,
} from './semconv.js';
export type { Component, VectorOperation } from './semconv.js';
