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

interface WithResource {
  readonly resource: {
    readonly asyncAttributesPending?: boolean;
    waitForAsyncAttributes?(): Promise<void>;
  };
}

class SyncBatcher<T extends WithResource> {
  private buffer: T[] = [];
  private timer: NodeJS.Timeout | undefined;
  private dropped = 0;
  private closed = false;
  private waitingForResource = false;
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

  /**
   * Writes everything buffered. Until the resource's asynchronous attributes (`host.id`)
   * have settled the write waits for them, as the SDK's batch processors do, unless `force`
   * (an `exit` handler, where nothing asynchronous runs any more).
   */
  flushSync(force = false): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const resource = this.buffer.find((i) => i.resource.asyncAttributesPending === true)?.resource;
    if (!force && resource?.waitForAsyncAttributes) {
      if (!this.waitingForResource) {
        this.waitingForResource = true;
        resource.waitForAsyncAttributes().then(
          () => {
            this.waitingForResource = false;
            this.flushSync();
          },
          () => {
            this.waitingForResource = false;
            this.flushSync(true);
          },
        );
      }
      return;
    }
    while (this.buffer.length > 0) {
      const batch = this.buffer.splice(0, this.maxBatchSize);
      this.exporter.export(batch, (result) => {
        if (result.code !== ExportResultCode.SUCCESS) {
          diag.warn(`lorechat-otel: dropped ${batch.length} telemetry items`, result.error);
        }
      });
    }
  }

  async shutdown(): Promise<void> {
    await this.settleResources();
    this.flushSync(true);
    this.closed = true;
    return this.exporter.shutdown();
  }

  /** Waits for the buffered items' resources to settle, then writes them. */
  async forceFlush(): Promise<void> {
    await this.settleResources();
    this.flushSync(true);
  }

  private async settleResources(): Promise<void> {
    const pending = new Set(
      this.buffer.filter((i) => i.resource.asyncAttributesPending === true).map((i) => i.resource),
    );
    await Promise.all(
      [...pending].map(
        (r) => r.waitForAsyncAttributes?.().catch(() => undefined) ?? Promise.resolve(),
      ),
    );
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
    this.batcher.flushSync(true);
  }
  forceFlush(): Promise<void> {
    return this.batcher.forceFlush();
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
    this.batcher.flushSync(true);
  }
  forceFlush(): Promise<void> {
    return this.batcher.forceFlush();
  }
  shutdown(): Promise<void> {
    return this.batcher.shutdown();
  }
}
