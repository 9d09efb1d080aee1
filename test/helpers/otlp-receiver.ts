/**
 * An OTLP/HTTP receiver for tests: listens on 127.0.0.1 (port 0 by default), accepts
 * traces, metrics and logs as `application/x-protobuf` or `application/json`, gzip or not,
 * on any path ending in `/v1/traces`, `/v1/metrics` or `/v1/logs` (so it can stand in for
 * the Collector, Tempo's OTLP endpoint or Loki's `/otlp/v1/logs`), and records everything in
 * a flat, assertion-friendly shape. It can be made unavailable for a while (503 answers or
 * reset connections) to test retries and queues.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { gunzipSync, inflateSync } from 'node:zlib';
import { decodeProtobufRequest, type Signal } from './otlp-proto.js';

export type Attributes = Record<string, unknown>;

export interface ReceivedScope {
  readonly name: string;
  readonly version: string | undefined;
}

export interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  /** Empty string for a root span. */
  readonly parentSpanId: string;
  readonly name: string;
  /** OTLP SpanKind number: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  readonly kind: number;
  readonly startTimeUnixNano: bigint;
  readonly endTimeUnixNano: bigint;
  readonly attributes: Attributes;
  readonly events: ReadonlyArray<{ name: string; timeUnixNano: bigint; attributes: Attributes }>;
  readonly links: ReadonlyArray<{ traceId: string; spanId: string; attributes: Attributes }>;
  /** 0 unset, 1 ok, 2 error. */
  readonly status: { code: number; message: string | undefined };
  readonly resource: Attributes;
  readonly scope: ReceivedScope;
}

export interface ReceivedLogRecord {
  readonly timeUnixNano: bigint;
  readonly observedTimeUnixNano: bigint;
  readonly severityNumber: number;
  readonly severityText: string | undefined;
  readonly body: unknown;
  readonly attributes: Attributes;
  readonly eventName: string | undefined;
  readonly traceId: string;
  readonly spanId: string;
  readonly resource: Attributes;
  readonly scope: ReceivedScope;
}

export type MetricKind = 'gauge' | 'sum' | 'histogram' | 'exponentialHistogram' | 'summary';

export interface ReceivedPoint {
  readonly attributes: Attributes;
  readonly timeUnixNano: bigint;
  /** Gauges and sums. */
  readonly value?: number;
  /** Histograms. */
  readonly count?: number;
  readonly sum?: number;
  readonly bucketCounts?: readonly number[];
  readonly explicitBounds?: readonly number[];
  readonly exemplars?: number;
}

export interface ReceivedMetric {
  readonly name: string;
  readonly description: string | undefined;
  readonly unit: string | undefined;
  readonly kind: MetricKind;
  readonly isMonotonic: boolean | undefined;
  /** 1 delta, 2 cumulative. */
  readonly temporality: number | undefined;
  readonly points: readonly ReceivedPoint[];
  readonly resource: Attributes;
  readonly scope: ReceivedScope;
}

export interface ReceivedRequest {
  readonly signal: Signal;
  readonly path: string;
  readonly contentType: 'protobuf' | 'json';
  readonly contentEncoding: string | undefined;
  readonly headers: IncomingMessage['headers'];
  /** The decoded request in OTLP/JSON shape. */
  readonly body: unknown;
}

export type UnavailableMode = 'status' | 'reset';

export interface OtlpReceiverOptions {
  /** @default 0 (a free port) */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
}

// --- OTLP/JSON shape -> flat values ------------------------------------------------------

type Json = Record<string, unknown>;

function obj(v: unknown): Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {};
}
function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}
function num(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v !== '' && !Number.isNaN(Number(v))) return Number(v);
  return undefined;
}
function nanos(v: unknown): bigint {
  if (typeof v === 'string' && /^\d+$/.test(v)) return BigInt(v);
  if (typeof v === 'number' && Number.isFinite(v)) return BigInt(Math.round(v));
  return 0n;
}
/** JSON OTLP allows hex ids; a base64 id of the right length is converted too. */
function hexId(v: unknown, bytes: number): string {
  if (typeof v !== 'string' || v === '') return '';
  if (/^[0-9a-f]+$/i.test(v) && v.length === bytes * 2) return v.toLowerCase();
  const b = Buffer.from(v, 'base64');
  return b.length === bytes ? b.toString('hex') : v;
}

/** An OTLP AnyValue as a plain JS value. */
export function anyValue(v: unknown): unknown {
  const o = obj(v);
  if ('stringValue' in o) return o.stringValue;
  if ('boolValue' in o) return o.boolValue;
  if ('intValue' in o) return num(o.intValue);
  if ('doubleValue' in o) return num(o.doubleValue);
  if ('arrayValue' in o) return arr(obj(o.arrayValue).values).map(anyValue);
  if ('kvlistValue' in o) return attributes(obj(o.kvlistValue).values);
  if ('bytesValue' in o) return o.bytesValue;
  return undefined;
}

export function attributes(list: unknown): Attributes {
  const out: Attributes = {};
  for (const kv of arr(list)) {
    const { key, value } = obj(kv);
    if (typeof key === 'string') out[key] = anyValue(value);
  }
  return out;
}

function scopeOf(v: unknown): ReceivedScope {
  const o = obj(v);
  return { name: str(o.name) ?? '', version: str(o.version) };
}

function spansOf(body: unknown): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const rs of arr(obj(body).resourceSpans)) {
    const resource = attributes(obj(obj(rs).resource).attributes);
    for (const ss of arr(obj(rs).scopeSpans)) {
      const scope = scopeOf(obj(ss).scope);
      for (const s of arr(obj(ss).spans).map(obj)) {
        const status = obj(s.status);
        out.push({
          traceId: hexId(s.traceId, 16),
          spanId: hexId(s.spanId, 8),
          parentSpanId: hexId(s.parentSpanId, 8),
          name: str(s.name) ?? '',
          kind: num(s.kind) ?? 0,
          startTimeUnixNano: nanos(s.startTimeUnixNano),
          endTimeUnixNano: nanos(s.endTimeUnixNano),
          attributes: attributes(s.attributes),
          events: arr(s.events).map((e) => ({
            name: str(obj(e).name) ?? '',
            timeUnixNano: nanos(obj(e).timeUnixNano),
            attributes: attributes(obj(e).attributes),
          })),
          links: arr(s.links).map((l) => ({
            traceId: hexId(obj(l).traceId, 16),
            spanId: hexId(obj(l).spanId, 8),
            attributes: attributes(obj(l).attributes),
          })),
          status: { code: num(status.code) ?? 0, message: str(status.message) },
          resource,
          scope,
        });
      }
    }
  }
  return out;
}

function logRecordsOf(body: unknown): ReceivedLogRecord[] {
  const out: ReceivedLogRecord[] = [];
  for (const rl of arr(obj(body).resourceLogs)) {
    const resource = attributes(obj(obj(rl).resource).attributes);
    for (const sl of arr(obj(rl).scopeLogs)) {
      const scope = scopeOf(obj(sl).scope);
      for (const r of arr(obj(sl).logRecords).map(obj)) {
        out.push({
          timeUnixNano: nanos(r.timeUnixNano),
          observedTimeUnixNano: nanos(r.observedTimeUnixNano),
          severityNumber: num(r.severityNumber) ?? 0,
          severityText: str(r.severityText),
          body: r.body === undefined ? undefined : anyValue(r.body),
          attributes: attributes(r.attributes),
          eventName: str(r.eventName),
          traceId: hexId(r.traceId, 16),
          spanId: hexId(r.spanId, 8),
          resource,
          scope,
        });
      }
    }
  }
  return out;
}

const METRIC_KINDS: readonly MetricKind[] = [
  'gauge',
  'sum',
  'histogram',
  'exponentialHistogram',
  'summary',
];

function pointOf(p: Json, kind: MetricKind): ReceivedPoint {
  const base = {
    attributes: attributes(p.attributes),
    timeUnixNano: nanos(p.timeUnixNano),
    exemplars: arr(p.exemplars).length,
  };
  if (kind === 'gauge' || kind === 'sum') {
    return { ...base, value: num(p.asDouble) ?? num(p.asInt) ?? 0 };
  }
  return {
    ...base,
    count: num(p.count) ?? 0,
    sum: num(p.sum),
    bucketCounts: arr(p.bucketCounts).map((c) => num(c) ?? 0),
    explicitBounds: arr(p.explicitBounds).map((c) => num(c) ?? 0),
  };
}

function metricsOf(body: unknown): ReceivedMetric[] {
  const out: ReceivedMetric[] = [];
  for (const rm of arr(obj(body).resourceMetrics)) {
    const resource = attributes(obj(obj(rm).resource).attributes);
    for (const sm of arr(obj(rm).scopeMetrics)) {
      const scope = scopeOf(obj(sm).scope);
      for (const m of arr(obj(sm).metrics).map(obj)) {
        const kind = METRIC_KINDS.find((k) => k in m);
        if (!kind) continue;
        const data = obj(m[kind]);
        out.push({
          name: str(m.name) ?? '',
          description: str(m.description),
          unit: str(m.unit),
          kind,
          isMonotonic: typeof data.isMonotonic === 'boolean' ? data.isMonotonic : undefined,
          temporality: num(data.aggregationTemporality),
          points: arr(data.dataPoints).map((p) => pointOf(obj(p), kind)),
          resource,
          scope,
        });
      }
    }
  }
  return out;
}

// --- the server ----------------------------------------------------------------------------

function signalOf(path: string): Signal | undefined {
  const p = path.split('?')[0] ?? '';
  if (p.endsWith('/v1/traces')) return 'traces';
  if (p.endsWith('/v1/metrics')) return 'metrics';
  if (p.endsWith('/v1/logs')) return 'logs';
  return undefined;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export class OtlpReceiver {
  readonly requests: ReceivedRequest[] = [];
  private readonly receivedSpans: ReceivedSpan[] = [];
  private readonly receivedLogs: ReceivedLogRecord[] = [];
  private readonly receivedMetrics: ReceivedMetric[] = [];
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private unavailableUntil = 0;
  private unavailableMode: UnavailableMode = 'status';
  /** Requests answered with an error or reset while unavailable. */
  rejected = 0;
  private port = 0;

  private constructor(private readonly host: string) {}

  /** Starts a receiver; `await receiver.close()` when done. */
  static async start(options: OtlpReceiverOptions = {}): Promise<OtlpReceiver> {
    const receiver = new OtlpReceiver(options.host ?? '127.0.0.1');
    await receiver.listen(options.port ?? 0);
    return receiver;
  }

  /** A receiver without a server, to load recorded OTLP-JSON (see {@link recordJsonLines}). */
  static offline(): OtlpReceiver {
    return new OtlpReceiver('127.0.0.1');
  }

  private async listen(port: number): Promise<void> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) {
          res.statusCode = 500;
          res.end(String(err));
        }
      });
    });
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    server.listen(port, this.host);
    await once(server, 'listening');
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  /** `http://127.0.0.1:<port>`: the base for `OTEL_EXPORTER_OTLP_ENDPOINT`. */
  get url(): string {
    return `http://${this.host}:${this.port}`;
  }

  /**
   * Makes the receiver unavailable for `ms` milliseconds (Infinity until `available()`):
   * `status` answers 503, `reset` destroys each connection without an answer.
   */
  unavailable(ms: number, mode: UnavailableMode = 'status'): void {
    this.unavailableUntil = Date.now() + ms;
    this.unavailableMode = mode;
  }

  available(): void {
    this.unavailableUntil = 0;
  }

  get isUnavailable(): boolean {
    return Date.now() < this.unavailableUntil;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = req.url ?? '/';
    const signal = signalOf(path);
    if (req.method !== 'POST' || !signal) {
      res.statusCode = 404;
      res.end();
      return;
    }
    const raw = await readBody(req);
    if (this.isUnavailable) {
      this.rejected++;
      if (this.unavailableMode === 'reset') {
        req.socket.destroy();
        return;
      }
      res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '1' });
      res.end('unavailable (test)');
      return;
    }
    const encoding = req.headers['content-encoding']?.toLowerCase();
    let bytes: Buffer;
    try {
      bytes =
        encoding === 'gzip' ? gunzipSync(raw) : encoding === 'deflate' ? inflateSync(raw) : raw;
    } catch (err) {
      res.writeHead(400).end(`bad ${encoding} body: ${String(err)}`);
      return;
    }
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    let body: unknown;
    let contentType: 'protobuf' | 'json';
    try {
      if (type === 'application/x-protobuf') {
        contentType = 'protobuf';
        body = decodeProtobufRequest(signal, bytes);
      } else if (type === 'application/json') {
        contentType = 'json';
        body = JSON.parse(bytes.toString('utf8'));
      } else {
        res.writeHead(415).end(`unsupported content-type ${type ?? ''}`);
        return;
      }
    } catch (err) {
      res.writeHead(400).end(`undecodable ${type} body: ${String(err)}`);
      return;
    }
    this.record({
      signal,
      path,
      contentType,
      contentEncoding: encoding,
      headers: req.headers,
      body,
    });
    if (contentType === 'protobuf') {
      // An empty Export*ServiceResponse: full success.
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    } else {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    }
  }

  /** Records a decoded request (also usable to feed OTLP-JSON lines from files). */
  record(request: ReceivedRequest): void {
    this.requests.push(request);
    if (request.signal === 'traces') this.receivedSpans.push(...spansOf(request.body));
    else if (request.signal === 'logs') this.receivedLogs.push(...logRecordsOf(request.body));
    else this.receivedMetrics.push(...metricsOf(request.body));
  }

  spans(): ReceivedSpan[] {
    return [...this.receivedSpans];
  }

  logRecords(): ReceivedLogRecord[] {
    return [...this.receivedLogs];
  }

  /** Every metric message received (one per export and instrument). */
  metrics(): ReceivedMetric[] {
    return [...this.receivedMetrics];
  }

  metricNames(): string[] {
    return [...new Set(this.receivedMetrics.map((m) => m.name))].sort();
  }

  /** The most recent export of a metric (cumulative metrics: the latest totals). */
  latestMetric(name: string): ReceivedMetric | undefined {
    for (let i = this.receivedMetrics.length - 1; i >= 0; i--) {
      const m = this.receivedMetrics[i];
      if (m?.name === name) return m;
    }
    return undefined;
  }

  /** Resource attributes seen, per signal, in arrival order. */
  resources(signal: Signal): Attributes[] {
    const list =
      signal === 'traces'
        ? this.receivedSpans
        : signal === 'logs'
          ? this.receivedLogs
          : this.receivedMetrics;
    return list.map((x) => x.resource);
  }

  clear(): void {
    this.requests.length = 0;
    this.receivedSpans.length = 0;
    this.receivedLogs.length = 0;
    this.receivedMetrics.length = 0;
    this.rejected = 0;
  }

  /**
   * Polls `predicate` every 50 ms until it returns true; rejects after `timeoutMs` with
   * `what` and a count of what was received, to make failures readable.
   */
  async waitFor(
    predicate: (r: this) => boolean,
    timeoutMs = 10_000,
    what = 'condition',
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (predicate(this)) return;
      if (Date.now() > deadline) {
        throw new Error(
          `OtlpReceiver: timed out after ${timeoutMs} ms waiting for ${what} ` +
            `(received ${this.receivedSpans.length} spans, ${this.receivedLogs.length} log records, ` +
            `${this.receivedMetrics.length} metrics in ${this.requests.length} requests)`,
        );
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Parses OTLP-JSON lines (the embedded default's files) into a receiver's shape. */
export function recordJsonLines(receiver: OtlpReceiver, signal: Signal, text: string): void {
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    receiver.record({
      signal,
      path: `file:${signal}`,
      contentType: 'json',
      contentEncoding: undefined,
      headers: {},
      body: JSON.parse(line),
    });
  }
}
