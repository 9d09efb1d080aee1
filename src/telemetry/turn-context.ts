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
