/**
 * The metric catalogue: ONE definition per instrument. Instruments are created from these
 * entries; the README's telemetry reference, dashboards, alert and recording rules and the
 * analysis CLI are checked against them by tests.
 */
import type { GenAiSemconvMode } from '../telemetry/semconv-mode.js';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_TOKEN_MODALITY,
  ATTR_GEN_AI_TOKEN_TYPE,
  ATTR_GEN_AI_WORKFLOW_NAME,
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_TOOL_NAME,
  METRIC_ATTR_COMPONENT,
  METRIC_ATTR_MODEL,
  METRIC_ATTR_NODE_NAME,
  METRIC_ATTR_OPERATION,
  METRIC_ATTR_STATUS,
  METRIC_ATTR_TYPE,
  METRIC_CHAT_MEMORY,
  METRIC_CHAT_MEMORY_MAX,
  METRIC_CHAT_RESPONSE_TIME,
  METRIC_CHAT_SESSIONS_ACTIVE,
  METRIC_GEN_AI_CLIENT_INFERENCE_DURATION,
  METRIC_GEN_AI_CLIENT_INFERENCE_OPERATION_INPUT_TOKENS,
  METRIC_GEN_AI_CLIENT_INFERENCE_OPERATION_OUTPUT_TOKENS,
  METRIC_GEN_AI_CLIENT_INFERENCE_TIME_TO_FIRST_CHUNK,
  METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_CACHE_READ_INPUT_TOKENS,
  METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_CACHE_WRITE_INPUT_TOKENS,
  METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_INPUT_TOKENS,
  METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_OUTPUT_TOKENS,
  METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_REASONING_OUTPUT_TOKENS,
  METRIC_GEN_AI_CLIENT_OPERATION_DURATION,
  METRIC_GEN_AI_INVOKE_WORKFLOW_DURATION,
  METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK,
  METRIC_GEN_AI_CLIENT_TOKEN_USAGE,
  METRIC_GEN_AI_EXECUTE_TOOL_DURATION,
  METRIC_GEN_AI_INVOKE_AGENT_DURATION,
  METRIC_GRAPH_NODE_DURATION,
  METRIC_LLM_TOKEN_USAGE,
  METRIC_LORECHAT_ERRORS,
  METRIC_LORECHAT_OPERATIONS,
  METRIC_VECTOR_STORE_OPERATION_DURATION,
  METRIC_VECTOR_STORE_OPERATIONS,
  METRIC_VECTOR_STORE_SEARCH_DOCUMENTS,
  GEN_AI_TOKEN_TYPE_INPUT,
  GEN_AI_TOKEN_TYPE_OUTPUT,
} from '../semconv.js';

export type MetricKind = 'histogram' | 'counter' | 'gauge' | 'updowncounter';

/** Which instrumentation group records a metric; `llm` metrics can be switched off. */
export type MetricGroup = 'chat' | 'graph' | 'vector' | 'llm' | 'tool' | 'errors';

export interface MetricDefinition {
  /** OpenTelemetry instrument name. */
  readonly name: string;
  /**
   * The series name Prometheus stores (OTLP translation with suffixes: dots become
   * underscores, the unit is appended, counters get `_total`). Histograms expose
   * `<prometheusName>_bucket`, `_sum` and `_count`.
   */
  readonly prometheusName: string;
  readonly kind: MetricKind;
  /** UCUM unit. */
  readonly unit: string;
  readonly description: string;
  /** Explicit histogram bucket boundaries (histograms only). */
  readonly buckets?: readonly number[];
  /** Every attribute key the instrument may carry. All are bounded. */
  readonly attributes: readonly string[];
  readonly group: MetricGroup;
  /** Where the requirement comes from. */
  readonly source: 'plan' | 'semconv' | 'lorechat';
  /**
   * The GenAI semantic-conventions generation that defines the metric: recorded only in that
   * mode (`OTEL_SEMCONV_STABILITY_OPT_IN`, see telemetry/semconv-mode.ts). Absent: both modes.
   */
  readonly generation?: GenAiSemconvMode;
}

/** The plan's response-time buckets: 0.1, 0.5, 1, 2, 5 seconds. */
export const CHAT_RESPONSE_TIME_BUCKETS = [0.1, 0.5, 1, 2, 5] as const;

/** GenAI semantic conventions: `gen_ai.client.operation.duration` advisory buckets (s). */
export const GEN_AI_DURATION_BUCKETS = [
  0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
] as const;

/** GenAI semantic conventions: `gen_ai.client.token.usage` advisory buckets ({token}). */
export const GEN_AI_TOKEN_USAGE_BUCKETS = [
  1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
] as const;

/** `gen_ai.invoke_workflow.duration` advisory buckets (s), semantic-conventions-genai gen-ai-metrics.md. */
export const GEN_AI_WORKFLOW_DURATION_BUCKETS = [
  1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200,
] as const;

/** Node durations: the plan names no buckets; these span 5 ms to 30 s. */
export const GRAPH_NODE_DURATION_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30,
] as const;

/** Vector-store operation durations (s); 0.5 s is the plan's "slow search" threshold. */
export const VECTOR_DURATION_BUCKETS = [
  0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
] as const;

/** Documents returned by one search. */
export const VECTOR_DOCUMENTS_BUCKETS = [0, 1, 2, 3, 4, 5, 10, 20, 50, 100] as const;

/** Session memory (bytes of a thread's checkpointed state); 500 MB is the plan's limit. */
export const CHAT_MEMORY_BUCKETS = [1e3, 1e4, 1e5, 1e6, 1e7, 5e7, 1e8, 2.5e8, 5e8, 1e9] as const;

/** Attributes of the latest inference metrics (client-inference.md "Metrics"). */
const INFERENCE_ATTRIBUTES = [
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_MODEL,
] as const;
const INFERENCE_ATTRIBUTES_WITH_ERROR = [...INFERENCE_ATTRIBUTES, ATTR_ERROR_TYPE] as const;

/**
 * One latest usage counter (gen-ai-token-metrics.md): recorded for every inference call,
 * failed ones included (`0` with modality `unknown` when no usage was received).
 */
function usageCounter<N extends string, P extends string>(
  name: N,
  prometheusName: P,
  what: string,
) {
  return [
    {
      name,
      prometheusName,
      kind: 'counter',
      unit: '{token}',
      description: `GenAI semantic conventions (latest): ${what}.`,
      attributes: [...INFERENCE_ATTRIBUTES, ATTR_GEN_AI_TOKEN_MODALITY],
      group: 'llm',
      source: 'semconv',
      generation: 'latest',
    },
  ] as const;
}

export const METRICS = [
  {
    name: METRIC_CHAT_RESPONSE_TIME,
    prometheusName: 'chat_response_time_seconds',
    kind: 'histogram',
    unit: 's',
    description: 'Time taken to generate a response (one chat turn: one graph run).',
    buckets: CHAT_RESPONSE_TIME_BUCKETS,
    attributes: [METRIC_ATTR_STATUS],
    group: 'chat',
    source: 'plan',
  },
  {
    name: METRIC_LLM_TOKEN_USAGE,
    prometheusName: 'llm_token_usage_total',
    kind: 'counter',
    unit: '{token}',
    description: 'Total tokens used by LLM calls, by model and token type (input, output).',
    attributes: [METRIC_ATTR_MODEL, METRIC_ATTR_TYPE],
    group: 'llm',
    source: 'plan',
  },
  {
    name: METRIC_VECTOR_STORE_OPERATIONS,
    prometheusName: 'vector_store_operations_total',
    kind: 'counter',
    unit: '{operation}',
    description: 'Vector store operation count, by operation and status (success, error).',
    attributes: [METRIC_ATTR_OPERATION, METRIC_ATTR_STATUS],
    group: 'vector',
    source: 'plan',
  },
  {
    name: METRIC_VECTOR_STORE_OPERATION_DURATION,
    prometheusName: 'vector_store_operation_duration_seconds',
    kind: 'histogram',
    unit: 's',
    description: 'Duration of vector store operations, by operation and status.',
    buckets: VECTOR_DURATION_BUCKETS,
    attributes: [METRIC_ATTR_OPERATION, METRIC_ATTR_STATUS],
    group: 'vector',
    source: 'lorechat',
  },
  {
    name: METRIC_VECTOR_STORE_SEARCH_DOCUMENTS,
    prometheusName: 'vector_store_search_documents',
    kind: 'histogram',
    unit: '{document}',
    description: 'Number of documents returned by one similarity search.',
    buckets: VECTOR_DOCUMENTS_BUCKETS,
    attributes: [],
    group: 'vector',
    source: 'lorechat',
  },
  {
    name: METRIC_GRAPH_NODE_DURATION,
    prometheusName: 'graph_node_duration_seconds',
    kind: 'histogram',
    unit: 's',
    description: 'Time spent in graph nodes, by node name and status.',
    buckets: GRAPH_NODE_DURATION_BUCKETS,
    attributes: [METRIC_ATTR_NODE_NAME, METRIC_ATTR_STATUS],
    group: 'graph',
    source: 'plan',
  },
  {
    name: METRIC_CHAT_MEMORY,
    prometheusName: 'chat_memory_bytes',
    kind: 'histogram',
    unit: 'By',
    description:
      "Memory per chat session: size of the thread's checkpointed state after each turn. Replaces the plan's per-thread gauge (no thread_id label).",
    buckets: CHAT_MEMORY_BUCKETS,
    attributes: [],
    group: 'chat',
    source: 'plan',
  },
  {
    name: METRIC_CHAT_MEMORY_MAX,
    prometheusName: 'chat_memory_max_bytes',
    kind: 'gauge',
    unit: 'By',
    description:
      "Largest session memory among the sessions active in the tracking window (the plan's 500 MB per-session alert reads this).",
    attributes: [],
    group: 'chat',
    source: 'plan',
  },
  {
    name: METRIC_CHAT_SESSIONS_ACTIVE,
    prometheusName: 'chat_sessions_active',
    kind: 'gauge',
    unit: '{session}',
    description: 'Distinct chat sessions (thread ids) with a turn in the tracking window.',
    attributes: [],
    group: 'chat',
    source: 'lorechat',
  },
  {
    name: METRIC_LORECHAT_OPERATIONS,
    prometheusName: 'lorechat_operations_total',
    kind: 'counter',
    unit: '{operation}',
    description:
      'Operations by component (chat turns, node runs, vector operations, LLM and embeddings calls, tool calls, retriever calls): the denominator of the error rate by component.',
    attributes: [METRIC_ATTR_COMPONENT],
    group: 'errors',
    source: 'lorechat',
  },
  {
    name: METRIC_LORECHAT_ERRORS,
    prometheusName: 'lorechat_errors_total',
    kind: 'counter',
    unit: '{error}',
    description:
      'Failed operations by component (chat, graph, vector, llm, tool, retriever) and error type.',
    attributes: [METRIC_ATTR_COMPONENT, ATTR_ERROR_TYPE],
    group: 'errors',
    source: 'plan',
  },
  {
    name: METRIC_GEN_AI_CLIENT_TOKEN_USAGE,
    prometheusName: 'gen_ai_client_token_usage',
    kind: 'histogram',
    unit: '{token}',
    description:
      'GenAI semantic conventions v1.41.0: number of input and output tokens used per call.',
    buckets: GEN_AI_TOKEN_USAGE_BUCKETS,
    attributes: [
      ATTR_GEN_AI_OPERATION_NAME,
      ATTR_GEN_AI_PROVIDER_NAME,
      ATTR_GEN_AI_REQUEST_MODEL,
      ATTR_GEN_AI_RESPONSE_MODEL,
      ATTR_GEN_AI_TOKEN_TYPE,
    ],
    group: 'llm',
    source: 'semconv',
    generation: 'v1.41',
  },
  {
    name: METRIC_GEN_AI_CLIENT_OPERATION_DURATION,
    prometheusName: 'gen_ai_client_operation_duration_seconds',
    kind: 'histogram',
    unit: 's',
    description:
      'GenAI semantic conventions: duration of GenAI client operations (chat calls in v1.41.0 only; embeddings in both).',
    buckets: GEN_AI_DURATION_BUCKETS,
    attributes: [
      ATTR_GEN_AI_OPERATION_NAME,
      ATTR_GEN_AI_PROVIDER_NAME,
      ATTR_GEN_AI_REQUEST_MODEL,
      ATTR_GEN_AI_RESPONSE_MODEL,
      ATTR_ERROR_TYPE,
    ],
    group: 'llm',
    source: 'semconv',
  },
  {
    name: METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK,
    prometheusName: 'gen_ai_client_operation_time_to_first_chunk_seconds',
    kind: 'histogram',
    unit: 's',
    description:
      'GenAI semantic conventions v1.41.0: time to receive the first chunk of a streamed response.',
    buckets: GEN_AI_DURATION_BUCKETS,
    attributes: [
      ATTR_GEN_AI_OPERATION_NAME,
      ATTR_GEN_AI_PROVIDER_NAME,
      ATTR_GEN_AI_REQUEST_MODEL,
      ATTR_GEN_AI_RESPONSE_MODEL,
    ],
    group: 'llm',
    source: 'semconv',
    generation: 'v1.41',
  },
  {
    name: METRIC_GEN_AI_CLIENT_INFERENCE_DURATION,
    prometheusName: 'gen_ai_client_inference_duration_seconds',
    kind: 'histogram',
    unit: 's',
    description:
      'GenAI semantic conventions (latest): duration of inference (chat) calls, failed ones with error.type.',
    buckets: GEN_AI_DURATION_BUCKETS,
    attributes: INFERENCE_ATTRIBUTES_WITH_ERROR,
    group: 'llm',
    source: 'semconv',
    generation: 'latest',
  },
  {
    name: METRIC_GEN_AI_CLIENT_INFERENCE_TIME_TO_FIRST_CHUNK,
    prometheusName: 'gen_ai_client_inference_time_to_first_chunk_seconds',
    kind: 'histogram',
    unit: 's',
    description:
      'GenAI semantic conventions (latest): time to receive the first chunk of a streamed response.',
    buckets: GEN_AI_DURATION_BUCKETS,
    attributes: INFERENCE_ATTRIBUTES,
    group: 'llm',
    source: 'semconv',
    generation: 'latest',
  },
  ...usageCounter(
    METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_INPUT_TOKENS,
    'gen_ai_client_inference_usage_input_tokens_total',
    'input (prompt) tokens, cached ones included',
  ),
  ...usageCounter(
    METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_OUTPUT_TOKENS,
    'gen_ai_client_inference_usage_output_tokens_total',
    'output (completion) tokens, reasoning ones included',
  ),
  ...usageCounter(
    METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_CACHE_READ_INPUT_TOKENS,
    'gen_ai_client_inference_usage_cache_read_input_tokens_total',
    'input tokens served from a provider-managed cache (a subset of input tokens)',
  ),
  ...usageCounter(
    METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_CACHE_WRITE_INPUT_TOKENS,
    'gen_ai_client_inference_usage_cache_write_input_tokens_total',
    'input tokens written to a provider-managed cache (a subset of input tokens)',
  ),
  ...usageCounter(
    METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_REASONING_OUTPUT_TOKENS,
    'gen_ai_client_inference_usage_reasoning_output_tokens_total',
    'output tokens used for reasoning (a subset of output tokens)',
  ),
  {
    name: METRIC_GEN_AI_CLIENT_INFERENCE_OPERATION_INPUT_TOKENS,
    prometheusName: 'gen_ai_client_inference_operation_input_tokens',
    kind: 'histogram',
    unit: '{token}',
    description:
      'GenAI semantic conventions (latest): input tokens per inference call (distribution; use the usage counters for totals).',
    buckets: GEN_AI_TOKEN_USAGE_BUCKETS,
    attributes: INFERENCE_ATTRIBUTES,
    group: 'llm',
    source: 'semconv',
    generation: 'latest',
  },
  {
    name: METRIC_GEN_AI_CLIENT_INFERENCE_OPERATION_OUTPUT_TOKENS,
    prometheusName: 'gen_ai_client_inference_operation_output_tokens',
    kind: 'histogram',
    unit: '{token}',
    description:
      'GenAI semantic conventions (latest): output tokens per inference call (distribution; use the usage counters for totals).',
    buckets: GEN_AI_TOKEN_USAGE_BUCKETS,
    attributes: INFERENCE_ATTRIBUTES,
    group: 'llm',
    source: 'semconv',
    generation: 'latest',
  },
  {
    name: METRIC_GEN_AI_INVOKE_WORKFLOW_DURATION,
    prometheusName: 'gen_ai_invoke_workflow_duration_seconds',
    kind: 'histogram',
    unit: 's',
    description:
      'GenAI semantic conventions (latest): duration of workflow (graph) runs, by workflow name and error type.',
    buckets: GEN_AI_WORKFLOW_DURATION_BUCKETS,
    attributes: [ATTR_GEN_AI_OPERATION_NAME, ATTR_GEN_AI_WORKFLOW_NAME, ATTR_ERROR_TYPE],
    group: 'graph',
    source: 'semconv',
    generation: 'latest',
  },
  {
    name: METRIC_GEN_AI_EXECUTE_TOOL_DURATION,
    prometheusName: 'gen_ai_execute_tool_duration_seconds',
    kind: 'histogram',
    unit: 's',
    description:
      'GenAI semantic conventions: duration of tool executions, by tool name (the application defines a bounded set of tools) and error type.',
    buckets: GEN_AI_DURATION_BUCKETS,
    attributes: [ATTR_GEN_AI_OPERATION_NAME, ATTR_GEN_AI_TOOL_NAME, ATTR_ERROR_TYPE],
    group: 'tool',
    source: 'semconv',
  },
  {
    name: METRIC_GEN_AI_INVOKE_AGENT_DURATION,
    prometheusName: 'gen_ai_invoke_agent_duration_seconds',
    kind: 'histogram',
    unit: 's',
    description:
      'GenAI semantic conventions: duration of agent invocations (prebuilt LangGraph agents), by agent name and error type.',
    buckets: GEN_AI_DURATION_BUCKETS,
    attributes: [ATTR_GEN_AI_OPERATION_NAME, ATTR_GEN_AI_AGENT_NAME, ATTR_ERROR_TYPE],
    group: 'tool',
    source: 'semconv',
  },
] as const satisfies readonly MetricDefinition[];

export type MetricName = (typeof METRICS)[number]['name'];

/** The catalogue's metrics recorded in a semantic-conventions mode. */
export function metricsForMode(mode: GenAiSemconvMode): MetricDefinition[] {
  return (METRICS as readonly MetricDefinition[]).filter(
    (m) => m.generation === undefined || m.generation === mode,
  );
}

/**
 * The same measurement in both generations: each v1.41 metric that the latest conventions
 * replaced, with the latest metric that records the same calls in the same shape (kind, unit,
 * buckets and labels, `error.type` included). Dashboards read `v1.41 or latest` from this table
 * so that their panels have data in either mode (docs/semconv-migration.md).
 *
 * `gen_ai.client.operation.duration` stays in the latest mode for embeddings calls, so
 * "model calls" are the union of both names in either mode.
 */
export const GEN_AI_SUCCESSORS = [
  {
    v141: METRIC_GEN_AI_CLIENT_OPERATION_DURATION,
    latest: METRIC_GEN_AI_CLIENT_INFERENCE_DURATION,
  },
  {
    v141: METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK,
    latest: METRIC_GEN_AI_CLIENT_INFERENCE_TIME_TO_FIRST_CHUNK,
  },
] as const satisfies readonly { v141: string; latest: string }[];

/**
 * `gen_ai.client.token.usage` (v1.41: one histogram, `gen_ai.token.type` input|output) became one
 * counter per token type in the latest conventions; this maps each counter to the
 * `gen_ai.token.type` value it counts. The counters' totals equal the histogram's `_sum`.
 */
export const GEN_AI_TOKEN_USAGE_SUCCESSORS = [
  { type: GEN_AI_TOKEN_TYPE_INPUT, latest: METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_INPUT_TOKENS },
  { type: GEN_AI_TOKEN_TYPE_OUTPUT, latest: METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_OUTPUT_TOKENS },
] as const;

/** Looks a metric up by its OpenTelemetry name; throws on a name not in the catalogue. */
export function metricDefinition(name: MetricName): MetricDefinition {
  const found = METRICS.find((m) => m.name === name);
  if (!found) throw new Error(`metric ${name} is not in the catalogue`);
  return found;
}

/**
 * Every series name Prometheus may hold for the catalogue's metrics (histograms expand to
 * `_bucket`, `_sum`, `_count`). Dashboards, rules and the analysis CLI may only use these
 * (plus the runtime/process and collector metrics listed in `EXTERNAL_METRIC_PREFIXES`).
 */
export function prometheusSeriesNames(): string[] {
  return METRICS.flatMap((m) =>
    m.kind === 'histogram'
      ? [`${m.prometheusName}_bucket`, `${m.prometheusName}_sum`, `${m.prometheusName}_count`]
      : [m.prometheusName],
  );
}

/**
 * Metric families that come from well-kept libraries or programs rather than our catalogue:
 * Node.js runtime and process metrics (`@opentelemetry/instrumentation-runtime-node`,
 * `@opentelemetry/instrumentation-host-metrics`), span metrics and service graphs computed by the Collector,
 * the Collector's own telemetry, Prometheus's and Alertmanager's, and `up`/`target_info`.
 */
export const EXTERNAL_METRIC_PREFIXES = [
  'nodejs_',
  'v8js_',
  'process_',
  'traces_span_metrics_',
  'traces_service_graph_',
  'otelcol_',
  'prometheus_',
  'alertmanager_',
  'up',
  'target_info',
  'ALERTS',
  'ALERTS_FOR_STATE',
] as const;
