/**
 * The event catalogue: the plan's EventType values, each emitted as an OpenTelemetry log
 * record (`eventName` set, correlated with the active trace and span) and, where it belongs
 * to a span's life, as a span event too. ONE definition per event.
 */
import {
  ATTR_DB_COLLECTION_NAME,
  ATTR_DB_OPERATION_BATCH_SIZE,
  ATTR_ERROR_MESSAGE,
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_CONVERSATION_ID,
  ATTR_GEN_AI_DATA_SOURCE_ID,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_REQUEST_TOP_K,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_WORKFLOW_NAME,
  ATTR_LORECHAT_MESSAGE_LENGTH,
  ATTR_LORECHAT_NODE_NAME,
  ATTR_LORECHAT_NODE_STEP,
  ATTR_LORECHAT_QUERY_FINGERPRINT,
  ATTR_LORECHAT_RESPONSE_LENGTH,
  ATTR_LORECHAT_RETRIEVAL_RESULT_COUNT,
  ATTR_LORECHAT_STATE_KEYS,
  ATTR_LORECHAT_STATE_VALUES,
  ATTR_LORECHAT_ACTION,
  ATTR_LORECHAT_COMPONENT,
  ATTR_LORECHAT_DURATION_MS,
  ATTR_LORECHAT_MEMORY_USAGE,
  ATTR_LORECHAT_REQUEST_ID,
  type Component,
  EVENT_CHAT_COMPLETE,
  EVENT_CHAT_MESSAGE,
  EVENT_CHAT_START,
  EVENT_GRAPH_NODE_ENTER,
  EVENT_GRAPH_NODE_EXIT,
  EVENT_GRAPH_STATE_UPDATE,
  EVENT_LLM_ERROR,
  EVENT_LLM_REQUEST,
  EVENT_LLM_RESPONSE,
  EVENT_VECTOR_INSERT,
  EVENT_VECTOR_SEARCH,
  EVENT_VECTOR_UPDATE,
} from '../semconv.js';

/** OpenTelemetry log severities used by events. */
export type EventSeverity = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

/**
 * The plan's EventContext as log-record attributes. Every event carries these keys (those
 * whose value is unknown are omitted, never filled with placeholders).
 */
export const EVENT_CONTEXT_ATTRIBUTES = {
  /** EventContext.thread_id */
  threadId: ATTR_GEN_AI_CONVERSATION_ID,
  /** EventContext.request_id: one id per chat turn (graph run). */
  requestId: ATTR_LORECHAT_REQUEST_ID,
  /** EventContext.component: chat | graph | vector | llm */
  component: ATTR_LORECHAT_COMPONENT,
  /** EventContext.action */
  action: ATTR_LORECHAT_ACTION,
  /** EventContext.duration_ms */
  durationMs: ATTR_LORECHAT_DURATION_MS,
  /** EventContext.memory_usage (bytes) */
  memoryUsage: ATTR_LORECHAT_MEMORY_USAGE,
  /** EventContext.error.type */
  errorType: ATTR_ERROR_TYPE,
  /** EventContext.error.message */
  errorMessage: ATTR_ERROR_MESSAGE,
} as const;

/**
 * One value an event carries, passed once at the emit call site under `key`: it becomes the
 * log record's (and span event's) `attribute` when it has one, and the body's `key`.
 */
export interface EventField {
  /** Key at the call site and in the record body (the plan's snake_case). */
  readonly key: string;
  /** Attribute carrying the value on the log record and span event, if any. */
  readonly attribute?: string;
  /**
   * In the body: `null` puts `null` when the value is unknown (the default), `omit` leaves
   * the key out (values only present sometimes, e.g. captured content), `none` keeps it out
   * of the body (attribute only).
   */
  readonly body?: 'null' | 'omit' | 'none';
}

export interface EventDefinition {
  /** The plan's EventType value, used as the log record's event name. */
  readonly name: string;
  readonly component: Component;
  /** EventContext.action for this event. */
  readonly action: string;
  /** Severity when the operation succeeded; failures are always ERROR. */
  readonly severity: EventSeverity;
  readonly description: string;
  /** Event-specific values beyond the EventContext (all bounded; content only when captured). */
  readonly fields: readonly EventField[];
  /** The span that carries this event as a span event, if any. */
  readonly spanEventOn?: 'invoke_workflow' | 'invoke_node' | 'retrieval' | 'chat' | 'db';
}

export const EVENTS = [
  {
    name: EVENT_CHAT_START,
    component: 'chat',
    action: 'start',
    severity: 'INFO',
    description: 'A chat turn (graph run) started.',
    fields: [{ key: 'workflow', attribute: ATTR_GEN_AI_WORKFLOW_NAME, body: 'none' }],
    spanEventOn: 'invoke_workflow',
  },
  {
    name: EVENT_CHAT_MESSAGE,
    component: 'chat',
    action: 'message',
    severity: 'INFO',
    description:
      'The user message of the turn was received (length and query fingerprint; text only with content capture on).',
    fields: [
      { key: 'message_length', attribute: ATTR_LORECHAT_MESSAGE_LENGTH },
      { key: 'query_fingerprint', attribute: ATTR_LORECHAT_QUERY_FINGERPRINT },
      { key: 'query', body: 'omit' },
    ],
    spanEventOn: 'invoke_workflow',
  },
  {
    name: EVENT_CHAT_COMPLETE,
    component: 'chat',
    action: 'complete',
    severity: 'INFO',
    description:
      'A chat turn finished (duration, response length, session memory; status success, error, cancelled or interrupted).',
    fields: [
      { key: 'response_length', attribute: ATTR_LORECHAT_RESPONSE_LENGTH },
      { key: 'query_fingerprint', attribute: ATTR_LORECHAT_QUERY_FINGERPRINT },
      { key: 'status' },
    ],
    spanEventOn: 'invoke_workflow',
  },
  {
    name: EVENT_GRAPH_NODE_ENTER,
    component: 'graph',
    action: 'node_enter',
    severity: 'DEBUG',
    description: 'A graph node started running.',
    fields: [
      { key: 'node', attribute: ATTR_LORECHAT_NODE_NAME },
      { key: 'step', attribute: ATTR_LORECHAT_NODE_STEP },
    ],
    spanEventOn: 'invoke_node',
  },
  {
    name: EVENT_GRAPH_NODE_EXIT,
    component: 'graph',
    action: 'node_exit',
    severity: 'DEBUG',
    description: 'A graph node finished (duration; error when it threw).',
    fields: [
      { key: 'node', attribute: ATTR_LORECHAT_NODE_NAME },
      { key: 'step', attribute: ATTR_LORECHAT_NODE_STEP },
    ],
    spanEventOn: 'invoke_node',
  },
  {
    name: EVENT_GRAPH_STATE_UPDATE,
    component: 'graph',
    action: 'state_update',
    severity: 'DEBUG',
    description:
      'A node wrote to the graph state (keys updated; values only with content capture on).',
    fields: [
      { key: 'node', attribute: ATTR_LORECHAT_NODE_NAME },
      { key: 'keys', attribute: ATTR_LORECHAT_STATE_KEYS },
      { key: 'values', attribute: ATTR_LORECHAT_STATE_VALUES, body: 'omit' },
    ],
    spanEventOn: 'invoke_node',
  },
  {
    name: EVENT_VECTOR_SEARCH,
    component: 'vector',
    action: 'search',
    severity: 'INFO',
    description: 'A similarity search ran (top k, result count, duration).',
    fields: [
      { key: 'store', attribute: ATTR_GEN_AI_DATA_SOURCE_ID },
      { key: 'top_k', attribute: ATTR_GEN_AI_REQUEST_TOP_K },
      { key: 'docs_retrieved', attribute: ATTR_LORECHAT_RETRIEVAL_RESULT_COUNT },
    ],
    spanEventOn: 'retrieval',
  },
  {
    name: EVENT_VECTOR_INSERT,
    component: 'vector',
    action: 'insert',
    severity: 'INFO',
    description: 'Documents or vectors were added to a vector store.',
    fields: [
      { key: 'collection', attribute: ATTR_DB_COLLECTION_NAME },
      { key: 'batch_size', attribute: ATTR_DB_OPERATION_BATCH_SIZE },
    ],
    spanEventOn: 'db',
  },
  {
    name: EVENT_VECTOR_UPDATE,
    component: 'vector',
    action: 'update',
    severity: 'INFO',
    description: 'Documents in a vector store were updated (added with existing ids).',
    fields: [
      { key: 'collection', attribute: ATTR_DB_COLLECTION_NAME },
      { key: 'batch_size', attribute: ATTR_DB_OPERATION_BATCH_SIZE },
    ],
    spanEventOn: 'db',
  },
  {
    name: EVENT_LLM_REQUEST,
    component: 'llm',
    action: 'request',
    severity: 'INFO',
    description: 'A chat model call started (provider, request model).',
    fields: [
      { key: 'provider', attribute: ATTR_GEN_AI_PROVIDER_NAME },
      { key: 'model', attribute: ATTR_GEN_AI_REQUEST_MODEL },
      { key: 'stream' },
    ],
    spanEventOn: 'chat',
  },
  {
    name: EVENT_LLM_RESPONSE,
    component: 'llm',
    action: 'response',
    severity: 'INFO',
    description: 'A chat model call returned (tokens, finish reasons, duration).',
    fields: [
      { key: 'provider', attribute: ATTR_GEN_AI_PROVIDER_NAME },
      { key: 'model', attribute: ATTR_GEN_AI_REQUEST_MODEL },
      { key: 'response_model', attribute: ATTR_GEN_AI_RESPONSE_MODEL },
      { key: 'input_tokens', attribute: ATTR_GEN_AI_USAGE_INPUT_TOKENS },
      { key: 'output_tokens', attribute: ATTR_GEN_AI_USAGE_OUTPUT_TOKENS },
      { key: 'finish_reasons' },
      { key: 'cancelled', body: 'omit' },
    ],
    spanEventOn: 'chat',
  },
  {
    name: EVENT_LLM_ERROR,
    component: 'llm',
    action: 'error',
    severity: 'ERROR',
    description: 'A chat model call failed (error type and message).',
    fields: [
      { key: 'provider', attribute: ATTR_GEN_AI_PROVIDER_NAME },
      { key: 'model', attribute: ATTR_GEN_AI_REQUEST_MODEL },
    ],
    spanEventOn: 'chat',
  },
] as const satisfies readonly EventDefinition[];

export type EventName = (typeof EVENTS)[number]['name'];

/** The keys an event takes at its emit call site. */
export type EventFieldKey<N extends EventName> = Extract<
  (typeof EVENTS)[number],
  { name: N }
>['fields'][number]['key'];

/** The attributes an event may carry beyond the EventContext. */
export function eventAttributeKeys(def: EventDefinition): string[] {
  return def.fields.flatMap((f) => (f.attribute !== undefined ? [f.attribute] : []));
}

export function eventDefinition(name: EventName): EventDefinition {
  const found = EVENTS.find((e) => e.name === name);
  if (!found) throw new Error(`event ${name} is not in the catalogue`);
  return found;
}
