import { describe, expect, it } from 'vitest';
import { Document } from '@langchain/core/documents';
import { HashingEmbeddings } from '../../../demo/vectorstore/hashing-embeddings.js';
import { LoreVectorStore } from '../../../demo/vectorstore/lore-vector-store.js';
import { LORE_CORPUS } from '../../../demo/vectorstore/corpus/lore.js';

async function seeded() {
  const store = new LoreVectorStore(new HashingEmbeddings());
  await store.addDocuments(
    LORE_CORPUS.map(
      (d) => new Document({ pageContent: d.text, metadata: { title: d.title }, id: d.id }),
    ),
  );
  return store;
}

describe('HashingEmbeddings', () => {
  it('is deterministic, L2-normalised and puts related texts closer than unrelated ones', async () => {
    const e = new HashingEmbeddings({ dimensions: 128 });
    const [a, b, c] = await e.embedDocuments([
      'fire spirit of the volcano',
      'the volcano fire spirits',
      'salt flats by the sea',
    ]);
    expect(a).toHaveLength(128);
    expect(Math.hypot(...a!)).toBeCloseTo(1, 6);
    expect(await e.embedQuery('fire spirit of the volcano')).toEqual(a);
    const dot = (x: number[], y: number[]) => x.reduce((s, v, i) => s + v * y[i]!, 0);
    expect(dot(a!, b!)).toBeGreaterThan(dot(a!, c!) + 0.3);
  });
});

describe('LoreVectorStore', () => {
  it('finds the document a question is about', async () => {
    const store = await seeded();
    expect(store.size).toBe(LORE_CORPUS.length);
    const [top] = await store.similaritySearch('Who founded Emberfall?', 1);
    expect(top?.id).toBe('emberfall');
    const hits = await store.similaritySearchWithScore('Battle of the Nine Bridges', 3);
    expect(hits[0]![0].id).toBe('battle-of-nine-bridges');
    expect(hits[0]![1]).toBeGreaterThan(hits[1]![1]);
  });

  it('serves asRetriever({ k }) with exactly k documents', async () => {
    const store = await seeded();
    const docs = await store.asRetriever({ k: 3 }).invoke('tidewrights and salt');
    expect(docs).toHaveLength(3);
    expect(docs[0]?.id).toBe('tidewright-magic');
  });

  it('inserts new documents and updates by id instead of duplicating', async () => {
    const store = await seeded();
    const before = store.size;
    await store.addDocuments(
      [
        new Document({
          pageContent: 'Glasswing moths glow in caves.',
          metadata: { title: 'Moths' },
        }),
      ],
      {
        ids: ['moths'],
      },
    );
    expect(store.size).toBe(before + 1);
    await store.addDocuments(
      [
        new Document({
          pageContent: 'Glasswing moths glow blue under Kestrel Keep.',
          metadata: { title: 'Moths' },
        }),
      ],
      { ids: ['moths'] },
    );
    expect(store.size).toBe(before + 1);
    expect(store.getById('moths')?.pageContent).toContain('glow blue');
    const [top] = await store.similaritySearch('glasswing moths', 1);
    expect(top?.pageContent).toContain('glow blue');
  });

  it('uses a document id when no ids option is given, and generates one otherwise', async () => {
    const store = new LoreVectorStore(new HashingEmbeddings());
    const ids = await store.addDocuments([
      new Document({ pageContent: 'a', id: 'given' }),
      new Document({ pageContent: 'b' }),
    ]);
    expect(ids[0]).toBe('given');
    expect(ids[1]).toMatch(/^doc-\d+$/);
  });

  it('deletes by id and honours a filter in search', async () => {
    const store = await seeded();
    await store.delete({ ids: ['emberfall'] });
    expect(store.has('emberfall')).toBe(false);
    const hits = await store.similaritySearch('Who founded Emberfall?', 5);
    expect(hits.map((d) => d.id)).not.toContain('emberfall');
    const people = await store.similaritySearch('Emberfall', 5, (d) => d.id === 'ysolde');
    expect(people.map((d) => d.id)).toEqual(['ysolde']);
    await expect(store.delete()).rejects.toThrow(/needs \{ ids \}/);
    await store.delete({ deleteAll: true });
    expect(store.size).toBe(0);
  });

  it('rejects mismatched vectors and ids', async () => {
    const store = new LoreVectorStore(new HashingEmbeddings());
    await expect(store.addVectors([[1, 0]], [])).rejects.toThrow(/1 vectors for 0 documents/);
    await expect(
      store.addDocuments([new Document({ pageContent: 'x' })], { ids: ['a', 'b'] }),
    ).rejects.toThrow(/2 ids for 1 documents/);
  });
});
