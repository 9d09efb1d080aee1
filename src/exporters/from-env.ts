/**
 * Span and log-record processors built from the standard `OTEL_*` variables exactly as
 * `@opentelemetry/sdk-node` builds them (`OTEL_TRACES_EXPORTER` / `OTEL_LOGS_EXPORTER` =
 * otlp | console | none, `OTEL_EXPORTER_OTLP[_SIGNAL]_PROTOCOL`, `OTEL_BSP_*`, `OTEL_BLRP_*`;
 * the OTLP exporters read endpoint, headers, compression and timeout themselves).
 *
 * NodeSDK takes either its env-derived processors or an explicit list, never both; these are
 * used only when we must add one of ours (the summary, the JSON-stdout logger) next to what
 * the environment asks for.
 */
import { diag } from '@opentelemetry/api';
import { getNumberFromEnv, getStringFromEnv, getStringListFromEnv } from '@opentelemetry/core';
import { OTLPLogExporter as OTLPLogExporterGrpc } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as OTLPLogExporterJson } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as OTLPLogExporterProto } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPTraceExporter as OTLPTraceExporterGrpc } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as OTLPTraceExporterJson } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPTraceExporterProto } from '@opentelemetry/exporter-trace-otlp-proto';
import {
  BatchLogRecordProcessor,
  ConsoleLogRecordExporter,
  type LogRecordProcessor,
  SimpleLogRecordProcessor,
} from '@opentelemetry/sdk-logs';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  SimpleSpanProcessor,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';

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

function protocol(signal: 'TRACES' | 'LOGS'): string {
  return (
    (
      getStringFromEnv(`OTEL_EXPORTER_OTLP_${signal}_PROTOCOL`) ??
      getStringFromEnv('OTEL_EXPORTER_OTLP_PROTOCOL')
    )?.trim() || 'http/protobuf'
  );
}

/** What the caller decides instead of the SDK's defaults. */
export interface ProcessorDefaults {
  /** Batch queue size; the caller has already applied the `OTEL_B*_MAX_QUEUE_SIZE` variable. */
  readonly maxQueueSize?: number;
}

export function spanProcessorsFromEnv(defaults: ProcessorDefaults = {}): SpanProcessor[] {
  const names = exporterNames('OTEL_TRACES_EXPORTER');
  if (names.includes('none')) return [];
  const processors: SpanProcessor[] = [];
  for (const name of names) {
    if (name === 'console') {
      processors.push(new SimpleSpanProcessor({ exporter: new ConsoleSpanExporter() }));
      continue;
    }
    if (name !== 'otlp') {
      diag.warn(
        `lorechat-otel: unsupported OTEL_TRACES_EXPORTER value "${name}" (otlp, console, none)`,
      );
      continue;
    }
    const p = protocol('TRACES');
    const exporter =
      p === 'grpc'
        ? new OTLPTraceExporterGrpc()
        : p === 'http/json'
          ? new OTLPTraceExporterJson()
          : new OTLPTraceExporterProto();
    if (p !== 'grpc' && p !== 'http/json' && p !== 'http/protobuf') {
      diag.warn(`lorechat-otel: unsupported OTLP traces protocol "${p}", using http/protobuf`);
    }
    processors.push(
      new BatchSpanProcessor({
        exporter,
        maxQueueSize: defaults.maxQueueSize ?? positive('OTEL_BSP_MAX_QUEUE_SIZE'),
        scheduledDelayMillis: positive('OTEL_BSP_SCHEDULE_DELAY'),
        exportTimeoutMillis: positive('OTEL_BSP_EXPORT_TIMEOUT'),
        maxExportBatchSize: positive('OTEL_BSP_MAX_EXPORT_BATCH_SIZE'),
      }),
    );
  }
  return processors;
}

export function logRecordProcessorsFromEnv(defaults: ProcessorDefaults = {}): LogRecordProcessor[] {
  const names = exporterNames('OTEL_LOGS_EXPORTER');
  if (names.includes('none')) return [];
  const processors: LogRecordProcessor[] = [];
  for (const name of names) {
    if (name === 'console') {
      processors.push(new SimpleLogRecordProcessor({ exporter: new ConsoleLogRecordExporter() }));
      continue;
    }
    if (name !== 'otlp') {
      diag.warn(
        `lorechat-otel: unsupported OTEL_LOGS_EXPORTER value "${name}" (otlp, console, none)`,
      );
      continue;
    }
    const p = protocol('LOGS');
    const exporter =
      p === 'grpc'
        ? new OTLPLogExporterGrpc()
        : p === 'http/json'
          ? new OTLPLogExporterJson()
          : new OTLPLogExporterProto();
    if (p !== 'grpc' && p !== 'http/json' && p !== 'http/protobuf') {
      diag.warn(`lorechat-otel: unsupported OTLP logs protocol "${p}", using http/protobuf`);
    }
    processors.push(
      new BatchLogRecordProcessor({
        exporter,
        maxQueueSize: defaults.maxQueueSize ?? positive('OTEL_BLRP_MAX_QUEUE_SIZE'),
        scheduledDelayMillis: positive('OTEL_BLRP_SCHEDULE_DELAY'),
        exportTimeoutMillis: positive('OTEL_BLRP_EXPORT_TIMEOUT'),
        maxExportBatchSize: positive('OTEL_BLRP_MAX_EXPORT_BATCH_SIZE'),
      }),
    );
  }
  return processors;
}
