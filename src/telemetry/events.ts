/**
 * The plan's events, emitted from one call as an OpenTelemetry log record (event name set,
 * emitted in the span's context so it carries its trace and span ids) and, when span events
 * are on, as a span event on the operation's span. The record's body is the plan's JSON shape
 * `{event, context: {...}, ...fields}` as a structured map. Each value is passed once, under
 * its catalogue key: the catalogue's field list decides whether it becomes an attribute, a
 * body key or both (`src/catalogue/events.ts`).
 */
import {
  type AnyValue,
  type Attributes,
  type Context,
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
  type EventFieldKey,
  type EventName,
  EVENTS,
  type EventSeverity,
} from '../catalogue/index.js';
import type { EventMinSeverity, ResolvedSharedConfig } from '../instrumentations/types.js';
import { errorMessage, errorType } from './errors.js';

const SEVERITY_NUMBER: Record<EventSeverity, SeverityNumber> = {
  DEBUG: SeverityNumber.DEBUG,
  INFO: SeverityNumber.INFO,
  WARN: SeverityNumber.WARN,
  ERROR: SeverityNumber.ERROR,
};

/** The severity number of each `eventsMinSeverity` value. */
const MIN_SEVERITY_NUMBER: Record<EventMinSeverity, SeverityNumber> = {
  debug: SeverityNumber.DEBUG,
  info: SeverityNumber.INFO,
  warn: SeverityNumber.WARN,
  error: SeverityNumber.ERROR,
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
  /** Log records of events less severe than this are not emitted. */
  readonly minSeverity: SeverityNumber;
}

/**
 * The sink of each logger, for the shared options it was built from: instrumentations ask for
 * their sink on every event, and it changes only when their logger or options do.
 */
const SINKS = new WeakMap<Logger, { shared: ResolvedSharedConfig; sink: EventSink }>();

/** Where an instrumentation's events go, from its logger and its resolved shared options. */
export function eventSink(logger: Logger, shared: ResolvedSharedConfig): EventSink {
  const cached = SINKS.get(logger);
  if (cached?.shared === shared) return cached.sink;
  const sink: EventSink = Object.freeze({
    logger,
    emitLogs: shared.emitEvents,
    spanEvents: shared.spanEvents,
    minSeverity: MIN_SEVERITY_NUMBER[shared.eventsMinSeverity],
  });
  SINKS.set(logger, { shared, sink });
  return sink;
}

/** An event's values, by catalogue key; `undefined` means unknown. */
export type EventValues<N extends EventName> = {
  readonly [K in EventFieldKey<N>]?: AnyValue;
};

function attributesOf(
  def: EventDefinition,
  ctx: EventContextValues,
  values: Record<string, AnyValue>,
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
  for (const field of def.fields) {
    if (field.attribute === undefined) continue;
    const v = values[field.key];
    if (v !== undefined && v !== null) attrs[field.attribute] = v;
  }
  return attrs;
}

function bodyOf(def: EventDefinition, values: Record<string, AnyValue>): Record<string, AnyValue> {
  const body: Record<string, AnyValue> = {};
  for (const field of def.fields) {
    const mode = field.body ?? 'null';
    if (mode === 'none') continue;
    const v = values[field.key];
    if (v !== undefined) body[field.key] = v;
    else if (mode === 'null') body[field.key] = null;
  }
  return body;
}

/** `Logger.enabled()`; loggers from before the API had it take every record. */
function loggerEnabled(
  logger: Logger,
  severityNumber: SeverityNumber,
  eventName: string,
  context: Context,
): boolean {
  const enabled = (logger as Partial<Logger>).enabled;
  return typeof enabled === 'function'
    ? enabled.call(logger, { severityNumber, eventName, context })
    : true;
}

/** The active context with `span` in it; the active context itself when `span` is already its span. */
function contextOf(span: Span | undefined): Context {
  const active = otelContext.active();
  return span === undefined || trace.getSpan(active) === span
    ? active
    : trace.setSpan(active, span);
}

/**
 * Emits the log record (when logs are on) and records `name` on `span` (when span events
 * are on). Nothing is built when neither would record it. `values` holds the event's own
 * values under their catalogue keys (snake_case, e.g. `response_length`).
 */
export function emitEvent<N extends EventName>(
  sink: EventSink,
  span: Span | undefined,
  name: N,
  ctx: EventContextValues,
  values: EventValues<N> = {},
): void {
  try {
    emitEventUnguarded(sink, span, name, ctx, values);
  } catch (err) {
    diag.error(`lorechat: failed to emit event ${name}`, err);
  }
}

function emitEventUnguarded(
  sink: EventSink,
  span: Span | undefined,
  name: EventName,
  ctx: EventContextValues,
  values: Record<string, AnyValue>,
): void {
  const def = definitionOf(name);
  const severity: EventSeverity = ctx.error ? 'ERROR' : def.severity;
  const severityNumber = SEVERITY_NUMBER[severity];
  // Nothing is built for a record nobody takes: the SDK's Logger.enabled() answers for its
  // logger configuration and processors.
  const logContext =
    sink.emitLogs && severityNumber >= sink.minSeverity ? contextOf(span) : undefined;
  const log =
    logContext !== undefined && loggerEnabled(sink.logger, severityNumber, name, logContext);
  const spanEvent = sink.spanEvents && span !== undefined && span.isRecording();
  if (!log && !spanEvent) return;
  const attributes = attributesOf(def, ctx, values);
  const now = Date.now();
  if (spanEvent) span.addEvent(name, attributes, now);
  if (!log) return;
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
    severityNumber,
    severityText: severity,
    body: { event: name, context: eventContext, ...bodyOf(def, values) },
    attributes,
    context: logContext,
  });
}
