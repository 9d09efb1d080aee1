/** Pure helpers of the vector-store instrumentation. */
import type { VectorStoreLike } from './internal-types.js';

/** Search methods: argument positions of the query and of `k`. */
export const SEARCH_METHODS = {
  similaritySearch: { query: 0, k: 1 },
  similaritySearchWithScore: { query: 0, k: 1 },
  maxMarginalRelevanceSearch: { query: 0, k: 1 },
  similaritySearchVectorWithScore: { query: -1, k: 1 },
} as const;
export type SearchMethod = keyof typeof SEARCH_METHODS;

/** Write methods: argument positions of the documents and of the options (`ids`). */
export const WRITE_METHODS = {
  addDocuments: { docs: 0, options: 1 },
  addVectors: { docs: 1, options: 2 },
} as const;
export type WriteMethod = keyof typeof WRITE_METHODS;

export const DELETE_METHOD = 'delete' as const;

export const INSTRUMENTED_METHODS: readonly string[] = [
  ...Object.keys(SEARCH_METHODS),
  ...Object.keys(WRITE_METHODS),
  DELETE_METHOD,
];

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v.slice(0, 128) : undefined;
}

/** `db.system.name`: the store's `_vectorstoreType()` (e.g. `memory`, `chroma`, `pgvector`). */
export function storeSystem(store: VectorStoreLike): string {
  try {
    const t = typeof store._vectorstoreType === 'function' ? store._vectorstoreType() : undefined;
    if (str(t)) return str(t)!;
  } catch {
    // abstract in some subclasses
  }
  return str((store as { constructor?: { name?: unknown } }).constructor?.name) ?? 'vectorstore';
}

/**
 * `db.collection.name` / `gen_ai.data_source.id`: the store's collection, index, table or
 * namespace name when it exposes one, else its type.
 */
export function storeCollection(store: VectorStoreLike): string {
  for (const key of ['collectionName', 'indexName', 'tableName', 'namespace', 'index']) {
    try {
      const v = str(store[key]);
      if (v) return v;
    } catch {
      // getter threw
    }
  }
  return storeSystem(store);
}

/** `k` of a search call: a number argument, or `{k}` in an options object (MMR). */
export function topK(arg: unknown): number | undefined {
  if (typeof arg === 'number' && Number.isFinite(arg)) return arg;
  if (arg !== null && typeof arg === 'object') {
    const k = (arg as { k?: unknown }).k;
    if (typeof k === 'number' && Number.isFinite(k)) return k;
  }
  return undefined;
}

/** Result count and scores of a search result (`Document[]` or `[Document, score][]`). */
export function searchResults(
  result: unknown,
  maxScores = 100,
): { count: number | undefined; scores: number[] | undefined; docs: unknown[] } {
  if (!Array.isArray(result)) return { count: undefined, scores: undefined, docs: [] };
  const scores: number[] = [];
  const docs: unknown[] = [];
  for (const item of result as unknown[]) {
    if (Array.isArray(item) && item.length >= 2 && typeof item[1] === 'number') {
      if (scores.length < maxScores) scores.push(item[1]);
      docs.push(item[0]);
    } else docs.push(item);
  }
  return { count: result.length, scores: scores.length > 0 ? scores : undefined, docs };
}

function stringIds(values: readonly unknown[]): string[] {
  return values
    .filter((i): i is string | number => typeof i === 'string' || typeof i === 'number')
    .map(String);
}

/**
 * Ids looked at per write to tell an update from an insert, and remembered after it. Up to
 * this many ids a write is classified exactly; a larger batch by this many ids spread evenly
 * over it (re-writing a large batch, or any sizeable part of it, is still an update). Keeps
 * the bookkeeping of a write O(1) whatever its size.
 */
export const MAX_IDS_PER_WRITE = 256;

/** At most {@link MAX_IDS_PER_WRITE} values, evenly spread over `values` (first and last included). */
export function spreadSample<T>(values: readonly T[]): readonly T[] {
  const n = values.length;
  if (n <= MAX_IDS_PER_WRITE) return values;
  const out: T[] = [];
  const step = (n - 1) / (MAX_IDS_PER_WRITE - 1);
  for (let i = 0; i < MAX_IDS_PER_WRITE; i++) out.push(values[Math.round(i * step)] as T);
  return out;
}

/**
 * Ids a write names (a sample of them for large batches, see {@link MAX_IDS_PER_WRITE}): those
 * passed in the write options (`{ ids: [...] }`), else the documents' own `id` fields
 * (LangChain `Document.id`), else none.
 */
export function idsOf(options: unknown, docs?: unknown): string[] | undefined {
  if (options !== null && typeof options === 'object') {
    const ids = (options as { ids?: unknown }).ids;
    if (Array.isArray(ids)) return stringIds(spreadSample(ids));
  }
  if (Array.isArray(docs)) {
    const ids = stringIds(
      spreadSample(docs).map((d: unknown) =>
        d !== null && typeof d === 'object' ? (d as { id?: unknown }).id : undefined,
      ),
    );
    if (ids.length > 0) return ids;
  }
  return undefined;
}

/** Ids a store returned from a write (a sample, as {@link idsOf}). */
export function returnedIds(result: unknown): string[] {
  return Array.isArray(result)
    ? spreadSample(result).filter((r): r is string => typeof r === 'string')
    : [];
}

/**
 * A set of at most `capacity` ids that forgets the earliest written first, in O(1) per
 * operation: a ring of slots for the order and a `Set` for membership. (Evicting through
 * `Set.prototype.values().next()` instead is not O(1): V8 skips the deleted slots at the
 * head on every call, which made a 100,000-document write quadratic.)
 */
export class BoundedIdSet {
  private readonly ids = new Set<string>();
  private readonly ring: (string | undefined)[] = [];
  private next = 0;
  constructor(private readonly capacity: number) {}

  has(id: string): boolean {
    return this.ids.has(id);
  }

  add(id: string): void {
    if (this.ids.has(id)) return;
    if (this.ring.length < this.capacity) {
      this.ring.push(id);
    } else {
      const evicted = this.ring[this.next];
      if (evicted !== undefined) this.ids.delete(evicted);
      this.ring[this.next] = id;
      this.next = (this.next + 1) % this.capacity;
    }
    this.ids.add(id);
  }

  get size(): number {
    return this.ids.size;
  }
}

/** Documents for content capture: page content and id only. */
export function documentsForCapture(
  docs: readonly unknown[],
  scores: readonly number[] | undefined,
): unknown[] {
  return docs.map((d, i) => {
    const doc = (d ?? {}) as { id?: unknown; pageContent?: unknown };
    return { id: doc.id, content: doc.pageContent, score: scores?.[i] };
  });
}
