/**
 * LangGraph.js instrumentation: one `invoke_workflow {graph}` span per top-level graph run
 * (a chat turn) and one `invoke_node {node}` span per node execution, made the active span
 * while the node runs so that spans created inside (LLM calls, retrievals, HTTP, user
 * spans) nest under it.
 *
 * Patch points:
 * - `Pregel.prototype.stream` (public API): every run goes through it (`invoke` and
 *   `streamEvents` call it). Runs started while a turn is active (subgraphs, graphs called
 *   from a node) do not start a second turn. When a graph (or subgraph) first runs, its
 *   `nodes[name].bound` (public fields) are replaced by a thin proxy (`Object.create(bound)`)
 *   whose `invoke` wraps the node's execution; the user's runnable is never mutated, and the
 *   proxy only records when LangGraph's own task metadata (`langgraph_node`) names the node.
 *   Graphs compiled before the instrumentation was enabled are covered the same way.
 * - Functional API: `getRunnableForFunc` of `dist/pregel/call`, LangGraph's internal builder
 *   of the runnable behind each `task(...)` call, whose result gets the same proxy, so every
 *   task call is an `invoke_node {task}` span under the entrypoint's. An internal function:
 *   a LangGraph version without it leaves tasks untraced (entrypoints are still traced, as
 *   graph runs and nodes).
 * No callback handler is added or replaced: user handlers see exactly the same events.
 */
import { randomUUID } from 'node:crypto';

import {
  type Attributes,
  type Counter,
  diag,
  type Histogram,
  type Link,
  type ObservableGauge,
  type Span,
  type SpanContext,
  SpanKind,
} from '@opentelemetry/api';
import type { InstrumentationNodeModuleDefinition } from '@opentelemetry/instrumentation';
import { InstrumentationBase, isWrapped } from '@opentelemetry/instrumentation';

import { sharePackageVersionLookups } from '../base.js';
import * as s from '../../semconv.js';
import {
  captureContent,
  queryFingerprint,
  resolveSharedConfig,
  safeStringify,
} from '../../telemetry/content.js';
import { isGraphControlFlow } from '../../telemetry/errors.js';
import { emitEvent, type EventSink, eventSink } from '../../telemetry/events.js';
import {
  createCounterFromCatalogue,
  createHistogramFromCatalogue,
  createObservableGaugeFromCatalogue,
} from '../../telemetry/instruments.js';
import { SessionTracker } from '../../telemetry/sessions.js';
import {
  elapsedSeconds,
  type Operation,
  type OperationSpan,
  type Outcome,
  recordFailure,
  traceOperation,
} from '../../telemetry/operation.js';
import {
  type AgentRun,
  getAgentRun,
  getTurn,
  setAgentRun,
  setTurn,
  type TurnInfo,
} from '../../telemetry/turn-context.js';
import type { ResolvedSharedConfig } from '../types.js';
import { dualBuildModule } from '../module-files.js';
import { PACKAGE_VERSION, SUPPORTED_LANGGRAPH_VERSIONS } from '../version.js';
import type {
  CallModuleLike,
  CheckpointerLike,
  CheckpointTupleLike,
  LangGraphModuleLike,
  PregelClass,
  PregelLike,
  ReactAgentModuleLike,
  RunnableConfigLike,
  RunnableLike,
  SerializerLike,
} from './internal-types.js';
import type { LangGraphInstrumentationConfig } from './types.js';
import {
  extractAnswer,
  extractQuery,
  isInterruptChunk,
  isResumeCommand,
  threadIdOf,
  updatedKeys,
  updatedValues,
} from './utils.js';

export const LANGGRAPH_INSTRUMENTATION_NAME = 'lorechat-otel/instrumentation-langgraph';

const DEFAULT_SESSION_WINDOW_MS = 15 * 60 * 1000;
const DEFAULT_MAX_SESSIONS = 10_000;
const MAX_TRIGGERS = 16;
/** Longest `configurable.request_id` exported (ids are opaque keys). */
const MAX_REQUEST_ID_LENGTH = 128;
const NODE_PROXY = Symbol.for('lorechat.langgraph.nodeProxy');

type StreamFn = PregelLike['stream'];

interface TurnRecord {
  readonly span: Span;
  readonly info: TurnInfo;
  readonly start: number;
  readonly fingerprint: string | undefined;
  /** The run's checkpoint namespace: puts of subgraphs (other namespaces) are not the turn's. */
  readonly checkpointNs: string;
  lastValues: unknown;
  /** The latest checkpoint the checkpointer stored for this turn, as it serialized it. */
  stored: StoredCheckpoint | undefined;
  /** Set when the run is a prebuilt agent: the turn span is its `invoke_agent` span. */
  readonly agent: { readonly name: string; readonly run: AgentRun } | undefined;
  /** The run stopped at an `interrupt()` (a `__interrupt__` chunk was streamed). */
  interrupted: boolean;
}

interface StoredCheckpoint {
  readonly bytes: Promise<number | undefined>;
  readonly state: unknown;
}

/** Graphs whose nodes were checked for proxies when they first ran. */
const SEEN_GRAPHS = new WeakSet<object>();

/** Checkpointers whose `put` is observed (each once, whatever graph uses it). */
const OBSERVED_CHECKPOINTERS = new WeakSet<object>();

/**
 * Graphs built by a prebuilt agent constructor, with the agent's name. On `globalThis` so
 * that the CJS and ESM builds of this package, both loaded in one process, share it.
 */
const AGENTS_KEY = Symbol.for('lorechat-otel.langgraph.agents');
const agentGraphs: WeakMap<object, string> =
  ((globalThis as Record<symbol, unknown>)[AGENTS_KEY] as WeakMap<object, string> | undefined) ??
  ((globalThis as Record<symbol, unknown>)[AGENTS_KEY] = new WeakMap<object, string>());

/** Interrupted turns per thread, bounded: the next turn on the thread that resumes links here. */
const MAX_INTERRUPTED_THREADS = 10_000;

export class LangGraphInstrumentation extends InstrumentationBase<LangGraphInstrumentationConfig> {
  declare private _shared: ResolvedSharedConfig;
  declare private _sessions: SessionTracker;
  declare private _pending: Set<Promise<void>>;
  /** Ends a pending turn now, without its session memory (for `exit` handlers). */
  declare private _finishNow: Set<() => void>;
  declare private _turns: WeakMap<TurnInfo, TurnRecord>;
  declare private _responseTime: Histogram;
  declare private _nodeDuration: Histogram;
  declare private _memory: Histogram;
  declare private _operations: Counter;
  declare private _errors: Counter;
  declare private _memoryMax: ObservableGauge;
  declare private _sessionsActive: ObservableGauge;
  declare private _agentDuration: Histogram;
  declare private _workflowDuration: Histogram;
  declare private _interrupted: Map<string, SpanContext>;

  constructor(config: LangGraphInstrumentationConfig = {}) {
    super(LANGGRAPH_INSTRUMENTATION_NAME, PACKAGE_VERSION, config);
    sharePackageVersionLookups(this);
  }

  override setConfig(config: LangGraphInstrumentationConfig = {}): void {
    super.setConfig(config);
    this._shared = resolveSharedConfig(config);
    this._sessions = new SessionTracker({
      windowMs: positiveOr(config.sessionWindowMs, DEFAULT_SESSION_WINDOW_MS, 'sessionWindowMs'),
      maxSessions: Math.floor(
        positiveOr(config.maxTrackedSessions, DEFAULT_MAX_SESSIONS, 'maxTrackedSessions'),
      ),
    });
    this._pending ??= new Set();
    this._finishNow ??= new Set();
    this._turns ??= new WeakMap();
    this._interrupted ??= new Map();
  }

  protected override _updateMetricInstruments(): void {
    this._responseTime = createHistogramFromCatalogue(this.meter, s.METRIC_CHAT_RESPONSE_TIME);
    this._nodeDuration = createHistogramFromCatalogue(this.meter, s.METRIC_GRAPH_NODE_DURATION);
    this._memory = createHistogramFromCatalogue(this.meter, s.METRIC_CHAT_MEMORY);
    this._operations = createCounterFromCatalogue(this.meter, s.METRIC_LORECHAT_OPERATIONS);
    this._errors = createCounterFromCatalogue(this.meter, s.METRIC_LORECHAT_ERRORS);
    this._agentDuration = createHistogramFromCatalogue(
      this.meter,
      s.METRIC_GEN_AI_INVOKE_AGENT_DURATION,
    );
    this._workflowDuration = createHistogramFromCatalogue(
      this.meter,
      s.METRIC_GEN_AI_INVOKE_WORKFLOW_DURATION,
    );
    this._memoryMax = createObservableGaugeFromCatalogue(this.meter, s.METRIC_CHAT_MEMORY_MAX);
    this._sessionsActive = createObservableGaugeFromCatalogue(
      this.meter,
      s.METRIC_CHAT_SESSIONS_ACTIVE,
    );
    this._memoryMax.addCallback((result) => {
      const max = this._sessions?.maxBytes();
      if (max !== undefined) result.observe(max);
    });
    this._sessionsActive.addCallback((result) => {
      if (this._sessions) result.observe(this._sessions.activeCount());
    });
  }

  protected init(): InstrumentationNodeModuleDefinition[] {
    return [
      dualBuildModule<LangGraphModuleLike>('@langchain/langgraph', SUPPORTED_LANGGRAPH_VERSIONS, [
        {
          path: 'dist/pregel/index',
          patch: (exports) => this.patchPregel(exports.Pregel),
          unpatch: (exports) => this.unpatchPregel(exports.Pregel),
        },
        {
          path: 'dist/pregel/call',
          patch: (exports) => this.patchTasks(exports as CallModuleLike),
          unpatch: (exports) => this.unpatchTasks(exports as CallModuleLike),
        },
        {
          path: 'dist/prebuilt/react_agent_executor',
          patch: (exports) => this.patchAgents(exports as ReactAgentModuleLike),
          unpatch: (exports) => this.unpatchAgents(exports as ReactAgentModuleLike),
        },
      ]),
    ];
  }

  /**
   * Patches an already loaded `@langchain/langgraph` (e.g. `import * as lg from
   * '@langchain/langgraph'`), for bundlers and test runners that bypass the module hooks.
   */
  manuallyInstrument(moduleExports: object): void {
    const module = moduleExports as LangGraphModuleLike;
    this.patchPregel(pregelOf(module));
  }

  /** Undoes {@link manuallyInstrument}. */
  manuallyUninstrument(moduleExports: object): void {
    const module = moduleExports as LangGraphModuleLike;
    this.unpatchPregel(pregelOf(module));
  }

  /**
   * Resolves when the turns that already returned have finished their telemetry (session
   * memory measured, `chat.complete` emitted, span ended). Call before flushing.
   */
  async whenIdle(): Promise<void> {
    while (this._pending.size > 0) await Promise.allSettled([...this._pending]);
  }

  /**
   * Ends, synchronously, the turns whose telemetry is still being completed (without their
   * session memory): called from a process `exit` handler, after which the asynchronous
   * completion would never run (`process.exit()` right after the last turn).
   */
  finishPendingSync(): void {
    for (const finishNow of [...this._finishNow]) finishNow();
  }

  private patchPregel(Pregel: PregelClass | undefined): void {
    if (!Pregel?.prototype || typeof Pregel.prototype.stream !== 'function') {
      this._diag.debug('Pregel.prototype.stream not found; graph runs are not traced');
      return;
    }
    if (isWrapped(Pregel.prototype.stream)) this._unwrap(Pregel.prototype, 'stream');
    this._wrap(Pregel.prototype, 'stream', (original: StreamFn) => this.wrapStream(original));
  }

  private unpatchPregel(Pregel: PregelClass | undefined): void {
    if (Pregel?.prototype && isWrapped(Pregel.prototype.stream))
      this._unwrap(Pregel.prototype, 'stream');
  }

  /**
   * Functional API: each `task` call runs as the runnable `getRunnableForFunc` builds, with
   * LangGraph's task metadata naming the task (`langgraph_node`); it gets the same proxy as a
   * graph node, so a task call is an `invoke_node {task}` span like a node execution.
   */
  private patchTasks(module: CallModuleLike): void {
    if (typeof module.getRunnableForFunc !== 'function') {
      this._diag.debug('getRunnableForFunc not found; functional API tasks are not traced');
      return;
    }
    if (isWrapped(module.getRunnableForFunc)) this._unwrap(module, 'getRunnableForFunc');
    const proxied = (name: string, runnable: RunnableLike): RunnableLike => {
      try {
        return typeof runnable.invoke === 'function'
          ? this.nodeProxy(name, runnable, 'task')
          : runnable;
      } catch (err) {
        this._diag.error('failed to instrument a task', err);
        return runnable;
      }
    };
    this._wrap(
      module as Required<CallModuleLike>,
      'getRunnableForFunc',
      (original) =>
        function lorechatGetRunnableForFunc(this: unknown, name: string, func: unknown) {
          return proxied(name, original.call(this, name, func));
        },
    );
  }

  private unpatchTasks(module: CallModuleLike): void {
    if (isWrapped(module.getRunnableForFunc)) this._unwrap(module, 'getRunnableForFunc');
  }

  /**
   * Prebuilt agents: the graph `createReactAgent` returns is remembered with the agent's
   * name, so its runs are `invoke_agent` spans. The function is public API of
   * `@langchain/langgraph/prebuilt`; the graph and the user's arguments are not changed.
   */
  private patchAgents(module: ReactAgentModuleLike): void {
    if (typeof module.createReactAgent !== 'function') {
      this._diag.debug('createReactAgent not found; prebuilt agents are traced as graphs');
      return;
    }
    if (isWrapped(module.createReactAgent)) this._unwrap(module, 'createReactAgent');
    const remember = (graph: unknown, params: { name?: unknown } | undefined): void => {
      try {
        if (graph === null || typeof graph !== 'object') return;
        const name = params?.name;
        agentGraphs.set(
          graph,
          typeof name === 'string' && name.length > 0
            ? name.slice(0, 128)
            : graphName(graph as PregelLike),
        );
      } catch (err) {
        this._diag.debug('could not remember an agent graph', err);
      }
    };
    this._wrap(
      module as Required<ReactAgentModuleLike>,
      'createReactAgent',
      (original) =>
        function lorechatCreateReactAgent(
          this: unknown,
          params: { name?: unknown } | undefined,
          ...rest: unknown[]
        ) {
          const graph = original.call(this, params, ...rest);
          remember(graph, params);
          return graph;
        },
    );
  }

  private unpatchAgents(module: ReactAgentModuleLike): void {
    if (isWrapped(module.createReactAgent)) this._unwrap(module, 'createReactAgent');
  }

  // --- graph runs (turns) ------------------------------------------------------------------

  private wrapStream(original: StreamFn): StreamFn {
    const traced = (graph: PregelLike, args: Parameters<StreamFn>) =>
      this.tracedStream(original, graph, args);
    return function lorechatStream(this: PregelLike, ...args: Parameters<StreamFn>) {
      return traced(this, args);
    };
  }

  private tracedStream(
    original: StreamFn,
    graph: PregelLike,
    args: Parameters<StreamFn>,
  ): Promise<object> {
    const [input, options] = args;
    if (!this.isEnabled()) return original.apply(graph, args);
    this.instrumentNodesOnce(graph);
    if (getTurn() !== undefined) {
      // Inside an agent run, its metadata is inherited by everything it starts: a graph run
      // there is an agent only when createReactAgent built it.
      const agent =
        agentGraphs.get(graph) ?? (getAgentRun() ? undefined : createAgentName(graph, options));
      return agent === undefined
        ? original.apply(graph, args)
        : this.nestedAgent(agent, original, graph, args);
    }
    let turn: TurnRecord;
    let info: TurnInfo;
    let agent: TurnRecord['agent'];
    const keepValues = (options?.streamMode ?? graph.streamMode) === 'values';
    return traceOperation(
      this.tracer,
      () => {
        const start = this.startTurn(graph, input, options);
        ({ info, agent } = start);
        return {
          ...start.span,
          started: (span) => {
            turn = start.started(span);
          },
        };
      },
      () => original.apply(graph, args),
      (_op, outcome) => this.endTurn(graph, turn, options, outcome),
      {
        what: 'workflow',
        context: (ctx) => {
          const withTurn = setTurn(ctx, info);
          return agent ? setAgentRun(withTurn, agent.run) : withTurn;
        },
        stream: {
          signal: options?.signal,
          onChunk: (chunk) => {
            if (keepValues) turn.lastValues = chunk;
            if (!turn.interrupted && isInterruptChunk(chunk)) turn.interrupted = true;
          },
        },
      },
    );
  }

  /**
   * The turn's span, and what to do once it started (the turn's record, its start events).
   * Built before the span starts, so links to an interrupted turn can be given.
   */
  private startTurn(
    graph: PregelLike,
    input: unknown,
    options: RunnableConfigLike | undefined,
  ): {
    span: OperationSpan;
    info: TurnInfo;
    agent: TurnRecord['agent'];
    started: (span: Span) => TurnRecord;
  } {
    const workflowName = graphName(graph);
    const agentName = agentGraphs.get(graph) ?? createAgentName(graph, options);
    const threadId = threadIdOf(options);
    const configured = options?.configurable?.request_id ?? options?.runId;
    const requestId =
      typeof configured === 'string' && configured.length > 0
        ? configured.slice(0, MAX_REQUEST_ID_LENGTH)
        : randomUUID();
    const query = extractQuery(input);
    const fingerprint = query === undefined ? undefined : queryFingerprint(query);
    const attributes: Attributes = {
      [s.ATTR_GEN_AI_OPERATION_NAME]:
        agentName === undefined
          ? s.GEN_AI_OPERATION_INVOKE_WORKFLOW
          : s.GEN_AI_OPERATION_INVOKE_AGENT,
      [s.ATTR_GEN_AI_WORKFLOW_NAME]: workflowName,
      [s.ATTR_LORECHAT_REQUEST_ID]: requestId,
    };
    if (agentName !== undefined) attributes[s.ATTR_GEN_AI_AGENT_NAME] = agentName;
    const links: Link[] = [];
    if (threadId !== undefined && isResumeCommand(input)) {
      attributes[s.ATTR_LORECHAT_TURN_RESUMED] = true;
      const interrupted = this._interrupted.get(threadId);
      if (interrupted) {
        this._interrupted.delete(threadId);
        links.push({ context: interrupted, attributes: { [s.ATTR_LORECHAT_LINK_TYPE]: 'resume' } });
      }
    }
    if (threadId !== undefined) attributes[s.ATTR_GEN_AI_CONVERSATION_ID] = threadId;
    if (fingerprint !== undefined) attributes[s.ATTR_LORECHAT_QUERY_FINGERPRINT] = fingerprint;
    const captured = captureContent(this._shared, input);
    if (captured !== undefined) attributes[s.ATTR_GEN_AI_INPUT_MESSAGES] = captured;
    const info: TurnInfo = { threadId, requestId, workflowName };
    const agent: TurnRecord['agent'] =
      agentName === undefined
        ? undefined
        : { name: agentName, run: { inferenceCalls: 0, toolCalls: 0 } };
    const span: OperationSpan = {
      name:
        agentName === undefined
          ? `${s.SPAN_INVOKE_WORKFLOW} ${workflowName}`
          : `${s.SPAN_INVOKE_AGENT} ${agentName}`,
      kind: SpanKind.INTERNAL,
      attributes,
      links,
    };
    const ns = options?.configurable?.checkpoint_ns;
    return {
      span,
      info,
      agent,
      started: (started) =>
        this.turnStarted(
          graph,
          {
            span: started,
            info,
            start: performance.now(),
            fingerprint,
            checkpointNs: typeof ns === 'string' ? ns : '',
            lastValues: undefined,
            stored: undefined,
            agent,
            interrupted: false,
          },
          query,
        ),
    };
  }

  private turnStarted(graph: PregelLike, turn: TurnRecord, query: string | undefined): TurnRecord {
    const { span, info, fingerprint } = turn;
    const { threadId, requestId, workflowName } = info;
    this._turns.set(info, turn);
    if (threadId !== undefined && typeof graph.checkpointer === 'object') {
      this.observeCheckpointer(graph.checkpointer);
    }
    const ec = { threadId, requestId };
    emitEvent(this.sink(), span, s.EVENT_CHAT_START, ec, { workflow: workflowName });
    if (query !== undefined) {
      const text = captureContent(this._shared, query, 'event');
      emitEvent(this.sink(), span, s.EVENT_CHAT_MESSAGE, ec, {
        message_length: query.length,
        query_fingerprint: fingerprint ?? null,
        ...(text !== undefined ? { query: text } : {}),
      });
    }
    return turn;
  }

  private endTurn(
    graph: PregelLike,
    turn: TurnRecord,
    options: RunnableConfigLike | undefined,
    outcome: Outcome,
  ): Promise<void> | undefined {
    const endTime = Date.now();
    const durationS = (performance.now() - turn.start) / 1000;
    const failed = outcome.kind === 'error' && !isGraphControlFlow(outcome.error);
    let finished = false;
    // At exit the recorder's end (after the returned promise) never runs: end the span here.
    const finishNow = (): void => {
      finish(undefined, turn.lastValues);
      turn.span.end(endTime);
    };
    const finish = (memoryBytes: number | undefined, finalState: unknown): void => {
      if (finished) return;
      finished = true;
      this._finishNow.delete(finishNow);
      const { span, info } = turn;
      try {
        const ec = {
          threadId: info.threadId,
          requestId: info.requestId,
          durationMs: durationS * 1000,
          memoryUsage: memoryBytes,
          error: failed ? { thrown: outcome.error } : undefined,
        };
        const answer = failed ? undefined : extractAnswer(finalState);
        if (turn.interrupted) {
          span.setAttribute(s.ATTR_LORECHAT_TURN_INTERRUPTED, true);
          if (info.threadId !== undefined) this.rememberInterrupted(info.threadId, span);
        }
        if (memoryBytes !== undefined) {
          span.setAttribute(s.ATTR_LORECHAT_MEMORY_USAGE, memoryBytes);
          this._memory.record(memoryBytes);
        }
        if (info.threadId !== undefined) this._sessions.touch(info.threadId, memoryBytes);
        const captured = captureContent(this._shared, answer);
        if (captured !== undefined) span.setAttribute(s.ATTR_GEN_AI_OUTPUT_MESSAGES, captured);
        emitEvent(this.sink(), span, s.EVENT_CHAT_COMPLETE, ec, {
          response_length: answer?.length ?? null,
          query_fingerprint: turn.fingerprint ?? null,
          status: failed
            ? s.STATUS_ERROR
            : outcome.kind === 'cancelled'
              ? 'cancelled'
              : turn.interrupted
                ? 'interrupted'
                : s.STATUS_SUCCESS,
        });
        const status = failed ? s.STATUS_ERROR : s.STATUS_SUCCESS;
        // A turn the consumer abandoned has no response time (its duration is partial).
        if (outcome.kind !== 'cancelled') {
          this._responseTime.record(durationS, { [s.METRIC_ATTR_STATUS]: status });
        }
        this._operations.add(1, { [s.METRIC_ATTR_COMPONENT]: 'chat' });
        const type = failed ? recordFailure(span, outcome.error, endTime) : undefined;
        if (type !== undefined) {
          this._errors.add(1, { [s.METRIC_ATTR_COMPONENT]: 'chat', [s.ATTR_ERROR_TYPE]: type });
        }
        if (turn.agent) this.recordAgent(span, turn.agent, durationS, type);
        else if (this._shared.genAiSemconv === 'latest' && outcome.kind !== 'cancelled')
          this._workflowDuration.record(durationS, {
            [s.ATTR_GEN_AI_OPERATION_NAME]: s.GEN_AI_OPERATION_INVOKE_WORKFLOW,
            [s.ATTR_GEN_AI_WORKFLOW_NAME]: turn.info.workflowName,
            ...(type !== undefined ? { [s.ATTR_ERROR_TYPE]: type } : {}),
          });
      } catch (err) {
        this._diag.error('failed to record a workflow span', err);
      }
    };
    try {
      if (failed || this.getConfig().measureSessionMemory === false) {
        finish(undefined, turn.lastValues);
        return undefined;
      }
      const stored = turn.stored;
      if (stored) {
        // The size the checkpointer itself serialized when it stored the turn's latest
        // checkpoint: nothing is read back or serialized again.
        const pending = stored.bytes
          .catch((err: unknown) => {
            this._diag.debug('session memory could not be measured', err);
            return undefined;
          })
          .then((bytes) => finish(bytes, stored.state ?? turn.lastValues))
          .catch((err: unknown) => this._diag.error('failed to finish a workflow span', err))
          .finally(() => this._pending.delete(pending));
        this._pending.add(pending);
        this._finishNow.add(finishNow);
        return pending;
      }
      // Pin this turn's checkpoint now (the lookup of the thread's latest checkpoint starts
      // synchronously), but serialize it only after the caller got its answer.
      const tuple = readCheckpoint(graph, options);
      tuple.catch(() => undefined);
      const pending = new Promise<void>((resolve) => {
        setImmediate(() => {
          measureSession(graph, tuple, turn.lastValues)
            .catch((err: unknown) => {
              this._diag.debug('session memory could not be measured', err);
              return { bytes: undefined, state: turn.lastValues };
            })
            .then(({ bytes, state }) => finish(bytes, state))
            .catch((err: unknown) => this._diag.error('failed to finish a workflow span', err))
            .finally(() => {
              this._pending.delete(pending);
              resolve();
            });
        });
      });
      this._pending.add(pending);
      this._finishNow.add(finishNow);
      return pending;
    } catch (err) {
      this._diag.error('failed to finish a workflow span', err);
      return undefined;
    }
  }

  /**
   * Observes what `checkpointer` serializes when it stores a checkpoint: its `put` marks the
   * active turn (same thread, same namespace) and its serializer's `dumpsTyped`, called by
   * `put` for that checkpoint, hands the turn the serialized size. Instance properties only
   * (the class and a serializer shared with other checkpointers are untouched). A
   * checkpointer that serializes elsewhere leaves `stored` unset and the turn falls back
   * to reading the checkpoint back.
   */
  private observeCheckpointer(checkpointer: CheckpointerLike): void {
    if (OBSERVED_CHECKPOINTERS.has(checkpointer)) return;
    OBSERVED_CHECKPOINTERS.add(checkpointer);
    const put = checkpointer.put;
    const serde = checkpointer.serde;
    if (typeof put !== 'function' || !serde || typeof serde.dumpsTyped !== 'function') return;
    const turns = this._turns;
    let capturing: { turn: TurnRecord; checkpointId: string } | undefined;
    const dumpsTyped = serde.dumpsTyped;
    const observedSerde = Object.create(serde) as SerializerLike;
    observedSerde.dumpsTyped = function lorechatDumpsTyped(this: SerializerLike, obj: unknown) {
      const result = dumpsTyped.call(this, obj);
      const target = capturing;
      if (target && checkpointIdOf(obj) === target.checkpointId) {
        capturing = undefined;
        target.turn.stored = {
          bytes: Promise.resolve(result).then(([, data]) =>
            typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength,
          ),
          state: (obj as { channel_values?: unknown }).channel_values,
        };
      }
      return result;
    };
    try {
      Object.defineProperty(checkpointer, 'serde', {
        configurable: true,
        enumerable: true,
        writable: true,
        value: observedSerde,
      });
      Object.defineProperty(checkpointer, 'put', {
        configurable: true,
        enumerable: false,
        writable: true,
        value: function lorechatPut(
          this: CheckpointerLike,
          config: RunnableConfigLike,
          checkpoint: unknown,
          ...rest: unknown[]
        ): unknown {
          const info = getTurn();
          const turn = info && turns.get(info);
          const id = checkpointIdOf(checkpoint);
          const previous = capturing;
          capturing =
            turn &&
            id !== undefined &&
            threadIdOf(config) === turn.info.threadId &&
            (config?.configurable?.checkpoint_ns ?? '') === turn.checkpointNs
              ? { turn, checkpointId: id }
              : undefined;
          try {
            return put.call(this, config, checkpoint, ...rest);
          } finally {
            capturing = previous;
          }
        },
      });
    } catch (err) {
      this._diag.debug('checkpointer cannot be observed; session memory reads it back', err);
    }
  }

  // --- nodes ---------------------------------------------------------------------------------

  /** Proxies a graph's nodes when it first runs (once per graph object). */
  private instrumentNodesOnce(graph: PregelLike): void {
    if (SEEN_GRAPHS.has(graph)) return;
    SEEN_GRAPHS.add(graph);
    try {
      this.instrumentNodes(graph);
    } catch (err) {
      this._diag.error('failed to instrument graph nodes', err);
    }
  }

  private instrumentNodes(compiled: PregelLike): void {
    const nodes = compiled?.nodes;
    if (!nodes || typeof nodes !== 'object') return;
    for (const [name, node] of Object.entries(nodes)) {
      if (name === '__start__' || !node?.bound || typeof node.bound.invoke !== 'function') continue;
      if ((node.bound as unknown as Record<symbol, unknown>)[NODE_PROXY]) continue;
      node.bound = this.nodeProxy(name, node.bound);
    }
  }

  /**
   * `kind` `task`: a functional-API task call, whose result is a return value rather than a
   * state update (no `graph.state.update` event).
   */
  private nodeProxy(
    name: string,
    bound: RunnableLike,
    kind: 'node' | 'task' = 'node',
  ): RunnableLike {
    const run = (input: unknown, config?: RunnableConfigLike): Promise<unknown> =>
      !this.isEnabled() || config?.metadata?.langgraph_node !== name
        ? bound.invoke(input, config)
        : this.runNode(name, bound, input, config, kind);
    const proxy = Object.create(bound) as RunnableLike & Record<symbol, unknown>;
    Object.defineProperty(proxy, NODE_PROXY, { value: bound });
    Object.defineProperty(proxy, 'invoke', {
      configurable: true,
      writable: true,
      value: run,
    });
    return proxy;
  }

  private runNode(
    name: string,
    bound: RunnableLike,
    input: unknown,
    config: RunnableConfigLike | undefined,
    kind: 'node' | 'task',
  ): Promise<unknown> {
    const turn = getTurn();
    return traceOperation(
      this.tracer,
      () => {
        const metadata = config?.metadata ?? {};
        const step = metadata.langgraph_step;
        const triggers = Array.isArray(metadata.langgraph_triggers)
          ? metadata.langgraph_triggers
              .filter((t): t is string => typeof t === 'string')
              .slice(0, MAX_TRIGGERS)
          : undefined;
        const threadId = turn?.threadId ?? threadIdOf(config);
        const attributes: Attributes = { [s.ATTR_LORECHAT_NODE_NAME]: name };
        if (typeof step === 'number') attributes[s.ATTR_LORECHAT_NODE_STEP] = step;
        if (triggers) attributes[s.ATTR_LORECHAT_NODE_TRIGGERS] = triggers;
        if (threadId !== undefined) attributes[s.ATTR_GEN_AI_CONVERSATION_ID] = threadId;
        if (turn) attributes[s.ATTR_LORECHAT_REQUEST_ID] = turn.requestId;
        return {
          name: `${s.SPAN_INVOKE_NODE} ${name}`,
          kind: SpanKind.INTERNAL,
          attributes,
          started: (span) =>
            emitEvent(
              this.sink(),
              span,
              s.EVENT_GRAPH_NODE_ENTER,
              { threadId, requestId: turn?.requestId },
              { node: name, step: typeof step === 'number' ? step : null },
            ),
        };
      },
      () => bound.invoke(input, config),
      (op, outcome) => this.finishNode(op, outcome, name, config, turn, kind),
      { what: 'node' },
    );
  }

  private finishNode(
    { span, start }: Operation,
    outcome: Outcome,
    name: string,
    config: RunnableConfigLike | undefined,
    turn: TurnInfo | undefined,
    kind: 'node' | 'task',
  ): void {
    const durationS = (performance.now() - start) / 1000;
    const error = outcome.kind === 'error' ? { thrown: outcome.error } : undefined;
    const failed = error !== undefined && !isGraphControlFlow(error.thrown);
    const threadId = turn?.threadId ?? threadIdOf(config);
    const ec = {
      threadId,
      requestId: turn?.requestId,
      durationMs: durationS * 1000,
      error: failed ? error : undefined,
    };
    if (outcome.kind === 'done' && kind === 'node') {
      const result = outcome.result;
      const keys = updatedKeys(result);
      const attrs: Attributes = {
        [s.ATTR_LORECHAT_NODE_NAME]: name,
        [s.ATTR_LORECHAT_STATE_KEYS]: keys,
      };
      const values = this._shared.captureMessageContent
        ? captureContent(this._shared, updatedValues(result, keys), 'event')
        : undefined;
      if (values !== undefined) attrs[s.ATTR_LORECHAT_STATE_VALUES] = values;
      emitEvent(
        this.sink(),
        span,
        s.EVENT_GRAPH_STATE_UPDATE,
        { threadId, requestId: turn?.requestId },
        {
          node: name,
          keys,
          ...(values !== undefined ? { values } : {}),
        },
      );
    }
    const step = config?.metadata?.langgraph_step;
    emitEvent(this.sink(), span, s.EVENT_GRAPH_NODE_EXIT, ec, {
      node: name,
      step: typeof step === 'number' ? step : undefined,
    });
    const status = failed ? s.STATUS_ERROR : s.STATUS_SUCCESS;
    this._nodeDuration.record(durationS, {
      [s.METRIC_ATTR_NODE_NAME]: name,
      [s.METRIC_ATTR_STATUS]: status,
    });
    this._operations.add(1, { [s.METRIC_ATTR_COMPONENT]: 'graph' });
    if (failed) {
      const type = recordFailure(span, error.thrown);
      this._errors.add(1, { [s.METRIC_ATTR_COMPONENT]: 'graph', [s.ATTR_ERROR_TYPE]: type });
    }
  }

  /** Agent attributes and `gen_ai.invoke_agent.duration` of a finished agent run. */
  private recordAgent(
    span: Span,
    agent: { readonly name: string; readonly run: AgentRun },
    durationS: number,
    errorType: string | undefined,
  ): void {
    span.setAttribute(s.ATTR_LORECHAT_AGENT_INFERENCE_CALLS, agent.run.inferenceCalls);
    span.setAttribute(s.ATTR_LORECHAT_AGENT_TOOL_CALLS, agent.run.toolCalls);
    const attrs: Attributes = {
      [s.ATTR_GEN_AI_OPERATION_NAME]: s.GEN_AI_OPERATION_INVOKE_AGENT,
      [s.ATTR_GEN_AI_AGENT_NAME]: agent.name,
    };
    if (errorType !== undefined) attrs[s.ATTR_ERROR_TYPE] = errorType;
    this._agentDuration.record(durationS, attrs);
  }

  /** The interrupted turn of `threadId`, for the link of the turn that resumes it (bounded). */
  private rememberInterrupted(threadId: string, span: Span): void {
    this._interrupted.delete(threadId);
    this._interrupted.set(threadId, span.spanContext());
    if (this._interrupted.size > MAX_INTERRUPTED_THREADS) {
      const oldest = this._interrupted.keys().next().value;
      if (oldest !== undefined) this._interrupted.delete(oldest);
    }
  }

  /**
   * A prebuilt agent run inside a turn (an agent called from a node, or a sub-agent): its
   * own `invoke_agent` span under the active span, with the model and tool calls it made.
   */
  private nestedAgent(
    name: string,
    original: StreamFn,
    graph: PregelLike,
    args: Parameters<StreamFn>,
  ): Promise<object> {
    const run: AgentRun = { inferenceCalls: 0, toolCalls: 0 };
    const turn = getTurn();
    return traceOperation(
      this.tracer,
      () => {
        const attributes: Attributes = {
          [s.ATTR_GEN_AI_OPERATION_NAME]: s.GEN_AI_OPERATION_INVOKE_AGENT,
          [s.ATTR_GEN_AI_AGENT_NAME]: name,
        };
        if (turn?.threadId !== undefined) attributes[s.ATTR_GEN_AI_CONVERSATION_ID] = turn.threadId;
        if (turn) attributes[s.ATTR_LORECHAT_REQUEST_ID] = turn.requestId;
        return { name: `${s.SPAN_INVOKE_AGENT} ${name}`, attributes };
      },
      () => original.apply(graph, args),
      (op, outcome: Outcome) => {
        const failed = outcome.kind === 'error' && !isGraphControlFlow(outcome.error);
        const type = failed ? recordFailure(op.span, outcome.error) : undefined;
        this._operations.add(1, { [s.METRIC_ATTR_COMPONENT]: 'graph' });
        if (type !== undefined)
          this._errors.add(1, { [s.METRIC_ATTR_COMPONENT]: 'graph', [s.ATTR_ERROR_TYPE]: type });
        this.recordAgent(op.span, { name, run }, elapsedSeconds(op), type);
      },
      {
        what: 'agent',
        context: (ctx) => setAgentRun(ctx, run),
        stream: { signal: args[1]?.signal },
      },
    );
  }

  private sink(): EventSink {
    return eventSink(this.logger, this._shared);
  }
}

/**
 * `Pregel` from a module: its own export, or the class on `CompiledStateGraph`'s prototype
 * chain that defines `stream` (the root entry of `@langchain/langgraph` does not export it).
 */
function pregelOf(module: LangGraphModuleLike): PregelClass | undefined {
  if (module.Pregel) return module.Pregel;
  for (
    let proto = module.CompiledStateGraph?.prototype as object | null | undefined;
    proto && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto) as object | null
  ) {
    if (
      Object.prototype.hasOwnProperty.call(proto, 'stream') &&
      Object.prototype.hasOwnProperty.call(proto, '_streamIterator')
    ) {
      return { prototype: proto as PregelLike };
    }
  }
  return undefined;
}

/**
 * LangChain's `createAgent` (package `langchain`) runs its graph with
 * `metadata.ls_integration = "langchain_create_agent"` (and `lc_agent_name` when the agent is
 * named) in every run's config: public run metadata, so the agent needs no patch.
 */
function createAgentName(
  graph: PregelLike,
  options: RunnableConfigLike | undefined,
): string | undefined {
  const metadata = options?.metadata;
  if (metadata?.ls_integration !== 'langchain_create_agent') return undefined;
  const name = metadata.lc_agent_name;
  return typeof name === 'string' && name.length > 0 ? name.slice(0, 128) : graphName(graph);
}

function checkpointIdOf(checkpoint: unknown): string | undefined {
  if (checkpoint === null || typeof checkpoint !== 'object') return undefined;
  const id = (checkpoint as { id?: unknown }).id;
  return typeof id === 'string' ? id : undefined;
}

function graphName(graph: PregelLike): string {
  try {
    const name = typeof graph.getName === 'function' ? graph.getName() : graph.name;
    if (typeof name === 'string' && name.length > 0) return name.slice(0, 128);
  } catch {
    // fall through
  }
  return 'LangGraph';
}

function positiveOr(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) return value;
  diag.warn(`lorechat: ${name} must be a positive number, got ${String(value)}; using ${fallback}`);
  return fallback;
}

/**
 * Session memory of the turn's thread: the serialized size (bytes) of the checkpoint the
 * checkpointer holds for it (what the checkpointer actually stores), read with the public
 * `getTuple` and `serde.dumpsTyped`. Without a checkpointer or thread id, the serialized
 * size of the final state (`streamMode: "values"` runs, e.g. `invoke`).
 */
function readCheckpoint(
  graph: PregelLike,
  options: RunnableConfigLike | undefined,
): Promise<CheckpointTupleLike | undefined> {
  const checkpointer = typeof graph.checkpointer === 'object' ? graph.checkpointer : undefined;
  const threadId = threadIdOf(options);
  if (!checkpointer || threadId === undefined || typeof checkpointer.getTuple !== 'function') {
    return Promise.resolve(undefined);
  }
  const ns = options?.configurable?.checkpoint_ns;
  try {
    return Promise.resolve(
      checkpointer.getTuple({
        configurable: { thread_id: threadId, checkpoint_ns: typeof ns === 'string' ? ns : '' },
      }),
    );
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}

async function measureSession(
  graph: PregelLike,
  pinned: Promise<CheckpointTupleLike | undefined>,
  lastValues: unknown,
): Promise<{ bytes: number | undefined; state: unknown }> {
  const checkpointer = typeof graph.checkpointer === 'object' ? graph.checkpointer : undefined;
  const tuple = await pinned;
  if (checkpointer && tuple?.checkpoint) {
    const state = tuple.checkpoint.channel_values ?? lastValues;
    if (checkpointer.serde && typeof checkpointer.serde.dumpsTyped === 'function') {
      const [, data] = await checkpointer.serde.dumpsTyped(tuple.checkpoint);
      return {
        bytes: typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength,
        state,
      };
    }
    return { bytes: Buffer.byteLength(safeStringify(tuple.checkpoint)), state };
  }
  if (lastValues === undefined) return { bytes: undefined, state: undefined };
  return { bytes: Buffer.byteLength(safeStringify(lastValues)), state: lastValues };
}
