/**
 * The plan's events, emitted from one call as an OpenTelemetry log record (event name set,
 * emitted in the span's context so it carries its trace and span ids) and, when span events
 * are on, as a span event on the operation's span. The record's body is the plan's JSON shape
 * `{event, context: {...}, ...extra}` as a structured map.
 */
import {
  type AnyValue,
  type Attributes,
  context as otelContext,
  diag,
  type Logger,
  SeverityNumber,
  type Span,
  trace,
} from '@opentelemetry/api';

import {
  EVENT_CONTEXT_ATTRIBUTES,
  type EventDefinition,
  eventDefinition,
  type EventName,
  EVENTS,
  type EventSeverity,
} from '../catalogue/index.js';
import { errorMessage, errorType } from './errors.js';

const SEVERITY_NUMBER: Record<EventSeverity, SeverityNumber> = {
  DEBUG: SeverityNumber.DEBUG,
  INFO: SeverityNumber.INFO,
  WARN: SeverityNumber.WARN,
  ERROR: SeverityNumber.ERROR,
};

/** Catalogue definitions by name, looked up once per event instead of searched. */
const DEFINITIONS: ReadonlyMap<string, EventDefinition> = new Map(EVENTS.map((e) => [e.name, e]));

function definitionOf(name: EventName): EventDefinition {
  return DEFINITIONS.get(name) ?? eventDefinition(name);
}

/** The plan's EventContext values known for one event; unknown ones are omitted. */
export interface EventContextValues {
  threadId?: string | undefined;
  requestId?: string | undefined;
  durationMs?: number | undefined;
  memoryUsage?: number | undefined;
  /** Present only when the operation failed: the thrown value. */
  error?: { readonly thrown: unknown } | undefined;
}

export interface EventSink {
  readonly logger: Logger;
  /** Emit the event as a log record. */
  readonly emitLogs: boolean;
  /** Record the event as a span event on the operation's span. */
  readonly spanEvents: boolean;
}

/** Builds the attributes of an event (EventContext + event-specific ones). */
export function eventAttributes(
  name: EventName,
  ctx: EventContextValues,
  extra: Attributes,
): Attributes {
  return attributesOf(definitionOf(name), ctx, extra);
}

function attributesOf(
  def: EventDefinition,
  ctx: EventContextValues,
  extra: Attributes,
): Attributes {
  const attrs: Attributes = {
    [EVENT_CONTEXT_ATTRIBUTES.component]: def.component,
    [EVENT_CONTEXT_ATTRIBUTES.action]: def.action,
  };
  if (ctx.threadId !== undefined) attrs[EVENT_CONTEXT_ATTRIBUTES.threadId] = ctx.threadId;
  if (ctx.requestId !== undefined) attrs[EVENT_CONTEXT_ATTRIBUTES.requestId] = ctx.requestId;
  if (ctx.durationMs !== undefined) attrs[EVENT_CONTEXT_ATTRIBUTES.durationMs] = ctx.durationMs;
  if (ctx.memoryUsage !== undefined) attrs[EVENT_CONTEXT_ATTRIBUTES.memoryUsage] = ctx.memoryUsage;
  if (ctx.error) {
    attrs[EVENT_CONTEXT_ATTRIBUTES.errorType] = errorType(ctx.error.thrown);
    attrs[EVENT_CONTEXT_ATTRIBUTES.errorMessage] = errorMessage(ctx.error.thrown);
  }
  for (const k in extra) {
    const v = extra[k];
    if (v !== undefined) attrs[k] = v;
  }
  return attrs;
}

/**
 * Emits the log record (when logs are on) and records `name` on `span` (when span events
 * are on). Nothing is built when neither would record it.
 * `bodyExtra` holds the plan's extra keys (snake_case, e.g. `response_length`).
 */
export function emitEvent(
  sink: EventSink,
  span: Span | undefined,
  name: EventName,
  ctx: EventContextValues,
  extra: Attributes = {},
  bodyExtra: Record<string, AnyValue> = {},
): void {
  try {
    emitEventUnguarded(sink, span, name, ctx, extra, bodyExtra);
  } catch (err) {
    diag.error(`lorechat: failed to emit event ${name}`, err);
  }
}

function emitEventUnguarded(
  sink: EventSink,
  span: Span | undefined,
  name: EventName,
  ctx: EventContextValues,
  extra: Attributes,
  bodyExtra: Record<string, AnyValue>,
): void {
  if (!sink.emitLogs && !(sink.spanEvents && span?.isRecording())) return;
  const def = definitionOf(name);
  const attributes = attributesOf(def, ctx, extra);
  const now = Date.now();
  if (sink.spanEvents) span?.addEvent(name, attributes, now);
  if (!sink.emitLogs) return;
  const severity: EventSeverity = ctx.error ? 'ERROR' : def.severity;
  const eventContext: Record<string, AnyValue> = {
    thread_id: ctx.threadId ?? null,
    request_id: ctx.requestId ?? null,
    timestamp: new Date(now).toISOString(),
    component: def.component,
    action: def.action,
    duration_ms: ctx.durationMs ?? null,
    memory_usage: ctx.memoryUsage ?? null,
    error: ctx.error
      ? { type: errorType(ctx.error.thrown), message: errorMessage(ctx.error.thrown) }
      : null,
  };
  sink.logger.emit({
    eventName: name,
    timestamp: now,
    severityNumber: SEVERITY_NUMBER[severity],
    severityText: severity,
    body: { event: name, context: eventContext, ...bodyExtra },
    attributes,
    context: span ? trace.setSpan(otelContext.active(), span) : otelContext.active(),
  });
}
