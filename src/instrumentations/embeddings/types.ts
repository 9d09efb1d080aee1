import type { LoreChatSharedConfig } from '../types.js';

/** Configuration of {@link LangChainEmbeddingsInstrumentation}: embeddings calls. */
export interface LangChainEmbeddingsInstrumentationConfig extends LoreChatSharedConfig {
  /**
   * Record `gen_ai.client.operation.duration` for embeddings calls (switch off with the
   * LLM metrics when a provider SDK instrumentation records them).
   * @default true
   */
  llmMetrics?: boolean;
}
