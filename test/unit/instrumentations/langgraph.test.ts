import * as chatModels from '@langchain/core/language_models/chat_models';
import * as vectorstores from '@langchain/core/vectorstores';
import { BaseCallbackHandler } from '@langchain/core/callbacks/base';
import { Document } from '@langchain/core/documents';
import * as langgraph from '@langchain/langgraph';
import { MemorySaver } from '@langchain/langgraph';
import { Annotation, END, START, StateGraph } from '@langchain/langgraph';
import { SeverityNumber, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { Histogram } from '@opentelemetry/sdk-metrics';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { eventSchemaProblems } from '../../helpers/event-schema.js';

import { METRICS, SPANS } from '../../../src/catalogue/index.js';
import {
  LangChainChatModelInstrumentation,
  LangChainVectorStoreInstrumentation,
  LangGraphInstrumentation,
} from '../../../src/instrumentations/index.js';
import * as s from '../../../src/semconv.js';
import { buildLoreGraph, TestChatModel, TestEmbeddings, TestVectorStore } from './fixtures.js';
import { countOf, createHarness, parentId, pointsWith, sumOf } from './harness.js';

const h = createHarness();
const graphInst = new LangGraphInstrumentation({ enabled: false });
const chatInst = new LangChainChatModelInstrumentation({ enabled: false });
const vectorInst = new LangChainVectorStoreInstrumentation({ enabled: false });

function instrument(): void {
  for (const i of [graphInst, chatInst, vectorInst]) {
    h.attach(i);
    i.enable();
  }
  graphInst.manuallyInstrument(langgraph);
  chatInst.manuallyInstrument(chatModels);
  vectorInst.manuallyInstrument(vectorstores);
}

function uninstrument(): void {
  graphInst.manuallyUninstrument(langgraph);
  chatInst.manuallyUninstrument(chatModels);
  vectorInst.manuallyUninstrument(vectorstores);
  for (const i of [graphInst, chatInst, vectorInst]) i.disable();
}

async function loreStore(): Promise<TestVectorStore> {
  const store = new TestVectorStore(new TestEmbeddings());
  await store.addDocuments([
    new Document({ pageContent: 'The dragon Smaug sleeps under the Lonely Mountain.' }),
    new Document({ pageContent: 'Elves live in Rivendell.' }),
    new Document({ pageContent: 'Hobbits like second breakfast.' }),
  ]);
  return store;
}

async function runTurn(
  opts: {
    subqueries?: number;
    thread?: string;
    failIn?: 'decompose' | 'process' | 'combine' | 'respond';
  } = {},
) {
  const store = await loreStore();
  const graph = buildLoreGraph({
    model: new TestChatModel(),
    store,
    subqueries: opts.subqueries ?? 1,
    failIn: opts.failIn,
  });
  h.reset();
  const result = await graph.invoke(
    { question: 'Where does the dragon sleep?' },
    { configurable: { thread_id: opts.thread ?? 'thread-1' } },
  );
  await graphInst.whenIdle();
  return { graph, result };
}

beforeAll(instrument);
afterAll(uninstrument);
// Every event any test emits matches its catalogue definition (attributes and body).
afterEach(() => {
  const problems = h
    .logRecords()
    .flatMap((l) => eventSchemaProblems(l.eventName, l.attributes, l.body));
  expect(problems).toEqual([]);
});

beforeEach(() => {
  graphInst.setConfig({});
  chatInst.setConfig({});
  vectorInst.setConfig({});
});

describe('graph runs and nodes', () => {
  it('records one workflow span per turn with the turn attributes and chat events', async () => {
    const { result } = await runTurn();
    expect(result.answer).toBe('The dragon sleeps under the mountain.');
    const wf = h.spanNamed('invoke_workflow lorechat');
    expect(wf.kind).toBe(SpanKind.INTERNAL);
    expect(wf.attributes[s.ATTR_GEN_AI_OPERATION_NAME]).toBe(s.GEN_AI_OPERATION_INVOKE_WORKFLOW);
    expect(wf.attributes[s.ATTR_GEN_AI_WORKFLOW_NAME]).toBe('lorechat');
    expect(wf.attributes[s.ATTR_GEN_AI_CONVERSATION_ID]).toBe('thread-1');
    expect(wf.attributes[s.ATTR_LORECHAT_REQUEST_ID]).toMatch(/^[0-9a-f-]{36}$/);
    expect(wf.attributes[s.ATTR_LORECHAT_QUERY_FINGERPRINT]).toMatch(/^[0-9a-f]{16}$/);
    expect(wf.attributes[s.ATTR_LORECHAT_MEMORY_USAGE]).toBeGreaterThan(0);
    expect(wf.attributes[s.ATTR_GEN_AI_INPUT_MESSAGES]).toBeUndefined();
    expect(h.eventsOf(wf).map((e) => e.name)).toEqual([
      s.EVENT_CHAT_START,
      s.EVENT_CHAT_MESSAGE,
      s.EVENT_CHAT_COMPLETE,
    ]);
    const complete = h.eventsOf(wf).find((e) => e.name === s.EVENT_CHAT_COMPLETE)!;
    expect(complete.attributes?.[s.ATTR_LORECHAT_RESPONSE_LENGTH]).toBe(result.answer.length);
    expect(wf.status.code).not.toBe(SpanStatusCode.ERROR);
  });

  it('creates one node span per execution, parented to the workflow span, with step and triggers', async () => {
    await runTurn();
    const wf = h.spanNamed('invoke_workflow lorechat');
    for (const node of ['decompose', 'process', 'combine', 'respond']) {
      const span = h.spanNamed(`invoke_node ${node}`);
      expect(parentId(span)).toBe(wf.spanContext().spanId);
      expect(span.attributes[s.ATTR_LORECHAT_NODE_NAME]).toBe(node);
      expect(typeof span.attributes[s.ATTR_LORECHAT_NODE_STEP]).toBe('number');
      expect(Array.isArray(span.attributes[s.ATTR_LORECHAT_NODE_TRIGGERS])).toBe(true);
      expect(span.attributes[s.ATTR_LORECHAT_REQUEST_ID]).toBe(
        wf.attributes[s.ATTR_LORECHAT_REQUEST_ID],
      );
      expect(h.eventsOf(span).map((e) => e.name)).toEqual([
        s.EVENT_GRAPH_NODE_ENTER,
        s.EVENT_GRAPH_STATE_UPDATE,
        s.EVENT_GRAPH_NODE_EXIT,
      ]);
    }
    const update = h
      .eventsOf(h.spanNamed('invoke_node combine'))
      .find((e) => e.name === s.EVENT_GRAPH_STATE_UPDATE)!;
    expect(update.attributes?.[s.ATTR_LORECHAT_STATE_KEYS]).toEqual(['context']);
    expect(update.attributes?.[s.ATTR_LORECHAT_STATE_VALUES]).toBeUndefined();
  });

  it('traces the nodes of a graph compiled before the instrumentation was enabled', async () => {
    uninstrument();
    const store = await loreStore();
    const early = buildLoreGraph({ model: new TestChatModel(), store, subqueries: 1 });
    instrument();
    h.reset();
    await early.invoke(
      { question: 'Where does the dragon sleep?' },
      { configurable: { thread_id: 'early' } },
    );
    await graphInst.whenIdle();
    const wf = h.spanNamed('invoke_workflow lorechat');
    for (const node of ['decompose', 'process', 'combine', 'respond']) {
      expect(parentId(h.spanNamed(`invoke_node ${node}`))).toBe(wf.spanContext().spanId);
    }
    // A second run neither proxies twice nor loses the node spans.
    h.reset();
    await early.invoke({ question: 'And the elves?' }, { configurable: { thread_id: 'early' } });
    await graphInst.whenIdle();
    expect(h.finishedSpans().filter((sp) => sp.name === 'invoke_node combine')).toHaveLength(1);
  });

  it('gives each parallel Send branch its own node span under the workflow span', async () => {
    await runTurn({ subqueries: 3 });
    const wf = h.spanNamed('invoke_workflow lorechat');
    const branches = h.finishedSpans().filter((sp) => sp.name === 'invoke_node process');
    expect(branches).toHaveLength(3);
    expect(new Set(branches.map((b) => b.spanContext().spanId)).size).toBe(3);
    for (const b of branches) expect(parentId(b)).toBe(wf.spanContext().spanId);
    // Work done inside each branch nests under that branch, not a sibling.
    const lookups = h.finishedSpans().filter((sp) => sp.name === 'user.lookup');
    const retrievals = h.finishedSpans().filter((sp) => sp.name === 'retrieval lore');
    expect(lookups).toHaveLength(3);
    expect(retrievals).toHaveLength(3);
    const branchIds = new Set(branches.map((b) => b.spanContext().spanId));
    expect(new Set(lookups.map(parentId))).toEqual(branchIds);
    expect(new Set(retrievals.map(parentId))).toEqual(branchIds);
  });

  it('makes the node span active: user spans and chat spans nest under it', async () => {
    await runTurn();
    const process = h.spanNamed('invoke_node process');
    expect(parentId(h.spanNamed('user.lookup'))).toBe(process.spanContext().spanId);
    const respond = h.spanNamed('invoke_node respond');
    const chat = h.spanNamed('chat lore-test-1');
    expect(parentId(chat)).toBe(respond.spanContext().spanId);
    expect(chat.attributes[s.ATTR_GEN_AI_CONVERSATION_ID]).toBe('thread-1');
  });

  it.each(['decompose', 'process', 'combine', 'respond'] as const)(
    'records an error thrown in %s on the node and the turn, and re-throws it',
    async (node) => {
      const store = await loreStore();
      const graph = buildLoreGraph({ model: new TestChatModel(), store, failIn: node });
      h.reset();
      const before = sumOf(await h.metric(s.METRIC_LORECHAT_ERRORS), {
        component: 'graph',
        [s.ATTR_ERROR_TYPE]: 'TypeError',
      });
      await expect(
        graph.invoke({ question: 'q' }, { configurable: { thread_id: `t-${node}` } }),
      ).rejects.toThrow(`${node} failed`);
      await graphInst.whenIdle();
      const span = h.spanNamed(`invoke_node ${node}`);
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
      expect(span.attributes[s.ATTR_ERROR_TYPE]).toBe('TypeError');
      expect(span.events.some((e) => e.name === 'exception')).toBe(true);
      const wf = h.spanNamed('invoke_workflow lorechat');
      expect(wf.status.code).toBe(SpanStatusCode.ERROR);
      expect(wf.attributes[s.ATTR_ERROR_TYPE]).toBe('TypeError');
      const after = sumOf(await h.metric(s.METRIC_LORECHAT_ERRORS), {
        component: 'graph',
        [s.ATTR_ERROR_TYPE]: 'TypeError',
      });
      expect(after - before).toBe(1);
      const nodeErrors = pointsWith(await h.metric(s.METRIC_GRAPH_NODE_DURATION), {
        node_name: node,
        status: 'error',
      });
      expect(nodeErrors.length).toBe(1);
      const exitLog = h
        .logRecords()
        .find(
          (r) =>
            r.eventName === s.EVENT_GRAPH_NODE_EXIT &&
            r.attributes[s.ATTR_LORECHAT_NODE_NAME] === node,
        );
      expect(exitLog?.severityNumber).toBe(SeverityNumber.ERROR);
      expect(exitLog?.attributes[s.ATTR_ERROR_MESSAGE]).toBe(`${node} failed`);
    },
  );

  it('does not start a second turn for a subgraph run inside a node', async () => {
    const Inner = Annotation.Root({ x: Annotation<number>() });
    const inner = new StateGraph(Inner)
      .addNode('double', (st: typeof Inner.State) => ({ x: st.x * 2 }))
      .addEdge(START, 'double')
      .addEdge('double', END)
      .compile({ name: 'inner' });
    const outer = new StateGraph(Inner)
      .addNode('callInner', async (st: typeof Inner.State) => inner.invoke({ x: st.x }))
      .addEdge(START, 'callInner')
      .addEdge('callInner', END)
      .compile({ name: 'outer' });
    h.reset();
    const out = await outer.invoke({ x: 2 });
    await graphInst.whenIdle();
    expect(out.x).toBe(4);
    expect(h.finishedSpans().filter((sp) => sp.name.startsWith('invoke_workflow'))).toHaveLength(1);
    const callInner = h.spanNamed('invoke_node callInner');
    expect(parentId(h.spanNamed('invoke_node double'))).toBe(callInner.spanContext().spanId);
  });

  it('keeps a compiled subgraph added as a node working (checkpoints, state with subgraphs)', async () => {
    const Inner = Annotation.Root({ x: Annotation<number>() });
    const inner = new StateGraph(Inner)
      .addNode('inc', (st: typeof Inner.State) => ({ x: st.x + 1 }))
      .addEdge(START, 'inc')
      .addEdge('inc', END)
      .compile();
    const outer = new StateGraph(Inner)
      .addNode('sub', inner)
      .addEdge(START, 'sub')
      .addEdge('sub', END)
      .compile({ checkpointer: new MemorySaver(), name: 'nested' });
    h.reset();
    const config = { configurable: { thread_id: 'sub-1' } };
    expect((await outer.invoke({ x: 1 }, config)).x).toBe(2);
    await graphInst.whenIdle();
    const state = await outer.getState(config, { subgraphs: true });
    expect(state.values).toEqual({ x: 2 });
    expect([...outer.getSubgraphs()].map(([name]) => name)).toEqual(['sub']);
    expect(h.finishedSpans().filter((sp) => sp.name.startsWith('invoke_workflow'))).toHaveLength(1);
    expect(parentId(h.spanNamed('invoke_node inc'))).toBe(
      h.spanNamed('invoke_node sub').spanContext().spanId,
    );
  });

  it('emits every graph event as a log record correlated with its span, with the plan body', async () => {
    await runTurn();
    const records = h.logRecords();
    const wf = h.spanNamed('invoke_workflow lorechat');
    const start = records.find((r) => r.eventName === s.EVENT_CHAT_START)!;
    expect(start.spanContext?.spanId).toBe(wf.spanContext().spanId);
    expect(start.spanContext?.traceId).toBe(wf.spanContext().traceId);
    expect(start.severityText).toBe('INFO');
    const body = start.body as { event: string; context: Record<string, unknown> };
    expect(body.event).toBe(s.EVENT_CHAT_START);
    expect(body.context).toMatchObject({
      thread_id: 'thread-1',
      request_id: wf.attributes[s.ATTR_LORECHAT_REQUEST_ID],
      component: 'chat',
      action: 'start',
    });
    expect(typeof body.context.timestamp).toBe('string');
    const complete = records.find((r) => r.eventName === s.EVENT_CHAT_COMPLETE)!;
    expect(
      (complete.body as { context: { memory_usage: number } }).context.memory_usage,
    ).toBeGreaterThan(0);
    const enter = records.find((r) => r.eventName === s.EVENT_GRAPH_NODE_ENTER)!;
    expect(enter.severityText).toBe('DEBUG');
    const names = new Set(records.map((r) => r.eventName));
    for (const e of [
      s.EVENT_CHAT_START,
      s.EVENT_CHAT_MESSAGE,
      s.EVENT_CHAT_COMPLETE,
      s.EVENT_GRAPH_NODE_ENTER,
      s.EVENT_GRAPH_NODE_EXIT,
      s.EVENT_GRAPH_STATE_UPDATE,
      s.EVENT_VECTOR_SEARCH,
      s.EVENT_LLM_REQUEST,
      s.EVENT_LLM_RESPONSE,
    ])
      expect(names).toContain(e);
  });

  it('records the events as log records only by default (no span event twins)', async () => {
    await runTurn();
    const wf = h.spanNamed('invoke_workflow lorechat');
    expect(h.eventsOf(wf)).toHaveLength(3);
    expect(wf.events).toEqual([]);
    expect(h.spanNamed('invoke_node combine').events).toEqual([]);
  });

  it('records span events too with spanEvents on', async () => {
    graphInst.setConfig({ spanEvents: true });
    await runTurn();
    const wf = h.spanNamed('invoke_workflow lorechat');
    expect(wf.events.map((e) => e.name)).toEqual(h.eventsOf(wf).map((e) => e.name));
    const node = h.spanNamed('invoke_node combine');
    expect(node.events.map((e) => e.name)).toEqual([
      s.EVENT_GRAPH_NODE_ENTER,
      s.EVENT_GRAPH_STATE_UPDATE,
      s.EVENT_GRAPH_NODE_EXIT,
    ]);
    const update = node.events.find((e) => e.name === s.EVENT_GRAPH_STATE_UPDATE)!;
    expect(update.attributes).toEqual(
      h.eventsOf(node).find((e) => e.name === s.EVENT_GRAPH_STATE_UPDATE)!.attributes,
    );
  });

  it('leaves out events below eventsMinSeverity; failures (ERROR) always pass', async () => {
    for (const i of [graphInst, chatInst, vectorInst]) i.setConfig({ eventsMinSeverity: 'info' });
    await runTurn();
    const names = h.logRecords().map((r) => r.eventName);
    expect(names).toContain(s.EVENT_CHAT_COMPLETE);
    expect(names.filter((n) => n?.startsWith('graph.'))).toEqual([]);
    // The node spans and their metric are unaffected.
    expect(h.spanNamed('invoke_node combine').attributes[s.ATTR_LORECHAT_NODE_NAME]).toBe(
      'combine',
    );

    for (const i of [graphInst, chatInst, vectorInst]) i.setConfig({ eventsMinSeverity: 'error' });
    const store = await loreStore();
    const graph = buildLoreGraph({ model: new TestChatModel(), store, failIn: 'combine' });
    h.reset();
    await expect(
      graph.invoke({ question: 'q' }, { configurable: { thread_id: 't-min-severity' } }),
    ).rejects.toThrow('combine failed');
    await graphInst.whenIdle();
    const records = h.logRecords();
    expect(records.map((r) => r.eventName).sort()).toEqual([
      s.EVENT_CHAT_COMPLETE,
      s.EVENT_GRAPH_NODE_EXIT,
    ]);
    expect(records.every((r) => r.severityNumber === SeverityNumber.ERROR)).toBe(true);
  });

  it("asks the SDK's Logger.enabled() and builds no record it would drop", async () => {
    const asked: Array<{ eventName?: string; severityNumber?: SeverityNumber }> = [];
    const emitted: string[] = [];
    graphInst.setLoggerProvider({
      getLogger: () => ({
        enabled: (o?: { eventName?: string; severityNumber?: SeverityNumber }) => {
          asked.push({ eventName: o?.eventName, severityNumber: o?.severityNumber });
          return (o?.severityNumber ?? SeverityNumber.UNSPECIFIED) >= SeverityNumber.INFO;
        },
        emit: (r: { eventName?: string }) => {
          emitted.push(r.eventName ?? '');
        },
      }),
    });
    try {
      await runTurn();
    } finally {
      h.attach(graphInst);
    }
    expect(asked.map((a) => a.eventName)).toContain(s.EVENT_GRAPH_NODE_ENTER);
    expect(emitted).toContain(s.EVENT_CHAT_COMPLETE);
    expect(emitted.filter((n) => n.startsWith('graph.'))).toEqual([]);
  });

  it('does not emit log records with emitEvents off; the events become span events', async () => {
    graphInst.setConfig({ emitEvents: false });
    await runTurn();
    expect(
      h
        .logRecords()
        .filter((r) => r.eventName?.startsWith('chat.') || r.eventName?.startsWith('graph.')),
    ).toHaveLength(0);
    expect(h.spanNamed('invoke_workflow lorechat').events.map((e) => e.name)).toEqual([
      s.EVENT_CHAT_START,
      s.EVENT_CHAT_MESSAGE,
      s.EVENT_CHAT_COMPLETE,
    ]);
  });

  it('captures content only when asked, truncated and redacted', async () => {
    graphInst.setConfig({
      captureMessageContent: true,
      contentMaxLength: 100,
      redact: (t) => t.replace(/dragon/gi, '[REDACTED]'),
    });
    await runTurn();
    const wf = h.spanNamed('invoke_workflow lorechat');
    const input = wf.attributes[s.ATTR_GEN_AI_INPUT_MESSAGES] as string;
    expect(input).toContain('[REDACTED]');
    expect(input).not.toMatch(/dragon/i);
    expect(wf.attributes[s.ATTR_GEN_AI_OUTPUT_MESSAGES]).toBe(
      'The [REDACTED] sleeps under the mountain.',
    );
    const update = h
      .eventsOf(h.spanNamed('invoke_node combine'))
      .find((e) => e.name === s.EVENT_GRAPH_STATE_UPDATE)!;
    expect(update.attributes?.[s.ATTR_LORECHAT_STATE_VALUES]).toContain('context');
  });

  it('measures session memory as the serialized checkpoint and tracks active sessions', async () => {
    const { graph } = await runTurn({ thread: 'mem-a' });
    const wf = h.spanNamed('invoke_workflow lorechat');
    const saver = graph.checkpointer as MemorySaver;
    const tuple = await saver.getTuple({ configurable: { thread_id: 'mem-a', checkpoint_ns: '' } });
    const [, bytes] = await saver.serde.dumpsTyped(tuple!.checkpoint);
    expect(wf.attributes[s.ATTR_LORECHAT_MEMORY_USAGE]).toBe(bytes.byteLength);
    await runTurn({ thread: 'mem-b' });
    const memory = await h.metric(s.METRIC_CHAT_MEMORY);
    expect(countOf(memory)).toBeGreaterThanOrEqual(2);
    const active = await h.metric(s.METRIC_CHAT_SESSIONS_ACTIVE);
    expect(active?.dataPoints[0]?.value).toBeGreaterThanOrEqual(2);
    const max = await h.metric(s.METRIC_CHAT_MEMORY_MAX);
    expect(max?.dataPoints[0]?.value).toBeGreaterThanOrEqual(bytes.byteLength);
  });

  it('measures session memory from what the checkpointer serialized, without reading it back', async () => {
    const Log = Annotation.Root({
      line: Annotation<string>(),
      history: Annotation<string[]>({ reducer: (a, b) => [...a, ...b], default: () => [] }),
    });
    const saver = new MemorySaver();
    const graph = new StateGraph(Log)
      .addNode('append', (st: typeof Log.State) => ({ history: [st.line.repeat(300)] }))
      .addEdge(START, 'append')
      .addEdge('append', END)
      .compile({ checkpointer: saver, name: 'observed' });
    const config = { configurable: { thread_id: 'observed-1' } };
    await graph.invoke({ line: 'x' }, config); // first turn installs the observation
    await graphInst.whenIdle();
    h.reset();
    const originalGetTuple = saver.getTuple.bind(saver);
    let reads = 0;
    saver.getTuple = (c) => {
      reads += 1;
      return originalGetTuple(c);
    };
    await graph.invoke({ line: 'y' }, config);
    await graphInst.whenIdle();
    // LangGraph's own read of the previous checkpoint when the run starts; none from us.
    expect(reads).toBe(1);
    saver.getTuple = originalGetTuple;
    const tuple = await saver.getTuple({
      configurable: { ...config.configurable, checkpoint_ns: '' },
    });
    const [, bytes] = await saver.serde.dumpsTyped(tuple!.checkpoint);
    const wf = h.spanNamed('invoke_workflow observed');
    expect(wf.attributes[s.ATTR_LORECHAT_MEMORY_USAGE]).toBe(bytes.byteLength);
    expect(bytes.byteLength).toBeGreaterThan(600);
  });

  it('falls back to reading the checkpoint back when the checkpointer cannot be observed', async () => {
    const Log = Annotation.Root({ line: Annotation<string>() });
    const saver = Object.freeze(new MemorySaver());
    const graph = new StateGraph(Log)
      .addNode('echo', (st: typeof Log.State) => ({ line: st.line.repeat(100) }))
      .addEdge(START, 'echo')
      .addEdge('echo', END)
      .compile({ checkpointer: saver, name: 'frozen' });
    h.reset();
    const config = { configurable: { thread_id: 'frozen-1' } };
    await graph.invoke({ line: 'z' }, config);
    await graphInst.whenIdle();
    const tuple = await saver.getTuple({
      configurable: { ...config.configurable, checkpoint_ns: '' },
    });
    const [, bytes] = await saver.serde.dumpsTyped(tuple!.checkpoint);
    expect(h.spanNamed('invoke_workflow frozen').attributes[s.ATTR_LORECHAT_MEMORY_USAGE]).toBe(
      bytes.byteLength,
    );
  });

  it('measures each turn at its own checkpoint, even when the next turn follows at once', async () => {
    const Log = Annotation.Root({
      line: Annotation<string>(),
      history: Annotation<string[]>({ reducer: (a, b) => [...a, ...b], default: () => [] }),
    });
    const graph = new StateGraph(Log)
      .addNode('append', (st: typeof Log.State) => ({ history: [st.line.repeat(200)] }))
      .addEdge(START, 'append')
      .addEdge('append', END)
      .compile({ checkpointer: new MemorySaver(), name: 'log' });
    h.reset();
    const config = { configurable: { thread_id: 'back-to-back' } };
    await graph.invoke({ line: 'a' }, config);
    await graph.invoke({ line: 'b' }, config);
    await graphInst.whenIdle();
    const sizes = h
      .finishedSpans()
      .filter((sp) => sp.name === 'invoke_workflow log')
      .sort((x, y) => (x.startTime[0] - y.startTime[0]) * 1e9 + (x.startTime[1] - y.startTime[1]))
      .map((sp) => sp.attributes[s.ATTR_LORECHAT_MEMORY_USAGE] as number);
    expect(sizes).toHaveLength(2);
    expect(sizes[1]! - sizes[0]!).toBeGreaterThanOrEqual(200);
  });

  it('ends the workflow span when a stream consumer breaks out early', async () => {
    const graph = buildLoreGraph({ model: new TestChatModel(), subqueries: 2 });
    h.reset();
    const responses = countOf(await h.metric(s.METRIC_CHAT_RESPONSE_TIME));
    const stream = await graph.stream(
      { question: 'q' },
      { configurable: { thread_id: 'brk' }, streamMode: 'updates' },
    );
    for await (const _chunk of stream) break;
    await graphInst.whenIdle();
    const wf = h.spanNamed('invoke_workflow lorechat');
    expect(wf.ended).toBe(true);
    expect(wf.status.code).not.toBe(SpanStatusCode.ERROR);
    // A partial turn is not a response time.
    expect(countOf(await h.metric(s.METRIC_CHAT_RESPONSE_TIME))).toBe(responses);
  });

  it('keeps a turn without thread id or checkpointer working', async () => {
    const St = Annotation.Root({ question: Annotation<string>(), answer: Annotation<string>() });
    const graph = new StateGraph(St)
      .addNode('shout', (st: typeof St.State) => ({ answer: st.question.toUpperCase() }))
      .addEdge(START, 'shout')
      .addEdge('shout', END)
      .compile();
    h.reset();
    expect((await graph.invoke({ question: 'hi' })).answer).toBe('HI');
    await graphInst.whenIdle();
    const wf = h.spanNamed('invoke_workflow LangGraph');
    expect(wf.attributes[s.ATTR_GEN_AI_CONVERSATION_ID]).toBeUndefined();
    expect(wf.attributes[s.ATTR_LORECHAT_MEMORY_USAGE]).toBeGreaterThan(0);
  });
});

describe('metrics', () => {
  it('records the catalogue metrics with only catalogue attributes and buckets', async () => {
    await runTurn({ subqueries: 2 });
    const all = await h.metrics();
    const seen = new Set(all.map((m) => m.descriptor.name));
    for (const name of [
      s.METRIC_CHAT_RESPONSE_TIME,
      s.METRIC_GRAPH_NODE_DURATION,
      s.METRIC_CHAT_MEMORY,
      s.METRIC_LORECHAT_OPERATIONS,
      s.METRIC_LLM_TOKEN_USAGE,
      s.METRIC_VECTOR_STORE_OPERATIONS,
      s.METRIC_VECTOR_STORE_OPERATION_DURATION,
      s.METRIC_VECTOR_STORE_SEARCH_DOCUMENTS,
      s.METRIC_GEN_AI_CLIENT_TOKEN_USAGE,
      s.METRIC_GEN_AI_CLIENT_OPERATION_DURATION,
      s.METRIC_CHAT_SESSIONS_ACTIVE,
      s.METRIC_CHAT_MEMORY_MAX,
    ])
      expect(seen).toContain(name);
    for (const m of all) {
      const def = METRICS.find((d) => d.name === m.descriptor.name);
      expect(def, `${m.descriptor.name} is in the catalogue`).toBeDefined();
      expect(m.descriptor.unit).toBe(def!.unit);
      for (const p of m.dataPoints) {
        for (const key of Object.keys(p.attributes))
          expect(def!.attributes as readonly string[]).toContain(key);
        for (const v of Object.values(p.attributes)) {
          expect(String(v)).not.toContain('thread-1');
          expect(String(v)).not.toMatch(/dragon/i);
        }
        if (def!.kind === 'histogram') {
          expect((p.value as Histogram).buckets.boundaries).toEqual([
            ...(def as { buckets: readonly number[] }).buckets,
          ]);
        }
      }
    }
    expect(
      countOf(await h.metric(s.METRIC_CHAT_RESPONSE_TIME), { status: 'success' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      countOf(await h.metric(s.METRIC_GRAPH_NODE_DURATION), {
        node_name: 'process',
        status: 'success',
      }),
    ).toBeGreaterThanOrEqual(2);
  });
});

describe('span catalogue', () => {
  function definitionFor(name: string) {
    const kind = name.split(' ')[0];
    const byPrefix = SPANS.find((d) => d.name.split(' ')[0] === kind);
    return byPrefix ?? SPANS.find((d) => d.name === '{db.operation.name} {db.collection.name}');
  }

  it.each([false, true])(
    'puts only catalogued attributes on spans (content capture %s)',
    async (capture) => {
      for (const i of [graphInst, chatInst, vectorInst])
        i.setConfig({ captureMessageContent: capture });
      const store = await loreStore();
      const graph = buildLoreGraph({ model: new TestChatModel(), store, subqueries: 2 });
      await store.addDocuments([new Document({ pageContent: 'x' })], { ids: ['cat-1'] });
      await graph.invoke({ question: 'Where?' }, { configurable: { thread_id: 'cat' } });
      await graphInst.whenIdle();
      const ours = h
        .finishedSpans()
        .filter((sp) => sp.instrumentationScope.name.startsWith('lorechat-otel'));
      expect(ours.length).toBeGreaterThan(5);
      for (const span of ours) {
        const def = definitionFor(span.name);
        expect(def, span.name).toBeDefined();
        const allowed = [
          ...def!.attributes,
          ...(capture ? def!.contentAttributes : []),
        ] as string[];
        for (const key of Object.keys(span.attributes))
          expect(allowed, `${span.name}: ${key}`).toContain(key);
        expect(span.kind).toBe(def!.kind === 'CLIENT' ? SpanKind.CLIENT : SpanKind.INTERNAL);
      }
    },
  );
});

describe('user callback handlers', () => {
  class Recorder extends BaseCallbackHandler {
    name = 'recorder';
    events: string[] = [];
    override handleChainStart(
      _c: unknown,
      _i: unknown,
      _r: string,
      _p?: string,
      _t?: string[],
      _m?: unknown,
      _rt?: string,
      runName?: string,
    ) {
      this.events.push(`chain_start:${runName ?? ''}`);
    }
    override handleChainEnd() {
      this.events.push('chain_end');
    }
    override handleChatModelStart() {
      this.events.push('chat_model_start');
    }
    override handleLLMEnd() {
      this.events.push('llm_end');
    }
    override handleRetrieverStart() {
      this.events.push('retriever_start');
    }
  }

  async function run(): Promise<string[]> {
    const store = await loreStore();
    const graph = buildLoreGraph({ model: new TestChatModel(), store, subqueries: 1 });
    const rec = new Recorder();
    await graph.invoke(
      { question: 'Where?' },
      { configurable: { thread_id: 'cb' }, callbacks: [rec] },
    );
    await graphInst.whenIdle();
    return rec.events;
  }

  it('receive exactly the same events with and without instrumentation', async () => {
    const withInstrumentation = await run();
    uninstrument();
    let without: string[];
    try {
      h.reset();
      without = await run();
      expect(
        h.finishedSpans().filter((sp) => sp.instrumentationScope.name.startsWith('lorechat-otel')),
      ).toHaveLength(0);
    } finally {
      instrument();
    }
    expect(withInstrumentation.length).toBeGreaterThan(5);
    expect(withInstrumentation).toEqual(without);
  });
});
