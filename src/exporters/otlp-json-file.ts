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
    writeGuarded(this.file, () => JsonTraceSerializer.serializeRequest(spans), resultCallback);
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
    writeGuarded(this.file, () => JsonLogsSerializer.serializeRequest(logs), resultCallback);
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
    writeGuarded(this.file, () => JsonMetricsSerializer.serializeRequest(metrics), resultCallback);
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
