/**
 * `npm run bench -- bulk-write [--docs N] [--rounds R]`: what the vector-store
 * instrumentation adds to one large write (`addDocuments` of N documents with ids), and to
 * re-writing the same ids (an update), on an in-memory store whose own cost is small, so the
 * instrumentation's per-document bookkeeping (the id set that tells updates from inserts) is
 * what the ratio shows. Rounds alternate instrumented and uninstrumented calls (interleaved)
 * in one process; the result is the ratio of medians, written to bench/results/bulk-write.json.
 */
import { Document } from '@langchain/core/documents';
import { Embeddings } from '@langchain/core/embeddings';
import * as vectorstores from '@langchain/core/vectorstores';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { LangChainVectorStoreInstrumentation } from '../src/instrumentations/index.js';
import { median, round } from './lib/stats.js';
import { writeJson } from './lib/write.js';

class ConstantEmbeddings extends Embeddings {
  embedQuery(): Promise<number[]> {
    return Promise.resolve([1, 0, 0]);
  }
  embedDocuments(texts: string[]): Promise<number[][]> {
    return Promise.resolve(texts.map(() => [1, 0, 0]));
  }
}

class ArrayStore extends vectorstores.VectorStore {
  vectors: number[][] = [];
  docs: Document[] = [];
  _vectorstoreType(): string {
    return 'array';
  }
  addVectors(vectors: number[][], documents: Document[]): Promise<string[]> {
    for (let i = 0; i < vectors.length; i++) {
      this.vectors.push(vectors[i] ?? []);
      this.docs.push(documents[i] as Document);
    }
    return Promise.resolve(documents.map((d) => d.id ?? ''));
  }
  async addDocuments(documents: Document[], options?: { ids?: string[] }): Promise<string[]> {
    const vectors = await this.embeddings.embedDocuments(documents.map((d) => d.pageContent));
    return this.addVectors(
      vectors,
      documents.map((d, i) => ({ ...d, id: options?.ids?.[i] ?? d.id })) as Document[],
    );
  }
  similaritySearchVectorWithScore(_query: number[], _k: number): Promise<[Document, number][]> {
    return Promise.resolve([]);
  }
}

export async function bulkWriteCommand(args: string[], root: string): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      docs: { type: 'string', default: '100000' },
      rounds: { type: 'string', default: '7' },
    },
  });
  const n = Number(values.docs);
  const rounds = Number(values.rounds);
  if (!Number.isInteger(n) || n <= 0 || !Number.isInteger(rounds) || rounds <= 0)
    throw new Error('--docs and --rounds must be positive integers');
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const inst = new LangChainVectorStoreInstrumentation({ enabled: false });
  inst.setTracerProvider(provider);
  inst.enable();
  inst.manuallyInstrument(vectorstores);

  const docs = Array.from({ length: n }, (_, i) => new Document({ pageContent: `doc ${i}` }));
  const times: Record<'plain' | 'ours', { insert: number[]; update: number[] }> = {
    plain: { insert: [], update: [] },
    ours: { insert: [], update: [] },
  };
  const once = async (variant: 'plain' | 'ours', round: number): Promise<void> => {
    if (variant === 'ours') inst.enable();
    else inst.disable();
    const store = new ArrayStore(new ConstantEmbeddings({}), {});
    const ids = docs.map((_, i) => `${variant}-${round}-${i}`);
    let t = performance.now();
    await store.addDocuments(docs, { ids });
    times[variant].insert.push(performance.now() - t);
    t = performance.now();
    await store.addDocuments(docs, { ids });
    times[variant].update.push(performance.now() - t);
    exporter.reset();
  };
  for (let r = 0; r < rounds; r++) {
    process.stderr.write(`bulk-write: round ${r + 1}/${rounds}\n`);
    // Alternate which variant runs first, so neither always meets a warmer heap.
    for (const v of r % 2 === 0 ? (['plain', 'ours'] as const) : (['ours', 'plain'] as const))
      await once(v, r);
  }
  inst.disable();
  const result = {
    command: `npm run bench -- bulk-write --docs ${n} --rounds ${rounds}`,
    docs: n,
    rounds,
    node: process.version,
    medianMs: {
      plain: {
        insert: round(median(times.plain.insert)),
        update: round(median(times.plain.update)),
      },
      ours: { insert: round(median(times.ours.insert)), update: round(median(times.ours.update)) },
    },
    addedPercent: {
      insert: round((median(times.ours.insert) / median(times.plain.insert) - 1) * 100),
      update: round((median(times.ours.update) / median(times.plain.update) - 1) * 100),
    },
  };
  await writeJson(resolve(root, 'bench/results/bulk-write.json'), result);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
