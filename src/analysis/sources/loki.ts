import { BackendError } from '../errors.js';
import { toTelemetryEvent } from './event-record.js';
import { baseUrl, getJson } from './http.js';
import type { EventsReader, Progress, TelemetryEvent, TimeWindow } from './types.js';

/**
 * The stream selector for LoreChat's events: Loki's OTLP ingestion turns `service.name` into
 * the `service_name` stream label.
 */
export const DEFAULT_LOKI_SELECTOR = '{service_name="lorechat"}';

interface LokiStream {
  stream?: Record<string, string>;
  values?: Array<[string, string] | [string, string, Record<string, unknown>]>;
}

/** Structured metadata: flat (`{k: v}`) or categorised (`{structuredMetadata: {...}}`). */
function metadataOf(extra: Record<string, unknown> | undefined): Record<string, string> {
  if (!extra) return {};
  const nested = extra.structuredMetadata ?? extra.structured_metadata;
  const source = nested && typeof nested === 'object' ? (nested as Record<string, unknown>) : extra;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(source)) if (typeof v === 'string') out[k] = v;
  return out;
}

/** Log events from Loki's query API (`/loki/api/v1/query_range`), paged forward in time. */
export class LokiEvents implements EventsReader {
  readonly url: URL;
  readonly description: string;

  constructor(
    url: string,
    private readonly options: {
      selector?: string;
      pageSize?: number;
      timeoutMs?: number;
      progress?: Progress;
    } = {},
  ) {
    this.url = baseUrl(url, 'Loki');
    this.description = `Loki ${this.url.href}`;
  }

  async events(window: TimeWindow, names?: readonly string[]): Promise<TelemetryEvent[]> {
    const limit = this.options.pageSize ?? 5000;
    const query = this.options.selector ?? DEFAULT_LOKI_SELECTOR;
    const out: TelemetryEvent[] = [];
    const seen = new Set<string>();
    // Loki's start is inclusive and end exclusive, in nanoseconds.
    let start = BigInt(Math.floor(window.start)) * 1_000_000n + 1n;
    const end = BigInt(Math.floor(window.end)) * 1_000_000n + 1n;
    for (let page = 1; ; page++) {
      const url = new URL('loki/api/v1/query_range', this.url);
      url.searchParams.set('query', query);
      url.searchParams.set('start', start.toString());
      url.searchParams.set('end', end.toString());
      url.searchParams.set('limit', String(limit));
      url.searchParams.set('direction', 'forward');
      this.options.progress?.(`loki: ${query} page ${page} (${out.length} events so far)`);
      const body = (await getJson('Loki', url, {
        timeoutMs: this.options.timeoutMs ?? 60_000,
        headers: { 'X-Loki-Response-Encoding-Flags': 'categorize-labels' },
      })) as {
        status?: string;
        error?: string;
        data?: { resultType?: string; result?: LokiStream[] };
      };
      if (body.status !== 'success')
        throw new BackendError(`Loki rejected "${query}": ${body.error ?? 'unknown error'}`);
      if (body.data?.resultType !== 'streams' || !Array.isArray(body.data.result)) {
        throw new BackendError(
          `Loki answered "${query}" with ${body.data?.resultType ?? 'no'} data, not streams`,
        );
      }
      let lines = 0;
      let last = start;
      for (const stream of body.data.result) {
        for (const entry of stream.values ?? []) {
          lines++;
          const [ns, line, extra] = entry;
          const key = `${ns}\u0000${line}`;
          if (seen.has(key)) continue;
          seen.add(key);
          const nsBig = BigInt(ns);
          if (nsBig > last) last = nsBig;
          const event = toTelemetryEvent({
            time: Number(nsBig / 1000n) / 1000,
            body: line,
            attributes: { ...stream.stream, ...metadataOf(extra) },
          });
          if (event && (!names || names.includes(event.name))) out.push(event);
        }
      }
      if (lines < limit) break;
      // A full page: continue from the newest entry (inclusive; duplicates are skipped above).
      if (last === start) {
        throw new BackendError(
          `Loki returned ${limit} entries with the same timestamp; raise the page size`,
        );
      }
      start = last;
    }
    return out.sort((a, b) => a.time - b.time);
  }
}
