import type { LoreChatSharedConfig } from '../types.js';

/** Configuration of {@link LangChainVectorStoreInstrumentation}: searches and writes. */
export interface LangChainVectorStoreInstrumentationConfig extends LoreChatSharedConfig {
  /**
   * How many document ids written through instrumented stores are remembered to tell an
   * update (add with an id seen before) from an insert. Bounded; oldest forgotten first.
   * @default 50000
   */
  maxTrackedDocumentIds?: number;
}
