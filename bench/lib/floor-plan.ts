/**
 * The floor of our telemetry: what the OpenTelemetry SDK and exporters alone cost to produce
 * exactly the spans, metric recordings and log records that lorechat-otel produces for a turn.
 *
 * A capture run (variants/capture.ts) runs ours with providers that record every operation
 * in order: span start (name, kind, parent, attributes at start, links), span end (attributes
 * set since, events, status), log record (scope, event name, severity, body, attributes,
 * span), metric recording (instrument, value, attributes, span in context). The floor run
 * (variants/floor.ts) starts the same SDK and exporters with no instrumentation at all and,
 * after each turn of the uninstrumented app, replays that turn's operations straight through
 * the OpenTelemetry API: `tracer.startSpan`, `setAttributes`, `addEvent`, `setStatus`, `end`,
 * `histogram.record`, `counter.add`, `logger.emit`. No patching, no LangChain/LangGraph hook,
 * no bookkeeping: its cost is the SDK's own for our telemetry.
 *
 * Turns are keyed by conversation and position (`<conversation % 5>:<turn>`): the workload
 * replays fixed conversations, so a key's telemetry has the same shape every time it runs.
 * The one value that differs per turn, the thread id, is substituted at replay.
 */
import {
  type Attributes,
  context,
  type Context,
  type Counter,
  type Histogram,
  type Link,
  logs,
  type Meter,
  type MeterProvider,
  metrics,
  type MetricOptions,
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  type SpanStatus,
  SpanStatusCode,
  trace,
  TraceFlags,
} from '@opentelemetry/api';
import type { AnyValue, LogAttributes, SeverityNumber } from '@opentelemetry/api-logs';

/** The global hook the workload calls around each turn (set by a preload, if any). */
export const TURN_HOOK = Symbol.for('lorechat.bench.turn-hook');

export interface TurnHook {
  start?(key: string, threadId: string): void;
  /** May return a promise (the capture waits for telemetry that completes after the turn). */
  end?(key: string, threadId: string): void | Promise<void>;
}

export function turnHook(): TurnHook | undefined {
  return (globalThis as Record<symbol, TurnHook | undefined>)[TURN_HOOK];
}

export function setTurnHook(hook: TurnHook): void {
  (globalThis as Record<symbol, TurnHook | undefined>)[TURN_HOOK] = hook;
}

export interface PlanScope {
  readonly name: string;
  readonly version?: string | undefined;
}

export type InstrumentKind =
  | 'histogram'
  | 'counter'
  | 'upDownCounter'
  | 'gauge'
  | 'observableGauge'
  | 'observableCounter'
  | 'observableUpDownCounter';

export interface PlanInstrument {
  readonly scope: number;
  readonly kind: InstrumentKind;
  readonly name: string;
  readonly options: MetricOptions | undefined;
  /** Observable instruments: the points the capture observed last, observed again. */
  observed?: Array<{ value: number; attributes: Attributes }>;
}

export type PlanOp =
  | {
      readonly op: 'start';
      readonly span: number;
      readonly scope: number;
      readonly name: string;
      readonly kind: number;
      /** Index of the parent span in this turn, -1: a root span. */
      readonly parent: number;
      readonly attributes: Attributes;
      readonly links: readonly Attributes[];
    }
  | {
      readonly op: 'end';
      readonly span: number;
      /** Attributes set after the start (the final value of each key). */
      readonly attributes: Attributes;
      readonly events: ReadonlyArray<{ name: string; attributes: Attributes }>;
      readonly status: SpanStatus;
    }
  | {
      readonly op: 'log';
      readonly scope: number;
      readonly span: number;
      readonly eventName: string | undefined;
      readonly severityNumber: SeverityNumber | undefined;
      readonly severityText: string | undefined;
      readonly body: AnyValue;
      readonly attributes: LogAttributes;
    }
  | {
      readonly op: 'metric';
      readonly instrument: number;
      readonly value: number;
      readonly attributes: Attributes;
      /** The span active when the value was recorded (exemplars), -1: none of this turn. */
      readonly span: number;
    };

export interface PlanTurn {
  /** The thread id of the captured turn; replaced by the replayed turn's in string values. */
  readonly threadId: string;
  readonly ops: PlanOp[];
}

export interface FloorPlan {
  readonly scopes: PlanScope[];
  readonly instruments: PlanInstrument[];
  readonly turns: Record<string, PlanTurn>;
}

/**
 * The key of what ours records before the first turn (the app's set-up: seeding the vector
 * store); the floor replays it once, before its first turn.
 */
export const SETUP_KEY = 'setup';

export function turnKey(conversation: number, turn: number, conversations: number): string {
  return `${conversation % conversations}:${turn}`;
}

// ---------------------------------------------------------------------------------------
// Capture

/** Records the operations of ours, in order, into a plan. */
export class PlanRecorder {
  readonly plan: FloorPlan = { scopes: [], instruments: [], turns: {} };
  private readonly scopeIds = new Map<string, number>();
  private readonly instrumentIds = new Map<string, number>();
  // Recording from the start: what happens before the first turn is the set-up.
  private ops: PlanOp[] | undefined = [];
  private readonly spanIndex = new Map<string, number>();
  private readonly startAttributes = new Map<string, Attributes>();

  scope(name: string, version: string | undefined): number {
    const key = `${name}@${version ?? ''}`;
    let id = this.scopeIds.get(key);
    if (id === undefined) {
      id = this.plan.scopes.push({ name, version }) - 1;
      this.scopeIds.set(key, id);
    }
    return id;
  }

  instrument(
    scope: number,
    kind: InstrumentKind,
    name: string,
    options: MetricOptions | undefined,
  ): number {
    const key = `${scope}\u0000${kind}\u0000${name}`;
    let id = this.instrumentIds.get(key);
    if (id === undefined) {
      id = this.plan.instruments.push({ scope, kind, name, options }) - 1;
      this.instrumentIds.set(key, id);
    }
    return id;
  }

  beginTurn(): void {
    if (!(SETUP_KEY in this.plan.turns)) this.endTurn(SETUP_KEY, '');
    this.ops = [];
    this.spanIndex.clear();
    this.startAttributes.clear();
  }

  endTurn(key: string, threadId: string): void {
    if (!this.ops) return;
    this.plan.turns[key] = { threadId, ops: this.ops };
    this.ops = undefined;
  }

  private spanOf(spanContext: SpanContext | undefined): number {
    if (!spanContext) return -1;
    return this.spanIndex.get(spanContext.spanId) ?? -1;
  }

  spanStarted(s: {
    spanContext(): SpanContext;
    parentSpanContext?: SpanContext | undefined;
    name: string;
    kind: number;
    attributes: Attributes;
    links: Link[];
    instrumentationScope: PlanScope;
  }): void {
    if (!this.ops) return;
    const id = this.spanIndex.size;
    this.spanIndex.set(s.spanContext().spanId, id);
    const attributes = { ...s.attributes };
    this.startAttributes.set(s.spanContext().spanId, attributes);
    this.ops.push({
      op: 'start',
      span: id,
      scope: this.scope(s.instrumentationScope.name, s.instrumentationScope.version),
      name: s.name,
      kind: s.kind,
      parent: this.spanOf(s.parentSpanContext),
      attributes,
      links: s.links.map((l) => ({ ...(l.attributes ?? {}) })),
    });
  }

  spanEnded(s: {
    spanContext(): SpanContext;
    attributes: Attributes;
    events: ReadonlyArray<{ name: string; attributes?: Attributes }>;
    status: SpanStatus;
  }): void {
    if (!this.ops) return;
    const id = this.spanIndex.get(s.spanContext().spanId);
    if (id === undefined) return;
    const before = this.startAttributes.get(s.spanContext().spanId) ?? {};
    const added: Attributes = {};
    for (const [k, v] of Object.entries(s.attributes)) {
      if (!(k in before) || before[k] !== v) added[k] = v;
    }
    this.ops.push({
      op: 'end',
      span: id,
      attributes: added,
      events: s.events.map((e) => ({ name: e.name, attributes: { ...(e.attributes ?? {}) } })),
      status: { ...s.status },
    });
  }

  logEmitted(r: {
    instrumentationScope: PlanScope;
    spanContext?: SpanContext | undefined;
    eventName?: string | undefined;
    severityNumber?: SeverityNumber | undefined;
    severityText?: string | undefined;
    body?: unknown;
    attributes: Record<string, unknown>;
  }): void {
    if (!this.ops) return;
    this.ops.push({
      op: 'log',
      scope: this.scope(r.instrumentationScope.name, r.instrumentationScope.version),
      span: this.spanOf(r.spanContext),
      eventName: r.eventName,
      severityNumber: r.severityNumber,
      severityText: r.severityText,
      body: r.body as AnyValue,
      attributes: { ...r.attributes } as LogAttributes,
    });
  }

  metricRecorded(
    instrument: number,
    value: number,
    attributes: Attributes | undefined,
    ctx: Context | undefined,
  ): void {
    if (!this.ops) return;
    const active = trace.getSpan(ctx ?? context.active())?.spanContext();
    this.ops.push({
      op: 'metric',
      instrument,
      value,
      attributes: { ...(attributes ?? {}) },
      span: this.spanOf(active),
    });
  }
}

/**
 * A meter provider that records every instrument created and every value recorded into
 * `recorder`, and forwards all of it to `real` (whose reader supplies the observed values of
 * observable instruments).
 */
export function recordingMeterProvider(real: MeterProvider, recorder: PlanRecorder): MeterProvider {
  return {
    getMeter(name, version, options) {
      const meter = real.getMeter(name, version, options);
      const scope = recorder.scope(name, version);
      return recordingMeter(meter, scope, recorder);
    },
  };
}

function recordingMeter(meter: Meter, scope: number, recorder: PlanRecorder): Meter {
  const sync = <I extends Histogram | Counter>(
    kind: InstrumentKind,
    name: string,
    options: MetricOptions | undefined,
    real: I,
    method: 'record' | 'add',
  ): I => {
    const id = recorder.instrument(scope, kind, name, options);
    const forward = (real as unknown as Record<string, (...a: unknown[]) => void>)[method]!.bind(
      real,
    );
    return {
      [method]: (value: number, attributes?: Attributes, ctx?: Context) => {
        recorder.metricRecorded(id, value, attributes, ctx);
        forward(value, attributes, ctx);
      },
    } as unknown as I;
  };
  const observable = <T>(
    kind: InstrumentKind,
    name: string,
    options: MetricOptions | undefined,
    real: T,
  ): T => {
    recorder.instrument(scope, kind, name, options);
    return real;
  };
  return {
    createHistogram: (name, options) =>
      sync('histogram', name, options, meter.createHistogram(name, options), 'record'),
    createCounter: (name, options) =>
      sync('counter', name, options, meter.createCounter(name, options), 'add'),
    createUpDownCounter: (name, options) =>
      sync('upDownCounter', name, options, meter.createUpDownCounter(name, options), 'add'),
    createGauge: (name, options) =>
      sync('gauge', name, options, meter.createGauge(name, options), 'record'),
    createObservableGauge: (name, options) =>
      observable('observableGauge', name, options, meter.createObservableGauge(name, options)),
    createObservableCounter: (name, options) =>
      observable('observableCounter', name, options, meter.createObservableCounter(name, options)),
    createObservableUpDownCounter: (name, options) =>
      observable(
        'observableUpDownCounter',
        name,
        options,
        meter.createObservableUpDownCounter(name, options),
      ),
    addBatchObservableCallback: (cb, observables) =>
      meter.addBatchObservableCallback(cb, observables),
    removeBatchObservableCallback: (cb, observables) =>
      meter.removeBatchObservableCallback(cb, observables),
  };
}

// ---------------------------------------------------------------------------------------
// Replay (the floor)

const LINK_CONTEXT: SpanContext = {
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
  traceFlags: TraceFlags.SAMPLED,
};

interface CompiledTurn {
  readonly ops: PlanOp[];
  /** Per op: the attribute keys (start/end/log/metric) whose value is the thread id. */
  readonly threadKeys: Array<readonly string[] | undefined>;
  readonly threadId: string;
  readonly spans: number;
}

function threadKeysOf(attrs: Attributes | LogAttributes, threadId: string): string[] | undefined {
  if (threadId === '') return undefined;
  const keys = Object.keys(attrs).filter((k) => attrs[k] === threadId);
  return keys.length > 0 ? keys : undefined;
}

function withThread<A extends Attributes | LogAttributes>(
  attrs: A,
  keys: readonly string[] | undefined,
  threadId: string,
): A {
  if (!keys) return attrs;
  const copy: Record<string, unknown> = { ...attrs };
  for (const k of keys) copy[k] = threadId;
  return copy as A;
}

/**
 * Creates the floor's tracers, instruments and loggers from the plan (once) and returns the
 * per-turn replay: the plan's operations for `key`, in order, through the OpenTelemetry API.
 */
export function createReplayer(plan: FloorPlan): (key: string, threadId: string) => void {
  const replay = createTurnReplayer(plan);
  let setUp = false;
  return (key, threadId) => {
    if (!setUp) {
      setUp = true;
      if (SETUP_KEY in plan.turns) replay(SETUP_KEY, '');
    }
    replay(key, threadId);
  };
}

function createTurnReplayer(plan: FloorPlan): (key: string, threadId: string) => void {
  const tracers = plan.scopes.map((s) => trace.getTracer(s.name, s.version));
  const loggers = plan.scopes.map((s) => logs.getLogger(s.name, s.version));
  const recorders: Array<((v: number, a: Attributes, c: Context) => void) | undefined> = [];
  for (const i of plan.instruments) {
    const scope = plan.scopes[i.scope]!;
    const m = metrics.getMeter(scope.name, scope.version);
    switch (i.kind) {
      case 'histogram': {
        const h = m.createHistogram(i.name, i.options);
        recorders.push((v, a, c) => h.record(v, a, c));
        break;
      }
      case 'gauge': {
        const g = m.createGauge(i.name, i.options);
        recorders.push((v, a, c) => g.record(v, a, c));
        break;
      }
      case 'counter': {
        const ctr = m.createCounter(i.name, i.options);
        recorders.push((v, a, c) => ctr.add(v, a, c));
        break;
      }
      case 'upDownCounter': {
        const u = m.createUpDownCounter(i.name, i.options);
        recorders.push((v, a, c) => u.add(v, a, c));
        break;
      }
      default: {
        const create =
          i.kind === 'observableGauge'
            ? m.createObservableGauge.bind(m)
            : i.kind === 'observableCounter'
              ? m.createObservableCounter.bind(m)
              : m.createObservableUpDownCounter.bind(m);
        const o = create(i.name, i.options);
        const points = i.observed ?? [];
        o.addCallback((result) => {
          for (const p of points) result.observe(p.value, p.attributes);
        });
        recorders.push(undefined);
      }
    }
  }

  const compiled = new Map<string, CompiledTurn>();
  for (const [key, t] of Object.entries(plan.turns)) {
    let spans = 0;
    const threadKeys = t.ops.map((op) => {
      if (op.op === 'start') spans++;
      return threadKeysOf(op.attributes, t.threadId);
    });
    compiled.set(key, { ops: t.ops, threadKeys, threadId: t.threadId, spans });
  }

  return (key, threadId) => {
    const t = compiled.get(key);
    if (!t) throw new Error(`floor: no captured telemetry for turn ${key}`);
    const spans: Span[] = new Array<Span>(t.spans);
    const contexts: Context[] = new Array<Context>(t.spans);
    const ctxOf = (i: number): Context => (i < 0 ? ROOT_CONTEXT : contexts[i]!);
    for (let n = 0; n < t.ops.length; n++) {
      const op = t.ops[n]!;
      const keys = t.threadKeys[n];
      switch (op.op) {
        case 'start': {
          const span = tracers[op.scope]!.startSpan(
            op.name,
            {
              kind: op.kind,
              attributes: withThread(op.attributes, keys, threadId),
              links:
                op.links.length > 0
                  ? op.links.map((attributes) => ({ context: LINK_CONTEXT, attributes }))
                  : undefined,
            },
            ctxOf(op.parent),
          );
          spans[op.span] = span;
          contexts[op.span] = trace.setSpan(ROOT_CONTEXT, span);
          break;
        }
        case 'end': {
          const span = spans[op.span]!;
          if (keys || Object.keys(op.attributes).length > 0) {
            span.setAttributes(withThread(op.attributes, keys, threadId));
          }
          for (const e of op.events) span.addEvent(e.name, e.attributes);
          if (op.status.code !== SpanStatusCode.UNSET) span.setStatus(op.status);
          span.end();
          break;
        }
        case 'log':
          loggers[op.scope]!.emit({
            eventName: op.eventName,
            severityNumber: op.severityNumber,
            severityText: op.severityText,
            body: op.body,
            attributes: withThread(op.attributes, keys, threadId),
            context: ctxOf(op.span),
          });
          break;
        case 'metric':
          recorders[op.instrument]?.(
            op.value,
            withThread(op.attributes, keys, threadId),
            ctxOf(op.span),
          );
          break;
      }
    }
  };
}
