/**
 * Environment -> typed, frozen configuration.
 *
 * Standard `OTEL_*` variables stay with the OpenTelemetry SDK, which reads them itself
 * (service name, resource attributes, OTLP endpoint/protocol/headers, per-signal exporters,
 * sampler, `OTEL_LOG_LEVEL`, `OTEL_METRIC_EXPORT_INTERVAL`). This module reads only our own
 * `LORECHAT_OTEL_*` options, `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`,
 * `OTEL_BSP_MAX_QUEUE_SIZE` / `OTEL_BLRP_MAX_QUEUE_SIZE` (larger defaults than the SDK's), and
 * looks at whether an OTLP destination is configured to choose the embedded default.
 *
 * Every value goes through {@link readEnv}: a bad value is reported through `diag` and
 * ignored (the default applies); nothing here throws on user input.
 */
import { diag } from '@opentelemetry/api';
import { resolve } from 'node:path';
import {
  CONTENT_CAPTURE_MODES,
  type ContentCaptureMode,
  EVENT_MIN_SEVERITIES,
  type EventMinSeverity,
} from './instrumentations/types.js';

/** How telemetry leaves the process. */
export type TelemetryMode = 'auto' | 'otlp' | 'embedded';

export interface LoreChatOtelConfig {
  /**
   * The requested mode (`LORECHAT_OTEL_MODE`). `auto` means `embedded` when no OTLP
   * endpoint or exporter is configured through `OTEL_*` variables, `otlp` otherwise.
   * @default 'auto'
   */
  readonly requestedMode: TelemetryMode;
  /** The mode in effect after resolving `auto`. */
  readonly mode: 'otlp' | 'embedded';
  /**
   * Directory of the embedded default's `traces.jsonl`, `logs.jsonl` and `metrics.jsonl`
   * (`LORECHAT_OTEL_OUTPUT_DIR`), resolved against the working directory.
   * @default '.lorechat/telemetry'
   */
  readonly outputDir: string;
  /**
   * Port of the embedded Prometheus scrape endpoint (`LORECHAT_OTEL_PROMETHEUS_PORT`);
   * 0 picks a free port.
   * @default 9464
   */
  readonly prometheusPort: number;
  /**
   * Interface the embedded Prometheus endpoint binds (`LORECHAT_OTEL_PROMETHEUS_HOST`).
   * @default '127.0.0.1'
   */
  readonly prometheusHost: string;
  /**
   * Rotate an embedded `.jsonl` file when it would exceed this many bytes
   * (`LORECHAT_OTEL_FILE_MAX_BYTES`).
   * @default 52428800 (50 MiB)
   */
  readonly fileMaxBytes: number;
  /**
   * Rotated files kept per signal besides the live one (`LORECHAT_OTEL_FILE_MAX_FILES`).
   * @default 3
   */
  readonly fileMaxFiles: number;
  /**
   * Print a readable summary (turns, spans, p50/p95 response time, tokens, errors, file
   * locations) to stderr at shutdown (`LORECHAT_OTEL_SUMMARY`).
   * @default true in embedded mode, false in otlp mode
   */
  readonly summary: boolean;
  /**
   * Also print every event as one JSON line `{event, context, ...}` on stdout, as the plan's
   * structured logger did (`LORECHAT_OTEL_JSON_STDOUT`). Runs through the logs pipeline.
   * @default false
   */
  readonly jsonStdout: boolean;
  /**
   * Upper bound for flushing every signal at exit or on SIGTERM/SIGINT
   * (`LORECHAT_OTEL_SHUTDOWN_TIMEOUT_MS`).
   * @default 5000
   */
  readonly shutdownTimeoutMs: number;
  /**
   * Node.js runtime metrics (event loop delay, heap, GC) and process memory/CPU
   * (`LORECHAT_OTEL_RUNTIME_METRICS`).
   * @default true
   */
  readonly runtimeMetrics: boolean;
  /**
   * Record the LLM metrics (token usage, GenAI client duration); spans are kept either way
   * (`LORECHAT_OTEL_LLM_METRICS`).
   * @default true
   */
  readonly llmMetrics: boolean;
  /**
   * Record prompts, answers, retrieved documents and query text on spans and events
   * (`OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`): `true` (spans and events),
   * `false`, or where: `NO_CONTENT`, `SPAN_ONLY`, `EVENT_ONLY`, `SPAN_AND_EVENT`.
   * @default false
   */
  readonly captureMessageContent: boolean | ContentCaptureMode;
  /**
   * Truncate captured content to this many characters (`LORECHAT_OTEL_CONTENT_MAX_LENGTH`).
   * @default 1024
   */
  readonly contentMaxLength: number;
  /**
   * Window in which a chat session counts as active for `chat.sessions.active` and
   * `chat.memory.max` (`LORECHAT_OTEL_SESSION_WINDOW_MS`).
   * @default 900000 (15 minutes)
   */
  readonly sessionWindowMs: number;
  /**
   * Emit the plan's events as OpenTelemetry log records (`LORECHAT_OTEL_EVENTS`).
   * @default true
   */
  readonly emitEvents: boolean;
  /**
   * Also record the events as span events (`LORECHAT_OTEL_SPAN_EVENTS`).
   * @default the opposite of `emitEvents`: span events only when there are no log records
   */
  readonly spanEvents: boolean;
  /**
   * Least severe event emitted as a log record (`LORECHAT_OTEL_EVENTS_MIN_SEVERITY`):
   * `debug` (every event), `info` (without the per-node events), `warn`, `error`.
   * @default 'debug'
   */
  readonly eventsMinSeverity: EventMinSeverity;
  /**
   * Spans the OTLP batch span processor holds while the Collector is unreachable, before it
   * drops new ones: `OTEL_BSP_MAX_QUEUE_SIZE`, else this default (the SDK's own default,
   * 2,048, is under 4 s of a 50-turns/s app). Measured about 1.6 KB of heap per span.
   * @default 16384
   */
  readonly spanQueueSize: number;
  /**
   * Log records the OTLP batch log-record processor holds (`OTEL_BLRP_MAX_QUEUE_SIZE`, else
   * this default; the SDK's own default is 2,048). Measured about 0.6 KB of heap per record.
   * @default 32768
   */
  readonly logQueueSize: number;
  /**
   * OTLP mode: when the process ends before its telemetry is sent (`process.exit()`, an
   * uncaught exception, a shutdown past its timeout), write what is unsent to `spoolDir`
   * as OTLP-JSON lines and send it at the next start (`LORECHAT_OTEL_SPOOL`). OTLP/HTTP only.
   * @default true
   */
  readonly spool: boolean;
  /**
   * Directory of the spool (`LORECHAT_OTEL_SPOOL_DIR`), resolved against the working directory.
   * @default '.lorechat/spool'
   */
  readonly spoolDir: string;
  /**
   * The spool never grows beyond this many bytes; what does not fit is dropped
   * (`LORECHAT_OTEL_SPOOL_MAX_BYTES`).
   * @default 33554432 (32 MiB)
   */
  readonly spoolMaxBytes: number;
}

/** Options that can be passed in code; each overrides its environment variable. */
export type LoreChatOtelOptions = Partial<Omit<LoreChatOtelConfig, 'mode'>>;

export const DEFAULTS = {
  requestedMode: 'auto',
  outputDir: '.lorechat/telemetry',
  prometheusPort: 9464,
  prometheusHost: '127.0.0.1',
  fileMaxBytes: 50 * 1024 * 1024,
  fileMaxFiles: 3,
  jsonStdout: false,
  shutdownTimeoutMs: 5000,
  runtimeMetrics: true,
  llmMetrics: true,
  captureMessageContent: false,
  contentMaxLength: 1024,
  sessionWindowMs: 15 * 60 * 1000,
  emitEvents: true,
  eventsMinSeverity: 'debug' as EventMinSeverity,
  // ~25 s of a 50-turns/s app (12 spans, 28 log records a turn) without the Collector; at
  // most ~26 MB of spans + ~20 MB of log records (README, Configuration).
  spanQueueSize: 16_384,
  logQueueSize: 32_768,
  spool: true,
  spoolDir: '.lorechat/spool',
  spoolMaxBytes: 32 * 1024 * 1024,
} as const;

type Env = Readonly<Record<string, string | undefined>>;

/** A parser answers a value, or `undefined` with what it expected. */
export type EnvParser<T> = (raw: string) => { value: T } | { expected: string };

/** Both forms of the content-capture variable: `true`/`false`, or the mode names. */
const parseContentCaptureEnv: EnvParser<ContentCaptureMode> = (raw) => {
  const v = raw.trim().toUpperCase();
  if (v === 'TRUE') return { value: 'SPAN_AND_EVENT' };
  if (v === 'FALSE') return { value: 'NO_CONTENT' };
  return (CONTENT_CAPTURE_MODES as readonly string[]).includes(v)
    ? { value: v as ContentCaptureMode }
    : { expected: `true, false or one of ${CONTENT_CAPTURE_MODES.join(', ')}` };
};

/**
 * The one place environment values are parsed. Unset or empty: `undefined`. Invalid: a
 * `diag` warning naming the variable, the value and what was expected, then `undefined`,
 * so the caller's default applies.
 */
export function readEnv<T>(env: Env, name: string, parse: EnvParser<T>): T | undefined {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return undefined;
  const parsed = parse(raw);
  if ('value' in parsed) return parsed.value;
  diag.warn(`lorechat-otel: ignoring ${name}=${JSON.stringify(raw)}: expected ${parsed.expected}`);
  return undefined;
}

export const parseBoolean: EnvParser<boolean> = (raw) => {
  const v = raw.toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return { value: true };
  if (['false', '0', 'no', 'off'].includes(v)) return { value: false };
  return { expected: 'true or false' };
};

export function parseInteger(min: number, max: number): EnvParser<number> {
  return (raw) => {
    const n = /^[+]?\d+$/.test(raw) ? Number(raw) : NaN;
    return Number.isSafeInteger(n) && n >= min && n <= max
      ? { value: n }
      : { expected: `an integer from ${min} to ${max}` };
  };
}

export function parseOneOf<const T extends string>(values: readonly T[]): EnvParser<T> {
  return (raw) => {
    const v = raw.toLowerCase();
    const found = values.find((x) => x === v);
    return found !== undefined ? { value: found } : { expected: `one of ${values.join(', ')}` };
  };
}

export const parseString: EnvParser<string> = (raw) => ({ value: raw });

/**
 * `OTEL_*` variables that configure an OTLP destination: when any is set, `auto` mode
 * exports over OTLP instead of using the embedded default.
 */
export const OTLP_DESTINATION_ENV_VARS = [
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT',
  'OTEL_EXPORTER_OTLP_LOGS_ENDPOINT',
  'OTEL_TRACES_EXPORTER',
  'OTEL_METRICS_EXPORTER',
  'OTEL_LOGS_EXPORTER',
] as const;

/** Whether the environment configures where OTLP telemetry goes. */
export function hasOtlpDestination(env: Env): boolean {
  return OTLP_DESTINATION_ENV_VARS.some((name) => (env[name]?.trim() ?? '') !== '');
}

const MAX_PORT = 65_535;
const MAX_QUEUE_SIZE = 10_000_000;
const MAX_TIMEOUT_MS = 10 * 60 * 1000;

/**
 * Reads the configuration from `env` (default `process.env`); `options` passed in code win
 * over the environment. The result is frozen.
 */
export function loadConfig(
  options: LoreChatOtelOptions = {},
  env: Env = process.env,
): LoreChatOtelConfig {
  /** A code option wins over the environment variable, which wins over the default. */
  const pick = <K extends keyof typeof DEFAULTS>(
    key: K,
    name: string,
    parse: EnvParser<NonNullable<LoreChatOtelOptions[K]>>,
  ): NonNullable<LoreChatOtelOptions[K]> | (typeof DEFAULTS)[K] =>
    options[key] ?? readEnv(env, name, parse) ?? DEFAULTS[key];

  const requestedMode = pick(
    'requestedMode',
    'LORECHAT_OTEL_MODE',
    parseOneOf(['auto', 'otlp', 'embedded'] as const),
  );
  const mode =
    requestedMode === 'auto' ? (hasOtlpDestination(env) ? 'otlp' : 'embedded') : requestedMode;

  const outputDir = pick('outputDir', 'LORECHAT_OTEL_OUTPUT_DIR', parseString);
  const emitEvents = pick('emitEvents', 'LORECHAT_OTEL_EVENTS', parseBoolean);

  const config: LoreChatOtelConfig = {
    requestedMode,
    mode,
    outputDir: resolve(outputDir),
    prometheusPort: pick(
      'prometheusPort',
      'LORECHAT_OTEL_PROMETHEUS_PORT',
      parseInteger(0, MAX_PORT),
    ),
    prometheusHost: pick('prometheusHost', 'LORECHAT_OTEL_PROMETHEUS_HOST', parseString),
    fileMaxBytes: pick(
      'fileMaxBytes',
      'LORECHAT_OTEL_FILE_MAX_BYTES',
      parseInteger(1024, Number.MAX_SAFE_INTEGER),
    ),
    fileMaxFiles: pick('fileMaxFiles', 'LORECHAT_OTEL_FILE_MAX_FILES', parseInteger(0, 100)),
    summary:
      options.summary ?? readEnv(env, 'LORECHAT_OTEL_SUMMARY', parseBoolean) ?? mode === 'embedded',
    jsonStdout: pick('jsonStdout', 'LORECHAT_OTEL_JSON_STDOUT', parseBoolean),
    shutdownTimeoutMs: pick(
      'shutdownTimeoutMs',
      'LORECHAT_OTEL_SHUTDOWN_TIMEOUT_MS',
      parseInteger(1, MAX_TIMEOUT_MS),
    ),
    runtimeMetrics: pick('runtimeMetrics', 'LORECHAT_OTEL_RUNTIME_METRICS', parseBoolean),
    llmMetrics: pick('llmMetrics', 'LORECHAT_OTEL_LLM_METRICS', parseBoolean),
    captureMessageContent: pick(
      'captureMessageContent',
      'OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT',
      parseContentCaptureEnv,
    ),
    contentMaxLength: pick(
      'contentMaxLength',
      'LORECHAT_OTEL_CONTENT_MAX_LENGTH',
      parseInteger(1, 1_000_000),
    ),
    sessionWindowMs: pick(
      'sessionWindowMs',
      'LORECHAT_OTEL_SESSION_WINDOW_MS',
      parseInteger(1000, 7 * 24 * 3600 * 1000),
    ),
    emitEvents,
    spanEvents:
      options.spanEvents ?? readEnv(env, 'LORECHAT_OTEL_SPAN_EVENTS', parseBoolean) ?? !emitEvents,
    eventsMinSeverity: pick(
      'eventsMinSeverity',
      'LORECHAT_OTEL_EVENTS_MIN_SEVERITY',
      parseOneOf(EVENT_MIN_SEVERITIES),
    ),
    // The standard variables win over our larger defaults (the SDK's would be 2,048).
    spanQueueSize: pick(
      'spanQueueSize',
      'OTEL_BSP_MAX_QUEUE_SIZE',
      parseInteger(1, MAX_QUEUE_SIZE),
    ),
    logQueueSize: pick('logQueueSize', 'OTEL_BLRP_MAX_QUEUE_SIZE', parseInteger(1, MAX_QUEUE_SIZE)),
    spool: pick('spool', 'LORECHAT_OTEL_SPOOL', parseBoolean),
    spoolDir: resolve(pick('spoolDir', 'LORECHAT_OTEL_SPOOL_DIR', parseString)),
    spoolMaxBytes: pick(
      'spoolMaxBytes',
      'LORECHAT_OTEL_SPOOL_MAX_BYTES',
      parseInteger(0, Number.MAX_SAFE_INTEGER),
    ),
  };
  return Object.freeze(config);
}

// --- Raw-event retention of the embedded files -------------------------------------------------
// (analysis work, issue 16; read by exporters/otlp-json-file.ts, documented in docs/retention.md)

/** Retention of the embedded default's rotated `.jsonl` files: the plan's 30 days / 10 GB. */
export interface FileRetentionConfig {
  /** Gzip-compress rotated files (`LORECHAT_OTEL_FILE_COMPRESS`). @default true */
  readonly compress: boolean;
  /**
   * Cap on the live plus rotated files of one signal, in bytes
   * (`LORECHAT_OTEL_FILE_MAX_TOTAL_BYTES`); oldest rotated files go first.
   * @default 536870912 (512 MiB)
   */
  readonly maxTotalBytes: number;
  /** Rotated files older than this many days are deleted (`LORECHAT_OTEL_FILE_MAX_AGE_DAYS`). @default 30 */
  readonly maxAgeDays: number;
}

export const FILE_RETENTION_ENV_VARS = {
  LORECHAT_OTEL_FILE_COMPRESS: 'gzip rotated .jsonl files',
  LORECHAT_OTEL_FILE_MAX_TOTAL_BYTES: 'cap on live + rotated bytes per signal',
  LORECHAT_OTEL_FILE_MAX_AGE_DAYS: 'delete rotated files older than this',
} as const;

export const FILE_RETENTION_DEFAULTS: FileRetentionConfig = {
  compress: true,
  maxTotalBytes: 512 * 1024 * 1024,
  maxAgeDays: 30,
};

/** Reads the retention variables; bad values warn and fall back to the defaults. */
export function loadFileRetention(env: Env = process.env): FileRetentionConfig {
  return Object.freeze({
    compress:
      readEnv(env, 'LORECHAT_OTEL_FILE_COMPRESS', parseBoolean) ?? FILE_RETENTION_DEFAULTS.compress,
    maxTotalBytes:
      readEnv(
        env,
        'LORECHAT_OTEL_FILE_MAX_TOTAL_BYTES',
        parseInteger(1024, Number.MAX_SAFE_INTEGER),
      ) ?? FILE_RETENTION_DEFAULTS.maxTotalBytes,
    maxAgeDays:
      readEnv(env, 'LORECHAT_OTEL_FILE_MAX_AGE_DAYS', parseInteger(1, 3650)) ??
      FILE_RETENTION_DEFAULTS.maxAgeDays,
  });
}
