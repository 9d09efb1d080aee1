/**
 * The event catalogue: the plan's EventType values, each emitted as an OpenTelemetry log
 * record (`eventName` set, correlated with the active trace and span) and, where it belongs
 * to a span's life, as a span event too. ONE definition per event.
 */
import {
  ATTR_ERROR_MESSAGE,
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_CONVERSATION_ID,
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

export interface EventDefinition {
  /** The plan's EventType value, used as the log record's event name. */
  readonly name: string;
  readonly component: Component;
  /** EventContext.action for this event. */
  readonly action: string;
  /** Severity when the operation succeeded; failures are always ERROR. */
  readonly severity: EventSeverity;
  readonly description: string;
  /** Event-specific attributes beyond the EventContext (all bounded, no content). */
  readonly attributes: readonly string[];
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
    attributes: ['gen_ai.workflow.name'],
    spanEventOn: 'invoke_workflow',
  },
  {
    name: EVENT_CHAT_MESSAGE,
    component: 'chat',
    action: 'message',
    severity: 'INFO',
    description:
      'The user message of the turn was received (length and query fingerprint; text only with content capture on).',
    attributes: ['lorechat.message.length', 'lorechat.query.fingerprint'],
    spanEventOn: 'invoke_workflow',
  },
  {
    name: EVENT_CHAT_COMPLETE,
    component: 'chat',
    action: 'complete',
    severity: 'INFO',
    description: 'A chat turn finished (duration, response length, session memory).',
    attributes: ['lorechat.response.length', 'lorechat.query.fingerprint'],
    spanEventOn: 'invoke_workflow',
  },
  {
    name: EVENT_GRAPH_NODE_ENTER,
    component: 'graph',
    action: 'node_enter',
    severity: 'DEBUG',
    description: 'A graph node started running.',
    attributes: ['lorechat.graph.node', 'lorechat.graph.step'],
    spanEventOn: 'invoke_node',
  },
  {
    name: EVENT_GRAPH_NODE_EXIT,
    component: 'graph',
    action: 'node_exit',
    severity: 'DEBUG',
    description: 'A graph node finished (duration; error when it threw).',
    attributes: ['lorechat.graph.node', 'lorechat.graph.step'],
    spanEventOn: 'invoke_node',
  },
  {
    name: EVENT_GRAPH_STATE_UPDATE,
    component: 'graph',
    action: 'state_update',
    severity: 'DEBUG',
    description:
      'A node wrote to the graph state (keys updated; values only with content capture on).',
    attributes: ['lorechat.graph.node', 'lorechat.graph.state.keys'],
    spanEventOn: 'invoke_node',
  },
  {
    name: EVENT_VECTOR_SEARCH,
    component: 'vector',
    action: 'search',
    severity: 'INFO',
    description: 'A similarity search ran (top k, result count, duration).',
    attributes: [
      'gen_ai.data_source.id',
      'gen_ai.request.top_k',
      'lorechat.retrieval.result_count',
    ],
    spanEventOn: 'retrieval',
  },
  {
    name: EVENT_VECTOR_INSERT,
    component: 'vector',
    action: 'insert',
    severity: 'INFO',
    description: 'Documents or vectors were added to a vector store.',
    attributes: ['db.collection.name', 'db.operation.batch.size'],
    spanEventOn: 'db',
  },
  {
    name: EVENT_VECTOR_UPDATE,
    component: 'vector',
    action: 'update',
    severity: 'INFO',
    description: 'Documents in a vector store were updated (added with existing ids).',
    attributes: ['db.collection.name', 'db.operation.batch.size'],
    spanEventOn: 'db',
  },
  {
    name: EVENT_LLM_REQUEST,
    component: 'llm',
    action: 'request',
    severity: 'INFO',
    description: 'A chat model call started (provider, request model).',
    attributes: ['gen_ai.provider.name', 'gen_ai.request.model'],
    spanEventOn: 'chat',
  },
  {
    name: EVENT_LLM_RESPONSE,
    component: 'llm',
    action: 'response',
    severity: 'INFO',
    description: 'A chat model call returned (tokens, finish reasons, duration).',
    attributes: [
      'gen_ai.provider.name',
      'gen_ai.request.model',
      'gen_ai.response.model',
      'gen_ai.usage.input_tokens',
      'gen_ai.usage.output_tokens',
    ],
    spanEventOn: 'chat',
  },
  {
    name: EVENT_LLM_ERROR,
    component: 'llm',
    action: 'error',
    severity: 'ERROR',
    description: 'A chat model call failed (error type and message).',
    attributes: ['gen_ai.provider.name', 'gen_ai.request.model'],
    spanEventOn: 'chat',
  },
] as const satisfies readonly EventDefinition[];

export type EventName = (typeof EVENTS)[number]['name'];

export function eventDefinition(name: EventName): EventDefinition {
  const found = EVENTS.find((e) => e.name === name);
  if (!found) throw new Error(`event ${name} is not in the catalogue`);
  return found;
}
