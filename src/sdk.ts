/**
 * Builds and starts the OpenTelemetry SDK from the typed configuration.
 *
 * {@link buildLoreChatSdk} is pure: it creates the components (instrumentations, processors,
 * readers, the Prometheus endpoint) without starting anything, so tests can inspect them.
 * {@link startLoreChatTelemetry} wires them into the providers and returns a handle whose
 * `shutdown()` flushes every signal within the configured time.
 *
 * The providers are wired here, as `@opentelemetry/sdk-node`'s `NodeSDK.start()` wires them
 * (the same resource detectors, context manager, propagators, sampler and limits from the
 * standard variables), rather than through `NodeSDK`: its module statically loads every
 * exporter it could build (gRPC, Zipkin, B3, declarative configuration with a YAML parser),
 * which was ~0.3 s and ~250 modules of every start-up. Here only what the configuration uses
 * is loaded.
 *
 * Modes:
 * - `otlp`: exporters, endpoint, protocol, headers, sampler, intervals from the standard
 *   `OTEL_*` variables; OTLP/HTTP through our export queues (nothing of ours keeps a
 *   finished app alive; unsent telemetry is spooled at a hard exit and sent at the next start).
 * - `embedded`: metrics on a local Prometheus endpoint and in `metrics.jsonl`; traces and
 *   logs in `traces.jsonl` / `logs.jsonl` (OTLP JSON lines, rotated); a summary at exit.
 */
import {
  context,
  diag,
  type TextMapPropagator,
  logs,
  metrics,
  propagation,
  trace,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  CompositePropagator,
  getBooleanFromEnv,
  getNumberFromEnv,
  getStringFromEnv,
  getStringListFromEnv,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';
import { type Instrumentation, registerInstrumentations } from '@opentelemetry/instrumentation';
import {
  defaultResource,
  detectResources,
  envDetector,
  hostDetector,
  osDetector,
  processDetector,
  type Resource,
  type ResourceDetector,
  resourceFromAttributes,
  serviceInstanceIdDetector,
} from '@opentelemetry/resources';
import {
  LoggerProvider,
  type LogRecordProcessor,
  SimpleLogRecordProcessor,
} from '@opentelemetry/sdk-logs';
import {
  type IMetricReader,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  type Sampler,
  type SpanLimits,
  type SpanProcessor,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

/** `host.id` (semantic conventions, incubating: not exported by the stable entry). */
const ATTR_HOST_ID = 'host.id';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, type LoreChatOtelConfig, type LoreChatOtelOptions } from './config.js';
import { otlpPipelineFromEnv, type OtlpPipeline } from './exporters/from-env.js';
import { JsonStdoutLogRecordExporter } from './exporters/json-stdout.js';
import {
  OtlpJsonFileLogRecordExporter,
  OtlpJsonFileMetricExporter,
  OtlpJsonFileSpanExporter,
} from './exporters/otlp-json-file.js';
import { PrometheusEndpoint } from './exporters/prometheus-endpoint.js';
import { Spool } from './exporters/spool.js';
import { formatSummary, SummarySpanProcessor, type SummarySnapshot } from './exporters/summary.js';
import {
  SyncBatchLogRecordProcessor,
  SyncBatchSpanProcessor,
} from './exporters/sync-batch-processor.js';
import { createLoreChatInstrumentations } from './instrumentations/index.js';
import { warnOnStderr } from './util/diagnostics.js';
import { lazyRequire } from './util/lazy-require.js';
// Types only (erased from the build): the runtime metrics load one tick after start.
import type * as HostMetrics from '@opentelemetry/instrumentation-host-metrics';
import type * as RuntimeNode from '@opentelemetry/instrumentation-runtime-node';

/** `service.name` when neither `OTEL_SERVICE_NAME` nor `OTEL_RESOURCE_ATTRIBUTES` sets it. */
export const DEFAULT_SERVICE_NAME = 'lorechat';

/** The embedded default's files. */
export interface EmbeddedFiles {
  readonly traces: string;
  readonly logs: string;
  readonly metrics: string;
}

/** The providers' inputs. */
export interface LoreChatSdkOptions {
  /** Before detection: the SDK defaults and our default `service.name`. */
  readonly resource: Resource;
  readonly instrumentations: Instrumentation[];
  readonly spanProcessors: SpanProcessor[];
  readonly logRecordProcessors: LogRecordProcessor[];
  readonly metricReaders: IMetricReader[];
}

/** Everything {@link buildLoreChatSdk} creates, nothing started. */
export interface LoreChatSdkParts {
  readonly config: LoreChatOtelConfig;
  readonly sdkOptions: LoreChatSdkOptions;
  /**
   * Ours (LangGraph, vector stores, chat models): they patch modules, so they start first.
   * None when no signal has a processor or reader (nothing they record could be read).
   */
  readonly instrumentations: readonly Instrumentation[];
  /**
   * The Node.js runtime and process metrics (none when `runtimeMetrics` is off). Created on
   * call: `startLoreChatTelemetry` starts them one tick after the app's main module began,
   * off the app's start-up path (they patch nothing; ~50 modules).
   */
  readonly runtimeInstrumentations: () => Instrumentation[];
  readonly summary: SummarySpanProcessor | undefined;
  readonly prometheus: PrometheusEndpoint | undefined;
  readonly files: EmbeddedFiles | undefined;
  /** Processors that can be drained synchronously from an `exit` handler. */
  readonly syncProcessors: ReadonlyArray<{ flushSync(): void }>;
  /** The OTLP/HTTP pipeline (otlp mode only). */
  readonly otlp: OtlpPipeline | undefined;
  /** Where a hard exit spills the OTLP queues (otlp mode with the spool on). */
  readonly spool: Spool | undefined;
}

export interface BuildOptions {
  /**
   * Instrumentations to use instead of `createLoreChatInstrumentations(config)` (the
   * runtime metrics still start when `runtimeMetrics` is on).
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

/** Creates the SDK's components from the configuration, starting nothing. */
export function buildLoreChatSdk(
  config: LoreChatOtelConfig,
  options: BuildOptions = {},
): LoreChatSdkParts {
  // Created on call: constructing an instrumentation enables it (patches its modules).
  const createInstrumentations = (): Instrumentation[] => [
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
  const runtimeInstrumentations = (): Instrumentation[] => {
    if (!config.runtimeMetrics) return [];
    const { RuntimeNodeInstrumentation } = lazyRequire<typeof RuntimeNode>(
      '@opentelemetry/instrumentation-runtime-node',
    );
    const { HostMetricsInstrumentation } = lazyRequire<typeof HostMetrics>(
      '@opentelemetry/instrumentation-host-metrics',
    );
    // Built disabled: `registerInstrumentations` below enables each once, on our MeterProvider.
    // Enabled at construction they would register their observable callbacks on the global
    // meter (ours already, through the API's proxy) and again when given the provider:
    // host-metrics 0.7 unregisters through the new meter only (metric.ts,
    // `_updateMetricInstruments`), so its callback ran twice per collection and the second
    // run, in the same millisecond, observed process.cpu.utilization as 0/0 = NaN.
    return [
      new RuntimeNodeInstrumentation({ enabled: false, monitoringPrecision: 5000 }),
      new HostMetricsInstrumentation({
        enabled: false,
        metricGroups: ['process.cpu', 'process.memory'],
      }),
    ];
  };

  const summary = config.summary ? new SummarySpanProcessor() : undefined;
  const jsonStdout = config.jsonStdout
    ? new SimpleLogRecordProcessor({ exporter: new JsonStdoutLogRecordExporter(options.stdout) })
    : undefined;

  // Lowest priority: resource detectors (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES) win.
  const resource = defaultResource().merge(
    resourceFromAttributes({ [ATTR_SERVICE_NAME]: DEFAULT_SERVICE_NAME }),
  );

  const syncProcessors: Array<{ flushSync(): void }> = [];
  let prometheus: PrometheusEndpoint | undefined;
  let files: EmbeddedFiles | undefined;
  let otlp: OtlpPipeline | undefined;
  let spool: Spool | undefined;
  let spanProcessors: SpanProcessor[];
  let logRecordProcessors: LogRecordProcessor[];
  let metricReaders: IMetricReader[];

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
    metricReaders = [
      prometheus.reader,
      new PeriodicExportingMetricReader({
        exporter: new OtlpJsonFileMetricExporter(files.metrics, rotation),
        exportIntervalMillis: metricExportIntervalMillis(),
      }),
    ];
    spanProcessors = summary ? [summary, spanFile] : [spanFile];
    logRecordProcessors = jsonStdout ? [logFile, jsonStdout] : [logFile];
  } else {
    // Larger batch queues than the SDK's 2,048 (config.spanQueueSize / logQueueSize;
    // OTEL_BSP/BLRP_MAX_QUEUE_SIZE win): those drop data within seconds of a Collector
    // restart under load.
    otlp = otlpPipelineFromEnv(
      { maxQueueSize: config.spanQueueSize },
      { maxQueueSize: config.logQueueSize },
    );
    spanProcessors = [...otlp.spanProcessors, ...(summary ? [summary] : [])];
    logRecordProcessors = [...otlp.logRecordProcessors, ...(jsonStdout ? [jsonStdout] : [])];
    metricReaders = otlp.metricReaders;
    if (config.spool && otlp.queues.length > 0) {
      spool = new Spool({ dir: config.spoolDir, maxBytes: config.spoolMaxBytes });
    }
  }

  // With no span processor, no log record processor and no metric reader (every
  // OTEL_*_EXPORTER=none in otlp mode, no summary, no JSON stdout), nothing our
  // instrumentations record could be read: they are not installed, so the app pays nothing
  // for them (no patching, no wrapper per operation). Instrumentations passed in are kept.
  const nothingRead =
    options.instrumentations === undefined &&
    spanProcessors.length === 0 &&
    logRecordProcessors.length === 0 &&
    metricReaders.length === 0;
  if (nothingRead) {
    diag.info(
      'lorechat-otel: no exporter for traces, metrics or logs; the LangChain and LangGraph instrumentations are not installed',
    );
  }
  const instrumentations = nothingRead ? [] : createInstrumentations();

  return {
    config,
    sdkOptions: { resource, instrumentations, spanProcessors, logRecordProcessors, metricReaders },
    instrumentations,
    runtimeInstrumentations,
    summary,
    prometheus,
    files,
    syncProcessors,
    otlp,
    spool,
  };
}

/** A running telemetry setup. */
export interface LoreChatTelemetry {
  readonly config: LoreChatOtelConfig;
  readonly instrumentations: readonly Instrumentation[];
  /** The embedded default's files (embedded mode only). */
  readonly files: EmbeddedFiles | undefined;
  /** False when `OTEL_SDK_DISABLED=true`: nothing was started. */
  readonly enabled: boolean;
  /** Resolves when the Prometheus endpoint listens (embedded mode), at once otherwise. */
  readonly ready: Promise<void>;
  /**
   * Resolves when the spool of earlier processes has been sent (otlp mode), with the number
   * of batches sent.
   */
  readonly replayed: Promise<number>;
  /** The Prometheus scrape URL once listening (embedded mode only). */
  prometheusUrl(): string | undefined;
  /** Numbers for the summary, when the summary is on. */
  summary(): SummarySnapshot | undefined;
  /** Exports everything buffered, without shutting down. */
  forceFlush(): Promise<void>;
  /**
   * Flushes and shuts down every signal, bounded by `shutdownTimeoutMs`, then prints the
   * summary (when on and something was recorded). Idempotent. While it runs it holds the
   * event loop (one timer, at most `shutdownTimeoutMs`), so a `beforeExit` shutdown completes.
   */
  shutdown(): Promise<void>;
  /** Whether `shutdown()` gave up at `shutdownTimeoutMs` (something is still unsent). */
  shutdownTimedOut(): boolean;
  /**
   * For `exit` handlers, when no asynchronous work can run any more: ends the turns whose
   * telemetry was still being completed, writes what the embedded files' processors hold,
   * spools what the OTLP queues hold, and prints the summary if `shutdown()` has not.
   */
  finalizeSync(): void;
}

interface Flushable {
  forceFlush?: () => Promise<unknown>;
}

interface Settleable {
  whenIdle?: () => Promise<void>;
  finishPendingSync?: () => void;
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

/**
 * Races `promise` against `ms`. `hold` keeps the event loop alive until one of them is
 * done (shutdown from `beforeExit`); otherwise the timer is unreferenced.
 */
function withTimeout(
  promise: Promise<unknown>,
  ms: number,
  what: string,
  hold: boolean,
): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => {
      diag.warn(
        `lorechat-otel: ${what} did not finish within ${ms} ms; what is still unsent is spooled or lost`,
      );
      resolve(false);
    }, ms);
    if (!hold) timer.unref();
  });
  return Promise.race([
    promise.then(
      () => true,
      (err: unknown) => {
        diag.error(`lorechat-otel: ${what} failed`, err);
        return true;
      },
    ),
    timeout,
  ]).finally(() => clearTimeout(timer));
}

function isResolvedConfig(o: LoreChatOtelOptions | LoreChatOtelConfig): o is LoreChatOtelConfig {
  return 'mode' in o && Object.isFrozen(o);
}

/**
 * The host detector, with `host.id` read synchronously on Linux (`/etc/machine-id`, then
 * `/var/lib/dbus/machine-id`, the files the upstream detector reads). Upstream reads it
 * through a dynamic `import()` that, in an ES module app, does not settle before the app's
 * main module has finished evaluating (its top-level `await`s included): an app that calls
 * `process.exit()` at the end of its main module would write every line without `host.id`.
 * Elsewhere (macOS, Windows: a child process) the upstream detector is used as is.
 */
const syncHostDetector: ResourceDetector = {
  detect(config) {
    const detected = hostDetector.detect(config);
    if (process.platform !== 'linux') return detected;
    for (const path of ['/etc/machine-id', '/var/lib/dbus/machine-id']) {
      try {
        const id = readFileSync(path, 'utf8').trim();
        if (id !== '') {
          return { attributes: { ...detected.attributes, [ATTR_HOST_ID]: id } };
        }
      } catch {
        // try the next file
      }
    }
    return detected;
  },
};

/** `OTEL_NODE_RESOURCE_DETECTORS`, as NodeSDK reads it; all of them by default. */
function resourceDetectorsFromEnv(): ResourceDetector[] {
  const all = new Map<string, ResourceDetector>([
    ['env', envDetector],
    ['host', syncHostDetector],
    ['os', osDetector],
    ['process', processDetector],
    ['serviceinstance', serviceInstanceIdDetector],
  ]);
  const names = getStringListFromEnv('OTEL_NODE_RESOURCE_DETECTORS') ?? ['all'];
  // env last: OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES win over detected values.
  if (names.includes('all'))
    return [serviceInstanceIdDetector, processDetector, syncHostDetector, osDetector, envDetector];
  if (names.includes('none')) return [];
  return names.flatMap((n) => {
    const d = all.get(n);
    if (!d)
      diag.warn(`lorechat-otel: unknown resource detector "${n}" in OTEL_NODE_RESOURCE_DETECTORS`);
    return d ? [d] : [];
  });
}

function samplerRatio(): number {
  const r = getNumberFromEnv('OTEL_TRACES_SAMPLER_ARG');
  return r !== undefined && r >= 0 && r <= 1 ? r : 1;
}

/** `OTEL_TRACES_SAMPLER` / `_ARG`, as NodeSDK reads them; the SDK default when unset. */
function samplerFromEnv(): Sampler | undefined {
  const name = getStringFromEnv('OTEL_TRACES_SAMPLER');
  switch (name) {
    case undefined:
      return undefined;
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(samplerRatio());
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(samplerRatio()) });
    default:
      diag.warn(`lorechat-otel: unknown OTEL_TRACES_SAMPLER "${name}", using the default`);
      return undefined;
  }
}

/**
 * Longest string attribute value exported when no `OTEL_*ATTRIBUTE_VALUE_LENGTH_LIMIT` is set
 * (the SDK's own default is unlimited). Our own values are bounded where they are made; this
 * bounds every other string an app or library puts on a span or log record (an HTTP
 * instrumentation's URL, a user's `setAttribute`).
 */
export const DEFAULT_ATTRIBUTE_VALUE_LENGTH_LIMIT = 8192;

export function spanLimitsFromEnv(): SpanLimits {
  const n = getNumberFromEnv;
  return {
    attributeCountLimit: n('OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT') ?? n('OTEL_ATTRIBUTE_COUNT_LIMIT'),
    attributeValueLengthLimit:
      n('OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT') ??
      n('OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT') ??
      DEFAULT_ATTRIBUTE_VALUE_LENGTH_LIMIT,
    eventCountLimit: n('OTEL_SPAN_EVENT_COUNT_LIMIT'),
    linkCountLimit: n('OTEL_SPAN_LINK_COUNT_LIMIT'),
    attributePerEventCountLimit:
      n('OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT') ?? n('OTEL_SPAN_ATTRIBUTE_PER_EVENT_COUNT_LIMIT'),
    attributePerLinkCountLimit:
      n('OTEL_LINK_ATTRIBUTE_COUNT_LIMIT') ?? n('OTEL_SPAN_ATTRIBUTE_PER_LINK_COUNT_LIMIT'),
  };
}

export function logRecordLimitsFromEnv(): {
  attributeCountLimit?: number;
  attributeValueLengthLimit?: number;
} {
  const n = (name: string): number | undefined => {
    const v = getNumberFromEnv(name);
    return v !== undefined && v >= 0 ? v : undefined;
  };
  return {
    attributeCountLimit:
      n('OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT') ?? n('OTEL_ATTRIBUTE_COUNT_LIMIT'),
    attributeValueLengthLimit:
      n('OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT') ??
      n('OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT') ??
      DEFAULT_ATTRIBUTE_VALUE_LENGTH_LIMIT,
  };
}

interface B3Module {
  B3Propagator: new (config?: object) => TextMapPropagator;
  B3InjectEncoding: { MULTI_HEADER: number };
}

/** `OTEL_PROPAGATORS` (tracecontext,baggage by default; b3 when that package is installed). */
function propagatorFromEnv(): TextMapPropagator | undefined {
  const names = [
    ...new Set(getStringListFromEnv('OTEL_PROPAGATORS') ?? ['tracecontext', 'baggage']),
  ];
  if (names.includes('none')) return undefined;
  const propagators: TextMapPropagator[] = [];
  for (const name of names) {
    if (name === 'tracecontext') propagators.push(new W3CTraceContextPropagator());
    else if (name === 'baggage') propagators.push(new W3CBaggagePropagator());
    else if (name === 'b3' || name === 'b3multi') {
      try {
        const b3 = lazyRequire<B3Module>('@opentelemetry/propagator-b3');
        propagators.push(
          new b3.B3Propagator(
            name === 'b3multi' ? { injectEncoding: b3.B3InjectEncoding.MULTI_HEADER } : {},
          ),
        );
      } catch {
        diag.warn(`lorechat-otel: OTEL_PROPAGATORS=${name} needs @opentelemetry/propagator-b3`);
      }
    } else diag.warn(`lorechat-otel: unknown propagator "${name}" in OTEL_PROPAGATORS`);
  }
  if (propagators.length === 0) return undefined;
  return propagators.length === 1 ? propagators[0] : new CompositePropagator({ propagators });
}

/** What the handle needs from the started providers. */
interface Providers {
  tracerProvider: TracerProvider | undefined;
  meterProvider: MeterProvider | undefined;
  loggerProvider: LoggerProvider | undefined;
}

function startProviders(parts: LoreChatSdkParts): Providers {
  const o = parts.sdkOptions;
  const resource = o.resource.merge(detectResources({ detectors: resourceDetectorsFromEnv() }));
  // Settle the asynchronous attributes (host.id) now: a resource stays "pending" until
  // someone awaits it, and a synchronous write from an `exit` handler cannot.
  resource.waitForAsyncAttributes?.().catch((err: unknown) => {
    diag.debug('lorechat-otel: resource detection failed', err);
  });

  const contextManager = new AsyncLocalStorageContextManager();
  contextManager.enable();
  context.setGlobalContextManager(contextManager);
  const propagator = propagatorFromEnv();
  if (propagator) propagation.setGlobalPropagator(propagator);

  const meterProvider =
    o.metricReaders.length > 0
      ? new MeterProvider({ resource, readers: o.metricReaders })
      : undefined;
  if (meterProvider) metrics.setGlobalMeterProvider(meterProvider);

  const sampler = samplerFromEnv();
  const tracerProvider =
    o.spanProcessors.length > 0
      ? new TracerProvider({
          ...(sampler ? { sampler } : {}),
          spanLimits: spanLimitsFromEnv(),
          resource,
          spanProcessors: o.spanProcessors,
        })
      : undefined;
  if (tracerProvider) trace.setGlobalTracerProvider(tracerProvider);

  const loggerProvider =
    o.logRecordProcessors.length > 0
      ? new LoggerProvider({
          logRecordLimits: logRecordLimitsFromEnv(),
          resource,
          processors: o.logRecordProcessors,
        })
      : undefined;
  if (loggerProvider) logs.setGlobalLoggerProvider(loggerProvider);

  registerInstrumentations({
    instrumentations: o.instrumentations,
    ...(tracerProvider ? { tracerProvider } : {}),
    ...(meterProvider ? { meterProvider } : {}),
    ...(loggerProvider ? { loggerProvider } : {}),
  });
  return { tracerProvider, meterProvider, loggerProvider };
}

function disabledHandle(config: LoreChatOtelConfig): LoreChatTelemetry {
  return {
    config,
    instrumentations: [],
    files: undefined,
    enabled: false,
    ready: Promise.resolve(),
    replayed: Promise.resolve(0),
    prometheusUrl: () => undefined,
    summary: () => undefined,
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
    shutdownTimedOut: () => false,
    finalizeSync: () => undefined,
  };
}

/**
 * Builds, starts and returns the telemetry. Synchronous so that `--require` registers the
 * SDK before the app's first line runs; the Prometheus endpoint comes up in the background
 * (`ready`). With `OTEL_SDK_DISABLED=true` nothing is built or started (an inert handle).
 */
export function startLoreChatTelemetry(
  options: LoreChatOtelOptions | LoreChatOtelConfig = {},
  build: BuildOptions = {},
): LoreChatTelemetry {
  const config = isResolvedConfig(options) ? options : loadConfig(options);
  if (getBooleanFromEnv('OTEL_SDK_DISABLED')) return disabledHandle(config);
  const parts = buildLoreChatSdk(config, build);
  const providers = startProviders(parts);
  // Without a metric reader of ours, the runtime metrics would go nowhere.
  if (config.runtimeMetrics && providers.meterProvider) {
    setImmediate(() => {
      try {
        registerInstrumentations({
          instrumentations: parts.runtimeInstrumentations(),
          ...(providers.meterProvider ? { meterProvider: providers.meterProvider } : {}),
        });
      } catch (err) {
        diag.error('lorechat-otel: runtime metrics could not start', err);
      }
    });
  }

  const ready: Promise<void> = parts.prometheus
    ? parts.prometheus.start().then(
        () => undefined,
        (err: unknown) => {
          const code = (err as NodeJS.ErrnoException).code;
          warnOnStderr(
            `the embedded Prometheus endpoint could not listen on ${config.prometheusHost}:${config.prometheusPort}` +
              ` (${code ?? String(err)}); metrics are still written to ${parts.files?.metrics ?? 'the files'}.` +
              ' Set LORECHAT_OTEL_PROMETHEUS_PORT to a free port (0 picks one).',
          );
        },
      )
    : Promise.resolve();

  // Sent in the background with unreferenced sockets: an app that ends at once is not held.
  const senders = parts.otlp?.replaySenders ?? {};
  const replayed: Promise<number> = parts.spool
    ? parts.spool.replay(async (signal, line) => {
        const sender = senders[signal];
        return sender ? sender.send(line) : 'retryable';
      })
    : Promise.resolve(0);

  const flushProviders = (): Promise<unknown> =>
    Promise.all(
      [providers.tracerProvider, providers.meterProvider, providers.loggerProvider].map(
        (p) => (p as Flushable | undefined)?.forceFlush?.() ?? Promise.resolve(),
      ),
    );
  const shutdownProviders = (): Promise<unknown> =>
    Promise.all(
      [providers.tracerProvider, providers.meterProvider, providers.loggerProvider].map(
        (p) => p?.shutdown() ?? Promise.resolve(),
      ),
    );

  let shutdownPromise: Promise<void> | undefined;
  let timedOut = false;
  let summaryPrinted = false;
  const printSummary = (): void => {
    if (!parts.summary || summaryPrinted) return;
    summaryPrinted = true;
    const snapshot = parts.summary.snapshot();
    // Quiet where nothing happened (a test runner's workers, a CLI that did no turn).
    if (snapshot.spans === 0) return;
    process.stderr.write(
      formatSummary(snapshot, {
        mode: config.mode,
        files: parts.files,
        prometheusUrl: parts.prometheus?.url,
      }),
    );
  };

  return {
    config,
    instrumentations: parts.instrumentations,
    files: parts.files,
    enabled: true,
    ready,
    replayed,
    prometheusUrl: () => parts.prometheus?.url,
    summary: () => parts.summary?.snapshot(),
    forceFlush: () =>
      withTimeout(
        settleInstrumentations(parts.instrumentations).then(flushProviders),
        config.shutdownTimeoutMs,
        'flushing telemetry',
        false,
      ).then(() => undefined),
    shutdownTimedOut: () => timedOut,
    finalizeSync: () => {
      for (const i of parts.instrumentations) {
        try {
          (i as Settleable).finishPendingSync?.();
        } catch (err) {
          diag.error('lorechat-otel: ending pending turns failed', err);
        }
      }
      for (const p of parts.syncProcessors) p.flushSync();
      if (parts.spool && parts.otlp) {
        parts.spool.releaseSync();
        const n = parts.spool.writeSync(parts.otlp.queues);
        if (n > 0) diag.info(`lorechat-otel: spooled ${n} unsent batches to ${parts.spool.dir}`);
      }
      printSummary();
    },
    shutdown: () => {
      shutdownPromise ??= withTimeout(
        Promise.all([
          settleInstrumentations(parts.instrumentations).then(shutdownProviders),
          replayed,
        ]),
        config.shutdownTimeoutMs,
        'shutting down telemetry',
        true,
      )
        .then((finished) => {
          timedOut = !finished;
          return parts.prometheus?.stop();
        })
        .then(printSummary);
      return shutdownPromise;
    },
  };
}
