import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import {
  JsonLogsSerializer,
  JsonMetricsSerializer,
  JsonTraceSerializer,
  ProtobufLogsSerializer,
  ProtobufMetricsSerializer,
  ProtobufTraceSerializer,
} from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  InMemoryLogRecordExporter,
  LoggerProvider,
  SimpleLogRecordProcessor,
} from '@opentelemetry/sdk-logs';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeProtobufRequest } from '../../helpers/otlp-proto.js';
import { OtlpReceiver } from '../../helpers/otlp-receiver.js';

const resource = resourceFromAttributes({
  'service.name': 'receiver-test',
  'deployment.environment.name': 'test',
});

function makeSpans() {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource,
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const tracer = provider.getTracer('scope-a', '1.2.3');
  const parent = tracer.startSpan('parent');
  const child = tracer.startSpan(
    'child',
    { attributes: { 'an.int': 42, 'a.double': 0.5, 'a.bool': true, 'a.list': ['x', 'y'] } },
    trace.setSpan(context.active(), parent),
  );
  child.addEvent('something', { n: 7 });
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
  child.end();
  parent.end();
  return exporter.getFinishedSpans();
}

function makeLogs() {
  const exporter = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({
    resource,
    processors: [new SimpleLogRecordProcessor({ exporter })],
  });
  provider.getLogger('scope-l').emit({
    eventName: 'chat.start',
    severityNumber: SeverityNumber.INFO,
    severityText: 'INFO',
    body: { event: 'chat.start', context: { thread_id: 't1' } },
    attributes: { 'gen_ai.conversation.id': 't1', count: 3 },
  });
  return exporter.getFinishedLogRecords();
}

async function makeMetrics(): Promise<ResourceMetrics> {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
  const provider = new MeterProvider({ resource, readers: [reader] });
  const meter = provider.getMeter('scope-m');
  const h = meter.createHistogram('chat.response_time', {
    unit: 's',
    advice: { explicitBucketBoundaries: [0.1, 0.5, 1, 2, 5] },
  });
  h.record(0.3, { status: 'success' });
  h.record(3, { status: 'success' });
  meter
    .createCounter('llm.token_usage', { unit: '{token}' })
    .add(12, { model: 'm', type: 'input' });
  meter.createGauge('chat.memory.max', { unit: 'By' }).record(1024);
  await reader.forceFlush();
  const first = exporter.getMetrics()[0];
  if (!first) throw new Error('no metrics collected');
  await provider.shutdown();
  return first;
}

describe('OTLP protobuf schema', () => {
  it('decodes the SDK protobuf serializers output to the same content as its JSON serializers', async () => {
    const spans = makeSpans();
    const logs = makeLogs();
    const metrics = await makeMetrics();
    const pairs = [
      [
        'traces',
        ProtobufTraceSerializer.serializeRequest(spans),
        JsonTraceSerializer.serializeRequest(spans),
      ],
      [
        'logs',
        ProtobufLogsSerializer.serializeRequest(logs),
        JsonLogsSerializer.serializeRequest(logs),
      ],
      [
        'metrics',
        ProtobufMetricsSerializer.serializeRequest(metrics),
        JsonMetricsSerializer.serializeRequest(metrics),
      ],
    ] as const;
    for (const [signal, proto, json] of pairs) {
      if (!proto || !json) throw new Error(`serializer returned nothing for ${signal}`);
      const fromProto = OtlpReceiver.offline();
      fromProto.record({
        signal,
        path: '',
        contentType: 'protobuf',
        contentEncoding: undefined,
        headers: {},
        body: decodeProtobufRequest(signal, proto),
      });
      const fromJson = OtlpReceiver.offline();
      fromJson.record({
        signal,
        path: '',
        contentType: 'json',
        contentEncoding: undefined,
        headers: {},
        body: JSON.parse(new TextDecoder().decode(json)) as unknown,
      });
      expect(fromProto.spans()).toEqual(fromJson.spans());
      expect(fromProto.logRecords()).toEqual(fromJson.logRecords());
      expect(fromProto.metrics()).toEqual(fromJson.metrics());
    }
  });
});

describe('OtlpReceiver', () => {
  let receiver: OtlpReceiver;
  beforeEach(async () => {
    receiver = await OtlpReceiver.start();
  });
  afterEach(async () => {
    await receiver.close();
  });

  function exportWith(
    exporter: { export: (items: never, cb: (r: { code: number; error?: Error }) => void) => void },
    items: unknown,
  ) {
    return new Promise<{ code: number; error?: Error }>((resolve) =>
      exporter.export(items as never, resolve),
    );
  }

  it('records spans sent as gzip protobuf with hex ids, parentage, attributes, events, status, resource and scope', async () => {
    const spans = makeSpans();
    const result = await exportWith(
      new ProtoTraceExporter({
        url: `${receiver.url}/v1/traces`,
        compression: CompressionAlgorithm.GZIP,
      }),
      spans,
    );
    expect(result.code).toBe(0);
    expect(receiver.requests[0]).toMatchObject({
      contentType: 'protobuf',
      contentEncoding: 'gzip',
    });
    const got = receiver.spans();
    const parent = got.find((s) => s.name === 'parent');
    const child = got.find((s) => s.name === 'child');
    expect(parent?.parentSpanId).toBe('');
    expect(child?.parentSpanId).toBe(parent?.spanId);
    expect(child?.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(child?.traceId).toBe(spans[0]?.spanContext().traceId);
    expect(child?.attributes).toEqual({
      'an.int': 42,
      'a.double': 0.5,
      'a.bool': true,
      'a.list': ['x', 'y'],
    });
    expect(child?.events[0]).toMatchObject({ name: 'something', attributes: { n: 7 } });
    expect(child?.status).toEqual({ code: 2, message: 'boom' });
    expect(child?.resource['service.name']).toBe('receiver-test');
    expect(child?.scope).toEqual({ name: 'scope-a', version: '1.2.3' });
    expect(child!.endTimeUnixNano).toBeGreaterThanOrEqual(child!.startTimeUnixNano);
  });

  it('records spans and log records sent as JSON, including event names and structured bodies', async () => {
    expect(
      (await exportWith(new JsonTraceExporter({ url: `${receiver.url}/v1/traces` }), makeSpans()))
        .code,
    ).toBe(0);
    expect(
      (await exportWith(new JsonLogExporter({ url: `${receiver.url}/v1/logs` }), makeLogs())).code,
    ).toBe(0);
    expect(receiver.requests.map((r) => r.contentType)).toEqual(['json', 'json']);
    expect(
      receiver
        .spans()
        .map((s) => s.name)
        .sort(),
    ).toEqual(['child', 'parent']);
    const [log] = receiver.logRecords();
    expect(log).toMatchObject({
      eventName: 'chat.start',
      severityNumber: SeverityNumber.INFO,
      body: { event: 'chat.start', context: { thread_id: 't1' } },
      attributes: { 'gen_ai.conversation.id': 't1', count: 3 },
    });
  });

  it('records metrics sent as protobuf: names, kinds, histogram buckets and bounds', async () => {
    const metrics = await makeMetrics();
    expect(
      (await exportWith(new ProtoMetricExporter({ url: `${receiver.url}/v1/metrics` }), metrics))
        .code,
    ).toBe(0);
    expect(receiver.metricNames()).toEqual([
      'chat.memory.max',
      'chat.response_time',
      'llm.token_usage',
    ]);
    const h = receiver.latestMetric('chat.response_time');
    expect(h?.kind).toBe('histogram');
    expect(h?.unit).toBe('s');
    expect(h?.points[0]).toMatchObject({
      attributes: { status: 'success' },
      count: 2,
      sum: 3.3,
      explicitBounds: [0.1, 0.5, 1, 2, 5],
      bucketCounts: [0, 1, 0, 0, 1, 0],
    });
    expect(receiver.latestMetric('llm.token_usage')).toMatchObject({
      kind: 'sum',
      isMonotonic: true,
      temporality: 2,
    });
    expect(receiver.latestMetric('llm.token_usage')?.points[0]?.value).toBe(12);
    expect(receiver.latestMetric('chat.memory.max')?.points[0]?.value).toBe(1024);
  });

  it('accepts Loki-style path prefixes (/otlp/v1/logs)', async () => {
    const exporter = new ProtoLogExporter({ url: `${receiver.url}/otlp/v1/logs` });
    expect((await exportWith(exporter, makeLogs())).code).toBe(0);
    expect(receiver.requests[0]?.path).toBe('/otlp/v1/logs');
    expect(receiver.logRecords()).toHaveLength(1);
  });

  it('answers 503 while unavailable and records again afterwards', async () => {
    receiver.unavailable(60_000, 'status');
    const res = await fetch(`${receiver.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(503);
    expect(receiver.rejected).toBe(1);
    expect(receiver.requests).toHaveLength(0);
    receiver.available();
    const ok = await fetch(`${receiver.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ resourceSpans: [] }),
    });
    expect(ok.status).toBe(200);
    expect(receiver.requests).toHaveLength(1);
  });

  it('resets connections in reset mode, and the unavailability ends by itself', async () => {
    receiver.unavailable(300, 'reset');
    await expect(
      fetch(`${receiver.url}/v1/logs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      }),
    ).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 350));
    expect(receiver.isUnavailable).toBe(false);
    const ok = await fetch(`${receiver.url}/v1/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(ok.status).toBe(200);
  });

  it('rejects unknown content types and paths, and undecodable bodies', async () => {
    const post = (path: string, type: string, body: string) =>
      fetch(`${receiver.url}${path}`, { method: 'POST', headers: { 'content-type': type }, body });
    expect((await post('/v1/traces', 'text/plain', 'x')).status).toBe(415);
    expect((await post('/v2/other', 'application/json', '{}')).status).toBe(404);
    expect((await post('/v1/traces', 'application/json', '{not json')).status).toBe(400);
    expect(receiver.requests).toHaveLength(0);
  });

  it('waitFor resolves when the predicate holds and rejects with counts on timeout', async () => {
    const waiting = receiver.waitFor((r) => r.spans().length >= 2, 5000, 'two spans');
    await exportWith(new ProtoTraceExporter({ url: `${receiver.url}/v1/traces` }), makeSpans());
    await expect(waiting).resolves.toBeUndefined();
    await expect(
      receiver.waitFor((r) => r.logRecords().length > 0, 200, 'a log record'),
    ).rejects.toThrow(/a log record \(received 2 spans, 0 log records/);
  });
});
