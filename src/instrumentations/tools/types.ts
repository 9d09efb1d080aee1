import type { LoreChatSharedConfig } from '../types.js';

/** Configuration of {@link LangChainToolInstrumentation}: tool executions. */
export type LangChainToolInstrumentationConfig = LoreChatSharedConfig;
