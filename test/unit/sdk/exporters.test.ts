import { SpanStatusCode } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JsonStdoutLogRecordExporter } from '../../../src/exporters/json-stdout.js';
import {
  OtlpJsonFileLogRecordExporter,
  OtlpJsonFileSpanExporter,
  otlpJson,
} from '../../../src/exporters/otlp-json-file.js';
import { RotatingJsonlFile, rotatedFiles } from '../../../src/exporters/rotating-file.js';
import { gunzipSync } from 'node:zlib';
import { formatSummary, percentile, SummarySpanProcessor } from '../../../src/exporters/summary.js';
import { SyncBatchSpanProcessor } from '../../../src/exporters/sync-batch-processor.js';
import { EVENT_CHAT_COMPLETE } from '../../../src/semconv.js';
import { OtlpReceiver, recordJsonLines } from '../../helpers/otlp-receiver.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lorechat-exporters-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const resource = resourceFromAttributes({ 'service.name': 'exporters-test' });

describe('RotatingJsonlFile', () => {
  it('rotates before exceeding maxBytes and keeps only maxFiles rotated files, gzip-compressed', async () => {
    const file = new RotatingJsonlFile(join(dir, 'traces.jsonl'), { maxBytes: 100, maxFiles: 2 });
    const line = (n: number) => JSON.stringify({ n, pad: 'x'.repeat(30) }); // ~45 bytes
    for (let n = 0; n < 10; n++) file.appendLines([line(n)]);
    await file.idle();
    const rotated = rotatedFiles(join(dir, 'traces.jsonl'));
    expect(rotated.map((f) => f.compressed)).toEqual([true, true]);
    expect(readdirSync(dir).sort()).toEqual(
      [...rotated.map((f) => basename(f.path)), 'traces.jsonl'].sort(),
    );
    const live = readFileSync(join(dir, 'traces.jsonl'), 'utf8').trim().split('\n');
    expect(live.length * 45).toBeLessThanOrEqual(100);
    expect(JSON.parse(live.at(-1)!)).toMatchObject({ n: 9 });
    const oldest = gunzipSync(readFileSync(rotated[0]!.path)).toString('utf8').trim().split('\n');
    expect(JSON.parse(oldest[0]!)).toMatchObject({ n: 4 });
  });

  it('rejects a nonsensical size cap', () => {
    expect(() => new RotatingJsonlFile(join(dir, 'x.jsonl'), { maxBytes: 0, maxFiles: 1 })).toThrow(
      /maxBytes/,
    );
  });
});

describe('OTLP-JSON lines files', () => {
  it('writes one ExportTraceServiceRequest per line with hex ids and string int64s', () => {
    const path = join(dir, 'traces.jsonl');
    const exporter = new OtlpJsonFileSpanExporter(path, { maxBytes: 1e6, maxFiles: 1 });
    const processor = new SyncBatchSpanProcessor(exporter, { maxBatchSize: 2 });
    const provider = new TracerProvider({ resource, spanProcessors: [processor] });
    const tracer = provider.getTracer('t');
    for (let i = 0; i < 3; i++) tracer.startSpan(`s${i}`, { attributes: { i } }).end();
    processor.flushSync();
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(2); // a batch of 2, then the rest
    const first = JSON.parse(lines[0]!) as {
      resourceSpans: Array<{ scopeSpans: Array<{ spans: Array<Record<string, unknown>> }> }>;
    };
    const span = first.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
    expect(span.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(span.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(typeof span.startTimeUnixNano).toBe('string');
    expect(span.attributes).toEqual([{ key: 'i', value: { intValue: '0' } }]);
    const receiver = OtlpReceiver.offline();
    recordJsonLines(receiver, 'traces', readFileSync(path, 'utf8'));
    expect(receiver.spans().map((s) => s.name)).toEqual(['s0', 's1', 's2']);
    expect(receiver.spans()[0]?.resource['service.name']).toBe('exporters-test');
  });

  it('writes log records with event name, body and trace context', () => {
    const path = join(dir, 'logs.jsonl');
    const provider = new LoggerProvider({
      resource,
      processors: [
        new SimpleLogRecordProcessor({
          exporter: new OtlpJsonFileLogRecordExporter(path, { maxBytes: 1e6, maxFiles: 1 }),
        }),
      ],
    });
    provider.getLogger('l').emit({
      eventName: 'chat.start',
      severityNumber: SeverityNumber.INFO,
      body: { event: 'chat.start' },
      attributes: { 'lorechat.component': 'chat' },
    });
    const receiver = OtlpReceiver.offline();
    recordJsonLines(receiver, 'logs', readFileSync(path, 'utf8'));
    expect(receiver.logRecords()[0]).toMatchObject({
      eventName: 'chat.start',
      body: { event: 'chat.start' },
      attributes: { 'lorechat.component': 'chat' },
    });
  });
});

describe('otlpJson: non-finite numbers in their proto3 JSON form', () => {
  const spansWith = (attributes: Record<string, number>) => {
    const ended: ReadableSpan[] = [];
    const tracer = new TracerProvider({
      resource,
      spanProcessors: [
        {
          onStart: () => undefined,
          onEnd: (span: ReadableSpan) => void ended.push(span),
          forceFlush: () => Promise.resolve(),
          shutdown: () => Promise.resolve(),
        },
      ],
    }).getTracer('t');
    tracer.startSpan('s', { attributes }).end();
    expect(ended).toHaveLength(1);
    return ended;
  };
  const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);

  it('writes NaN and the infinities as strings, never null, and restores JSON.stringify', () => {
    const stringify = JSON.stringify;
    const out = text(
      otlpJson.traces(
        spansWith({
          nan: Number.NaN,
          inf: Number.POSITIVE_INFINITY,
          ninf: Number.NEGATIVE_INFINITY,
          ok: 0.5,
        }),
      ),
    );
    expect(JSON.stringify).toBe(stringify);
    expect(out).not.toContain('null');
    const attrs = Object.fromEntries(
      (
        JSON.parse(out) as {
          resourceSpans: {
            scopeSpans: { spans: { attributes: { key: string; value: unknown }[] }[] }[];
          }[];
        }
      ).resourceSpans[0]!.scopeSpans[0]!.spans[0]!.attributes.map((a) => [a.key, a.value]),
    );
    expect(attrs).toEqual({
      nan: { doubleValue: 'NaN' },
      inf: { doubleValue: 'Infinity' },
      ninf: { doubleValue: '-Infinity' },
      ok: { doubleValue: 0.5 },
    });
  });

  it('returns the serializer output untouched when every number is finite', () => {
    const spans = spansWith({ ok: 0.5, n: 3 });
    const out = text(otlpJson.traces(spans));
    expect(out).not.toContain('NaN');
    expect(JSON.parse(out)).toEqual(JSON.parse(text(otlpJson.traces(spans))));
  });
});

describe('JsonStdoutLogRecordExporter', () => {
  it("prints each event as one JSON line in the plan's {event, context, ...} shape", () => {
    const lines: string[] = [];
    const provider = new LoggerProvider({
      processors: [
        new SimpleLogRecordProcessor({
          exporter: new JsonStdoutLogRecordExporter((l) => lines.push(l)),
        }),
      ],
    });
    const logger = provider.getLogger('l');
    logger.emit({
      eventName: EVENT_CHAT_COMPLETE,
      timestamp: 1_700_000_000_123,
      severityNumber: SeverityNumber.INFO,
      attributes: {
        'gen_ai.conversation.id': 'thread-1',
        'lorechat.request_id': 'req-1',
        'lorechat.component': 'chat',
        'lorechat.action': 'complete',
        'lorechat.duration_ms': 812.5,
        'lorechat.response.length': 240,
      },
    });
    logger.emit({ body: 'not an event' });
    expect(lines).toHaveLength(1);
    expect(lines[0]!.endsWith('\n')).toBe(true);
    const event = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(event).toEqual({
      event: 'chat.complete',
      context: {
        thread_id: 'thread-1',
        request_id: 'req-1',
        timestamp: '2023-11-14T22:13:20.123Z',
        component: 'chat',
        action: 'complete',
        duration_ms: 812.5,
        memory_usage: null,
        error: null,
      },
      'lorechat.response.length': 240,
    });
  });
});

describe('SummarySpanProcessor', () => {
  it('counts turns, failed turns, tokens and errors and computes nearest-rank percentiles', () => {
    const summary = new SummarySpanProcessor();
    const provider = new TracerProvider({
      spanProcessors: [summary, new SimpleSpanProcessor({ exporter: new InMemorySpanExporter() })],
    });
    const tracer = provider.getTracer('t');
    const t0 = Date.now();
    for (const [i, seconds] of [0.2, 0.4, 0.6, 0.8, 3].entries()) {
      const span = tracer.startSpan('invoke_workflow lorechat', { startTime: t0 });
      if (i === 4) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end(t0 + seconds * 1000);
    }
    tracer
      .startSpan('chat gpt', {
        attributes: { 'gen_ai.usage.input_tokens': 10, 'gen_ai.usage.output_tokens': 3 },
      })
      .end();
    tracer.startSpan('chat gpt', { attributes: { 'gen_ai.usage.input_tokens': 5 } }).end();
    const s = summary.snapshot();
    expect(s).toMatchObject({
      turns: 5,
      failedTurns: 1,
      spans: 7,
      inputTokens: 15,
      outputTokens: 3,
    });
    expect(s.p50Seconds).toBeCloseTo(0.6, 6);
    expect(s.p95Seconds).toBeCloseTo(3, 6);
    expect(s.errorsByName.get('invoke_workflow lorechat')).toBe(1);
    const text = formatSummary(s, {
      mode: 'embedded',
      files: { traces: '/t/traces.jsonl', logs: '/t/logs.jsonl', metrics: '/t/metrics.jsonl' },
      prometheusUrl: 'http://127.0.0.1:9464/metrics',
    });
    expect(text).toContain('turns:          5 (1 failed)');
    expect(text).toContain('p50 0.600 s, p95 3.000 s');
    expect(text).toContain('15 input, 3 output');
    expect(text).toContain('/t/traces.jsonl');
    expect(text).toContain('http://127.0.0.1:9464/metrics');
  });

  it('counts a top-level agent run as a turn, an agent inside a turn not', () => {
    const summary = new SummarySpanProcessor();
    const provider = new TracerProvider({ spanProcessors: [summary] });
    const tracer = provider.getTracer('t');
    tracer
      .startSpan('invoke_agent lore_agent', {
        attributes: { 'gen_ai.workflow.name': 'lore_agent' },
      })
      .end();
    tracer
      .startSpan('invoke_agent helper', { attributes: { 'gen_ai.agent.name': 'helper' } })
      .end();
    expect(summary.snapshot()).toMatchObject({ turns: 1, spans: 2 });
  });

  it('percentile of nothing is undefined', () => {
    expect(percentile([], 0.5)).toBeUndefined();
    expect(percentile([3, 1, 2], 0.5)).toBe(2);
  });
});
