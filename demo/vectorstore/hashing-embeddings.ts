import { Embeddings, type EmbeddingsParams } from '@langchain/core/embeddings';
import { contentTerms, fnv1a, words } from '../text.js';

export interface HashingEmbeddingsParams extends EmbeddingsParams {
  /** Vector dimension. @default 384 */
  dimensions?: number;
}

/**
 * Deterministic local embeddings: hashed bag of stemmed content words plus character
 * trigrams (so "dragon" and "dragons'" land close), signed hashing, L2-normalised. No
 * network, no model file; good enough for a few hundred lore documents.
 */
export class HashingEmbeddings extends Embeddings {
  readonly dimensions: number;
  readonly model = 'lorechat-hashing-v1';

  constructor(fields: HashingEmbeddingsParams = {}) {
    super(fields);
    const dimensions = fields.dimensions ?? 384;
    if (!Number.isInteger(dimensions) || dimensions < 16 || dimensions > 8192) {
      throw new RangeError(
        `HashingEmbeddings: dimensions must be an integer in [16, 8192], got ${dimensions}`,
      );
    }
    this.dimensions = dimensions;
  }

  embedDocuments(documents: string[]): Promise<number[][]> {
    return Promise.resolve(documents.map((d) => this.embed(d)));
  }

  embedQuery(document: string): Promise<number[]> {
    return Promise.resolve(this.embed(document));
  }

  /** Synchronous core, exposed for tests. */
  embed(text: string): number[] {
    const vector = new Array<number>(this.dimensions).fill(0);
    const add = (feature: string, weight: number) => {
      const h = fnv1a(feature);
      const sign = (h & 0x80000000) === 0 ? 1 : -1;
      vector[h % this.dimensions]! += sign * weight;
    };
    // Sublinear term frequency: a document that names its subject twice is more about it.
    const counts = new Map<string, number>();
    for (const w of words(text)) {
      const [term] = contentTerms(w);
      if (term !== undefined) counts.set(term, (counts.get(term) ?? 0) + 1);
    }
    for (const [term, tf] of counts) {
      const weight = 1 + Math.log(tf);
      add(`w:${term}`, weight);
      const padded = ` ${term} `;
      for (let i = 0; i + 3 <= padded.length; i++)
        add(`c:${padded.slice(i, i + 3)}`, 0.15 * weight);
    }
    const norm = Math.hypot(...vector);
    return norm === 0 ? vector : vector.map((v) => v / norm);
  }
}
