/**
 * The plan's structured logger, as a log-record exporter on the logs pipeline: every event
 * (a log record with an event name) is printed as one JSON line
 * `{"event": ..., "context": {thread_id, request_id, timestamp, component, action,
 * duration_ms, memory_usage, error}, ...}` on stdout. Records without an event name are not
 * events and are skipped.
 */
import { type ExportResult, ExportResultCode, hrTimeToMilliseconds } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { EVENT_CONTEXT_ATTRIBUTES } from '../catalogue/events.js';

const CONTEXT_KEYS = new Set<string>(Object.values(EVENT_CONTEXT_ATTRIBUTES));

/** The plan's event dict for one log record, or `undefined` when it is not an event. */
export function planEventFromLogRecord(
  record: ReadableLogRecord,
): Record<string, unknown> | undefined {
  const body: unknown = record.body;
  const bodyObject =
    typeof body === 'object' && body !== null && !Array.isArray(body)
      ? (body as Record<string, unknown>)
      : undefined;
  const event =
    record.eventName ?? (typeof bodyObject?.event === 'string' ? bodyObject.event : undefined);
  if (event === undefined) return undefined;

  const a = record.attributes;
  const errorType = a[EVENT_CONTEXT_ATTRIBUTES.errorType];
  const errorMessage = a[EVENT_CONTEXT_ATTRIBUTES.errorMessage];
  const bodyContext =
    typeof bodyObject?.context === 'object' && bodyObject.context !== null
      ? (bodyObject.context as Record<string, unknown>)
      : {};
  const context: Record<string, unknown> = {
    thread_id: a[EVENT_CONTEXT_ATTRIBUTES.threadId] ?? null,
    request_id: a[EVENT_CONTEXT_ATTRIBUTES.requestId] ?? null,
    timestamp: new Date(hrTimeToMilliseconds(record.hrTime)).toISOString(),
    component: a[EVENT_CONTEXT_ATTRIBUTES.component] ?? null,
    action: a[EVENT_CONTEXT_ATTRIBUTES.action] ?? null,
    duration_ms: a[EVENT_CONTEXT_ATTRIBUTES.durationMs] ?? null,
    memory_usage: a[EVENT_CONTEXT_ATTRIBUTES.memoryUsage] ?? null,
    error:
      errorType !== undefined || errorMessage !== undefined
        ? { type: errorType ?? null, message: errorMessage ?? null }
        : null,
    ...bodyContext,
  };

  const out: Record<string, unknown> = { event, context };
  for (const [key, value] of Object.entries(a)) {
    if (!CONTEXT_KEYS.has(key)) out[key] = value;
  }
  if (bodyObject) {
    for (const [key, value] of Object.entries(bodyObject)) {
      if (key !== 'event' && key !== 'context') out[key] = value;
    }
  } else if (body !== undefined && body !== null) {
    out.body = body;
  }
  if (record.spanContext) {
    out.trace_id = record.spanContext.traceId;
    out.span_id = record.spanContext.spanId;
  }
  return out;
}

export class JsonStdoutLogRecordExporter implements LogRecordExporter {
  private readonly write: (line: string) => void;

  /** @param write where each line goes; defaults to `process.stdout`. */
  constructor(write?: (line: string) => void) {
    this.write = write ?? ((line) => void process.stdout.write(line));
  }

  export(logs: ReadableLogRecord[], resultCallback: (result: ExportResult) => void): void {
    try {
      const lines: string[] = [];
      for (const record of logs) {
        const event = planEventFromLogRecord(record);
        if (event) lines.push(JSON.stringify(event) + '\n');
      }
      if (lines.length > 0) this.write(lines.join(''));
      resultCallback({ code: ExportResultCode.SUCCESS });
    } catch (err) {
      resultCallback({
        code: ExportResultCode.FAILED,
        error: err instanceof Error ? err : new Error(String(err)),
      });
    }
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
}
