import { Document } from '@langchain/core/documents';
import * as vectorstores from '@langchain/core/vectorstores';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { eventSchemaProblems } from '../../helpers/event-schema.js';

import {
  instrumentVectorStore,
  LangChainVectorStoreInstrumentation,
} from '../../../src/instrumentations/index.js';
import * as s from '../../../src/semconv.js';
import { TestEmbeddings, TestVectorStore } from './fixtures.js';
import { countOf, createHarness, sumOf } from './harness.js';

const h = createHarness();
const inst = new LangChainVectorStoreInstrumentation({ enabled: false });

beforeAll(() => {
  h.attach(inst);
  inst.enable();
  inst.manuallyInstrument(vectorstores);
});
afterAll(() => {
  inst.manuallyUninstrument(vectorstores);
  inst.disable();
});
// Every event any test emits matches its catalogue definition (attributes and body).
afterEach(() => {
  const problems = h
    .logRecords()
    .flatMap((l) => eventSchemaProblems(l.eventName, l.attributes, l.body));
  expect(problems).toEqual([]);
});

beforeEach(() => {
  inst.setConfig({});
  h.reset();
});

const DOCS = [
  new Document({ pageContent: 'The dragon Smaug sleeps under the Lonely Mountain.' }),
  new Document({ pageContent: 'Elves live in Rivendell.' }),
  new Document({ pageContent: 'Hobbits like second breakfast.' }),
];

/** A separate subclass per test, so "first instance seen" is exercised each time. */
function freshStoreClass() {
  return class extends TestVectorStore {};
}

describe('vector store writes', () => {
  it('instruments the concrete class at construction: the first addDocuments is an insert span', async () => {
    const Store = freshStoreClass();
    const store = new Store(new TestEmbeddings(), 'lore-a');
    await store.addDocuments(DOCS, { ids: ['a', 'b', 'c'] });
    const span = h.spanNamed('insert lore-a');
    expect(span.kind).toBe(SpanKind.CLIENT);
    expect(span.attributes).toMatchObject({
      [s.ATTR_DB_SYSTEM_NAME]: 'test-memory',
      [s.ATTR_DB_OPERATION_NAME]: 'insert',
      [s.ATTR_DB_COLLECTION_NAME]: 'lore-a',
      [s.ATTR_DB_OPERATION_BATCH_SIZE]: 3,
    });
    // addDocuments -> addVectors is one operation.
    expect(h.finishedSpans()).toHaveLength(1);
    expect(h.eventsOf(span).map((e) => e.name)).toEqual([s.EVENT_VECTOR_INSERT]);
  });

  it('records an add with ids written before as an update', async () => {
    const store = new TestVectorStore(new TestEmbeddings(), 'lore-b');
    await store.addDocuments(DOCS.slice(0, 2), { ids: ['x1', 'x2'] });
    h.reset();
    const before = sumOf(await h.metric(s.METRIC_VECTOR_STORE_OPERATIONS), {
      operation: 'update',
      status: 'success',
    });
    await store.addDocuments([new Document({ pageContent: 'Elves sail west.' })], { ids: ['x2'] });
    const span = h.spanNamed('update lore-b');
    expect(span.attributes[s.ATTR_DB_OPERATION_NAME]).toBe('update');
    expect(h.eventsOf(span).map((e) => e.name)).toEqual([s.EVENT_VECTOR_UPDATE]);
    const after = sumOf(await h.metric(s.METRIC_VECTOR_STORE_OPERATIONS), {
      operation: 'update',
      status: 'success',
    });
    expect(after - before).toBe(1);
  });

  it('records a re-add of documents carrying their own ids (Document.id) as an update', async () => {
    const store = new TestVectorStore(new TestEmbeddings(), 'lore-b2');
    await store.addDocuments([new Document({ pageContent: 'Moths in caves.', id: 'moths' })]);
    expect(h.spanNamed('insert lore-b2').attributes[s.ATTR_DB_OPERATION_NAME]).toBe('insert');
    h.reset();
    await store.addDocuments([new Document({ pageContent: 'Moths under the keep.', id: 'moths' })]);
    const span = h.spanNamed('update lore-b2');
    expect(h.eventsOf(span).map((e) => e.name)).toEqual([s.EVENT_VECTOR_UPDATE]);
  });

  it('classifies a 10,000-document batch by a bounded sample of its ids: a re-write of any part is an update', async () => {
    const store = new TestVectorStore(new TestEmbeddings(), 'lore-bulk');
    const docs = Array.from({ length: 10_000 }, (_, i) => new Document({ pageContent: `d${i}` }));
    const ids = docs.map((_, i) => `bulk-${i}`);
    await store.addDocuments(docs, { ids });
    expect(h.spanNamed('insert lore-bulk').attributes[s.ATTR_DB_OPERATION_BATCH_SIZE]).toBe(10_000);
    h.reset();
    await store.addDocuments(docs.slice(5_000), { ids: ids.slice(5_000) });
    expect(h.spanNamed('update lore-bulk').attributes[s.ATTR_DB_OPERATION_NAME]).toBe('update');
    h.reset();
    await store.addDocuments(docs.slice(0, 10), {
      ids: docs.slice(0, 10).map((_, i) => `new-${i}`),
    });
    expect(h.spanNamed('insert lore-bulk').attributes[s.ATTR_DB_OPERATION_NAME]).toBe('insert');
  });

  it('records addVectors called directly', async () => {
    const store = new TestVectorStore(new TestEmbeddings(), 'lore-c');
    await store.addVectors([[1, 0, 0]], [new Document({ pageContent: 'x' })]);
    expect(h.spanNamed('insert lore-c').attributes[s.ATTR_DB_OPERATION_BATCH_SIZE]).toBe(1);
  });
});

describe('similarity search', () => {
  it('records a direct similaritySearch as a retrieval span with top k, count and scores', async () => {
    const store = new TestVectorStore(new TestEmbeddings(), 'lore-d');
    await store.addDocuments(DOCS);
    h.reset();
    const docs = await store.similaritySearch('Where does the dragon sleep?', 2);
    expect(docs).toHaveLength(2);
    const span = h.spanNamed('retrieval lore-d');
    expect(span.kind).toBe(SpanKind.CLIENT);
    expect(span.attributes).toMatchObject({
      [s.ATTR_GEN_AI_OPERATION_NAME]: 'retrieval',
      [s.ATTR_GEN_AI_DATA_SOURCE_ID]: 'lore-d',
      [s.ATTR_GEN_AI_REQUEST_TOP_K]: 2,
      [s.ATTR_LORECHAT_RETRIEVAL_RESULT_COUNT]: 2,
    });
    const scores = span.attributes[s.ATTR_LORECHAT_RETRIEVAL_SCORES] as number[];
    expect(scores).toHaveLength(2);
    expect(scores[0]).toBeGreaterThanOrEqual(scores[1]!);
    expect(span.attributes[s.ATTR_GEN_AI_RETRIEVAL_QUERY_TEXT]).toBeUndefined();
    expect(h.finishedSpans()).toHaveLength(1);
    expect(h.logRecords().find((r) => r.eventName === s.EVENT_VECTOR_SEARCH)?.body).toMatchObject({
      event: s.EVENT_VECTOR_SEARCH,
      store: 'lore-d',
      top_k: 2,
      docs_retrieved: 2,
    });
  });

  it('records a search through asRetriever() the same way, once', async () => {
    const store = new TestVectorStore(new TestEmbeddings(), 'lore-e');
    await store.addDocuments(DOCS);
    h.reset();
    const docs = await store.asRetriever(3).invoke('Hobbits breakfast');
    expect(docs).toHaveLength(3);
    const span = h.spanNamed('retrieval lore-e');
    expect(span.attributes[s.ATTR_GEN_AI_REQUEST_TOP_K]).toBe(3);
    expect(span.attributes[s.ATTR_LORECHAT_RETRIEVAL_RESULT_COUNT]).toBe(3);
  });

  it('records similaritySearchVectorWithScore called directly (abstract in VectorStore)', async () => {
    const Store = freshStoreClass();
    const store = new Store(new TestEmbeddings(), 'lore-f');
    h.reset();
    const res = await store.similaritySearchVectorWithScore([1, 0, 0], 1);
    expect(res).toHaveLength(0);
    const span = h.spanNamed('retrieval lore-f');
    expect(span.attributes[s.ATTR_LORECHAT_RETRIEVAL_RESULT_COUNT]).toBe(0);
    expect(countOf(await h.metric(s.METRIC_VECTOR_STORE_SEARCH_DOCUMENTS))).toBeGreaterThanOrEqual(
      1,
    );
  });

  it('records a failed search and re-throws the same error', async () => {
    const store = new TestVectorStore(new TestEmbeddings(), 'lore-g');
    store.failSearch = true;
    const before = sumOf(await h.metric(s.METRIC_LORECHAT_ERRORS), {
      component: 'vector',
      [s.ATTR_ERROR_TYPE]: 'RangeError',
    });
    await expect(store.similaritySearch('q', 1)).rejects.toThrow('index unavailable');
    const span = h.spanNamed('retrieval lore-g');
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes[s.ATTR_ERROR_TYPE]).toBe('RangeError');
    expect(
      sumOf(await h.metric(s.METRIC_VECTOR_STORE_OPERATIONS), {
        operation: 'search',
        status: 'error',
      }),
    ).toBeGreaterThanOrEqual(1);
    const after = sumOf(await h.metric(s.METRIC_LORECHAT_ERRORS), {
      component: 'vector',
      [s.ATTR_ERROR_TYPE]: 'RangeError',
    });
    expect(after - before).toBe(1);
  });

  it('captures query text and documents only with content capture on', async () => {
    inst.setConfig({ captureMessageContent: true, contentMaxLength: 200 });
    const store = new TestVectorStore(new TestEmbeddings(), 'lore-h');
    await store.addDocuments(DOCS);
    h.reset();
    await store.similaritySearch('dragon', 1);
    const span = h.spanNamed('retrieval lore-h');
    expect(span.attributes[s.ATTR_GEN_AI_RETRIEVAL_QUERY_TEXT]).toBe('dragon');
    expect(span.attributes[s.ATTR_GEN_AI_RETRIEVAL_DOCUMENTS]).toMatch(/"content":/);
  });

  it('records duration metrics per operation and status from the catalogue', async () => {
    const store = new TestVectorStore(new TestEmbeddings(), 'lore-i');
    await store.addDocuments(DOCS);
    await store.similaritySearch('elves', 1);
    const duration = await h.metric(s.METRIC_VECTOR_STORE_OPERATION_DURATION);
    expect(countOf(duration, { operation: 'insert', status: 'success' })).toBeGreaterThanOrEqual(1);
    expect(countOf(duration, { operation: 'search', status: 'success' })).toBeGreaterThanOrEqual(1);
  });
});

describe('instrumentVectorStore', () => {
  it('instruments an object that is not a VectorStore subclass', async () => {
    const plain = {
      collectionName: 'plain',
      _vectorstoreType: () => 'custom',
      similaritySearch: (_q: string, k: number) =>
        Promise.resolve(
          Array.from({ length: k }, (_, i) => new Document({ pageContent: `d${i}` })),
        ),
    };
    const same = instrumentVectorStore(plain);
    expect(same).toBe(plain);
    await plain.similaritySearch('q', 2);
    const span = h.spanNamed('retrieval plain');
    expect(span.attributes[s.ATTR_DB_SYSTEM_NAME]).toBe('custom');
    expect(span.attributes[s.ATTR_LORECHAT_RETRIEVAL_RESULT_COUNT]).toBe(2);
  });

  it('does not double-record a store whose class is already instrumented', async () => {
    const store = inst.instrumentVectorStore(new TestVectorStore(new TestEmbeddings(), 'lore-j'));
    instrumentVectorStore(store);
    await store.similaritySearch('q', 1);
    expect(h.finishedSpans().filter((sp) => sp.name === 'retrieval lore-j')).toHaveLength(1);
  });
});
