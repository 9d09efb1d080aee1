/**
 * Tools, retrievers and embeddings with the in-memory pipeline: the cases the agent fixture
 * apps (test/integration/agents.test.ts) do not reach.
 */
import { Document } from '@langchain/core/documents';
import * as embeddingsModule from '@langchain/core/embeddings';
import { ToolMessage } from '@langchain/core/messages';
import * as retrievers from '@langchain/core/retrievers';
import * as tools from '@langchain/core/tools';
import * as vectorstores from '@langchain/core/vectorstores';
import { SpanStatusCode } from '@opentelemetry/api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import {
  LangChainEmbeddingsInstrumentation,
  LangChainRetrieverInstrumentation,
  LangChainToolInstrumentation,
  LangChainVectorStoreInstrumentation,
} from '../../../src/instrumentations/index.js';
import * as s from '../../../src/semconv.js';
import { TestEmbeddings, TestVectorStore } from './fixtures.js';
import { createHarness } from './harness.js';

const h = createHarness();
const toolInst = new LangChainToolInstrumentation({ enabled: false });
const retrieverInst = new LangChainRetrieverInstrumentation({ enabled: false });
const embeddingsInst = new LangChainEmbeddingsInstrumentation({ enabled: false });
const vectorInst = new LangChainVectorStoreInstrumentation({ enabled: false });

beforeAll(() => {
  for (const i of [toolInst, retrieverInst, embeddingsInst, vectorInst]) {
    h.attach(i);
    i.enable();
  }
  toolInst.manuallyInstrument(tools);
  retrieverInst.manuallyInstrument(retrievers);
  embeddingsInst.manuallyInstrument(embeddingsModule);
  vectorInst.manuallyInstrument(vectorstores);
});
afterAll(() => {
  toolInst.manuallyUninstrument(tools);
  retrieverInst.manuallyUninstrument(retrievers);
  embeddingsInst.manuallyUninstrument(embeddingsModule);
  vectorInst.manuallyUninstrument(vectorstores);
  for (const i of [toolInst, retrieverInst, embeddingsInst, vectorInst]) i.disable();
});
beforeEach(() => {
  toolInst.setConfig({});
  h.reset();
});

/** The tool as the runnable it is (its overloaded `invoke` types are beside the point here). */
const echo = (): { invoke(input: unknown): Promise<unknown> } =>
  tools.tool(({ text }: { text: string }) => `echo: ${text}`, {
    name: 'echo',
    description: 'Echoes its argument.',
    schema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
  });

describe('tools', () => {
  it('captures arguments and result only with content capture on, bounded', async () => {
    await echo().invoke({ text: 'hello' });
    const plain = h.spanNamed('execute_tool echo');
    expect(plain.attributes[s.ATTR_GEN_AI_TOOL_CALL_ARGUMENTS]).toBeUndefined();
    expect(plain.attributes[s.ATTR_GEN_AI_TOOL_CALL_RESULT]).toBeUndefined();
    toolInst.setConfig({ captureMessageContent: true, contentMaxLength: 64 });
    h.reset();
    await echo().invoke({ text: 'x'.repeat(10_000) });
    const captured = h.spanNamed('execute_tool echo');
    expect(captured.attributes[s.ATTR_GEN_AI_TOOL_CALL_ARGUMENTS]).toMatch(
      /^\{"text":"x+…\[truncated\]$/,
    );
    expect(String(captured.attributes[s.ATTR_GEN_AI_TOOL_CALL_RESULT]).length).toBe(64);
  });

  it('records a tool that returns an error ToolMessage as a tool_error, with the tool call id', async () => {
    const reporter = tools.tool(
      (_input: unknown, config: { toolCall?: { id?: string } }) =>
        new ToolMessage({
          content: 'quota exceeded',
          tool_call_id: config.toolCall?.id ?? '',
          status: 'error',
        }),
      {
        name: 'reporter',
        description: 'Reports errors.',
        schema: { type: 'object', properties: {} },
      },
    );
    await reporter.invoke({ type: 'tool_call', id: 'call_42', name: 'reporter', args: {} });
    const span = h.spanNamed('execute_tool reporter');
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'quota exceeded' });
    expect(span.attributes[s.ATTR_ERROR_TYPE]).toBe('tool_error');
    expect(span.attributes[s.ATTR_GEN_AI_TOOL_CALL_ID]).toBe('call_42');
  });

  it('records a thrown error and re-throws it unchanged; one span for a DynamicTool', async () => {
    const thrown = new RangeError('out of range');
    const dynamic = new tools.DynamicTool({
      name: 'dyn',
      description: 'Fails.',
      func: () => Promise.reject(thrown),
    });
    await expect(dynamic.invoke('x')).rejects.toBe(thrown);
    expect(h.finishedSpans().map((sp) => sp.name)).toEqual(['execute_tool dyn']);
    expect(h.spanNamed('execute_tool dyn').attributes[s.ATTR_ERROR_TYPE]).toBe('RangeError');
  });
});

describe('retrievers', () => {
  class Static extends retrievers.BaseRetriever {
    lc_namespace = ['test'];
    override _getRelevantDocuments(): Promise<Document[]> {
      return Promise.resolve([new Document({ pageContent: 'a' })]);
    }
  }

  it('records any BaseRetriever as a retrieval span with its result count', async () => {
    await new Static().invoke('q');
    const span = h.spanNamed('retrieval Static');
    expect(span.attributes[s.ATTR_GEN_AI_OPERATION_NAME]).toBe('retrieval');
    expect(span.attributes[s.ATTR_LORECHAT_RETRIEVAL_RESULT_COUNT]).toBe(1);
  });

  it('leaves a vector-store retriever to the vector-store instrumentation: one span, not two', async () => {
    const store = new TestVectorStore(new TestEmbeddings(), 'lore-r');
    await store.addDocuments([new Document({ pageContent: 'dragons' })]);
    h.reset();
    await store.asRetriever({ k: 1 }).invoke('dragons');
    const retrievals = h.finishedSpans().filter((sp) => sp.name.startsWith('retrieval '));
    expect(retrievals.map((sp) => sp.name)).toEqual(['retrieval lore-r']);
  });
});

describe('embeddings', () => {
  /** A module object as require() returns it (writable exports), patched like the real one. */
  function patchedModule() {
    const module = { Embeddings: embeddingsModule.Embeddings };
    embeddingsInst.manuallyInstrument(module);
    class Letters extends module.Embeddings {
      model = 'letters-3';
      embedQuery(text: string): Promise<number[]> {
        return Promise.resolve([text.length, 0, 1]);
      }
      async embedDocuments(texts: string[]): Promise<number[][]> {
        return Promise.all(texts.map((t) => this.embedQuery(t)));
      }
    }
    return { module, Letters };
  }

  it('sees a class defined after the patch at construction; embedDocuments built on embedQuery is one span', async () => {
    const { module, Letters } = patchedModule();
    await new Letters({}).embedDocuments(['a', 'bb']);
    embeddingsInst.manuallyUninstrument(module);
    const spans = h.finishedSpans();
    expect(spans.map((sp) => sp.name)).toEqual(['embeddings letters-3']);
    expect(spans[0]?.attributes).toMatchObject({
      [s.ATTR_GEN_AI_OPERATION_NAME]: 'embeddings',
      [s.ATTR_GEN_AI_REQUEST_MODEL]: 'letters-3',
      [s.ATTR_LORECHAT_EMBEDDINGS_INPUT_COUNT]: 2,
      [s.ATTR_GEN_AI_EMBEDDINGS_DIMENSION_COUNT]: 3,
    });
    expect(module.Embeddings).toBe(embeddingsModule.Embeddings);
  });

  it('keeps instanceof and the prototype chain of the class it stands in for', () => {
    const { module, Letters } = patchedModule();
    const e = new Letters({});
    embeddingsInst.manuallyUninstrument(module);
    expect(e instanceof embeddingsModule.Embeddings).toBe(true);
    expect(Object.getPrototypeOf(Letters.prototype)).toBe(embeddingsModule.Embeddings.prototype);
  });

  it('instruments an object of a class defined before the patch with instrumentEmbeddings', async () => {
    class Early extends embeddingsModule.Embeddings {
      model = 'early-1';
      embedQuery(): Promise<number[]> {
        return Promise.resolve([1]);
      }
      embedDocuments(texts: string[]): Promise<number[][]> {
        return Promise.resolve(texts.map(() => [1]));
      }
    }
    const early = embeddingsInst.instrumentEmbeddings(new Early({}));
    await early.embedQuery();
    expect(h.finishedSpans().map((sp) => sp.name)).toEqual(['embeddings early-1']);
  });

  it('instruments the embeddings of a vector store when the store is first seen', async () => {
    class StoreEmbeddings extends embeddingsModule.Embeddings {
      model = 'store-emb';
      embedQuery(): Promise<number[]> {
        return Promise.resolve([1, 0, 0]);
      }
      embedDocuments(texts: string[]): Promise<number[][]> {
        return Promise.resolve(texts.map(() => [1, 0, 0]));
      }
    }
    const store = new TestVectorStore(new StoreEmbeddings({}), 'lore-e');
    await store.similaritySearch('dragons', 1);
    const embedding = h.spanNamed('embeddings store-emb');
    expect(embedding.parentSpanContext?.spanId).toBe(
      h.spanNamed('retrieval lore-e').spanContext().spanId,
    );
  });
});
