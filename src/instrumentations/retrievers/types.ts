import type { LoreChatSharedConfig } from '../types.js';

/** Configuration of {@link LangChainRetrieverInstrumentation}: retriever calls. */
export type LangChainRetrieverInstrumentationConfig = LoreChatSharedConfig;
