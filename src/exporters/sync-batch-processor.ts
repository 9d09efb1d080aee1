/**
 * Batching processors for exporters that finish synchronously (the embedded `.jsonl`
 * files). Unlike the SDK's batch processors they can also be drained synchronously, which
 * is what still works from a process `exit` handler, e.g. after the app calls
 * `process.exit()` itself and no asynchronous flush can run any more.
 */
import { diag, type Context } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type {
  LogRecordExporter,
  LogRecordProcessor,
  ReadableLogRecord,
  ReadWriteLogRecord,
} from '@opentelemetry/sdk-logs';
import type { ReadableSpan, Span, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace';

export interface SyncBatchOptions {
  /** Items buffered before a write. @default 512 */
  readonly maxBatchSize?: number;
  /** Longest time an item waits in the buffer. @default 1000 */
  readonly scheduledDelayMillis?: number;
  /** Items dropped (with a warning) beyond this many waiting. @default 8192 */
  readonly maxQueueSize?: number;
}

interface SyncExporter<T> {
  export(items: T[], done: (result: ExportResult) => void): void;
  shutdown(): Promise<void>;
}

class SyncBatcher<T> {
  private buffer: T[] = [];
  private timer: NodeJS.Timeout | undefined;
  private dropped = 0;
  private closed = false;
  private readonly maxBatchSize: number;
  private readonly delay: number;
  private readonly maxQueueSize: number;

  constructor(
    private readonly exporter: SyncExporter<T>,
    options: SyncBatchOptions,
  ) {
    this.maxBatchSize = options.maxBatchSize ?? 512;
    this.delay = options.scheduledDelayMillis ?? 1000;
    this.maxQueueSize = options.maxQueueSize ?? 8192;
  }

  add(item: T): void {
    if (this.closed) return;
    if (this.buffer.length >= this.maxQueueSize) {
      if (this.dropped++ === 0) diag.warn('lorechat-otel: telemetry file queue full, dropping');
      return;
    }
    this.buffer.push(item);
    if (this.buffer.length >= this.maxBatchSize) this.flushSync();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.flushSync(), this.delay);
      this.timer.unref();
    }
  }

  /** Writes everything buffered, now. */
  flushSync(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.buffer.length > 0) {
      const batch = this.buffer.splice(0, this.maxBatchSize);
      this.exporter.export(batch, (result) => {
        if (result.code !== ExportResultCode.SUCCESS) {
          diag.warn(`lorechat-otel: dropped ${batch.length} telemetry items`, result.error);
        }
      });
    }
  }

  shutdown(): Promise<void> {
    this.flushSync();
    this.closed = true;
    return this.exporter.shutdown();
  }
}

export class SyncBatchSpanProcessor implements SpanProcessor {
  private readonly batcher: SyncBatcher<ReadableSpan>;
  constructor(exporter: SpanExporter, options: SyncBatchOptions = {}) {
    this.batcher = new SyncBatcher(exporter, options);
  }
  onStart(_span: Span, _parentContext: Context): void {}
  onEnd(span: ReadableSpan): void {
    if (span.spanContext().traceFlags & 1) this.batcher.add(span);
  }
  flushSync(): void {
    this.batcher.flushSync();
  }
  forceFlush(): Promise<void> {
    this.batcher.flushSync();
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return this.batcher.shutdown();
  }
}

export class SyncBatchLogRecordProcessor implements LogRecordProcessor {
  private readonly batcher: SyncBatcher<ReadableLogRecord>;
  constructor(exporter: LogRecordExporter, options: SyncBatchOptions = {}) {
    this.batcher = new SyncBatcher(exporter, options);
  }
  onEmit(logRecord: ReadWriteLogRecord): void {
    this.batcher.add(logRecord);
  }
  flushSync(): void {
    this.batcher.flushSync();
  }
  forceFlush(): Promise<void> {
    this.batcher.flushSync();
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return this.batcher.shutdown();
  }
}
