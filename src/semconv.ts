/**
 * Attribute, metric and event names used by this package, as `as const` literals.
 *
 * Stable OpenTelemetry names (`error.type`, `db.*`) are re-exported from the root entry of
 * `@opentelemetry/semantic-conventions`. GenAI names are development-status: that package asks
 * instrumentations not to import its `/incubating` entry at runtime (it may break in a minor
 * release) but to copy the definitions, so they are copied here; `test/unit/semconv.test.ts`
 * checks that every copy equals the incubating constant where the package (1.45.0) has one.
 *
 * Spec versions the copies follow:
 * - v1.41.0: semantic conventions v1.41.0, the last release with the GenAI conventions
 *   (https://github.com/open-telemetry/semantic-conventions/tree/v1.41.0/docs/gen-ai);
 *   what the instrumentations emit by default.
 * - latest: open-telemetry/semantic-conventions-genai, not yet released; the names below
 *   follow `docs/gen-ai/non-normative/migration.md` at commit 32c328e and
 *   `docs/gen-ai/gen-ai-token-metrics.md` at 066d4a7 (emitted under
 *   `OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental`, see telemetry/semconv-mode.ts).
 *
 * OpenTelemetry semantic-convention names are used where they exist (GenAI, DB, error);
 * the project's own live under `lorechat.*`. The plan's Prometheus label names (`model`,
 * `type`, `operation`, `status`, `node_name`, `component`) are kept verbatim as metric
 * attribute keys so that Prometheus sees exactly the plan's labels.
 */

// --- OpenTelemetry semantic conventions (GenAI, DB, error) --------------------------------
// GenAI attribute registry: https://github.com/open-telemetry/semantic-conventions/blob/v1.41.0/docs/registry/attributes/gen-ai.md
export const ATTR_GEN_AI_OPERATION_NAME = 'gen_ai.operation.name' as const;
export const ATTR_GEN_AI_PROVIDER_NAME = 'gen_ai.provider.name' as const;
export const ATTR_GEN_AI_REQUEST_MODEL = 'gen_ai.request.model' as const;
export const ATTR_GEN_AI_REQUEST_TEMPERATURE = 'gen_ai.request.temperature' as const;
export const ATTR_GEN_AI_REQUEST_MAX_TOKENS = 'gen_ai.request.max_tokens' as const;
export const ATTR_GEN_AI_REQUEST_TOP_P = 'gen_ai.request.top_p' as const;
export const ATTR_GEN_AI_REQUEST_TOP_K = 'gen_ai.request.top_k' as const;
export const ATTR_GEN_AI_REQUEST_STREAM = 'gen_ai.request.stream' as const;
export const ATTR_GEN_AI_RESPONSE_MODEL = 'gen_ai.response.model' as const;
export const ATTR_GEN_AI_RESPONSE_ID = 'gen_ai.response.id' as const;
export const ATTR_GEN_AI_RESPONSE_FINISH_REASONS = 'gen_ai.response.finish_reasons' as const;
export const ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK =
  'gen_ai.response.time_to_first_chunk' as const;
export const ATTR_GEN_AI_USAGE_INPUT_TOKENS = 'gen_ai.usage.input_tokens' as const;
export const ATTR_GEN_AI_USAGE_OUTPUT_TOKENS = 'gen_ai.usage.output_tokens' as const;
/** v1.41.0 only (`gen_ai.client.token.usage`); removed in latest. */
export const ATTR_GEN_AI_TOKEN_TYPE = 'gen_ai.token.type' as const;
/**
 * Cache and reasoning usage on inference spans, v1.41.0 gen-ai-spans.md "Inference" and
 * latest client-inference.md "Span: gen_ai.client.inference".
 */
export const ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS =
  'gen_ai.usage.cache_read.input_tokens' as const;
/** v1.41.0 name of cache writes; latest renames it (migration.md, PR #440). */
export const ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS =
  'gen_ai.usage.cache_creation.input_tokens' as const;
/** latest: client-inference.md, renamed from `cache_creation` (migration.md, PR #440). */
export const ATTR_GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS =
  'gen_ai.usage.cache_write.input_tokens' as const;
export const ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS =
  'gen_ai.usage.reasoning.output_tokens' as const;
/**
 * latest: required on the usage counters (gen-ai-token-metrics.md "Metric:
 * gen_ai.client.inference.usage.input_tokens"); `unknown` when the provider does not break
 * usage down by modality, which LangChain's `usage_metadata` totals do not.
 */
export const ATTR_GEN_AI_TOKEN_MODALITY = 'gen_ai.token.modality' as const;
export const GEN_AI_TOKEN_MODALITY_UNKNOWN = 'unknown' as const;
/** latest: retrieval spans use it instead of `gen_ai.request.top_k` (migration.md, PR #217). */
export const ATTR_GEN_AI_RETRIEVAL_TOP_K = 'gen_ai.retrieval.top_k' as const;
export const ATTR_GEN_AI_CONVERSATION_ID = 'gen_ai.conversation.id' as const;
export const ATTR_GEN_AI_WORKFLOW_NAME = 'gen_ai.workflow.name' as const;
export const ATTR_GEN_AI_DATA_SOURCE_ID = 'gen_ai.data_source.id' as const;
export const ATTR_GEN_AI_INPUT_MESSAGES = 'gen_ai.input.messages' as const;
export const ATTR_GEN_AI_OUTPUT_MESSAGES = 'gen_ai.output.messages' as const;
export const ATTR_GEN_AI_RETRIEVAL_QUERY_TEXT = 'gen_ai.retrieval.query.text' as const;
export const ATTR_GEN_AI_RETRIEVAL_DOCUMENTS = 'gen_ai.retrieval.documents' as const;
// Tools, agents and embeddings (GenAI spans: gen-ai-spans.md "Execute tool span",
// gen-ai-agent-spans.md "Invoke agent span", "Embeddings"). Copied rather than imported from
// `@opentelemetry/semantic-conventions/incubating`, as that package asks of instrumentations
// (its incubating entry may change in a minor release); a unit test checks each copy.
export const ATTR_GEN_AI_TOOL_NAME = 'gen_ai.tool.name' as const;
export const ATTR_GEN_AI_TOOL_CALL_ID = 'gen_ai.tool.call.id' as const;
export const ATTR_GEN_AI_TOOL_TYPE = 'gen_ai.tool.type' as const;
export const ATTR_GEN_AI_TOOL_DESCRIPTION = 'gen_ai.tool.description' as const;
export const ATTR_GEN_AI_TOOL_CALL_ARGUMENTS = 'gen_ai.tool.call.arguments' as const;
export const ATTR_GEN_AI_TOOL_CALL_RESULT = 'gen_ai.tool.call.result' as const;
export const ATTR_GEN_AI_AGENT_NAME = 'gen_ai.agent.name' as const;
export const ATTR_GEN_AI_EMBEDDINGS_DIMENSION_COUNT = 'gen_ai.embeddings.dimension.count' as const;

export const GEN_AI_OPERATION_CHAT = 'chat' as const;
export const GEN_AI_OPERATION_RETRIEVAL = 'retrieval' as const;
export const GEN_AI_OPERATION_INVOKE_WORKFLOW = 'invoke_workflow' as const;
export const GEN_AI_OPERATION_EXECUTE_TOOL = 'execute_tool' as const;
export const GEN_AI_OPERATION_INVOKE_AGENT = 'invoke_agent' as const;
export const GEN_AI_OPERATION_EMBEDDINGS = 'embeddings' as const;
/** `gen_ai.tool.type` of a LangChain tool: a function the application runs. */
export const GEN_AI_TOOL_TYPE_FUNCTION = 'function' as const;
export const GEN_AI_TOKEN_TYPE_INPUT = 'input' as const;
export const GEN_AI_TOKEN_TYPE_OUTPUT = 'output' as const;

// Stable: from the package's root entry, safe to import at runtime.
export {
  ATTR_DB_COLLECTION_NAME,
  ATTR_DB_OPERATION_BATCH_SIZE,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_SYSTEM_NAME,
  ATTR_ERROR_TYPE,
} from '@opentelemetry/semantic-conventions';
/** Development: https://github.com/open-telemetry/semantic-conventions/blob/v1.41.0/docs/registry/attributes/error.md */
export const ATTR_ERROR_MESSAGE = 'error.message' as const;

// --- LoreChat's own span and log attributes -------------------------------------------------
export const ATTR_LORECHAT_REQUEST_ID = 'lorechat.request_id' as const;
export const ATTR_LORECHAT_COMPONENT = 'lorechat.component' as const;
export const ATTR_LORECHAT_ACTION = 'lorechat.action' as const;
export const ATTR_LORECHAT_DURATION_MS = 'lorechat.duration_ms' as const;
export const ATTR_LORECHAT_MEMORY_USAGE = 'lorechat.memory_usage' as const;
export const ATTR_LORECHAT_NODE_NAME = 'lorechat.graph.node' as const;
export const ATTR_LORECHAT_NODE_STEP = 'lorechat.graph.step' as const;
export const ATTR_LORECHAT_NODE_TRIGGERS = 'lorechat.graph.triggers' as const;
export const ATTR_LORECHAT_STATE_KEYS = 'lorechat.graph.state.keys' as const;
export const ATTR_LORECHAT_STATE_VALUES = 'lorechat.graph.state.values' as const;
export const ATTR_LORECHAT_RETRIEVAL_RESULT_COUNT = 'lorechat.retrieval.result_count' as const;
export const ATTR_LORECHAT_RETRIEVAL_SCORES = 'lorechat.retrieval.scores' as const;
export const ATTR_LORECHAT_QUERY_FINGERPRINT = 'lorechat.query.fingerprint' as const;
export const ATTR_LORECHAT_RESPONSE_LENGTH = 'lorechat.response.length' as const;
export const ATTR_LORECHAT_MESSAGE_LENGTH = 'lorechat.message.length' as const;
/** Number of texts one embeddings call embedded. */
export const ATTR_LORECHAT_EMBEDDINGS_INPUT_COUNT = 'lorechat.embeddings.input_count' as const;
/** Model and tool calls made during one agent invocation. */
export const ATTR_LORECHAT_AGENT_INFERENCE_CALLS = 'lorechat.agent.inference_calls' as const;
export const ATTR_LORECHAT_AGENT_TOOL_CALLS = 'lorechat.agent.tool_calls' as const;
/** The turn stopped at an `interrupt()` and waits to be resumed (not an error). */
export const ATTR_LORECHAT_TURN_INTERRUPTED = 'lorechat.turn.interrupted' as const;
/** The turn resumed an interrupted one (`Command({ resume })`); a span link points to it. */
export const ATTR_LORECHAT_TURN_RESUMED = 'lorechat.turn.resumed' as const;
/** Why a span link was added (`resume`: the linked span is the interrupted turn). */
export const ATTR_LORECHAT_LINK_TYPE = 'lorechat.link.type' as const;

// --- Metric attribute keys (become Prometheus labels verbatim) --------------------------------
/** The plan's label names, kept exactly. */
export const METRIC_ATTR_MODEL = 'model' as const;
export const METRIC_ATTR_TYPE = 'type' as const;
export const METRIC_ATTR_OPERATION = 'operation' as const;
export const METRIC_ATTR_STATUS = 'status' as const;
export const METRIC_ATTR_NODE_NAME = 'node_name' as const;
export const METRIC_ATTR_COMPONENT = 'component' as const;

export const STATUS_SUCCESS = 'success' as const;
export const STATUS_ERROR = 'error' as const;

/** Components of the plan's "error rate by component". */
export const COMPONENTS = [
  'chat',
  'graph',
  'vector',
  'llm',
  'tool',
  'retriever',
  'embeddings',
] as const;
export type Component = (typeof COMPONENTS)[number];

/** Vector-store operations of the plan (`operation` label values). */
export const VECTOR_OPERATIONS = ['search', 'insert', 'update', 'delete'] as const;
export type VectorOperation = (typeof VECTOR_OPERATIONS)[number];

// --- Metric names (OpenTelemetry instrument names; Prometheus names in the catalogue) -------
export const METRIC_CHAT_RESPONSE_TIME = 'chat.response_time' as const;
export const METRIC_LLM_TOKEN_USAGE = 'llm.token_usage' as const;
export const METRIC_VECTOR_STORE_OPERATIONS = 'vector_store.operations' as const;
export const METRIC_VECTOR_STORE_OPERATION_DURATION = 'vector_store.operation.duration' as const;
export const METRIC_VECTOR_STORE_SEARCH_DOCUMENTS = 'vector_store.search.documents' as const;
export const METRIC_GRAPH_NODE_DURATION = 'graph.node.duration' as const;
export const METRIC_CHAT_MEMORY = 'chat.memory' as const;
export const METRIC_CHAT_MEMORY_MAX = 'chat.memory.max' as const;
export const METRIC_CHAT_SESSIONS_ACTIVE = 'chat.sessions.active' as const;
export const METRIC_LORECHAT_OPERATIONS = 'lorechat.operations' as const;
export const METRIC_LORECHAT_ERRORS = 'lorechat.errors' as const;
// v1.41.0 gen-ai-metrics.md (https://github.com/open-telemetry/semantic-conventions/blob/v1.41.0/docs/gen-ai/gen-ai-metrics.md)
export const METRIC_GEN_AI_CLIENT_TOKEN_USAGE = 'gen_ai.client.token.usage' as const;
/** Both generations; in latest it is no longer recorded for inference (chat) operations. */
export const METRIC_GEN_AI_CLIENT_OPERATION_DURATION = 'gen_ai.client.operation.duration' as const;
export const METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK =
  'gen_ai.client.operation.time_to_first_chunk' as const;
// latest: client-inference.md "Metrics" and gen-ai-token-metrics.md of
// open-telemetry/semantic-conventions-genai (migration.md "GenAI client ... metric", PRs #374, #521)
export const METRIC_GEN_AI_CLIENT_INFERENCE_DURATION = 'gen_ai.client.inference.duration' as const;
export const METRIC_GEN_AI_CLIENT_INFERENCE_TIME_TO_FIRST_CHUNK =
  'gen_ai.client.inference.time_to_first_chunk' as const;
export const METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_INPUT_TOKENS =
  'gen_ai.client.inference.usage.input_tokens' as const;
export const METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_OUTPUT_TOKENS =
  'gen_ai.client.inference.usage.output_tokens' as const;
export const METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_CACHE_READ_INPUT_TOKENS =
  'gen_ai.client.inference.usage.cache_read.input_tokens' as const;
export const METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_CACHE_WRITE_INPUT_TOKENS =
  'gen_ai.client.inference.usage.cache_write.input_tokens' as const;
export const METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_REASONING_OUTPUT_TOKENS =
  'gen_ai.client.inference.usage.reasoning.output_tokens' as const;
export const METRIC_GEN_AI_CLIENT_INFERENCE_OPERATION_INPUT_TOKENS =
  'gen_ai.client.inference.operation.input_tokens' as const;
export const METRIC_GEN_AI_CLIENT_INFERENCE_OPERATION_OUTPUT_TOKENS =
  'gen_ai.client.inference.operation.output_tokens' as const;
/** latest: gen-ai-metrics.md (migration.md "New agent, workflow, and tool metrics", PR #126). */
export const METRIC_GEN_AI_INVOKE_WORKFLOW_DURATION = 'gen_ai.invoke_workflow.duration' as const;
export const METRIC_GEN_AI_EXECUTE_TOOL_DURATION = 'gen_ai.execute_tool.duration' as const;
export const METRIC_GEN_AI_INVOKE_AGENT_DURATION = 'gen_ai.invoke_agent.duration' as const;

// --- Event names: exactly the plan's EventType values ---------------------------------------
export const EVENT_CHAT_START = 'chat.start' as const;
export const EVENT_CHAT_MESSAGE = 'chat.message' as const;
export const EVENT_CHAT_COMPLETE = 'chat.complete' as const;
export const EVENT_GRAPH_NODE_ENTER = 'graph.node.enter' as const;
export const EVENT_GRAPH_NODE_EXIT = 'graph.node.exit' as const;
export const EVENT_GRAPH_STATE_UPDATE = 'graph.state.update' as const;
export const EVENT_VECTOR_SEARCH = 'vector.search' as const;
export const EVENT_VECTOR_INSERT = 'vector.insert' as const;
export const EVENT_VECTOR_UPDATE = 'vector.update' as const;
export const EVENT_LLM_REQUEST = 'llm.request' as const;
export const EVENT_LLM_RESPONSE = 'llm.response' as const;
export const EVENT_LLM_ERROR = 'llm.error' as const;

// --- Span names (low cardinality; the suffix is a bounded name) ------------------------------
export const SPAN_INVOKE_WORKFLOW = 'invoke_workflow' as const; // `invoke_workflow {graph}`
export const SPAN_INVOKE_NODE = 'invoke_node' as const; // `invoke_node {node}`
export const SPAN_RETRIEVAL = 'retrieval' as const; // `retrieval {store}`
export const SPAN_CHAT = 'chat' as const; // `chat {model}`
export const SPAN_EXECUTE_TOOL = 'execute_tool' as const; // `execute_tool {tool}`
export const SPAN_INVOKE_AGENT = 'invoke_agent' as const; // `invoke_agent {agent}`
export const SPAN_EMBEDDINGS = 'embeddings' as const; // `embeddings {model}`
