/**
 * OTLP/HTTP export that never keeps a finished app alive and can spill what it holds
 * synchronously at a hard exit.
 *
 * The SDK's `BatchSpanProcessor` + `OTLPTraceExporter` pair holds the event loop while the
 * Collector misbehaves: the exporter's retry timers (`RetryingTransport`), the processors'
 * export-timeout timers and the request sockets are all referenced, so an app that finished
 * its work waits for every retry of every batch (measured: 28 s with a refusing port, more
 * than 30 s with a listener that never answers). Here every handle is unreferenced (the
 * batch timer, the retry timers and each request's socket), so the loop empties when the
 * app is done; the shutdown that `beforeExit` then starts holds the loop with one timer of
 * its own, bounded by the shutdown timeout.
 *
 * Configuration (endpoint, per-signal URL, headers, compression, timeout, TLS files) comes
 * from the exporters' own environment parsing (`convertLegacyHttpOptions` of
 * `@opentelemetry/otlp-exporter-base/node-http`), payloads from `@opentelemetry/otlp-transformer`,
 * retries follow the OTLP specification (429, 502, 503, 504 and network errors; `Retry-After`
 * honoured; exponential back-off with jitter, within the export timeout).
 */
import { diag } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import {
  ProtobufLogsSerializer,
  ProtobufMetricsSerializer,
  ProtobufTraceSerializer,
} from '@opentelemetry/otlp-transformer';
import type {
  LogRecordProcessor,
  ReadableLogRecord,
  ReadWriteLogRecord,
} from '@opentelemetry/sdk-logs';
import {
  AggregationTemporality,
  InstrumentType,
  type PushMetricExporter,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import {
  type Agent,
  type ClientRequest,
  type IncomingMessage,
  request as httpRequest,
  type RequestOptions,
} from 'node:http';
import { request as httpsRequest } from 'node:https';
import { gzipSync } from 'node:zlib';
import { lazyRequire } from '../util/lazy-require.js';
import { otlpJson, toOtlpJsonLine } from './otlp-json-file.js';

export type OtlpSignal = 'traces' | 'logs' | 'metrics';
export type OtlpHttpEncoding = 'protobuf' | 'json';

/** What a resource offers to wait for its asynchronous attributes (host.id, ...). */
interface AsyncResource {
  readonly asyncAttributesPending?: boolean;
  waitForAsyncAttributes?(): Promise<void>;
}

interface HttpConfig {
  url: string;
  headers: () => Promise<Record<string, string>> | Record<string, string>;
  compression: string;
  timeoutMillis: number;
  agentFactory: (protocol: string) => Promise<Agent>;
  userAgent?: string;
}

interface NodeHttpHelpers {
  convertLegacyHttpOptions: (
    config: object,
    signalIdentifier: string,
    signalResourcePath: string,
    requiredHeaders: Record<string, string>,
  ) => HttpConfig;
}

const CONTENT_TYPE: Record<OtlpHttpEncoding, string> = {
  protobuf: 'application/x-protobuf',
  json: 'application/json',
};

const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);
const MAX_ATTEMPTS = 5;
const INITIAL_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 5000;
const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

/** The outcome of one send, retries included. */
export type SendOutcome = 'sent' | 'retryable' | 'rejected';

function parseRetryAfter(value: string | string[] | undefined): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined) return undefined;
  const seconds = Number(v);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(v);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function unrefSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/**
 * POSTs OTLP payloads for one signal. Every socket is unreferenced while in use (the agent
 * re-references a kept-alive socket when it reuses it, so this is done per request).
 */
export class OtlpHttpSender {
  readonly url: string;
  private readonly config: HttpConfig;
  private readonly contentType: string;
  private agent: Promise<{ agent: Agent; request: typeof httpRequest }> | undefined;

  constructor(signal: OtlpSignal, encoding: OtlpHttpEncoding) {
    const { convertLegacyHttpOptions } = lazyRequire<NodeHttpHelpers>(
      '@opentelemetry/otlp-exporter-base/node-http',
    );
    this.contentType = CONTENT_TYPE[encoding];
    this.config = convertLegacyHttpOptions({}, signal.toUpperCase(), `v1/${signal}`, {
      'Content-Type': this.contentType,
    });
    this.url = this.config.url;
  }

  get timeoutMillis(): number {
    return this.config.timeoutMillis;
  }

  private transport(): Promise<{ agent: Agent; request: typeof httpRequest }> {
    this.agent ??= (async () => {
      const protocol = new URL(this.url).protocol;
      const agent = await this.config.agentFactory(protocol);
      return { agent, request: protocol === 'https:' ? httpsRequest : httpRequest };
    })();
    return this.agent;
  }

  /** Sends one payload, retrying within the export timeout. Never rejects. */
  async send(body: Uint8Array): Promise<SendOutcome> {
    const deadline = Date.now() + this.config.timeoutMillis;
    let backoff = INITIAL_BACKOFF_MS;
    for (let attempt = 1; ; attempt++) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) return 'retryable';
      const result = await this.attempt(body, remaining).catch((err: unknown) => {
        diag.debug('lorechat-otel: OTLP request failed', err);
        return { outcome: 'retryable' as const, retryAfterMs: undefined };
      });
      if (result.outcome !== 'retryable' || attempt >= MAX_ATTEMPTS) return result.outcome;
      const jitter = 1 + (Math.random() * 0.4 - 0.2);
      const wait = result.retryAfterMs ?? Math.min(backoff * jitter, MAX_BACKOFF_MS);
      backoff *= 1.5;
      if (wait >= deadline - Date.now()) return 'retryable';
      await unrefSleep(wait);
    }
  }

  private async attempt(
    body: Uint8Array,
    timeoutMs: number,
  ): Promise<{ outcome: SendOutcome; retryAfterMs: number | undefined }> {
    const { agent, request } = await this.transport();
    const headers: Record<string, string> = { ...(await this.config.headers()) };
    headers['Content-Type'] = this.contentType;
    headers['User-Agent'] = this.config.userAgent ?? 'lorechat-otel';
    let payload: Uint8Array = body;
    if (this.config.compression === 'gzip') {
      payload = gzipSync(body);
      headers['Content-Encoding'] = 'gzip';
    }
    headers['Content-Length'] = String(payload.byteLength);
    return new Promise((resolve) => {
      let settled = false;
      const done = (outcome: SendOutcome, retryAfterMs?: number): void => {
        if (settled) return;
        settled = true;
        resolve({ outcome, retryAfterMs });
      };
      const options: RequestOptions = { method: 'POST', headers, agent };
      let req: ClientRequest;
      try {
        req = request(this.url, options, (res: IncomingMessage) => {
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_RESPONSE_BYTES) res.destroy();
          });
          res.on('error', () => done('retryable'));
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) done('sent');
            else if (RETRYABLE_STATUS.has(status)) {
              done('retryable', parseRetryAfter(res.headers['retry-after']));
            } else {
              diag.warn(
                `lorechat-otel: the OTLP endpoint ${this.url} refused a payload (${status})`,
              );
              done('rejected');
            }
          });
        });
      } catch (err) {
        diag.error(`lorechat-otel: cannot send to ${this.url}`, err);
        done('rejected');
        return;
      }
      req.on('socket', (socket) => socket.unref());
      // A timer of our own (unreferenced) rather than the socket's idle timeout: a server
      // that trickles bytes must not stretch the bound either.
      const timer = setTimeout(() => {
        req.destroy(new Error(`OTLP request to ${this.url} timed out after ${timeoutMs} ms`));
      }, timeoutMs).unref();
      req.on('close', () => clearTimeout(timer));
      req.on('error', (err) => {
        diag.debug(`lorechat-otel: OTLP request to ${this.url} failed`, err);
        done('retryable');
      });
      req.end(payload);
    });
  }
}

/** How one signal's items become OTLP payloads. */
export interface OtlpCodec<T> {
  readonly signal: OtlpSignal;
  /** The payload in the wire encoding; `undefined` when the serializer fails. */
  encode(items: T[]): Uint8Array | undefined;
  /** One OTLP-JSON line (Collector `file` exporter format) for the spool. */
  jsonLine(items: T[]): string | undefined;
  resources(items: T[]): AsyncResource[];
}

function jsonLineOf(bytes: Uint8Array | undefined): string | undefined {
  return bytes === undefined ? undefined : toOtlpJsonLine(bytes);
}

export function spanCodec(encoding: OtlpHttpEncoding): OtlpCodec<ReadableSpan> {
  return {
    signal: 'traces',
    encode: (items) =>
      encoding === 'json'
        ? otlpJson.traces(items)
        : ProtobufTraceSerializer.serializeRequest(items),
    jsonLine: (items) => jsonLineOf(otlpJson.traces(items)),
    resources: (items) => items.map((s) => s.resource as AsyncResource),
  };
}

export function logCodec(encoding: OtlpHttpEncoding): OtlpCodec<ReadableLogRecord> {
  return {
    signal: 'logs',
    encode: (items) =>
      encoding === 'json' ? otlpJson.logs(items) : ProtobufLogsSerializer.serializeRequest(items),
    jsonLine: (items) => jsonLineOf(otlpJson.logs(items)),
    resources: (items) => items.map((r) => r.resource as AsyncResource),
  };
}

export function metricCodec(encoding: OtlpHttpEncoding): OtlpCodec<ResourceMetrics> {
  const serialize = (m: ResourceMetrics) =>
    encoding === 'json' ? otlpJson.metrics(m) : ProtobufMetricsSerializer.serializeRequest(m);
  // One ResourceMetrics per payload: the metric queue's batch size is 1.
  return {
    signal: 'metrics',
    encode: (items) => (items[0] ? serialize(items[0]) : undefined),
    jsonLine: (items) => (items[0] ? jsonLineOf(otlpJson.metrics(items[0])) : undefined),
    resources: (items) => items.map((m) => m.resource as AsyncResource),
  };
}

export interface ExportQueueOptions {
  /** Items held; beyond it new ones are dropped (counted, one warning). */
  readonly maxQueueSize: number;
  readonly maxBatchSize: number;
  /** Longest time an item waits before a batch is sent. */
  readonly scheduledDelayMillis: number;
}

/** Something whose unsent items can be written synchronously at a hard exit. */
export interface Spillable {
  readonly signal: OtlpSignal;
  /** OTLP-JSON lines of everything not confirmed sent; empties the queue. */
  drainAsJsonLines(): string[];
}

/**
 * A batching queue for one signal: holds items, sends one batch at a time through the
 * sender, keeps what is in flight until the Collector confirmed it (so a hard exit can spill
 * it), and drops new items beyond `maxQueueSize`.
 */
export class OtlpExportQueue<T> implements Spillable {
  readonly signal: OtlpSignal;
  private buffer: T[] = [];
  private inFlight: T[] | undefined;
  private sending: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Items dropped because the queue was full or the Collector refused them. */
  dropped = 0;
  /** Queue-full drops not reported yet (reported as the SDK's batch processors do). */
  private unreported = 0;

  constructor(
    private readonly codec: OtlpCodec<T>,
    private readonly sender: Pick<OtlpHttpSender, 'send'>,
    readonly options: ExportQueueOptions,
  ) {
    this.signal = codec.signal;
  }

  /** Items not yet confirmed by the Collector. */
  get pending(): number {
    return this.buffer.length + (this.inFlight?.length ?? 0);
  }

  add(item: T): void {
    if (this.closed) return;
    if (this.buffer.length >= this.options.maxQueueSize) {
      this.dropped++;
      this.unreported++;
      return;
    }
    this.buffer.push(item);
    if (this.buffer.length >= this.options.maxBatchSize) this.kick();
    else this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.buffer.length === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.kick();
    }, this.options.scheduledDelayMillis);
    this.timer.unref();
  }

  /** Starts sending the next batch unless one is in flight. */
  private kick(): void {
    if (this.unreported > 0) {
      // The SDK's batch processors' wording, which tools already count.
      const noun = { traces: 'spans', logs: 'log records', metrics: 'metric exports' }[this.signal];
      diag.warn(`Dropped ${this.unreported} ${noun} because maxQueueSize reached`);
      this.unreported = 0;
    }
    if (this.sending || this.buffer.length === 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.buffer.splice(0, this.options.maxBatchSize);
    this.inFlight = batch;
    this.sending = this.sendBatch(batch).finally(() => {
      this.inFlight = undefined;
      this.sending = undefined;
      if (this.buffer.length >= this.options.maxBatchSize) this.kick();
      else this.schedule();
    });
  }

  private async sendBatch(batch: T[]): Promise<void> {
    try {
      // As the SDK's batch processors do: host.id and other detected attributes settle first.
      const pending = new Set(
        this.codec.resources(batch).filter((r) => r.asyncAttributesPending === true),
      );
      await Promise.all([...pending].map((r) => r.waitForAsyncAttributes?.() ?? Promise.resolve()));
      const body = this.codec.encode(batch);
      if (body === undefined) throw new Error('the OTLP serializer returned nothing');
      const outcome = await this.sender.send(body);
      if (outcome !== 'sent') {
        this.dropped += batch.length;
        diag.warn(
          `lorechat-otel: ${batch.length} ${this.signal} items not exported (${outcome === 'rejected' ? 'refused by the endpoint' : 'endpoint unreachable'})`,
        );
      }
    } catch (err) {
      this.dropped += batch.length;
      diag.error(`lorechat-otel: exporting ${this.signal} failed`, err);
    }
  }

  /**
   * Sends everything held now, one batch after another. Someone awaits this (the app's
   * `forceFlush()`, our shutdown), so the event loop is held until it is done: the sends
   * themselves are unreferenced, and an app awaiting its flush must not see the loop empty
   * (`beforeExit`, our shutdown) in the middle of it.
   */
  async forceFlush(): Promise<void> {
    const hold = setInterval(() => undefined, 1 << 30);
    try {
      for (;;) {
        if (this.sending) {
          await this.sending;
          continue;
        }
        if (this.buffer.length === 0) return;
        this.kick();
      }
    } finally {
      clearInterval(hold);
    }
  }

  async shutdown(): Promise<void> {
    await this.forceFlush();
    this.closed = true;
  }

  drainAsJsonLines(): string[] {
    const items = [...(this.inFlight ?? []), ...this.buffer];
    this.inFlight = undefined;
    this.buffer = [];
    const lines: string[] = [];
    const size = Math.max(1, this.options.maxBatchSize);
    for (let i = 0; i < items.length; i += size) {
      try {
        const line = this.codec.jsonLine(items.slice(i, i + size));
        if (line !== undefined) lines.push(line);
      } catch (err) {
        diag.error(`lorechat-otel: serializing ${this.signal} for the spool failed`, err);
      }
    }
    return lines;
  }
}

/** Sampled spans into an {@link OtlpExportQueue}. */
export class OtlpHttpSpanProcessor implements SpanProcessor {
  constructor(readonly queue: OtlpExportQueue<ReadableSpan>) {}
  onStart(_span: Span): void {}
  onEnd(span: ReadableSpan): void {
    if (span.spanContext().traceFlags & 1) this.queue.add(span);
  }
  forceFlush(): Promise<void> {
    return this.queue.forceFlush();
  }
  shutdown(): Promise<void> {
    return this.queue.shutdown();
  }
}

/** Log records into an {@link OtlpExportQueue}. */
export class OtlpHttpLogRecordProcessor implements LogRecordProcessor {
  constructor(readonly queue: OtlpExportQueue<ReadableLogRecord>) {}
  onEmit(record: ReadWriteLogRecord): void {
    this.queue.add(record);
  }
  forceFlush(): Promise<void> {
    return this.queue.forceFlush();
  }
  shutdown(): Promise<void> {
    return this.queue.shutdown();
  }
}

/**
 * A push exporter for `PeriodicExportingMetricReader` that hands each collection to an
 * {@link OtlpExportQueue} and answers at once: the reader's export-timeout timer (which is
 * referenced) never waits on the network.
 */
export class OtlpHttpMetricExporter implements PushMetricExporter {
  private readonly temporality: 'cumulative' | 'delta' | 'lowmemory';
  constructor(
    readonly queue: OtlpExportQueue<ResourceMetrics>,
    temporality: string | undefined,
  ) {
    const t = (temporality ?? '').trim().toLowerCase();
    this.temporality = t === 'delta' || t === 'lowmemory' ? t : 'cumulative';
  }
  export(metrics: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
    if (metrics.scopeMetrics.some((s) => s.metrics.length > 0)) this.queue.add(metrics);
    resultCallback({ code: ExportResultCode.SUCCESS });
  }
  /** `OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE`, as the SDK's exporters read it. */
  selectAggregationTemporality(type: InstrumentType): AggregationTemporality {
    if (this.temporality === 'cumulative') return AggregationTemporality.CUMULATIVE;
    const deltaKinds =
      this.temporality === 'delta'
        ? [InstrumentType.COUNTER, InstrumentType.OBSERVABLE_COUNTER, InstrumentType.HISTOGRAM]
        : [InstrumentType.COUNTER, InstrumentType.HISTOGRAM];
    return deltaKinds.includes(type)
      ? AggregationTemporality.DELTA
      : AggregationTemporality.CUMULATIVE;
  }
  forceFlush(): Promise<void> {
    return this.queue.forceFlush();
  }
  shutdown(): Promise<void> {
    return this.queue.shutdown();
  }
}
