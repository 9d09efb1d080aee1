import type { InstrumentationConfig } from '@opentelemetry/instrumentation';

import type { GenAiSemconvMode } from '../telemetry/semconv-mode.js';

/**
 * Options shared by every LoreChat instrumentation: what content may leave the process and
 * whether log records are emitted. Content (prompts, answers, documents, query text, state
 * values) is never exported unless `captureMessageContent` is on.
 */
export interface LoreChatSharedConfig extends InstrumentationConfig {
  /**
   * Put prompts, answers, retrieved documents, query text and state values on spans and/or log
   * records (truncated to `contentMaxLength`, passed through `redact`): `true` (spans and log
   * records) or `false`, or one of `NO_CONTENT`, `SPAN_ONLY`, `EVENT_ONLY`, `SPAN_AND_EVENT`.
   * Env: `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT` (read when the option is unset).
   * @default false
   */
  captureMessageContent?: boolean | ContentCaptureMode;
  /**
   * Maximum number of characters of one captured content value; longer values are cut and
   * end with `…[truncated]`.
   * @default 1024
   */
  contentMaxLength?: number;
  /**
   * Redaction hook applied to every captured content string before it is truncated and
   * exported. If it throws, the value is dropped (never exported unredacted).
   * @default undefined (no redaction)
   */
  redact?: (text: string) => string;
  /**
   * Emit the plan's events (`chat.start`, `graph.node.enter`, `llm.response`, ...) as
   * OpenTelemetry log records, correlated with the active trace and span.
   * @default true
   */
  emitEvents?: boolean;
  /**
   * Also record each event as a span event on its operation's span. Off while the events
   * are log records (the same data twice costs export time and backend storage; OpenTelemetry
   * is moving events from span events to log records), on when they are not, so the events
   * are never lost. Exceptions are always recorded on the failing span.
   * @default !emitEvents
   */
  spanEvents?: boolean;
  /**
   * Least severe event emitted as a log record: `debug` emits every event, `info` leaves
   * out the per-node `graph.node.enter`, `graph.node.exit` and `graph.state.update` (the
   * node spans and `graph.node.duration` still record every node), `warn`/`error` keep
   * only failures. The SDK's own logger configuration (`Logger.enabled`) applies as well.
   * Env: `LORECHAT_OTEL_EVENTS_MIN_SEVERITY`.
   * @default 'debug'
   */
  eventsMinSeverity?: EventMinSeverity;
  /**
   * GenAI semantic-conventions generation to emit: `v1.41` (semantic conventions v1.41.0) or
   * `latest` (open-telemetry/semantic-conventions-genai; docs/semconv-migration.md).
   * Env: `OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental` selects `latest`.
   * @default 'v1.41' (unless the env opts in)
   */
  genAiSemconv?: GenAiSemconvMode;
}

/** Where captured content goes (the newer form of the GenAI content-capture variable). */
export type ContentCaptureMode = 'NO_CONTENT' | 'SPAN_ONLY' | 'EVENT_ONLY' | 'SPAN_AND_EVENT';
export const CONTENT_CAPTURE_MODES: readonly ContentCaptureMode[] = [
  'NO_CONTENT',
  'SPAN_ONLY',
  'EVENT_ONLY',
  'SPAN_AND_EVENT',
];

/** Values of {@link LoreChatSharedConfig.eventsMinSeverity}. */
export type EventMinSeverity = 'debug' | 'info' | 'warn' | 'error';
export const EVENT_MIN_SEVERITIES: readonly EventMinSeverity[] = ['debug', 'info', 'warn', 'error'];

/** Shared options with their defaults applied. */
export interface ResolvedSharedConfig {
  /** Content is captured somewhere (spans, events or both). */
  readonly captureMessageContent: boolean;
  readonly contentOnSpans: boolean;
  readonly contentInEvents: boolean;
  readonly contentMaxLength: number;
  readonly redact: ((text: string) => string) | undefined;
  readonly emitEvents: boolean;
  readonly spanEvents: boolean;
  readonly eventsMinSeverity: EventMinSeverity;
  readonly genAiSemconv: GenAiSemconvMode;
}

export const DEFAULT_CONTENT_MAX_LENGTH = 1024;
