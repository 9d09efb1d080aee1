import * as chatModels from '@langchain/core/language_models/chat_models';
import * as langgraph from '@langchain/langgraph';
import { Annotation, END, START, StateGraph } from '@langchain/langgraph';
import type { Logger, LoggerProvider } from '@opentelemetry/api';
import { SpanStatusCode } from '@opentelemetry/api';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { eventSchemaProblems } from '../../helpers/event-schema.js';

import {
  createLoreChatInstrumentations,
  LangChainChatModelInstrumentation,
  LangGraphInstrumentation,
} from '../../../src/instrumentations/index.js';
import * as s from '../../../src/semconv.js';
import { TestChatModel } from './fixtures.js';
import { createHarness } from './harness.js';

const h = createHarness();
const graphInst = new LangGraphInstrumentation({ enabled: false });
const chatInst = new LangChainChatModelInstrumentation({ enabled: false });

beforeAll(() => {
  for (const i of [graphInst, chatInst]) {
    h.attach(i);
    i.enable();
  }
  graphInst.manuallyInstrument(langgraph);
  chatInst.manuallyInstrument(chatModels);
});
afterAll(() => {
  graphInst.manuallyUninstrument(langgraph);
  chatInst.manuallyUninstrument(chatModels);
  graphInst.disable();
  chatInst.disable();
});
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
  h.reset();
});

const Blob = Annotation.Root({ input: Annotation<string>(), blob: Annotation<unknown>() });

function blobGraph(produce: () => unknown) {
  return new StateGraph(Blob)
    .addNode('make', () => ({ blob: produce() }))
    .addEdge(START, 'make')
    .addEdge('make', END)
    .compile({ name: 'blob' });
}

describe('robustness', () => {
  it.each([
    ['a string', 'just a string'],
    ['null', null],
    ['an object without name', { reason: 'weird' }],
    [
      'a Proxy whose traps throw',
      new Proxy(
        {},
        {
          get() {
            throw new Error('trap');
          },
          getPrototypeOf() {
            throw new Error('trap');
          },
        },
      ),
    ],
    ['an Error with a 10 MB message', new Error('m'.repeat(10_000_000))],
  ])(
    'survives a node throwing %s: span ended as error, value re-thrown, nothing unbounded exported',
    async (_label, thrown) => {
      const graph = new StateGraph(Blob)
        .addNode('explode', () => {
          // eslint-disable-next-line @typescript-eslint/only-throw-error -- the point of the test
          throw thrown;
        })
        .addEdge(START, 'explode')
        .addEdge('explode', END)
        .compile({ name: 'odd' });
      const outcome = await graph.invoke({ input: 'x' }).then(
        () => ({ ok: true as const }),
        (err: unknown) => ({ ok: false as const, err }),
      );
      await graphInst.whenIdle();
      expect(outcome.ok).toBe(false);
      const node = h.spanNamed('invoke_node explode');
      expect(node.status.code).toBe(SpanStatusCode.ERROR);
      expect(typeof node.attributes[s.ATTR_ERROR_TYPE]).toBe('string');
      const turn = h.spanNamed('invoke_workflow odd');
      expect(turn.ended).toBe(true);
      expect(turn.status.code).toBe(SpanStatusCode.ERROR);
      const exported = JSON.stringify(
        h.finishedSpans().map((sp) => [sp.status, sp.attributes, sp.events]),
      ).length;
      expect(exported).toBeLessThan(40_000);
      const records = JSON.stringify(h.logRecords().map((l) => [l.body, l.attributes])).length;
      expect(records).toBeLessThan(40_000);
    },
  );

  it('handles circular and huge state values: keys only without capture, bounded with capture', async () => {
    const circular: Record<string, unknown> = { name: 'loop' };
    circular.self = circular;
    const huge = 'x'.repeat(2_000_000);
    await blobGraph(() => ({ circular, huge })).invoke({ input: 'hi' });
    await graphInst.whenIdle();
    const update = h
      .eventsOf(h.spanNamed('invoke_node make'))
      .find((e) => e.name === s.EVENT_GRAPH_STATE_UPDATE)!;
    expect(update.attributes?.[s.ATTR_LORECHAT_STATE_KEYS]).toEqual(['blob']);
    expect(update.attributes?.[s.ATTR_LORECHAT_STATE_VALUES]).toBeUndefined();

    graphInst.setConfig({ captureMessageContent: true, contentMaxLength: 256 });
    h.reset();
    await blobGraph(() => ({ circular, huge })).invoke({ input: 'hi' });
    await graphInst.whenIdle();
    const captured = h
      .eventsOf(h.spanNamed('invoke_node make'))
      .find((e) => e.name === s.EVENT_GRAPH_STATE_UPDATE)!;
    const values = captured.attributes?.[s.ATTR_LORECHAT_STATE_VALUES] as string;
    expect(values.length).toBe(256);
    expect(values).toContain('[Circular]');
    for (const span of h.finishedSpans()) {
      for (const v of Object.values(span.attributes))
        expect(String(v).length).toBeLessThanOrEqual(256);
    }
  });

  it('keeps working when the log pipeline throws', async () => {
    const throwingLogger: Logger = {
      emit() {
        throw new Error('log pipeline down');
      },
    } as unknown as Logger;
    const provider = { getLogger: () => throwingLogger } as unknown as LoggerProvider;
    graphInst.setLoggerProvider(provider);
    chatInst.setLoggerProvider(provider);
    try {
      const graph = new StateGraph(Blob)
        .addNode('ask', async (st: typeof Blob.State) => ({
          blob: (await new TestChatModel().invoke(st.input)).content,
        }))
        .addEdge(START, 'ask')
        .addEdge('ask', END)
        .compile({ name: 'logs-down' });
      const out = await graph.invoke({ input: 'hi' });
      await graphInst.whenIdle();
      expect(out.blob).toBe('The dragon sleeps under the mountain.');
      expect(h.spanNamed('invoke_workflow logs-down').ended).toBe(true);
      expect(h.spanNamed('invoke_node ask').ended).toBe(true);
      expect(h.spanNamed('chat lore-test-1').ended).toBe(true);
    } finally {
      h.attach(graphInst);
      h.attach(chatInst);
    }
  });

  it('leaves graphs alone once disabled (compiled before or after)', async () => {
    const before = blobGraph(() => 1);
    graphInst.disable();
    try {
      await before.invoke({ input: 'x' });
      await graphInst.whenIdle();
      expect(h.finishedSpans()).toHaveLength(0);
    } finally {
      graphInst.enable();
    }
  });

  it('runs many concurrent turns with one workflow span each and correct parents', async () => {
    const graph = blobGraph(() => 'v');
    await Promise.all(Array.from({ length: 20 }, (_, i) => graph.invoke({ input: `q${i}` })));
    await graphInst.whenIdle();
    const workflows = h.finishedSpans().filter((sp) => sp.name === 'invoke_workflow blob');
    const nodes = h.finishedSpans().filter((sp) => sp.name === 'invoke_node make');
    expect(workflows).toHaveLength(20);
    expect(nodes).toHaveLength(20);
    const wfIds = new Set(workflows.map((w) => w.spanContext().spanId));
    expect(new Set(nodes.map((n) => n.parentSpanContext?.spanId))).toEqual(wfIds);
  });
});

describe('factory', () => {
  it('creates the six instrumentations, leaving out disabled ones', () => {
    const all = createLoreChatInstrumentations({ enabled: false });
    expect(all.map((i) => i.instrumentationName)).toEqual([
      'lorechat-otel/instrumentation-langgraph',
      'lorechat-otel/instrumentation-langchain-chat-models',
      'lorechat-otel/instrumentation-langchain-vectorstores',
      'lorechat-otel/instrumentation-langchain-tools',
      'lorechat-otel/instrumentation-langchain-retrievers',
      'lorechat-otel/instrumentation-langchain-embeddings',
    ]);
    const some = createLoreChatInstrumentations({
      enabled: false,
      instrumentations: { chatModels: false, embeddings: false },
    });
    expect(some).toHaveLength(4);
  });
});
