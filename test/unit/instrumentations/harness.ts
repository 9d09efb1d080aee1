/**
 * In-memory OpenTelemetry pipeline for the instrumentation unit tests: spans, metrics and
 * log records are kept in memory and read back with the catalogue's names.
 */
import { context, trace, type Attributes } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  InMemoryLogRecordExporter,
  LoggerProvider,
  type ReadableLogRecord,
  SimpleLogRecordProcessor,
} from '@opentelemetry/sdk-logs';
import {
  type DataPoint,
  type Histogram,
  MeterProvider,
  MetricReader,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import type { Instrumentation } from '@opentelemetry/instrumentation';

class TestMetricReader extends MetricReader {
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

export interface Harness {
  readonly spans: InMemorySpanExporter;
  readonly logs: InMemoryLogRecordExporter;
  readonly reader: MetricReader;
  attach(instrumentation: Instrumentation): void;
  finishedSpans(): ReadableSpan[];
  spanNamed(name: string): ReadableSpan;
  logRecords(): ReadableLogRecord[];
  /**
   * The plan's events emitted in `span`'s context (log records carrying its span id), in
   * order, as `{ name, attributes }` like span events.
   */
  eventsOf(span: ReadableSpan): Array<{ name: string; attributes: Attributes }>;
  metrics(): Promise<MetricData[]>;
  metric(name: string): Promise<MetricData | undefined>;
  reset(): void;
}

let contextManagerInstalled = false;

export function createHarness(): Harness {
  if (!contextManagerInstalled) {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    contextManagerInstalled = true;
  }
  const spans = new InMemorySpanExporter();
  const logs = new InMemoryLogRecordExporter();
  const reader = new TestMetricReader();
  const tracerProvider = new TracerProvider({
    spanProcessors: [new SimpleSpanProcessor({ exporter: spans })],
  });
  const meterProvider = new MeterProvider({ readers: [reader] });
  const loggerProvider = new LoggerProvider({
    processors: [new SimpleLogRecordProcessor({ exporter: logs })],
  });
  // User code in the test graphs creates spans with the global API.
  trace.setGlobalTracerProvider(tracerProvider);
  const metrics = async (): Promise<MetricData[]> => {
    const { resourceMetrics } = await reader.collect();
    return resourceMetrics.scopeMetrics.flatMap((sm) => sm.metrics);
  };
  return {
    spans,
    logs,
    reader,
    attach(instrumentation) {
      instrumentation.setTracerProvider(tracerProvider);
      instrumentation.setMeterProvider(meterProvider);
      instrumentation.setLoggerProvider?.(loggerProvider);
    },
    finishedSpans: () => spans.getFinishedSpans(),
    spanNamed(name) {
      const found = spans.getFinishedSpans().filter((s) => s.name === name);
      if (found.length !== 1) {
        throw new Error(
          `expected one span named ${name}, found ${found.length} among ${spans
            .getFinishedSpans()
            .map((s) => s.name)
            .join(', ')}`,
        );
      }
      return found[0]!;
    },
    logRecords: () => logs.getFinishedLogRecords(),
    eventsOf(span) {
      const { spanId } = span.spanContext();
      return logs
        .getFinishedLogRecords()
        .filter((r) => r.spanContext?.spanId === spanId && r.eventName !== undefined)
        .map((r) => ({ name: r.eventName!, attributes: r.attributes }));
    },
    metrics,
    async metric(name) {
      // Several instrumentations may record one instrument name (e.g. lorechat.operations);
      // merge their data points.
      const all = (await metrics()).filter((m) => m.descriptor.name === name);
      if (all.length === 0) return undefined;
      const [first, ...rest] = all;
      return {
        ...first!,
        dataPoints: [...first!.dataPoints, ...rest.flatMap((m) => m.dataPoints as unknown[])],
      } as unknown as MetricData;
    },
    reset() {
      spans.reset();
      logs.reset();
    },
  };
}

export function parentId(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}

export function pointsWith(
  metric: MetricData | undefined,
  attrs: Attributes,
): DataPoint<unknown>[] {
  if (!metric) return [];
  return (metric.dataPoints as DataPoint<unknown>[]).filter((p) =>
    Object.entries(attrs).every(([k, v]) => p.attributes[k] === v),
  );
}

export function sumOf(metric: MetricData | undefined, attrs: Attributes = {}): number {
  return pointsWith(metric, attrs).reduce((acc, p) => {
    const v = p.value;
    return acc + (typeof v === 'number' ? v : ((v as Histogram).sum ?? 0));
  }, 0);
}

export function countOf(metric: MetricData | undefined, attrs: Attributes = {}): number {
  return pointsWith(metric, attrs).reduce((acc, p) => {
    const v = p.value;
    return acc + (typeof v === 'number' ? 1 : (v as Histogram).count);
  }, 0);
}
