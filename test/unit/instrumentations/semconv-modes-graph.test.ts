/**
 * Where the latest GenAI conventions reach the graph and retrieval instrumentations:
 * `gen_ai.invoke_workflow.duration` per graph run and `gen_ai.retrieval.top_k` on retrieval
 * spans, only under `gen_ai_latest_experimental`.
 */
import * as chatModels from '@langchain/core/language_models/chat_models';
import { Document } from '@langchain/core/documents';
import * as vectorstores from '@langchain/core/vectorstores';
import * as langgraph from '@langchain/langgraph';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import {
  LangChainChatModelInstrumentation,
  LangChainVectorStoreInstrumentation,
  LangGraphInstrumentation,
} from '../../../src/instrumentations/index.js';
import type { GenAiSemconvMode } from '../../../src/telemetry/semconv-mode.js';
import * as s from '../../../src/semconv.js';
import { buildLoreGraph, TestChatModel, TestEmbeddings, TestVectorStore } from './fixtures.js';
import { countOf, createHarness, pointsWith } from './harness.js';

const h = createHarness();
const graphInst = new LangGraphInstrumentation({ enabled: false });
const chatInst = new LangChainChatModelInstrumentation({ enabled: false });
const vectorInst = new LangChainVectorStoreInstrumentation({ enabled: false });

beforeAll(() => {
  for (const i of [graphInst, chatInst, vectorInst]) {
    h.attach(i);
    i.enable();
  }
  graphInst.manuallyInstrument(langgraph);
  chatInst.manuallyInstrument(chatModels);
  vectorInst.manuallyInstrument(vectorstores);
});
afterAll(() => {
  graphInst.manuallyUninstrument(langgraph);
  chatInst.manuallyUninstrument(chatModels);
  vectorInst.manuallyUninstrument(vectorstores);
  for (const i of [graphInst, chatInst, vectorInst]) i.disable();
});

function setMode(mode: GenAiSemconvMode): void {
  for (const i of [graphInst, chatInst, vectorInst]) i.setConfig({ genAiSemconv: mode });
}

async function run(store: string, failIn?: 'respond'): Promise<string> {
  const vectors = new TestVectorStore(new TestEmbeddings(), store);
  await vectors.addDocuments([
    new Document({ pageContent: 'The dragon sleeps under the mountain.' }),
  ]);
  const graph = buildLoreGraph({ model: new TestChatModel(), store: vectors, failIn });
  h.reset();
  await graph
    .invoke({ question: 'Where does the dragon sleep?' }, { configurable: { thread_id: store } })
    .catch(() => undefined);
  await graphInst.whenIdle();
  const workflow = h.finishedSpans().find((sp) => sp.name.startsWith(`${s.SPAN_INVOKE_WORKFLOW} `));
  return String(workflow?.attributes[s.ATTR_GEN_AI_WORKFLOW_NAME]);
}

beforeEach(() => h.reset());

describe('graph runs and retrieval under both conventions', () => {
  it('v1.41: no workflow duration metric; retrieval spans carry gen_ai.request.top_k', async () => {
    setMode('v1.41');
    await run('old-store');
    const metric = await h.metric(s.METRIC_GEN_AI_INVOKE_WORKFLOW_DURATION);
    expect(metric?.dataPoints ?? []).toEqual([]);
    const retrieval = h.spanNamed('retrieval old-store');
    expect(retrieval.attributes[s.ATTR_GEN_AI_REQUEST_TOP_K]).toBeTypeOf('number');
    expect(retrieval.attributes[s.ATTR_GEN_AI_RETRIEVAL_TOP_K]).toBeUndefined();
  });

  it('latest: one gen_ai.invoke_workflow.duration per run, failed runs with error.type; gen_ai.retrieval.top_k', async () => {
    setMode('latest');
    const name = await run('new-store');
    const retrieval = h.spanNamed('retrieval new-store');
    expect(retrieval.attributes[s.ATTR_GEN_AI_RETRIEVAL_TOP_K]).toBeTypeOf('number');
    expect(retrieval.attributes[s.ATTR_GEN_AI_REQUEST_TOP_K]).toBeUndefined();
    await run('new-store-2', 'respond');
    const metric = await h.metric(s.METRIC_GEN_AI_INVOKE_WORKFLOW_DURATION);
    const attrs = {
      [s.ATTR_GEN_AI_OPERATION_NAME]: s.GEN_AI_OPERATION_INVOKE_WORKFLOW,
      [s.ATTR_GEN_AI_WORKFLOW_NAME]: name,
    };
    const ok = pointsWith(metric, attrs).filter(
      (p) => p.attributes[s.ATTR_ERROR_TYPE] === undefined,
    );
    expect(ok.map((p) => (p.value as { count: number }).count)).toEqual([1]);
    expect(countOf(metric, { ...attrs, [s.ATTR_ERROR_TYPE]: 'TypeError' })).toBe(1);
  });
});
