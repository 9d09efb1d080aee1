import type { DocumentInterface } from '@langchain/core/documents';
import { Document } from '@langchain/core/documents';
import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import { VectorStore } from '@langchain/core/vectorstores';

export type LoreFilter = (doc: DocumentInterface) => boolean;

export interface LoreAddOptions {
  /** One id per document; a document whose id exists already replaces the stored one. */
  ids?: string[];
}

interface Entry {
  vector: number[];
  document: DocumentInterface;
}

/**
 * An in-process vector store: exact cosine search over a Map. Ids are stable: adding a
 * document with an existing id updates it. Uses only the public `VectorStore` contract, so
 * `asRetriever()`, `similaritySearch()` and friends come from LangChain.
 */
export class LoreVectorStore extends VectorStore {
  declare FilterType: LoreFilter;

  private readonly entries = new Map<string, Entry>();
  private nextId = 1;

  constructor(embeddings: EmbeddingsInterface, fields: Record<string, unknown> = {}) {
    super(embeddings, fields);
  }

  _vectorstoreType(): string {
    return 'lore-memory';
  }

  /** Number of stored documents. */
  get size(): number {
    return this.entries.size;
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  getById(id: string): DocumentInterface | undefined {
    return this.entries.get(id)?.document;
  }

  async addDocuments(documents: DocumentInterface[], options?: LoreAddOptions): Promise<string[]> {
    // The title is part of what a document is about ("Emberfall" for a text that says "the city").
    const vectors = await this.embeddings.embedDocuments(
      documents.map((d) => {
        const title: unknown = d.metadata.title;
        return typeof title === 'string' && title ? `${title}\n${d.pageContent}` : d.pageContent;
      }),
    );
    return this.addVectors(vectors, documents, options);
  }

  addVectors(
    vectors: number[][],
    documents: DocumentInterface[],
    options?: LoreAddOptions,
  ): Promise<string[]> {
    if (vectors.length !== documents.length) {
      return Promise.reject(
        new Error(`LoreVectorStore: ${vectors.length} vectors for ${documents.length} documents`),
      );
    }
    if (options?.ids !== undefined && options.ids.length !== documents.length) {
      return Promise.reject(
        new Error(`LoreVectorStore: ${options.ids.length} ids for ${documents.length} documents`),
      );
    }
    const dimension = this.dimension();
    const ids: string[] = [];
    for (const [i, document] of documents.entries()) {
      const vector = vectors[i]!;
      if (dimension !== undefined && vector.length !== dimension) {
        return Promise.reject(
          new Error(
            `LoreVectorStore: vector dimension ${vector.length} does not match ${dimension}`,
          ),
        );
      }
      const id = options?.ids?.[i] ?? document.id ?? this.freshId();
      this.entries.set(id, {
        vector,
        document: new Document({
          pageContent: document.pageContent,
          metadata: { ...document.metadata },
          id,
        }),
      });
      ids.push(id);
    }
    return Promise.resolve(ids);
  }

  similaritySearchVectorWithScore(
    query: number[],
    k: number,
    filter?: LoreFilter,
  ): Promise<[DocumentInterface, number][]> {
    const scored: [DocumentInterface, number][] = [];
    for (const { vector, document } of this.entries.values()) {
      if (filter && !filter(document)) continue;
      scored.push([document, cosine(query, vector)]);
    }
    scored.sort((a, b) => b[1] - a[1]);
    return Promise.resolve(scored.slice(0, Math.max(0, k)));
  }

  /** Deletes by `{ ids }`, or everything with `{ deleteAll: true }`. */
  override delete(params?: { ids?: string[]; deleteAll?: boolean }): Promise<void> {
    if (params?.deleteAll === true) {
      this.entries.clear();
    } else if (params?.ids) {
      for (const id of params.ids) this.entries.delete(id);
    } else {
      return Promise.reject(
        new Error('LoreVectorStore.delete needs { ids } or { deleteAll: true }'),
      );
    }
    return Promise.resolve();
  }

  static override async fromDocuments(
    documents: DocumentInterface[],
    embeddings: EmbeddingsInterface,
    options?: LoreAddOptions,
  ): Promise<LoreVectorStore> {
    const store = new LoreVectorStore(embeddings);
    await store.addDocuments(documents, options);
    return store;
  }

  private dimension(): number | undefined {
    for (const entry of this.entries.values()) return entry.vector.length;
    return undefined;
  }

  private freshId(): string {
    let id: string;
    do id = `doc-${this.nextId++}`;
    while (this.entries.has(id));
    return id;
  }
}

function cosine(a: number[], b: number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i] ?? 0;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}
