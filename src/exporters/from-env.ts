/**
 * The OTLP mode's processors and metric readers, from the standard `OTEL_*` variables as
 * `@opentelemetry/sdk-node` reads them (`OTEL_{TRACES,METRICS,LOGS}_EXPORTER` = otlp |
 * console | none, `OTEL_EXPORTER_OTLP[_SIGNAL]_PROTOCOL`, `OTEL_BSP_*`, `OTEL_BLRP_*`,
 * `OTEL_METRIC_EXPORT_INTERVAL` / `_TIMEOUT`; endpoint, headers, compression, timeout and TLS
 * files are read by the OTLP configuration helpers themselves).
 *
 * `http/protobuf` (the default) and `http/json` go through {@link OtlpExportQueue}: no
 * handle of ours keeps a finished app alive, and what is unsent can be spilled at a hard
 * exit. `grpc` uses the SDK's gRPC exporters and batch processors, loaded only then (they
 * bring `@grpc/grpc-js`, ~80 modules); the console exporters likewise.
 */
import { diag } from '@opentelemetry/api';
import { getNumberFromEnv, getStringFromEnv, getStringListFromEnv } from '@opentelemetry/core';
import type {
  LogRecordExporter,
  LogRecordProcessor,
  ReadableLogRecord,
} from '@opentelemetry/sdk-logs';
import {
  type IMetricReader,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import type { ReadableSpan, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace';
// Types only (erased from the build): the modules themselves load on demand.
import type * as GrpcLogs from '@opentelemetry/exporter-logs-otlp-grpc';
import type * as GrpcMetrics from '@opentelemetry/exporter-metrics-otlp-grpc';
import type * as GrpcTrace from '@opentelemetry/exporter-trace-otlp-grpc';
import { lazyRequire } from '../util/lazy-require.js';
import {
  logCodec,
  metricCodec,
  OtlpExportQueue,
  type OtlpHttpEncoding,
  OtlpHttpLogRecordProcessor,
  OtlpHttpMetricExporter,
  OtlpHttpSender,
  OtlpHttpSpanProcessor,
  type OtlpSignal,
  spanCodec,
} from './otlp-http.js';

function positive(name: string): number | undefined {
  const v = getNumberFromEnv(name);
  if (v !== undefined && v <= 0) {
    diag.warn(`lorechat-otel: ignoring ${name}=${v}: expected a number greater than 0`);
    return undefined;
  }
  return v;
}

function exporterNames(variable: string): string[] {
  const names = [...new Set(getStringListFromEnv(variable) ?? [])].filter((n) => n !== '');
  return names.length === 0 ? ['otlp'] : names;
}

/** The OTLP protocol of a signal: `http/protobuf` unless set. */
export function otlpProtocol(signal: 'TRACES' | 'METRICS' | 'LOGS'): string {
  const p =
    (
      getStringFromEnv(`OTEL_EXPORTER_OTLP_${signal}_PROTOCOL`) ??
      getStringFromEnv('OTEL_EXPORTER_OTLP_PROTOCOL')
    )?.trim() || 'http/protobuf';
  if (p !== 'grpc' && p !== 'http/json' && p !== 'http/protobuf') {
    diag.warn(
      `lorechat-otel: unsupported OTLP ${signal.toLowerCase()} protocol "${p}", using http/protobuf`,
    );
    return 'http/protobuf';
  }
  return p;
}

function encodingOf(protocol: string): OtlpHttpEncoding {
  return protocol === 'http/json' ? 'json' : 'protobuf';
}

/** What the caller decides instead of the SDK's defaults. */
export interface ProcessorDefaults {
  /** Batch queue size; the caller has already applied the `OTEL_B*_MAX_QUEUE_SIZE` variable. */
  readonly maxQueueSize?: number;
}

/** Everything the OTLP mode exports through, from the environment. */
export interface OtlpPipeline {
  readonly spanProcessors: SpanProcessor[];
  readonly logRecordProcessors: LogRecordProcessor[];
  readonly metricReaders: IMetricReader[];
  /** The OTLP/HTTP queues: what a hard exit spills. */
  readonly queues: Array<
    | OtlpExportQueue<ReadableSpan>
    | OtlpExportQueue<ReadableLogRecord>
    | OtlpExportQueue<ResourceMetrics>
  >;
  /** Sends one spooled OTLP-JSON line of a signal, when that signal goes over OTLP/HTTP. */
  readonly replaySenders: Partial<Record<OtlpSignal, OtlpHttpSender>>;
}

interface SdkTraceModule {
  BatchSpanProcessor: new (config: object) => SpanProcessor;
  SimpleSpanProcessor: new (config: object) => SpanProcessor;
  ConsoleSpanExporter: new () => SpanExporter;
}
interface SdkLogsModule {
  BatchLogRecordProcessor: new (config: object) => LogRecordProcessor;
  SimpleLogRecordProcessor: new (config: object) => LogRecordProcessor;
  ConsoleLogRecordExporter: new () => LogRecordExporter;
}
interface SdkMetricsModule {
  ConsoleMetricExporter: new () => PushMetricExporter;
}

function metricIntervals(): { exportIntervalMillis: number; exportTimeoutMillis: number } {
  const exportIntervalMillis = positive('OTEL_METRIC_EXPORT_INTERVAL') ?? 60_000;
  const exportTimeoutMillis = Math.min(
    positive('OTEL_METRIC_EXPORT_TIMEOUT') ?? 30_000,
    exportIntervalMillis,
  );
  return { exportIntervalMillis, exportTimeoutMillis };
}

export function otlpPipelineFromEnv(
  spanDefaults: ProcessorDefaults = {},
  logDefaults: ProcessorDefaults = {},
): OtlpPipeline {
  const pipeline: OtlpPipeline = {
    spanProcessors: [],
    logRecordProcessors: [],
    metricReaders: [],
    queues: [],
    replaySenders: {},
  };

  // --- traces ---
  const traceNames = exporterNames('OTEL_TRACES_EXPORTER');
  if (!traceNames.includes('none')) {
    for (const name of traceNames) {
      if (name === 'console') {
        const t = lazyRequire<SdkTraceModule>('@opentelemetry/sdk-trace');
        pipeline.spanProcessors.push(
          new t.SimpleSpanProcessor({ exporter: new t.ConsoleSpanExporter() }),
        );
      } else if (name === 'otlp') {
        const protocol = otlpProtocol('TRACES');
        const batch = {
          maxQueueSize: spanDefaults.maxQueueSize ?? positive('OTEL_BSP_MAX_QUEUE_SIZE') ?? 2048,
          scheduledDelayMillis: positive('OTEL_BSP_SCHEDULE_DELAY') ?? 5000,
          maxExportBatchSize: positive('OTEL_BSP_MAX_EXPORT_BATCH_SIZE') ?? 512,
          exportTimeoutMillis: positive('OTEL_BSP_EXPORT_TIMEOUT'),
        };
        if (protocol === 'grpc') {
          const t = lazyRequire<SdkTraceModule>('@opentelemetry/sdk-trace');
          const g = lazyRequire<typeof GrpcTrace>('@opentelemetry/exporter-trace-otlp-grpc');
          pipeline.spanProcessors.push(
            new t.BatchSpanProcessor({ exporter: new g.OTLPTraceExporter(), ...batch }),
          );
        } else {
          const queue = new OtlpExportQueue(
            spanCodec(encodingOf(protocol)),
            new OtlpHttpSender('traces', encodingOf(protocol)),
            { ...batch, maxBatchSize: batch.maxExportBatchSize },
          );
          pipeline.queues.push(queue);
          pipeline.spanProcessors.push(new OtlpHttpSpanProcessor(queue));
          pipeline.replaySenders.traces = new OtlpHttpSender('traces', 'json');
        }
      } else {
        diag.warn(
          `lorechat-otel: unsupported OTEL_TRACES_EXPORTER value "${name}" (otlp, console, none)`,
        );
      }
    }
  }

  // --- logs ---
  const logNames = exporterNames('OTEL_LOGS_EXPORTER');
  if (!logNames.includes('none')) {
    for (const name of logNames) {
      if (name === 'console') {
        const l = lazyRequire<SdkLogsModule>('@opentelemetry/sdk-logs');
        pipeline.logRecordProcessors.push(
          new l.SimpleLogRecordProcessor({ exporter: new l.ConsoleLogRecordExporter() }),
        );
      } else if (name === 'otlp') {
        const protocol = otlpProtocol('LOGS');
        const batch = {
          maxQueueSize: logDefaults.maxQueueSize ?? positive('OTEL_BLRP_MAX_QUEUE_SIZE') ?? 2048,
          scheduledDelayMillis: positive('OTEL_BLRP_SCHEDULE_DELAY') ?? 1000,
          maxExportBatchSize: positive('OTEL_BLRP_MAX_EXPORT_BATCH_SIZE') ?? 512,
          exportTimeoutMillis: positive('OTEL_BLRP_EXPORT_TIMEOUT'),
        };
        if (protocol === 'grpc') {
          const l = lazyRequire<SdkLogsModule>('@opentelemetry/sdk-logs');
          const g = lazyRequire<typeof GrpcLogs>('@opentelemetry/exporter-logs-otlp-grpc');
          pipeline.logRecordProcessors.push(
            new l.BatchLogRecordProcessor({ exporter: new g.OTLPLogExporter(), ...batch }),
          );
        } else {
          const queue = new OtlpExportQueue(
            logCodec(encodingOf(protocol)),
            new OtlpHttpSender('logs', encodingOf(protocol)),
            { ...batch, maxBatchSize: batch.maxExportBatchSize },
          );
          pipeline.queues.push(queue);
          pipeline.logRecordProcessors.push(new OtlpHttpLogRecordProcessor(queue));
          pipeline.replaySenders.logs = new OtlpHttpSender('logs', 'json');
        }
      } else {
        diag.warn(
          `lorechat-otel: unsupported OTEL_LOGS_EXPORTER value "${name}" (otlp, console, none)`,
        );
      }
    }
  }

  // --- metrics ---
  const metricNames = exporterNames('OTEL_METRICS_EXPORTER');
  if (!metricNames.includes('none')) {
    for (const name of metricNames) {
      if (name === 'console') {
        const m = lazyRequire<SdkMetricsModule>('@opentelemetry/sdk-metrics');
        pipeline.metricReaders.push(
          new PeriodicExportingMetricReader({
            exporter: new m.ConsoleMetricExporter(),
            ...metricIntervals(),
          }),
        );
      } else if (name === 'otlp') {
        const protocol = otlpProtocol('METRICS');
        let exporter: PushMetricExporter;
        if (protocol === 'grpc') {
          const g = lazyRequire<typeof GrpcMetrics>('@opentelemetry/exporter-metrics-otlp-grpc');
          exporter = new g.OTLPMetricExporter();
        } else {
          // Collections are cumulative by default: dropping an old one loses no count.
          const queue = new OtlpExportQueue(
            metricCodec(encodingOf(protocol)),
            new OtlpHttpSender('metrics', encodingOf(protocol)),
            { maxQueueSize: 8, maxBatchSize: 1, scheduledDelayMillis: 0 },
          );
          pipeline.queues.push(queue);
          pipeline.replaySenders.metrics = new OtlpHttpSender('metrics', 'json');
          exporter = new OtlpHttpMetricExporter(
            queue,
            getStringFromEnv('OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE'),
          );
        }
        pipeline.metricReaders.push(
          new PeriodicExportingMetricReader({ exporter, ...metricIntervals() }),
        );
      } else {
        diag.warn(
          `lorechat-otel: unsupported OTEL_METRICS_EXPORTER value "${name}" (otlp, console, none)`,
        );
      }
    }
  }
  return pipeline;
}
