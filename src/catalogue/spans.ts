/**
 * The span catalogue: every span the instrumentations create, with its name pattern, kind and
 * the attributes it may carry. The README's telemetry reference is checked against it.
 */
import * as s from '../semconv.js';

export interface SpanDefinition {
  /** Name pattern; `{x}` is a bounded value (graph, node, store or model name). */
  readonly name: string;
  readonly kind: 'INTERNAL' | 'CLIENT';
  readonly description: string;
  readonly attributes: readonly string[];
  /** Attributes set only with content capture on. */
  readonly contentAttributes: readonly string[];
}

export const SPANS = [
  {
    name: `${s.SPAN_INVOKE_WORKFLOW} {graph}`,
    kind: 'INTERNAL',
    description: 'One graph run: a chat turn.',
    attributes: [
      s.ATTR_GEN_AI_OPERATION_NAME,
      s.ATTR_GEN_AI_WORKFLOW_NAME,
      s.ATTR_GEN_AI_CONVERSATION_ID,
      s.ATTR_LORECHAT_REQUEST_ID,
      s.ATTR_LORECHAT_QUERY_FINGERPRINT,
      s.ATTR_LORECHAT_MEMORY_USAGE,
      s.ATTR_LORECHAT_TURN_INTERRUPTED,
      s.ATTR_LORECHAT_TURN_RESUMED,
      s.ATTR_ERROR_TYPE,
    ],
    contentAttributes: [s.ATTR_GEN_AI_INPUT_MESSAGES, s.ATTR_GEN_AI_OUTPUT_MESSAGES],
  },
  {
    name: `${s.SPAN_INVOKE_AGENT} {agent}`,
    kind: 'INTERNAL',
    description:
      'One run of a prebuilt agent (`createReactAgent`). At the top level it is also the chat turn (the turn attributes and events of `invoke_workflow`); a resumed turn links to the interrupted one.',
    attributes: [
      s.ATTR_GEN_AI_OPERATION_NAME,
      s.ATTR_GEN_AI_AGENT_NAME,
      s.ATTR_GEN_AI_WORKFLOW_NAME,
      s.ATTR_GEN_AI_CONVERSATION_ID,
      s.ATTR_LORECHAT_REQUEST_ID,
      s.ATTR_LORECHAT_QUERY_FINGERPRINT,
      s.ATTR_LORECHAT_MEMORY_USAGE,
      s.ATTR_LORECHAT_AGENT_INFERENCE_CALLS,
      s.ATTR_LORECHAT_AGENT_TOOL_CALLS,
      s.ATTR_LORECHAT_TURN_INTERRUPTED,
      s.ATTR_LORECHAT_TURN_RESUMED,
      s.ATTR_ERROR_TYPE,
    ],
    contentAttributes: [s.ATTR_GEN_AI_INPUT_MESSAGES, s.ATTR_GEN_AI_OUTPUT_MESSAGES],
  },
  {
    name: `${s.SPAN_EXECUTE_TOOL} {tool}`,
    kind: 'INTERNAL',
    description:
      'One tool execution (any LangChain tool, run by `ToolNode`, an agent or called directly), active while the tool runs. A tool that throws is an error even when `ToolNode` turns the exception into an error `ToolMessage`.',
    attributes: [
      s.ATTR_GEN_AI_OPERATION_NAME,
      s.ATTR_GEN_AI_TOOL_NAME,
      s.ATTR_GEN_AI_TOOL_CALL_ID,
      s.ATTR_GEN_AI_TOOL_TYPE,
      s.ATTR_GEN_AI_TOOL_DESCRIPTION,
      s.ATTR_GEN_AI_CONVERSATION_ID,
      s.ATTR_LORECHAT_REQUEST_ID,
      s.ATTR_ERROR_TYPE,
    ],
    contentAttributes: [s.ATTR_GEN_AI_TOOL_CALL_ARGUMENTS, s.ATTR_GEN_AI_TOOL_CALL_RESULT],
  },
  {
    name: `${s.SPAN_EMBEDDINGS} {model}`,
    kind: 'CLIENT',
    description: 'One `embedQuery` or `embedDocuments` call of any LangChain `Embeddings` class.',
    attributes: [
      s.ATTR_GEN_AI_OPERATION_NAME,
      s.ATTR_GEN_AI_PROVIDER_NAME,
      s.ATTR_GEN_AI_REQUEST_MODEL,
      s.ATTR_GEN_AI_EMBEDDINGS_DIMENSION_COUNT,
      s.ATTR_LORECHAT_EMBEDDINGS_INPUT_COUNT,
      s.ATTR_GEN_AI_CONVERSATION_ID,
      s.ATTR_ERROR_TYPE,
    ],
    contentAttributes: [],
  },
  {
    name: `${s.SPAN_INVOKE_NODE} {node}`,
    kind: 'INTERNAL',
    description:
      'One node execution or functional-API task call, active while it runs (spans created inside nest under it).',
    attributes: [
      s.ATTR_LORECHAT_NODE_NAME,
      s.ATTR_LORECHAT_NODE_STEP,
      s.ATTR_LORECHAT_NODE_TRIGGERS,
      s.ATTR_GEN_AI_CONVERSATION_ID,
      s.ATTR_LORECHAT_REQUEST_ID,
      s.ATTR_ERROR_TYPE,
    ],
    contentAttributes: [],
  },
  {
    name: `${s.SPAN_RETRIEVAL} {store}`,
    kind: 'CLIENT',
    description:
      'One similarity search, through a retriever or directly on the store, or one call of any other LangChain retriever (`{store}` is then the retriever name).',
    attributes: [
      s.ATTR_GEN_AI_OPERATION_NAME,
      s.ATTR_GEN_AI_DATA_SOURCE_ID,
      // v1.41 name; `gen_ai.retrieval.top_k` under the latest conventions.
      s.ATTR_GEN_AI_REQUEST_TOP_K,
      s.ATTR_GEN_AI_RETRIEVAL_TOP_K,
      s.ATTR_LORECHAT_RETRIEVAL_RESULT_COUNT,
      s.ATTR_LORECHAT_RETRIEVAL_SCORES,
      s.ATTR_DB_SYSTEM_NAME,
      s.ATTR_DB_COLLECTION_NAME,
      s.ATTR_GEN_AI_CONVERSATION_ID,
      s.ATTR_ERROR_TYPE,
    ],
    contentAttributes: [s.ATTR_GEN_AI_RETRIEVAL_QUERY_TEXT, s.ATTR_GEN_AI_RETRIEVAL_DOCUMENTS],
  },
  {
    name: '{db.operation.name} {db.collection.name}',
    kind: 'CLIENT',
    description: 'A vector-store write: insert (addDocuments, addVectors) or update.',
    attributes: [
      s.ATTR_DB_SYSTEM_NAME,
      s.ATTR_DB_OPERATION_NAME,
      s.ATTR_DB_COLLECTION_NAME,
      s.ATTR_DB_OPERATION_BATCH_SIZE,
      s.ATTR_ERROR_TYPE,
    ],
    contentAttributes: [],
  },
  {
    name: `${s.SPAN_CHAT} {model}`,
    kind: 'CLIENT',
    description: 'One chat-model call (GenAI semantic conventions), streaming included.',
    attributes: [
      s.ATTR_GEN_AI_OPERATION_NAME,
      s.ATTR_GEN_AI_PROVIDER_NAME,
      s.ATTR_GEN_AI_REQUEST_MODEL,
      s.ATTR_GEN_AI_REQUEST_TEMPERATURE,
      s.ATTR_GEN_AI_REQUEST_MAX_TOKENS,
      s.ATTR_GEN_AI_REQUEST_TOP_P,
      s.ATTR_GEN_AI_REQUEST_STREAM,
      s.ATTR_GEN_AI_RESPONSE_MODEL,
      s.ATTR_GEN_AI_RESPONSE_ID,
      s.ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
      s.ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK,
      s.ATTR_GEN_AI_USAGE_INPUT_TOKENS,
      s.ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
      s.ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
      // v1.41 name; `gen_ai.usage.cache_write.input_tokens` under the latest conventions.
      s.ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
      s.ATTR_GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS,
      s.ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
      s.ATTR_GEN_AI_CONVERSATION_ID,
      s.ATTR_ERROR_TYPE,
    ],
    contentAttributes: [s.ATTR_GEN_AI_INPUT_MESSAGES, s.ATTR_GEN_AI_OUTPUT_MESSAGES],
  },
] as const satisfies readonly SpanDefinition[];
