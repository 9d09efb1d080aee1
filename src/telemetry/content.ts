/**
 * Content capture (opt-in), truncation, redaction and the query fingerprint.
 *
 * Nothing here runs on the hot path unless content capture is on, except the fingerprint,
 * which works on the user's query string only (bounded by `FINGERPRINT_MAX_INPUT`).
 */
import { createHash } from 'node:crypto';
import { diag } from '@opentelemetry/api';

import { parseBoolean, parseInteger, parseOneOf, readEnv } from '../config.js';
import {
  CONTENT_CAPTURE_MODES,
  type ContentCaptureMode,
  DEFAULT_CONTENT_MAX_LENGTH,
  EVENT_MIN_SEVERITIES,
  type LoreChatSharedConfig,
  type ResolvedSharedConfig,
} from '../instrumentations/types.js';
import { resolveGenAiSemconvMode } from './semconv-mode.js';

const TRUNCATION_MARK = '…[truncated]';

/**
 * `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT` in both forms: `true`/`false` (this
 * package's form: `true` puts content on spans and log records) and the newer
 * `NO_CONTENT|SPAN_ONLY|EVENT_ONLY|SPAN_AND_EVENT` (case-insensitive), as
 * opentelemetry-python-contrib's util-genai reads it. Unset or bad: `undefined` (a bad value
 * warns).
 */
export function parseContentCapture(value: unknown): ContentCaptureMode | undefined {
  if (value === undefined || value === '') return undefined;
  if (value === true) return 'SPAN_AND_EVENT';
  if (value === false) return 'NO_CONTENT';
  if (typeof value === 'string') {
    const v = value.trim().toUpperCase();
    if (v === 'TRUE') return 'SPAN_AND_EVENT';
    if (v === 'FALSE') return 'NO_CONTENT';
    if ((CONTENT_CAPTURE_MODES as readonly string[]).includes(v)) return v as ContentCaptureMode;
  }
  diag.warn(
    `lorechat: OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT must be true, false or one of ${CONTENT_CAPTURE_MODES.join(', ')}, got ${JSON.stringify(value) ?? typeof value}; content is not captured`,
  );
  return undefined;
}

/** The content-capture mode: the option when set, else the environment variable, else none. */
export function resolveContentCapture(
  option: unknown,
  env: Readonly<Record<string, string | undefined>> = process.env,
): ContentCaptureMode {
  if (option !== undefined) return parseContentCapture(option) ?? 'NO_CONTENT';
  return (
    parseContentCapture(env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT) ?? 'NO_CONTENT'
  );
}

/**
 * The environment variable of each shared option. An instrumentation constructed by hand
 * (`new LangGraphInstrumentation()` in an app's own `NodeSDK`) reads them here, so it
 * behaves like the register entry; an option passed in code wins over its variable.
 */
export const SHARED_CONFIG_ENV = {
  captureMessageContent: 'OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT',
  contentMaxLength: 'LORECHAT_OTEL_CONTENT_MAX_LENGTH',
  emitEvents: 'LORECHAT_OTEL_EVENTS',
  spanEvents: 'LORECHAT_OTEL_SPAN_EVENTS',
  eventsMinSeverity: 'LORECHAT_OTEL_EVENTS_MIN_SEVERITY',
} as const;

/**
 * Applies the shared options: each one from code, else from its environment variable
 * ({@link SHARED_CONFIG_ENV}, parsed by `readEnv` like every other variable), else its
 * default. Bad values fall back to the default with a diag warning.
 */
export function resolveSharedConfig(
  config: LoreChatSharedConfig | undefined,
  env: Readonly<Record<string, string | undefined>> = process.env,
): ResolvedSharedConfig {
  const E = SHARED_CONFIG_ENV;
  let maxLength =
    config?.contentMaxLength ??
    readEnv(env, E.contentMaxLength, parseInteger(1, 1_000_000)) ??
    DEFAULT_CONTENT_MAX_LENGTH;
  if (!Number.isInteger(maxLength) || maxLength <= 0) {
    diag.warn(
      `lorechat: contentMaxLength must be a positive integer, got ${String(maxLength)}; using ${DEFAULT_CONTENT_MAX_LENGTH}`,
    );
    maxLength = DEFAULT_CONTENT_MAX_LENGTH;
  }
  const redact = typeof config?.redact === 'function' ? config.redact : undefined;
  const emitEvents = (config?.emitEvents ?? readEnv(env, E.emitEvents, parseBoolean)) !== false;
  let eventsMinSeverity =
    config?.eventsMinSeverity ??
    readEnv(env, E.eventsMinSeverity, parseOneOf(EVENT_MIN_SEVERITIES)) ??
    'debug';
  if (!EVENT_MIN_SEVERITIES.includes(eventsMinSeverity)) {
    diag.warn(
      `lorechat: eventsMinSeverity must be one of ${EVENT_MIN_SEVERITIES.join(', ')}, got ${String(eventsMinSeverity)}; using debug`,
    );
    eventsMinSeverity = 'debug';
  }
  const capture = resolveContentCapture(config?.captureMessageContent, env);
  const contentOnSpans = capture === 'SPAN_ONLY' || capture === 'SPAN_AND_EVENT';
  const contentInEvents = capture === 'EVENT_ONLY' || capture === 'SPAN_AND_EVENT';
  return Object.freeze({
    captureMessageContent: contentOnSpans || contentInEvents,
    contentOnSpans,
    contentInEvents,
    contentMaxLength: maxLength,
    redact,
    emitEvents,
    spanEvents: config?.spanEvents ?? readEnv(env, E.spanEvents, parseBoolean) ?? !emitEvents,
    eventsMinSeverity,
    genAiSemconv: resolveGenAiSemconvMode(config?.genAiSemconv, env),
  });
}

/**
 * Truncates to `maxLength` characters, marking the cut. The result is a copy: a V8 slice of a
 * string keeps its whole parent alive, so a 1 KB cut of a 1 MB prompt held by a span in an
 * export queue would hold the 1 MB (bench: `npm run bench -- large-prompt`). UTF-16 in and
 * out copies every code unit as it is, lone surrogates included.
 */
export function truncate(text: string, maxLength: number): string {
  if (text.length <= maxLength) return text;
  const cut = text.slice(0, Math.max(0, maxLength - TRUNCATION_MARK.length)) + TRUNCATION_MARK;
  return Buffer.from(cut, 'utf16le').toString('utf16le');
}

/**
 * JSON for any value: circular references become "[Circular]", bigints strings, functions
 * and symbols are dropped. Never throws.
 *
 * With `maxStringLength`, every string value inside `value` is cut to that many characters
 * before it is encoded, so a 1 MB prompt costs a 1 KB encode. The first `maxStringLength`
 * characters of the result are those of the uncut JSON: a cut string's encoding is at least
 * as long as the cut (escapes only lengthen it) and starts after at least one character
 * (`[`, `{` or `"`), so everything up to `maxStringLength` is encoded alike; only what a
 * later truncation to that length removes differs.
 */
export function safeStringify(value: unknown, maxStringLength?: number): string {
  if (typeof value === 'string') return value;
  const seen = new WeakSet<object>();
  const cut = maxStringLength ?? Infinity;
  try {
    const out = JSON.stringify(value, (_key, v: unknown) => {
      if (typeof v === 'string') return v.length > cut ? v.slice(0, cut) : v;
      if (typeof v === 'bigint') return v.toString();
      if (typeof v === 'function' || typeof v === 'symbol') return undefined;
      if (v !== null && typeof v === 'object') {
        if (seen.has(v)) return '[Circular]';
        seen.add(v);
      }
      return v;
    });
    return out ?? String(value);
  } catch (err) {
    diag.debug('lorechat: value could not be serialized', err);
    return '[unserializable]';
  }
}

/**
 * A captured content value for a span attribute or an event (`target`), or `undefined` when
 * capture is off for that target. Redaction runs before
 * truncation; a redaction hook that throws drops the value instead of exporting it raw.
 */
export function captureContent(
  config: ResolvedSharedConfig,
  value: unknown,
  target: 'span' | 'event' = 'span',
): string | undefined {
  const on = target === 'span' ? config.contentOnSpans : config.contentInEvents;
  if (!on || value === undefined) return undefined;
  // Strings are cut before they are encoded (the result is the same, see safeStringify),
  // except for a redaction hook, which sees the whole text: what it removes may bring
  // later characters within the limit.
  let text = safeStringify(value, config.redact ? undefined : config.contentMaxLength);
  if (config.redact) {
    try {
      text = config.redact(text);
      if (typeof text !== 'string') return undefined;
    } catch (err) {
      diag.error('lorechat: the redact hook threw; the value is not exported', err);
      return undefined;
    }
  }
  return truncate(text, config.contentMaxLength);
}

/** Only this much of a query is normalised for its fingerprint. */
export const FINGERPRINT_MAX_INPUT = 4096;

/** English stop words dropped before fingerprinting, so "what is X?" ~ "X". */
const STOP_WORDS = new Set(
  (
    'a an and are as at be but by can could did do does for from had has have how i if in is it its ' +
    'me my of on or please should so tell than that the their them then there these they this to ' +
    "us was we were what when where which who whom why will with would you your about can't"
  ).split(' '),
);

/**
 * The normalisation behind `lorechat.query.fingerprint`: Unicode NFKD with diacritics
 * removed, lower case, everything but letters and digits turned into spaces, stop words
 * removed, remaining words de-duplicated and sorted, joined by one space.
 * "What is the Dragon's lair?" and "dragon lair" normalise alike ("dragon lair").
 */
export function normaliseQuery(text: string): string {
  const words = text
    .slice(0, FINGERPRINT_MAX_INPUT)
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/['’]s\b/gu, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .split(' ')
    .filter((w) => w.length > 0 && !STOP_WORDS.has(w));
  return [...new Set(words)].sort().join(' ');
}

/**
 * First 16 hex characters of the SHA-256 of the normalised query: groups identical
 * questions ("popular queries") without exporting their text. `undefined` for queries
 * that normalise to nothing.
 */
export function queryFingerprint(text: string): string | undefined {
  const normalised = normaliseQuery(text);
  if (normalised.length === 0) return undefined;
  return createHash('sha256').update(normalised).digest('hex').slice(0, 16);
}
