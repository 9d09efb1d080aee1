/**
 * `--import` set-up of the floor's capture run: lorechat-otel started exactly as `register`
 * starts it (same config from the same environment, same module hooks), with its
 * instrumentations then pointed at providers that record every span, log record and metric
 * recording in order (see lib/floor-plan.ts). Around each turn the workload calls the turn
 * hook; on exit the plan is written to `BENCH_FLOOR_PLAN_OUT` for the floor run to replay.
 */
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { HostMetricsInstrumentation } from '@opentelemetry/instrumentation-host-metrics';
import { RuntimeNodeInstrumentation } from '@opentelemetry/instrumentation-runtime-node';
import {
  LoggerProvider,
  type LogRecordProcessor,
  type ReadWriteLogRecord,
} from '@opentelemetry/sdk-logs';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import {
  type ReadableSpan,
  type Span,
  type SpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { writeFileSync } from 'node:fs';
import { loadConfig } from '../../src/config.js';
import { startLoreChatTelemetry } from '../../src/sdk.js';
import { instrumentedModuleNames, registerEsmHook } from '../../src/util/esm-hook.js';
import { PlanRecorder, recordingMeterProvider, setTurnHook } from '../lib/floor-plan.js';

const out = process.env.BENCH_FLOOR_PLAN_OUT;
if (!out) throw new Error('capture: set BENCH_FLOOR_PLAN_OUT to the plan file to write');

class CollectingReader extends MetricReader {
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

const recorder = new PlanRecorder();
const spanProcessor: SpanProcessor = {
  onStart: (span: Span) => recorder.spanStarted(span),
  onEnd: (span: ReadableSpan) => recorder.spanEnded(span),
  forceFlush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
};
const logProcessor: LogRecordProcessor = {
  onEmit: (record: ReadWriteLogRecord) => recorder.logEmitted(record),
  forceFlush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
};
const reader = new CollectingReader();
const tracerProvider = new TracerProvider({ spanProcessors: [spanProcessor] });
const loggerProvider = new LoggerProvider({ processors: [logProcessor] });
const meterProvider = recordingMeterProvider(new MeterProvider({ readers: [reader] }), recorder);

const telemetry = startLoreChatTelemetry(loadConfig());
registerEsmHook(instrumentedModuleNames(telemetry.instrumentations), import.meta.url);
// Ours only: the Node.js runtime and process metrics are the SDK's, and the floor has them too.
const ours = telemetry.instrumentations.filter(
  (i: Instrumentation) =>
    !(i instanceof RuntimeNodeInstrumentation) && !(i instanceof HostMetricsInstrumentation),
);
for (const i of ours) {
  i.setTracerProvider(tracerProvider);
  i.setMeterProvider(meterProvider);
  i.setLoggerProvider?.(loggerProvider);
}

async function observe(): Promise<void> {
  const { resourceMetrics } = await reader.collect();
  for (const sm of resourceMetrics.scopeMetrics) {
    for (const m of sm.metrics) {
      const inst = recorder.plan.instruments.find(
        (i) => i.name === m.descriptor.name && i.kind.startsWith('observable'),
      );
      if (!inst) continue;
      inst.observed = m.dataPoints
        .filter((p) => typeof p.value === 'number')
        .map((p) => ({ value: p.value as number, attributes: p.attributes }));
    }
  }
}

setTurnHook({
  start: () => recorder.beginTurn(),
  end: async (key, threadId) => {
    await Promise.all(
      ours.map((i) => (i as { whenIdle?: () => Promise<void> }).whenIdle?.() ?? Promise.resolve()),
    );
    recorder.endTurn(key, threadId);
    await observe();
  },
});

process.once('exit', () => {
  writeFileSync(out, JSON.stringify(recorder.plan));
});
process.once('beforeExit', () => {
  void telemetry.shutdown();
});
