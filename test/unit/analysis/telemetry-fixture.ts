/**
 * Writes an embedded-default telemetry directory (metrics.jsonl, logs.jsonl) from real SDK
 * objects: instruments recorded through a MeterProvider and log records emitted through a
 * LoggerProvider, serialized by @opentelemetry/otlp-transformer's JSON serializers and the
 * package's own OTLP-JSON line formatter. Only the clock is simulated: each collection's
 * points are re-timed to the scenario's minute.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { HrTime } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { JsonLogsSerializer, JsonMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  InMemoryLogRecordExporter,
  LoggerProvider,
  SimpleLogRecordProcessor,
} from '@opentelemetry/sdk-logs';
import { MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { type MetricName, metricDefinition } from '../../../src/catalogue/index.js';
import { runCli } from '../../../src/cli/run.js';
import { toOtlpJsonLine } from '../../../src/exporters/otlp-json-file.js';
import * as s from '../../../src/semconv.js';

class ManualReader extends MetricReader {
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

const hr = (ms: number): HrTime => [Math.floor(ms / 1000), Math.round((ms % 1000) * 1e6)];

function retime(rm: ResourceMetrics, start: number, end: number): ResourceMetrics {
  return {
    ...rm,
    scopeMetrics: rm.scopeMetrics.map((sm) => ({
      ...sm,
      metrics: sm.metrics.map((m) => ({
        ...m,
        dataPoints: m.dataPoints.map((dp) => ({ ...dp, startTime: hr(start), endTime: hr(end) })),
      })) as typeof sm.metrics,
    })),
  };
}

export interface Turn {
  readonly seconds: number;
  readonly status?: 'success' | 'error';
  readonly fingerprint: string;
  readonly query?: string;
  readonly inputTokens?: number;
  readonly outputTokens?: number;
  readonly searchSeconds?: number;
  readonly llmError?: string;
  readonly nodeSeconds?: Readonly<Record<string, number>>;
}

export interface Scenario {
  /** Epoch ms of the SDK start. */
  readonly start: number;
  /** Length of one collection interval (ms). */
  readonly interval: number;
  /** Turns per interval. */
  readonly turns: ReadonlyArray<readonly Turn[]>;
  /** Largest session memory reported in each interval. */
  readonly memoryMax?: readonly number[];
  readonly model?: string;
}

/** Records the scenario and writes metrics.jsonl / logs.jsonl into `dir`. */
export async function writeTelemetry(dir: string, scenario: Scenario): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const resource = resourceFromAttributes({
    'service.name': 'lorechat',
    'service.instance.id': 'fixture-1',
  });
  const reader = new ManualReader();
  const meterProvider = new MeterProvider({ readers: [reader], resource });
  const meter = meterProvider.getMeter('lorechat-otel');
  const histogram = (name: MetricName) => {
    const d = metricDefinition(name);
    return meter.createHistogram(d.name, {
      unit: d.unit,
      advice: { explicitBucketBoundaries: [...(d.buckets ?? [])] },
    });
  };
  const responseTime = histogram(s.METRIC_CHAT_RESPONSE_TIME);
  const vectorDuration = histogram(s.METRIC_VECTOR_STORE_OPERATION_DURATION);
  const nodeDuration = histogram(s.METRIC_GRAPH_NODE_DURATION);
  const tokens = meter.createCounter(s.METRIC_LLM_TOKEN_USAGE, { unit: '{token}' });
  const vectorOps = meter.createCounter(s.METRIC_VECTOR_STORE_OPERATIONS);
  const operations = meter.createCounter(s.METRIC_LORECHAT_OPERATIONS);
  const errors = meter.createCounter(s.METRIC_LORECHAT_ERRORS);
  const memoryMax = meter.createGauge(s.METRIC_CHAT_MEMORY_MAX, { unit: 'By' });

  const logExporter = new InMemoryLogRecordExporter();
  const loggerProvider = new LoggerProvider({
    resource,
    processors: [new SimpleLogRecordProcessor({ exporter: logExporter })],
  });
  const logger = loggerProvider.getLogger('lorechat-otel');
  const model = scenario.model ?? 'gpt-4o-mini';
  let requestNo = 0;

  const emit = (
    name: string,
    time: number,
    ctx: Record<string, unknown>,
    attributes: Record<string, string | number>,
    extra: Record<string, unknown> = {},
  ) => {
    const failed = ctx.error !== undefined;
    logger.emit({
      eventName: name,
      timestamp: time,
      severityNumber: failed ? SeverityNumber.ERROR : SeverityNumber.INFO,
      severityText: failed ? 'ERROR' : 'INFO',
      body: { event: name, context: { timestamp: new Date(time).toISOString(), ...ctx }, ...extra },
      attributes: {
        [s.ATTR_LORECHAT_COMPONENT]: String(ctx.component),
        [s.ATTR_LORECHAT_ACTION]: String(ctx.action),
        ...attributes,
      },
    });
  };

  for (const [i, turns] of scenario.turns.entries()) {
    const intervalStart = scenario.start + i * scenario.interval;
    for (const [j, turn] of turns.entries()) {
      const t = intervalStart + ((j + 0.5) / turns.length) * scenario.interval;
      const requestId = `req-${++requestNo}`;
      const base = { thread_id: `thread-${j % 3}`, request_id: requestId };
      const status = turn.status ?? 'success';
      responseTime.record(turn.seconds, { [s.METRIC_ATTR_STATUS]: status });
      operations.add(1, { [s.METRIC_ATTR_COMPONENT]: 'chat' });
      if (status === 'error')
        errors.add(1, {
          [s.METRIC_ATTR_COMPONENT]: 'chat',
          [s.ATTR_ERROR_TYPE]: turn.llmError ?? 'Error',
        });
      emit(
        s.EVENT_CHAT_START,
        t - turn.seconds * 1000,
        { ...base, component: 'chat', action: 'start' },
        {},
      );
      emit(
        s.EVENT_CHAT_MESSAGE,
        t - turn.seconds * 1000 + 1,
        { ...base, component: 'chat', action: 'message' },
        { [s.ATTR_LORECHAT_QUERY_FINGERPRINT]: turn.fingerprint },
        turn.query ? { query: turn.query } : {},
      );
      if (turn.searchSeconds !== undefined) {
        vectorDuration.record(turn.searchSeconds, {
          [s.METRIC_ATTR_OPERATION]: 'search',
          [s.METRIC_ATTR_STATUS]: 'success',
        });
        vectorOps.add(1, {
          [s.METRIC_ATTR_OPERATION]: 'search',
          [s.METRIC_ATTR_STATUS]: 'success',
        });
        operations.add(1, { [s.METRIC_ATTR_COMPONENT]: 'vector' });
        emit(
          s.EVENT_VECTOR_SEARCH,
          t - 500,
          {
            ...base,
            component: 'vector',
            action: 'search',
            duration_ms: turn.searchSeconds * 1000,
          },
          {},
        );
      }
      for (const [node, seconds] of Object.entries(turn.nodeSeconds ?? {})) {
        nodeDuration.record(seconds, {
          [s.METRIC_ATTR_NODE_NAME]: node,
          [s.METRIC_ATTR_STATUS]: 'success',
        });
        operations.add(1, { [s.METRIC_ATTR_COMPONENT]: 'graph' });
      }
      operations.add(1, { [s.METRIC_ATTR_COMPONENT]: 'llm' });
      if (turn.llmError) {
        errors.add(1, { [s.METRIC_ATTR_COMPONENT]: 'llm', [s.ATTR_ERROR_TYPE]: turn.llmError });
        emit(
          s.EVENT_LLM_ERROR,
          t - 10,
          {
            ...base,
            component: 'llm',
            action: 'error',
            error: { type: turn.llmError, message: 'simulated' },
          },
          { [s.ATTR_ERROR_TYPE]: turn.llmError },
        );
      } else {
        tokens.add(turn.inputTokens ?? 0, {
          [s.METRIC_ATTR_MODEL]: model,
          [s.METRIC_ATTR_TYPE]: 'input',
        });
        tokens.add(turn.outputTokens ?? 0, {
          [s.METRIC_ATTR_MODEL]: model,
          [s.METRIC_ATTR_TYPE]: 'output',
        });
        emit(
          s.EVENT_LLM_RESPONSE,
          t - 10,
          { ...base, component: 'llm', action: 'response' },
          { [s.ATTR_GEN_AI_REQUEST_MODEL]: model },
          // The instrumentation's body: the call's model and token counts.
          { model, input_tokens: turn.inputTokens ?? 0, output_tokens: turn.outputTokens ?? 0 },
        );
      }
      emit(
        s.EVENT_CHAT_COMPLETE,
        t,
        {
          ...base,
          component: 'chat',
          action: 'complete',
          duration_ms: turn.seconds * 1000,
          ...(status === 'error'
            ? { error: { type: turn.llmError ?? 'Error', message: 'failed' } }
            : {}),
        },
        { [s.ATTR_LORECHAT_QUERY_FINGERPRINT]: turn.fingerprint },
      );
    }
    const memory = scenario.memoryMax?.[i];
    if (memory !== undefined) memoryMax.record(memory);
    const end = intervalStart + scenario.interval;
    const { resourceMetrics } = await reader.collect();
    const bytes = JsonMetricsSerializer.serializeRequest(
      retime(resourceMetrics, scenario.start, end),
    );
    if (!bytes) throw new Error('metrics serializer returned nothing');
    appendFileSync(join(dir, 'metrics.jsonl'), toOtlpJsonLine(bytes) + '\n');
  }
  await loggerProvider.forceFlush();
  const records = logExporter.getFinishedLogRecords();
  // Two export requests, as a batch processor would write them.
  const half = Math.ceil(records.length / 2);
  for (const batch of [records.slice(0, half), records.slice(half)]) {
    const bytes = JsonLogsSerializer.serializeRequest(batch);
    if (!bytes) throw new Error('logs serializer returned nothing');
    appendFileSync(join(dir, 'logs.jsonl'), toOtlpJsonLine(bytes) + '\n');
  }
  await Promise.all([meterProvider.shutdown(), loggerProvider.shutdown()]);
}

/** Runs the CLI in-process (`--quiet`), its clock at `now`, and collects what it printed. */
export async function runCliAt(
  args: readonly string[],
  now: number,
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli([...args, '--quiet'], {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    env: {},
    now: () => now,
  });
  return { code, stdout, stderr };
}
