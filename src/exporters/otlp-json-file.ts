/**
 * Exporters that write OTLP-JSON lines: one `ExportTraceServiceRequest`,
 * `ExportLogsServiceRequest` or `ExportMetricsServiceRequest` JSON object per line, the
 * format the OpenTelemetry Collector's `file` exporter writes and its `otlpjsonfile`
 * receiver reads. Files rotate, are gzip-compressed and expire as `rotating-file.ts` says
 * (the plan's raw-event retention). Serialization is `@opentelemetry/otlp-transformer`'s; 64-bit integers
 * are then written as strings, as protobuf's canonical JSON (and the Collector) does.
 */
import { diag } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import {
  JsonLogsSerializer,
  JsonMetricsSerializer,
  JsonTraceSerializer,
} from '@opentelemetry/otlp-transformer';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import {
  AggregationTemporality,
  type PushMetricExporter,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import { loadFileRetention } from '../config.js';
import { RotatingJsonlFile, type RotatingFileOptions } from './rotating-file.js';

/**
 * The rotation options with the retention environment (LORECHAT_OTEL_FILE_COMPRESS,
 * _MAX_TOTAL_BYTES, _MAX_AGE_DAYS) filling what the caller left unset.
 */
function withRetention(options: RotatingFileOptions): RotatingFileOptions {
  const r = loadFileRetention();
  return {
    compress: r.compress,
    maxTotalBytes: r.maxTotalBytes,
    maxAgeMs: r.maxAgeDays * 86_400_000,
    ...options,
  };
}

/** OTLP fields of protobuf type (s)fixed64/(u)int64: canonical JSON writes them as strings. */
const INT64_FIELDS = new Set([
  'intValue',
  'asInt',
  'count',
  'bucketCounts',
  'zeroCount',
  'timeUnixNano',
  'startTimeUnixNano',
  'endTimeUnixNano',
  'observedTimeUnixNano',
]);

function int64AsString(value: unknown): unknown {
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return value.map(int64AsString);
  return value;
}

/**
 * Turns the serializer's bytes into one line of Collector-style OTLP JSON: hex ids (the
 * serializer already writes them), int64 fields as strings.
 */
export function toOtlpJsonLine(bytes: Uint8Array): string {
  const text = new TextDecoder().decode(bytes);
  return JSON.stringify(JSON.parse(text), (key, value: unknown) =>
    INT64_FIELDS.has(key) ? int64AsString(value) : value,
  );
}

/**
 * The proto3 JSON form of a non-finite double (https://protobuf.dev/programming-guides/json/:
 * "NaN", "Infinity", "-Infinity"). The SDK's JSON serializers use plain `JSON.stringify`,
 * which writes `null` for them, and the Collector's OTLP/JSON decoder refuses the whole request
 * on a `null` double ("ReadUint64: unsupported value type", HTTP 400): one NaN gauge point or
 * one NaN span attribute cost every item of its batch.
 */
function protoJsonNumber(_key: string, value: unknown): unknown {
  if (typeof value !== 'number' || Number.isFinite(value)) return value;
  return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
}

const NULL_VALUE = Buffer.from(':null');

/**
 * Runs an SDK JSON serializer so that non-finite numbers keep their proto3 JSON form. The
 * common case (no `:null` in the output) costs one byte search; otherwise the serializer runs
 * again with `JSON.stringify` given a replacer for that one synchronous call (the serializer
 * builds its request internally and stringifies it; the request builder is not exported).
 */
function serializeFinite<T>(
  serializer: { serializeRequest(request: T): Uint8Array | undefined },
  request: T,
): Uint8Array | undefined {
  const bytes = serializer.serializeRequest(request);
  if (bytes === undefined) return undefined;
  if (!Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).includes(NULL_VALUE)) {
    return bytes;
  }
  const stringify = JSON.stringify;
  try {
    JSON.stringify = ((value: unknown, replacer?: unknown, space?: string | number) =>
      replacer === undefined
        ? stringify(value, protoJsonNumber, space)
        : stringify(value, replacer as never, space)) as typeof JSON.stringify;
  } catch {
    return bytes; // intrinsics frozen: the plain output is all there is
  }
  try {
    return serializer.serializeRequest(request);
  } finally {
    JSON.stringify = stringify;
  }
}

/** OTLP/JSON payloads of the SDK's serializers, non-finite numbers in their proto3 JSON form. */
export const otlpJson = {
  traces: (spans: ReadableSpan[]) => serializeFinite(JsonTraceSerializer, spans),
  logs: (records: ReadableLogRecord[]) => serializeFinite(JsonLogsSerializer, records),
  metrics: (metrics: ResourceMetrics) => serializeFinite(JsonMetricsSerializer, metrics),
};

function writeGuarded(
  file: RotatingJsonlFile,
  serialize: () => Uint8Array | undefined,
  done: (result: ExportResult) => void,
): void {
  try {
    const bytes = serialize();
    if (bytes === undefined) throw new Error('serializer returned nothing');
    file.appendLines([toOtlpJsonLine(bytes)]);
    done({ code: ExportResultCode.SUCCESS });
  } catch (err) {
    const error = err instanceof Error ? err : new Error(String(err));
    diag.error(`lorechat-otel: writing ${file.path} failed`, error);
    done({ code: ExportResultCode.FAILED, error });
  }
}

export class OtlpJsonFileSpanExporter implements SpanExporter {
  readonly file: RotatingJsonlFile;
  constructor(path: string, options: RotatingFileOptions) {
    this.file = new RotatingJsonlFile(path, withRetention(options));
  }
  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    if (spans.length === 0) return resultCallback({ code: ExportResultCode.SUCCESS });
    writeGuarded(this.file, () => otlpJson.traces(spans), resultCallback);
  }
  /** Waits for a rotated file's background compression (bounded by the SDK's shutdown). */
  shutdown(): Promise<void> {
    return this.file.idle();
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

export class OtlpJsonFileLogRecordExporter implements LogRecordExporter {
  readonly file: RotatingJsonlFile;
  constructor(path: string, options: RotatingFileOptions) {
    this.file = new RotatingJsonlFile(path, withRetention(options));
  }
  export(logs: ReadableLogRecord[], resultCallback: (result: ExportResult) => void): void {
    if (logs.length === 0) return resultCallback({ code: ExportResultCode.SUCCESS });
    writeGuarded(this.file, () => otlpJson.logs(logs), resultCallback);
  }
  /** Waits for a rotated file's background compression (bounded by the SDK's shutdown). */
  shutdown(): Promise<void> {
    return this.file.idle();
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

export class OtlpJsonFileMetricExporter implements PushMetricExporter {
  readonly file: RotatingJsonlFile;
  constructor(path: string, options: RotatingFileOptions) {
    this.file = new RotatingJsonlFile(path, withRetention(options));
  }
  export(metrics: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
    if (metrics.scopeMetrics.every((s) => s.metrics.length === 0)) {
      return resultCallback({ code: ExportResultCode.SUCCESS });
    }
    writeGuarded(this.file, () => otlpJson.metrics(metrics), resultCallback);
  }
  /** Cumulative, like the Prometheus endpoint next to it and the Collector's default. */
  selectAggregationTemporality(): AggregationTemporality {
    return AggregationTemporality.CUMULATIVE;
  }
  /** Waits for a rotated file's background compression (bounded by the SDK's shutdown). */
  shutdown(): Promise<void> {
    return this.file.idle();
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
}
