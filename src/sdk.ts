/**
 * Builds the OpenTelemetry NodeSDK from the typed configuration.
 *
 * {@link buildLoreChatSdk} is pure: it creates the components (instrumentations, processors,
 * readers, the Prometheus endpoint) and the NodeSDK options without starting anything, so
 * tests can inspect them. {@link startLoreChatTelemetry} starts them and returns a handle
 * whose `shutdown()` flushes every signal within the configured time.
 *
 * Modes:
 * - `otlp`: the SDK reads the standard `OTEL_*` variables (exporters, endpoint, protocol,
 *   headers, sampler, intervals). Only when one of our own processors must sit next to the
 *   exporters (the summary, the JSON-stdout logger) are the env-equivalent processors built
 *   here, the same way the SDK builds them.
 * - `embedded`: metrics on a local Prometheus endpoint and in `metrics.jsonl`; traces and
 *   logs in `traces.jsonl` / `logs.jsonl` (OTLP JSON lines, rotated); a summary at exit.
 */
import { diag, logs, metrics, trace } from '@opentelemetry/api';
import { getNumberFromEnv } from '@opentelemetry/core';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { HostMetricsInstrumentation } from '@opentelemetry/instrumentation-host-metrics';
import { RuntimeNodeInstrumentation } from '@opentelemetry/instrumentation-runtime-node';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import type { LogRecordProcessor } from '@opentelemetry/sdk-logs';
import { type IMetricReader, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { NodeSDK, type NodeSDKConfiguration } from '@opentelemetry/sdk-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { join } from 'node:path';
import { loadConfig, type LoreChatOtelConfig, type LoreChatOtelOptions } from './config.js';
import { logRecordProcessorsFromEnv, spanProcessorsFromEnv } from './exporters/from-env.js';
import { JsonStdoutLogRecordExporter } from './exporters/json-stdout.js';
import {
  OtlpJsonFileLogRecordExporter,
  OtlpJsonFileMetricExporter,
  OtlpJsonFileSpanExporter,
} from './exporters/otlp-json-file.js';
import { PrometheusEndpoint } from './exporters/prometheus-endpoint.js';
import { formatSummary, SummarySpanProcessor, type SummarySnapshot } from './exporters/summary.js';
import {
  SyncBatchLogRecordProcessor,
  SyncBatchSpanProcessor,
} from './exporters/sync-batch-processor.js';
import { createLoreChatInstrumentations } from './instrumentations/index.js';
import { SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';

/** `service.name` when neither `OTEL_SERVICE_NAME` nor `OTEL_RESOURCE_ATTRIBUTES` sets it. */
export const DEFAULT_SERVICE_NAME = 'lorechat';

/** The embedded default's files. */
export interface EmbeddedFiles {
  readonly traces: string;
  readonly logs: string;
  readonly metrics: string;
}

/** Everything {@link buildLoreChatSdk} creates, nothing started. */
export interface LoreChatSdkParts {
  readonly config: LoreChatOtelConfig;
  /** Options for `new NodeSDK(...)`. */
  readonly sdkOptions: Partial<NodeSDKConfiguration>;
  /** Ours (LangGraph, vector stores, chat models), the Node.js runtime and process metrics. */
  readonly instrumentations: readonly Instrumentation[];
  readonly summary: SummarySpanProcessor | undefined;
  readonly prometheus: PrometheusEndpoint | undefined;
  readonly files: EmbeddedFiles | undefined;
  /** Processors that can be drained synchronously from an `exit` handler. */
  readonly syncProcessors: ReadonlyArray<{ flushSync(): void }>;
}

export interface BuildOptions {
  /**
   * Instrumentations to use instead of `createLoreChatInstrumentations(config)` (the
   * runtime instrumentation is still added when `runtimeMetrics` is on).
   * @default createLoreChatInstrumentations(config)
   */
  readonly instrumentations?: readonly Instrumentation[];
  /** Where the JSON-stdout logger writes. @default process.stdout */
  readonly stdout?: (line: string) => void;
  /**
   * Redaction hook applied to captured content (only used with content capture on).
   * @default undefined (content is truncated, not redacted)
   */
  readonly redact?: (text: string) => string;
}

function metricExportIntervalMillis(): number {
  const v = getNumberFromEnv('OTEL_METRIC_EXPORT_INTERVAL');
  return v !== undefined && v > 0 ? v : 60_000;
}

/** Creates the SDK's components and options from the configuration, starting nothing. */
export function buildLoreChatSdk(
  config: LoreChatOtelConfig,
  options: BuildOptions = {},
): LoreChatSdkParts {
  const instrumentations: Instrumentation[] = [
    ...(options.instrumentations ??
      createLoreChatInstrumentations({
        captureMessageContent: config.captureMessageContent,
        contentMaxLength: config.contentMaxLength,
        llmMetrics: config.llmMetrics,
        sessionWindowMs: config.sessionWindowMs,
        emitEvents: config.emitEvents,
        spanEvents: config.spanEvents,
        eventsMinSeverity: config.eventsMinSeverity,
        ...(options.redact ? { redact: options.redact } : {}),
      })),
  ];
  if (config.runtimeMetrics) {
    instrumentations.push(
      new RuntimeNodeInstrumentation({ monitoringPrecision: 5000 }),
      new HostMetricsInstrumentation({ metricGroups: ['process.cpu', 'process.memory'] }),
    );
  }

  const summary = config.summary ? new SummarySpanProcessor() : undefined;
  const jsonStdout = config.jsonStdout
    ? new SimpleLogRecordProcessor({ exporter: new JsonStdoutLogRecordExporter(options.stdout) })
    : undefined;

  // Lowest priority: resource detectors (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES) win.
  const resource = defaultResource().merge(
    resourceFromAttributes({ [ATTR_SERVICE_NAME]: DEFAULT_SERVICE_NAME }),
  );

  const sdkOptions: Partial<NodeSDKConfiguration> = { resource, instrumentations };
  const syncProcessors: Array<{ flushSync(): void }> = [];
  let prometheus: PrometheusEndpoint | undefined;
  let files: EmbeddedFiles | undefined;

  if (config.mode === 'embedded') {
    files = {
      traces: join(config.outputDir, 'traces.jsonl'),
      logs: join(config.outputDir, 'logs.jsonl'),
      metrics: join(config.outputDir, 'metrics.jsonl'),
    };
    const rotation = { maxBytes: config.fileMaxBytes, maxFiles: config.fileMaxFiles };
    const spanFile = new SyncBatchSpanProcessor(
      new OtlpJsonFileSpanExporter(files.traces, rotation),
    );
    const logFile = new SyncBatchLogRecordProcessor(
      new OtlpJsonFileLogRecordExporter(files.logs, rotation),
    );
    syncProcessors.push(spanFile, logFile);
    prometheus = new PrometheusEndpoint({
      host: config.prometheusHost,
      port: config.prometheusPort,
    });
    const metricReaders: IMetricReader[] = [
      prometheus.reader,
      new PeriodicExportingMetricReader({
        exporter: new OtlpJsonFileMetricExporter(files.metrics, rotation),
        exportIntervalMillis: metricExportIntervalMillis(),
      }),
    ];
    sdkOptions.spanProcessors = summary ? [summary, spanFile] : [spanFile];
    sdkOptions.logRecordProcessors = jsonStdout ? [logFile, jsonStdout] : [logFile];
    sdkOptions.metricReaders = metricReaders;
  } else {
    // Built as the SDK builds them from the OTEL_* variables, but with larger batch queues
    // (config.spanQueueSize / logQueueSize; OTEL_BSP/BLRP_MAX_QUEUE_SIZE win): the SDK's 2,048
    // drop data within seconds of a Collector restart under load. Ours sit next to them.
    sdkOptions.spanProcessors = [
      ...spanProcessorsFromEnv({ maxQueueSize: config.spanQueueSize }),
      ...(summary ? [summary] : []),
    ];
    sdkOptions.logRecordProcessors = [
      ...logRecordProcessorsFromEnv({ maxQueueSize: config.logQueueSize }),
      ...(jsonStdout ? [jsonStdout] : []),
    ] satisfies LogRecordProcessor[];
  }

  return {
    config,
    sdkOptions,
    instrumentations,
    summary,
    prometheus,
    files,
    syncProcessors,
  };
}

/** A running telemetry setup. */
export interface LoreChatTelemetry {
  readonly config: LoreChatOtelConfig;
  readonly instrumentations: readonly Instrumentation[];
  /** The embedded default's files (embedded mode only). */
  readonly files: EmbeddedFiles | undefined;
  /** Resolves when the Prometheus endpoint listens (embedded mode), at once otherwise. */
  readonly ready: Promise<void>;
  /** The Prometheus scrape URL once listening (embedded mode only). */
  prometheusUrl(): string | undefined;
  /** Numbers for the summary, when the summary is on. */
  summary(): SummarySnapshot | undefined;
  /** Exports everything buffered, without shutting down. */
  forceFlush(): Promise<void>;
  /**
   * Flushes and shuts down every signal, bounded by `shutdownTimeoutMs`, then prints the
   * summary (when on). Idempotent: later calls return the first call's promise.
   */
  shutdown(): Promise<void>;
  /**
   * For `exit` handlers, when no asynchronous work can run any more: writes what the
   * embedded files' processors hold and prints the summary if `shutdown()` has not.
   */
  finalizeSync(): void;
}

interface Flushable {
  forceFlush?: () => Promise<unknown>;
}

function flushGlobalProviders(): Promise<unknown> {
  const tracerProvider = trace.getTracerProvider() as { getDelegate?: () => unknown } & Flushable;
  const providers: Flushable[] = [
    tracerProvider.getDelegate?.() ?? tracerProvider,
    metrics.getMeterProvider() as Flushable,
    logs.getLoggerProvider() as Flushable,
  ];
  return Promise.all(providers.map((p) => p.forceFlush?.() ?? Promise.resolve()));
}

interface Settleable {
  whenIdle?: () => Promise<void>;
}

/**
 * Waits for telemetry that instrumentations still record after a call returned (a turn's
 * `chat.complete`, session memory and workflow span end), so a flush right after the last
 * turn does not lose it.
 */
function settleInstrumentations(instrumentations: readonly Instrumentation[]): Promise<unknown> {
  return Promise.all(
    instrumentations.map((i) => (i as Settleable).whenIdle?.() ?? Promise.resolve()),
  );
}

function withTimeout(promise: Promise<unknown>, ms: number, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      diag.warn(
        `lorechat-otel: ${what} did not finish within ${ms} ms; some telemetry may be lost`,
      );
      resolve();
    }, ms);
    timer.unref();
  });
  return Promise.race([
    promise.then(
      () => undefined,
      (err: unknown) => diag.error(`lorechat-otel: ${what} failed`, err),
    ),
    timeout,
  ]).finally(() => clearTimeout(timer));
}

function isResolvedConfig(o: LoreChatOtelOptions | LoreChatOtelConfig): o is LoreChatOtelConfig {
  return 'mode' in o && Object.isFrozen(o);
}

/**
 * Builds, starts and returns the telemetry. Synchronous so that `--require` registers the
 * SDK before the app's first line runs; the Prometheus endpoint comes up in the background
 * (`ready`). A failing start is reported through `diag` and leaves the app running.
 */
export function startLoreChatTelemetry(
  options: LoreChatOtelOptions | LoreChatOtelConfig = {},
  build: BuildOptions = {},
): LoreChatTelemetry {
  const config = isResolvedConfig(options) ? options : loadConfig(options);
  const parts = buildLoreChatSdk(config, build);
  // NodeSDK installs its own console diag logger when OTEL_LOG_LEVEL is set and warns when
  // it replaces one; the one `register` installed to report config problems goes first.
  if ((process.env.OTEL_LOG_LEVEL ?? '') !== '') diag.disable();
  const sdk = new NodeSDK(parts.sdkOptions);
  sdk.start();

  const ready: Promise<void> = parts.prometheus
    ? parts.prometheus.start().then(
        () => undefined,
        (err: unknown) => {
          diag.error(
            `lorechat-otel: Prometheus endpoint ${config.prometheusHost}:${config.prometheusPort} unavailable (set LORECHAT_OTEL_PROMETHEUS_PORT)`,
            err,
          );
        },
      )
    : Promise.resolve();

  let shutdownPromise: Promise<void> | undefined;
  let summaryPrinted = false;
  const printSummary = (): void => {
    if (!parts.summary || summaryPrinted) return;
    summaryPrinted = true;
    process.stderr.write(
      formatSummary(parts.summary.snapshot(), {
        mode: config.mode,
        files: parts.files,
        prometheusUrl: parts.prometheus?.url,
      }),
    );
  };

  const handle: LoreChatTelemetry = {
    config,
    instrumentations: parts.instrumentations,
    files: parts.files,
    ready,
    prometheusUrl: () => parts.prometheus?.url,
    summary: () => parts.summary?.snapshot(),
    forceFlush: () =>
      withTimeout(
        settleInstrumentations(parts.instrumentations).then(flushGlobalProviders),
        config.shutdownTimeoutMs,
        'flushing telemetry',
      ),
    finalizeSync: () => {
      for (const p of parts.syncProcessors) p.flushSync();
      printSummary();
    },
    shutdown: () => {
      shutdownPromise ??= withTimeout(
        settleInstrumentations(parts.instrumentations).then(() => sdk.shutdown()),
        config.shutdownTimeoutMs,
        'shutting down telemetry',
      )
        .then(() => parts.prometheus?.stop())
        .then(printSummary);
      return shutdownPromise;
    },
  };
  return handle;
}
