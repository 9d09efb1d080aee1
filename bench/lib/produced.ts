/** What a variant delivered to the receiver: the coverage its cost buys. */
import type { OtlpReceiver, ReceivedMetric } from '../../test/helpers/otlp-receiver.js';

export interface Produced {
  readonly spans: number;
  readonly spansPerTurn: number;
  /** Distinct span names, sorted. */
  readonly spanNames: readonly string[];
  readonly logRecords: number;
  readonly logRecordsPerTurn: number;
  /** Distinct event names of the log records, sorted. */
  readonly eventNames: readonly string[];
  /** Distinct metric names, sorted. */
  readonly metricNames: readonly string[];
  /** Distinct (metric name, attribute set) pairs. */
  readonly metricSeries: number;
  /** Export requests the receiver answered. */
  readonly exportRequests: number;
}

function seriesKey(metric: ReceivedMetric, attributes: Record<string, unknown>): string {
  const attrs = Object.keys(attributes)
    .sort()
    .map((k) => `${k}=${JSON.stringify(attributes[k])}`)
    .join(',');
  return `${metric.name}{${attrs}}`;
}

/** Summarises everything the receiver holds; `turns` counts every turn the child ran. */
export function producedBy(receiver: OtlpReceiver, turns: number): Produced {
  const spans = receiver.spans();
  const logs = receiver.logRecords();
  const metrics = receiver.metrics();
  const series = new Set<string>();
  for (const m of metrics) for (const p of m.points) series.add(seriesKey(m, p.attributes));
  const eventName = (l: (typeof logs)[number]) =>
    l.eventName ??
    (typeof l.attributes['event.name'] === 'string' ? l.attributes['event.name'] : '(none)');
  return {
    spans: spans.length,
    spansPerTurn: turns > 0 ? spans.length / turns : 0,
    spanNames: [...new Set(spans.map((s) => s.name))].sort(),
    logRecords: logs.length,
    logRecordsPerTurn: turns > 0 ? logs.length / turns : 0,
    eventNames: [...new Set(logs.map(eventName))].sort(),
    metricNames: receiver.metricNames(),
    metricSeries: series.size,
    exportRequests: receiver.requests.length,
  };
}

/**
 * Spans and log records the SDK's batch processors counted as dropped (queue full), from
 * their own `otel.sdk.processor.*.processed{error.type="queue_full"}` counters, when the
 * variant exports the SDK's self-metrics.
 */
export function sdkQueueDrops(receiver: OtlpReceiver): { spans: number; logRecords: number } {
  const drops = (name: string): number => {
    const latest = receiver.latestMetric(name);
    if (!latest) return 0;
    return latest.points
      .filter((p) => p.attributes['error.type'] === 'queue_full')
      .reduce((sum, p) => sum + (p.value ?? 0), 0);
  };
  return {
    spans: drops('otel.sdk.processor.span.processed'),
    logRecords: drops('otel.sdk.processor.log.processed'),
  };
}
