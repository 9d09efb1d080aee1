/**
 * Running counts of what an OTLP receiver got, emptied periodically so that long runs
 * (100,000 turns) do not keep millions of decoded spans in the harness.
 */
import type { OtlpReceiver } from '../../test/helpers/otlp-receiver.js';

export interface TallyCounts {
  spans: number;
  /** Spans whose name starts with `spanPrefix` (one per chat turn: the graph run). */
  turnSpans: number;
  logRecords: number;
  /** Log records with event name `eventName` (one per chat turn). */
  turnEvents: number;
  exportRequests: number;
}

export class Tally {
  readonly counts: TallyCounts = {
    spans: 0,
    turnSpans: 0,
    logRecords: 0,
    turnEvents: 0,
    exportRequests: 0,
  };
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly receiver: OtlpReceiver,
    private readonly match: { spanPrefix: string; eventName: string },
  ) {
    this.timer = setInterval(() => this.drain(), 500);
  }

  drain(): void {
    const spans = this.receiver.spans();
    const logs = this.receiver.logRecords();
    this.counts.spans += spans.length;
    this.counts.turnSpans += spans.filter((s) =>
      s.name.startsWith(`${this.match.spanPrefix} `),
    ).length;
    this.counts.logRecords += logs.length;
    this.counts.turnEvents += logs.filter(
      (l) => (l.eventName ?? l.attributes['event.name']) === this.match.eventName,
    ).length;
    this.counts.exportRequests += this.receiver.requests.length;
    this.receiver.clear();
  }

  reset(): void {
    this.drain();
    for (const k of Object.keys(this.counts) as (keyof TallyCounts)[]) this.counts[k] = 0;
  }

  stop(): void {
    clearInterval(this.timer);
    this.drain();
  }
}
