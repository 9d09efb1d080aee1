/**
 * `npm run bench -- export-handoff [--turns 300] [--rounds 9]`: would a worker thread that owns
 * the OTLP exporters take work off the main thread?
 *
 * The SDK creates, ends and records spans and log records on the thread that calls it; what a
 * worker could take over is what the batch processors do with a finished batch: encode it
 * (OTLP protobuf) and send it. To get a batch to a worker, the main thread must still turn each
 * `ReadableSpan` / `ReadableLogRecord` into plain data and `postMessage` it, which serializes
 * it (structured clone) on the sending thread. This measures both on the main thread, for the
 * telemetry ours produces per turn of the instant workload (replayed from a floor plan, see
 * lib/floor-plan.ts): encoding each batch to OTLP protobuf, against copying each batch to plain
 * data and posting it to a real worker. Rounds alternate them; medians per turn. Encoding the
 * same batches as OTLP JSON is measured beside, for the choice of protocol.
 * Written to bench/results/export-handoff.json.
 */
import { context, logs, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  JsonLogsSerializer,
  JsonTraceSerializer,
  ProtobufLogsSerializer,
  ProtobufTraceSerializer,
} from '@opentelemetry/otlp-transformer';
import {
  InMemoryLogRecordExporter,
  LoggerProvider,
  type ReadableLogRecord,
  SimpleLogRecordProcessor,
} from '@opentelemetry/sdk-logs';
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { OtlpReceiver } from '../test/helpers/otlp-receiver.js';
import { captureFloorPlan } from './lib/floor-capture.js';
import { createReplayer, type FloorPlan, SETUP_KEY } from './lib/floor-plan.js';
import { finishLoad, machine } from './lib/machine.js';
import { median, round } from './lib/stats.js';
import { writeJson } from './lib/write.js';
import { childEnv } from './side-by-side.js';

/** The SDK's default export batch size (`OTEL_BSP_MAX_EXPORT_BATCH_SIZE`, `_BLRP_`). */
const BATCH = 512;

/** What a worker needs of a span to encode it (the resource and scope travel once per batch). */
function plainSpan(s: ReadableSpan): object {
  const c = s.spanContext();
  return {
    name: s.name,
    kind: s.kind,
    traceId: c.traceId,
    spanId: c.spanId,
    traceFlags: c.traceFlags,
    parentSpanId: s.parentSpanContext?.spanId,
    startTime: s.startTime,
    endTime: s.endTime,
    attributes: s.attributes,
    events: s.events,
    links: s.links,
    status: s.status,
    scope: s.instrumentationScope.name,
    dropped: [s.droppedAttributesCount, s.droppedEventsCount, s.droppedLinksCount],
  };
}

function plainLogRecord(r: ReadableLogRecord): object {
  return {
    eventName: r.eventName,
    hrTime: r.hrTime,
    hrTimeObserved: r.hrTimeObserved,
    severityNumber: r.severityNumber,
    severityText: r.severityText,
    body: r.body,
    attributes: r.attributes,
    traceId: r.spanContext?.traceId,
    spanId: r.spanContext?.spanId,
    traceFlags: r.spanContext?.traceFlags,
    scope: r.instrumentationScope.name,
    dropped: r.droppedAttributesCount,
  };
}

function batches<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += BATCH) out.push(items.slice(i, i + BATCH));
  return out;
}

/**
 * Process CPU of `fn`, µs: for the hand-off it includes the worker's receiving (deserializing)
 * the batches, which runs on the worker's thread; the worker encodes nothing here.
 */
function cpuUs(fn: () => void): number {
  const start = process.cpuUsage();
  fn();
  const used = process.cpuUsage(start);
  return used.user + used.system;
}

/** Main-thread wall time of `fn`, µs: what the event loop is blocked for. */
function wallUs(fn: () => void): number {
  const start = performance.now();
  fn();
  return (performance.now() - start) * 1000;
}

export async function exportHandoffCommand(argv: string[], root: string): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      turns: { type: 'string', default: '300' },
      rounds: { type: 'string', default: '9' },
      out: { type: 'string', default: 'bench/results/export-handoff.json' },
    },
    strict: true,
  });
  const turns = Number(values.turns);
  const rounds = Number(values.rounds);
  if (!Number.isInteger(turns) || turns < 1 || !Number.isInteger(rounds) || rounds < 1)
    throw new Error('--turns and --rounds must be positive integers');
  const m = machine();

  const receiver = await OtlpReceiver.start();
  let planFile: string;
  try {
    planFile = await captureFloorPlan({ root, env: childEnv('lorechat-otel', receiver.url, {}) });
  } finally {
    await receiver.close();
  }
  const plan = JSON.parse(readFileSync(planFile, 'utf8')) as FloorPlan;

  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const spanExporter = new InMemorySpanExporter();
  const logExporter = new InMemoryLogRecordExporter();
  trace.setGlobalTracerProvider(
    new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: spanExporter })] }),
  );
  logs.setGlobalLoggerProvider(
    new LoggerProvider({
      processors: [new SimpleLogRecordProcessor({ exporter: logExporter })],
    }),
  );
  const replay = createReplayer(plan);
  const keys = Object.keys(plan.turns).filter((k) => k !== SETUP_KEY);
  for (let i = 0; i < turns; i++) replay(keys[i % keys.length]!, `bench-thread-${i}`);
  const spans = batches(spanExporter.getFinishedSpans());
  const records = batches(logExporter.getFinishedLogRecords());

  const worker = new Worker("require('node:worker_threads').parentPort.on('message', () => {});", {
    eval: true,
  });
  worker.unref();

  const encode = (): void => {
    for (const b of spans) ProtobufTraceSerializer.serializeRequest(b);
    for (const b of records) ProtobufLogsSerializer.serializeRequest(b);
  };
  // The same batches as OTLP/HTTP JSON (OTEL_EXPORTER_OTLP_PROTOCOL=http/json).
  const encodeJson = (): void => {
    for (const b of spans) JsonTraceSerializer.serializeRequest(b);
    for (const b of records) JsonLogsSerializer.serializeRequest(b);
  };
  const handOff = (): void => {
    for (const b of spans) worker.postMessage(b.map(plainSpan));
    for (const b of records) worker.postMessage(b.map(plainLogRecord));
  };
  // Warm both paths up before measuring.
  for (let i = 0; i < 3; i++) {
    encode();
    encodeJson();
    handOff();
  }
  const encodeCpu: number[] = [];
  const handOffCpu: number[] = [];
  const encodeWall: number[] = [];
  const encodeJsonWall: number[] = [];
  const handOffWall: number[] = [];
  for (let r = 0; r < rounds; r++) {
    encodeCpu.push(cpuUs(encode) / turns);
    handOffCpu.push(cpuUs(handOff) / turns);
    encodeWall.push(wallUs(encode) / turns);
    encodeJsonWall.push(wallUs(encodeJson) / turns);
    handOffWall.push(wallUs(handOff) / turns);
  }
  await worker.terminate();

  const nSpans = spans.reduce((n, b) => n + b.length, 0);
  const nRecords = records.reduce((n, b) => n + b.length, 0);
  const encodeUs = median(encodeWall);
  const handOffUs = median(handOffWall);
  const report = {
    kind: 'export-handoff',
    date: new Date().toISOString(),
    command: ['npm run bench -- export-handoff', ...argv].join(' '),
    machine: finishLoad(m),
    turns,
    rounds,
    spansPerTurn: round(nSpans / turns, 1),
    logRecordsPerTurn: round(nRecords / turns, 1),
    batchSize: BATCH,
    perTurnUs: {
      encodeWall: round(encodeUs, 1),
      encodeJsonWall: round(median(encodeJsonWall), 1),
      handOffWall: round(handOffUs, 1),
      encodeCpu: round(median(encodeCpu), 1),
      handOffCpu: round(median(handOffCpu), 1),
    },
    /** Main-thread time of the hand-off over that of encoding: below 1 a worker could pay. */
    handOffOverEncode: round(handOffUs / encodeUs, 2),
    /** Per round, µs per turn: main-thread wall time of each path. */
    samples: { encodeWall, encodeJsonWall, handOffWall },
  };
  const out = resolve(root, values.out);
  await writeJson(out, report);
  process.stdout.write(`${JSON.stringify({ ...report, samples: undefined }, null, 2)}\n`);
}
