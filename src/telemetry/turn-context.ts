/**
 * Context values shared by the instrumentations: the chat turn a call belongs to (so LLM,
 * vector and node telemetry carry the thread and request ids), and markers that stop an
 * operation nested in the same kind of operation from being recorded twice.
 */
import { type Context, context as otelContext, createContextKey } from '@opentelemetry/api';

export interface TurnInfo {
  readonly threadId: string | undefined;
  readonly requestId: string;
  readonly workflowName: string;
}

const TURN_KEY = createContextKey('lorechat.turn');
const CHAT_CALL_KEY = createContextKey('lorechat.chat_call');
const VECTOR_OP_KEY = createContextKey('lorechat.vector_op');

export function getTurn(ctx: Context = otelContext.active()): TurnInfo | undefined {
  return ctx.getValue(TURN_KEY) as TurnInfo | undefined;
}

export function setTurn(ctx: Context, turn: TurnInfo): Context {
  return ctx.setValue(TURN_KEY, turn);
}

export function inChatCall(ctx: Context = otelContext.active()): boolean {
  return ctx.getValue(CHAT_CALL_KEY) === true;
}

export function markChatCall(ctx: Context): Context {
  return ctx.setValue(CHAT_CALL_KEY, true);
}

/** The vector operation in progress (outer call), so inner calls on the same store enrich it. */
export interface VectorOpState {
  readonly store: object;
  scores: number[] | undefined;
}

export function getVectorOp(ctx: Context = otelContext.active()): VectorOpState | undefined {
  return ctx.getValue(VECTOR_OP_KEY) as VectorOpState | undefined;
}

export function setVectorOp(ctx: Context, op: VectorOpState): Context {
  return ctx.setValue(VECTOR_OP_KEY, op);
}

/** The agent invocation in progress: model and tool calls inside it are counted on it. */
export interface AgentRun {
  inferenceCalls: number;
  toolCalls: number;
}

const AGENT_KEY = createContextKey('lorechat.agent_run');

export function getAgentRun(ctx: Context = otelContext.active()): AgentRun | undefined {
  return ctx.getValue(AGENT_KEY) as AgentRun | undefined;
}

export function setAgentRun(ctx: Context, run: AgentRun): Context {
  return ctx.setValue(AGENT_KEY, run);
}

/**
 * Operations that may call themselves through their own public API (an `embedDocuments`
 * built on `embedQuery`, a retriever wrapping another retriever, a tool calling a tool's
 * `invoke` inside `call`): the outer call is recorded, the nested ones are not.
 */
export type NestedKind = 'embeddings' | 'retriever' | 'tool';

const NESTED_KEYS: Record<NestedKind, symbol> = {
  embeddings: createContextKey('lorechat.in_embeddings'),
  retriever: createContextKey('lorechat.in_retriever'),
  tool: createContextKey('lorechat.in_tool'),
};

/** The object whose `kind` operation is in progress in `ctx`, if any. */
export function nestedOwner(kind: NestedKind, ctx: Context = otelContext.active()): unknown {
  return ctx.getValue(NESTED_KEYS[kind]);
}

export function markNested(ctx: Context, kind: NestedKind, owner: object): Context {
  return ctx.setValue(NESTED_KEYS[kind], owner);
}
