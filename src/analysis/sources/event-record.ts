import { EVENT_CONTEXT_ATTRIBUTES, EVENTS } from '../../catalogue/index.js';
import { ATTR_LORECHAT_QUERY_FINGERPRINT } from '../../semconv.js';
import type { EventContext, TelemetryEvent } from './types.js';

type AttrValue = string | number | boolean;

const EVENT_NAMES: ReadonlySet<string> = new Set(EVENTS.map((e) => e.name));

/** Loki (and Prometheus) turn `a.b` into `a_b`; look a key up in either spelling. */
function attr(attributes: Readonly<Record<string, AttrValue>>, key: string): AttrValue | undefined {
  return attributes[key] ?? attributes[key.replace(/[^A-Za-z0-9_]/g, '_')];
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function str(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return undefined;
}

function num(value: unknown): number | undefined {
  const n =
    typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
  return Number.isFinite(n) ? n : undefined;
}

/** A string body holding the plan's JSON event is parsed; other bodies are kept as they are. */
function parseBody(body: unknown): Record<string, unknown> | undefined {
  if (typeof body === 'string') {
    const trimmed = body.trim();
    if (!trimmed.startsWith('{')) return undefined;
    try {
      return asRecord(JSON.parse(trimmed));
    } catch {
      return undefined;
    }
  }
  return asRecord(body);
}

/**
 * Builds a TelemetryEvent from a log record's parts, reading the plan's body shape
 * `{event, context: {...}, ...}` first and the EventContext attributes second. Returns
 * undefined for records that are not catalogue events (other application logs).
 */
export function toTelemetryEvent(input: {
  time: number;
  eventName?: string;
  body: unknown;
  attributes: Readonly<Record<string, AttrValue>>;
}): TelemetryEvent | undefined {
  const body = parseBody(input.body);
  const ctx = asRecord(body?.context) ?? {};
  const a = input.attributes;
  const name =
    str(input.eventName) ??
    str(body?.event) ??
    str(attr(a, 'event.name')) ??
    str(attr(a, 'event_name'));
  if (!name || !EVENT_NAMES.has(name)) return undefined;
  const k = EVENT_CONTEXT_ATTRIBUTES;
  const bodyError = asRecord(ctx.error);
  const errorType = str(bodyError?.type) ?? str(attr(a, k.errorType));
  const errorMessage = str(bodyError?.message) ?? str(attr(a, k.errorMessage));
  const context: EventContext = {
    threadId: str(ctx.thread_id) ?? str(attr(a, k.threadId)),
    requestId: str(ctx.request_id) ?? str(attr(a, k.requestId)),
    component: str(ctx.component) ?? str(attr(a, k.component)),
    action: str(ctx.action) ?? str(attr(a, k.action)),
    durationMs: num(ctx.duration_ms) ?? num(attr(a, k.durationMs)),
    memoryUsage: num(ctx.memory_usage) ?? num(attr(a, k.memoryUsage)),
    ...(errorType !== undefined || errorMessage !== undefined
      ? { error: { type: errorType, message: errorMessage } }
      : {}),
  };
  const fingerprint =
    str(attr(a, ATTR_LORECHAT_QUERY_FINGERPRINT)) ??
    str(body?.query_fingerprint) ??
    str(body?.[ATTR_LORECHAT_QUERY_FINGERPRINT]);
  const query = str(body?.query);
  const inTokens = num(body?.input_tokens) ?? num(attr(a, 'gen_ai.usage.input_tokens'));
  const outTokens = num(body?.output_tokens) ?? num(attr(a, 'gen_ai.usage.output_tokens'));
  const model =
    str(body?.model) ?? str(attr(a, 'gen_ai.request.model')) ?? str(attr(a, 'model')) ?? '';
  const tokens =
    inTokens !== undefined || outTokens !== undefined
      ? {
          model,
          ...(inTokens !== undefined ? { input: inTokens } : {}),
          ...(outTokens !== undefined ? { output: outTokens } : {}),
        }
      : undefined;
  return {
    time: input.time,
    name,
    context,
    attributes: a,
    ...(fingerprint !== undefined ? { fingerprint } : {}),
    ...(query !== undefined ? { query } : {}),
    ...(tokens !== undefined ? { tokens } : {}),
  };
}
