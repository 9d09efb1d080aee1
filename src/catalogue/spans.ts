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
      s.ATTR_ERROR_TYPE,
    ],
    contentAttributes: [s.ATTR_GEN_AI_INPUT_MESSAGES, s.ATTR_GEN_AI_OUTPUT_MESSAGES],
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
    description: 'One similarity search, through a retriever or directly on the store.',
    attributes: [
      s.ATTR_GEN_AI_OPERATION_NAME,
      s.ATTR_GEN_AI_DATA_SOURCE_ID,
      s.ATTR_GEN_AI_REQUEST_TOP_K,
      s.ATTR_LORECHAT_RETRIEVAL_RESULT_COUNT,
      s.ATTR_LORECHAT_RETRIEVAL_SCORES,
      s.ATTR_DB_SYSTEM_NAME,
      s.ATTR_DB_COLLECTION_NAME,
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
      s.ATTR_GEN_AI_CONVERSATION_ID,
      s.ATTR_ERROR_TYPE,
    ],
    contentAttributes: [s.ATTR_GEN_AI_INPUT_MESSAGES, s.ATTR_GEN_AI_OUTPUT_MESSAGES],
  },
] as const satisfies readonly SpanDefinition[];
