/**
 * A span processor that keeps a few numbers for the readable summary printed at exit:
 * turns (graph runs) and their p50/p95 duration, spans by name, tokens from chat spans, and
 * spans that ended in error. Memory is bounded: at most `maxDurations` turn durations (the
 * most recent) and `maxNames` distinct span names are kept.
 */
import type { Context } from '@opentelemetry/api';
import { SpanStatusCode } from '@opentelemetry/api';
import { hrTimeToMilliseconds } from '@opentelemetry/core';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import {
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_WORKFLOW_NAME,
  SPAN_CHAT,
  SPAN_INVOKE_AGENT,
  SPAN_INVOKE_WORKFLOW,
} from '../semconv.js';

export interface SummarySnapshot {
  readonly turns: number;
  readonly failedTurns: number;
  /** Seconds; undefined without turns. */
  readonly p50Seconds: number | undefined;
  readonly p95Seconds: number | undefined;
  readonly spans: number;
  readonly spansByName: ReadonlyMap<string, number>;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly errorsByName: ReadonlyMap<string, number>;
}

export interface SummaryLocations {
  readonly mode: 'otlp' | 'embedded';
  readonly files?: { traces: string; logs: string; metrics: string };
  readonly prometheusUrl?: string;
}

/** Nearest-rank percentile of an unsorted list (q in 0..1). */
export function percentile(values: readonly number[], q: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((x, y) => x - y);
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1];
}

function numberAttr(span: ReadableSpan, key: string): number {
  const v = span.attributes[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

function isNamed(span: ReadableSpan, base: string): boolean {
  return span.name === base || span.name.startsWith(`${base} `);
}

/**
 * A chat turn: a graph run's `invoke_workflow` span, or a top-level agent run's
 * `invoke_agent` span (which carries the workflow name; an agent inside a turn does not).
 */
function isTurn(span: ReadableSpan): boolean {
  return (
    isNamed(span, SPAN_INVOKE_WORKFLOW) ||
    (isNamed(span, SPAN_INVOKE_AGENT) && span.attributes[ATTR_GEN_AI_WORKFLOW_NAME] !== undefined)
  );
}

export class SummarySpanProcessor implements SpanProcessor {
  private readonly maxDurations: number;
  private readonly maxNames: number;
  private readonly durations: number[] = [];
  private next = 0;
  private turns = 0;
  private failedTurns = 0;
  private spans = 0;
  private inputTokens = 0;
  private outputTokens = 0;
  private readonly byName = new Map<string, number>();
  private readonly errorsByName = new Map<string, number>();

  constructor(options: { maxDurations?: number; maxNames?: number } = {}) {
    this.maxDurations = options.maxDurations ?? 10_000;
    this.maxNames = options.maxNames ?? 200;
  }

  onStart(_span: Span, _parentContext: Context): void {}

  onEnd(span: ReadableSpan): void {
    this.spans++;
    this.bump(this.byName, span.name);
    const failed = span.status.code === SpanStatusCode.ERROR;
    if (failed) this.bump(this.errorsByName, span.name);
    if (isTurn(span)) {
      this.turns++;
      if (failed) this.failedTurns++;
      const seconds = hrTimeToMilliseconds(span.duration) / 1000;
      if (this.durations.length < this.maxDurations) this.durations.push(seconds);
      else this.durations[this.next] = seconds;
      this.next = (this.next + 1) % this.maxDurations;
    } else if (isNamed(span, SPAN_CHAT)) {
      this.inputTokens += numberAttr(span, ATTR_GEN_AI_USAGE_INPUT_TOKENS);
      this.outputTokens += numberAttr(span, ATTR_GEN_AI_USAGE_OUTPUT_TOKENS);
    }
  }

  private bump(map: Map<string, number>, name: string): void {
    const key = map.has(name) || map.size < this.maxNames ? name : '(other)';
    map.set(key, (map.get(key) ?? 0) + 1);
  }

  snapshot(): SummarySnapshot {
    return {
      turns: this.turns,
      failedTurns: this.failedTurns,
      p50Seconds: percentile(this.durations, 0.5),
      p95Seconds: percentile(this.durations, 0.95),
      spans: this.spans,
      spansByName: new Map(this.byName),
      inputTokens: this.inputTokens,
      outputTokens: this.outputTokens,
      errorsByName: new Map(this.errorsByName),
    };
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

function seconds(v: number | undefined): string {
  return v === undefined ? 'n/a' : `${v.toFixed(3)} s`;
}

function top(map: ReadonlyMap<string, number>, n: number): string {
  const entries = [...map.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const shown = entries.slice(0, n).map(([k, v]) => `${k}: ${v}`);
  if (entries.length > n) shown.push(`… ${entries.length - n} more`);
  return shown.join(', ');
}

/** The readable report printed to stderr at exit. */
export function formatSummary(s: SummarySnapshot, where: SummaryLocations): string {
  const lines = [
    `lorechat-otel summary (${where.mode} mode)`,
    `  turns:          ${s.turns}${s.failedTurns > 0 ? ` (${s.failedTurns} failed)` : ''}`,
    `  response time:  p50 ${seconds(s.p50Seconds)}, p95 ${seconds(s.p95Seconds)}`,
    `  tokens:         ${s.inputTokens} input, ${s.outputTokens} output`,
    `  spans:          ${s.spans}${s.spans > 0 ? ` (${top(s.spansByName, 8)})` : ''}`,
    `  errors:         ${[...s.errorsByName.values()].reduce((a, b) => a + b, 0)}${
      s.errorsByName.size > 0 ? ` (${top(s.errorsByName, 5)})` : ''
    }`,
  ];
  if (where.files) {
    lines.push(
      `  traces:         ${where.files.traces}`,
      `  logs:           ${where.files.logs}`,
      `  metrics:        ${where.files.metrics}`,
    );
  }
  if (where.prometheusUrl) {
    lines.push(`  prometheus:     ${where.prometheusUrl} (served while the app runs)`);
  }
  return lines.join('\n') + '\n';
}
