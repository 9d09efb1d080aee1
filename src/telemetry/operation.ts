/**
 * The one operation recorder every instrumentation uses. It owns the lifecycle that graph
 * runs, nodes, chat-model calls, tool calls, retrievals, embeddings and vector-store
 * operations share, so that an instrumentation is only a list of hook points and pure
 * attribute builders:
 *
 * - a guarded start: building the span and its attributes never throws into the app; on an
 *   internal error the original runs untraced (diag says why);
 * - running the original with the span active, for sync, promise, async-iterator and stream
 *   results (streams end when exhausted, failed, abandoned with `break`/`return()`,
 *   `cancel()`, or aborted by their signal);
 * - finishing exactly once on every path, with the span ended even if the finish hook fails;
 * - one bounded failure recorder that gives any thrown value, however hostile, an ERROR
 *   status, an `error.type` and a bounded exception event.
 */
import {
  type Attributes,
  type Context,
  context as otelContext,
  diag,
  type Exception,
  type Link,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TimeInput,
  trace,
  type Tracer,
} from '@opentelemetry/api';

import { ATTR_ERROR_TYPE } from '../semconv.js';
import { ERROR_TYPE_OTHER, errorMessage, errorType } from './errors.js';
import { observeStream, type StreamOutcome } from './streams.js';

/** How an operation ended. `done` carries the original's result (not for streams). */
export type Outcome =
  | { readonly kind: 'done'; readonly result?: unknown }
  | { readonly kind: 'error'; readonly error: unknown }
  | { readonly kind: 'cancelled' };

/** The span an operation starts. */
export interface OperationSpan {
  readonly name: string;
  readonly kind?: SpanKind;
  readonly attributes?: Attributes;
  readonly links?: Link[];
  /**
   * Runs right after the span started, before the original (start events, the
   * instrumentation's own record of the operation). Part of the guarded start: if it
   * throws, the span is ended and the original runs untraced.
   */
  readonly started?: (span: Span) => void;
}

/** A started operation, handed to the finish hook. */
export interface Operation {
  readonly span: Span;
  /** `performance.now()` at start. */
  readonly start: number;
  /** The context the original runs in (the span active, plus the instrumentation's values). */
  readonly ctx: Context;
}

export interface TraceOptions {
  /** Where the operation goes wrong, for diag messages (`tool call`, `retrieval`, ...). */
  readonly what: string;
  /** Adds the instrumentation's own context values (turn, markers) to the operation's context. */
  readonly context?: (ctx: Context) => Context;
  /**
   * The result is a stream returned to the user: the operation ends with the stream.
   * `onChunk` sees every chunk; `signal` cancels the operation when it aborts.
   */
  readonly stream?: {
    readonly onChunk?: (chunk: unknown) => void;
    readonly signal?: AbortSignal | undefined;
  };
}

/**
 * What the finish hook may return: nothing (the span ends right after it), or a promise for
 * work that completes the operation's telemetry later (the span then ends when it settles,
 * with the time the operation ended).
 */
export type FinishResult = void | Promise<unknown>;

/**
 * Runs `original` as one traced operation: `span()` builds the span (guarded), `original`
 * runs with it active, and `finish` runs exactly once when the result settles, with the span
 * ended afterwards whatever `finish` does. Values and errors of `original` pass through
 * unchanged (an error is re-thrown as it was thrown).
 */
export function traceOperation<R>(
  tracer: Tracer,
  span: () => OperationSpan,
  original: () => R,
  finish: (op: Operation, outcome: Outcome) => FinishResult,
  options: TraceOptions,
): R {
  let op: Operation;
  try {
    const spec = span();
    const started = tracer.startSpan(spec.name, {
      kind: spec.kind ?? SpanKind.INTERNAL,
      attributes: spec.attributes,
      links: spec.links,
    });
    try {
      spec.started?.(started);
    } catch (err) {
      started.end();
      throw err;
    }
    const base = trace.setSpan(otelContext.active(), started);
    op = {
      span: started,
      start: performance.now(),
      ctx: options.context ? options.context(base) : base,
    };
  } catch (err) {
    diag.error(`lorechat: failed to start a ${options.what} span; running untraced`, err);
    return original();
  }
  let ended = false;
  const end = (outcome: Outcome): void => {
    if (ended) return;
    ended = true;
    // An operation aborted because its caller stopped (a consumer that broke out of a
    // stream, a user's AbortController) is cancelled, not failed.
    if (outcome.kind === 'error' && isAbort(outcome.error)) outcome = { kind: 'cancelled' };
    const endTime = Date.now();
    let later: FinishResult = undefined;
    try {
      later = finish(op, outcome);
    } catch (err) {
      diag.error(`lorechat: failed to finish a ${options.what} span`, err);
    }
    if (!isThenable(later)) {
      op.span.end();
      return;
    }
    later.then(
      () => op.span.end(endTime),
      (err: unknown) => {
        diag.error(`lorechat: failed to finish a ${options.what} span`, err);
        op.span.end(endTime);
      },
    );
  };
  let result: R;
  try {
    result = otelContext.with(op.ctx, original);
  } catch (err) {
    end({ kind: 'error', error: err });
    throw err;
  }
  if (!isThenable(result)) {
    if (options.stream) return follow(result, op, end, options);
    end({ kind: 'done', result });
    return result;
  }
  return result.then(
    (value: unknown) => {
      if (options.stream) return follow(value, op, end, options);
      end({ kind: 'done', result: value });
      return value;
    },
    (err: unknown) => {
      end({ kind: 'error', error: err });
      throw err;
    },
  ) as R;
}

function follow<T>(
  value: T,
  op: Operation,
  end: (outcome: Outcome) => void,
  options: TraceOptions,
): T {
  if (value === null || typeof value !== 'object') {
    end({ kind: 'done', result: value });
    return value;
  }
  return observeStream(value, {
    ctx: op.ctx,
    signal: options.stream?.signal,
    onChunk: options.stream?.onChunk ?? noop,
    onEnd: (outcome: StreamOutcome) => end(outcome),
  });
}

function noop(): void {}

function isAbort(err: unknown): boolean {
  if (err === null || typeof err !== 'object') return false;
  try {
    return (err as { name?: unknown }).name === 'AbortError';
  } catch {
    return false;
  }
}

function isThenable(value: unknown): value is Promise<unknown> {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return false;
  try {
    return typeof (value as { then?: unknown }).then === 'function';
  } catch {
    return false;
  }
}

/** Longest exception stack trace exported (characters); the head is what locates a bug. */
export const MAX_STACK_LENGTH = 4096;

/**
 * Records a failure on `span`: status ERROR with a bounded message, `error.type`, and one
 * bounded `exception` event. Never throws, whatever was thrown (a Proxy whose traps throw,
 * an Error whose `name` getter throws, a 10 MB message, `null`, a symbol). Returns the
 * `error.type` it used, for metrics and events.
 */
export function recordFailure(span: Span, thrown: unknown, time?: TimeInput): string {
  let type = ERROR_TYPE_OTHER;
  let message = '[unprintable error]';
  try {
    type = errorType(thrown);
  } catch {
    // keep _OTHER
  }
  try {
    message = errorMessage(thrown);
  } catch {
    // keep the placeholder
  }
  try {
    span.setStatus({ code: SpanStatusCode.ERROR, message });
  } catch (err) {
    diag.debug('lorechat: could not set an error status', err);
  }
  try {
    span.setAttribute(ATTR_ERROR_TYPE, type);
    const exception: Exception = { name: type, message };
    const stack = boundedStack(thrown);
    if (stack !== undefined) exception.stack = stack;
    span.recordException(exception, time);
  } catch (err) {
    diag.debug('lorechat: could not record an exception', err);
  }
  return type;
}

function boundedStack(thrown: unknown): string | undefined {
  if (thrown === null || typeof thrown !== 'object') return undefined;
  try {
    const stack: unknown = (thrown as { stack?: unknown }).stack;
    if (typeof stack !== 'string' || stack.length === 0) return undefined;
    return stack.length > MAX_STACK_LENGTH ? `${stack.slice(0, MAX_STACK_LENGTH)}…` : stack;
  } catch {
    return undefined;
  }
}

/** Seconds since `op` started. */
export function elapsedSeconds(op: Operation): number {
  return (performance.now() - op.start) / 1000;
}
