import type { LoreChatSharedConfig } from '../types.js';

/** Configuration of {@link LangChainChatModelInstrumentation}: chat-model calls. */
export interface LangChainChatModelInstrumentationConfig extends LoreChatSharedConfig {
  /**
   * Record LLM metrics (`llm.token_usage`, `gen_ai.client.token.usage`,
   * `gen_ai.client.operation.duration`, `gen_ai.client.operation.time_to_first_chunk`).
   * Switch off when the OpenAI / AWS SDK instrumentations already record them; spans,
   * events and `lorechat.operations{component="llm"}` are kept.
   * @default true
   */
  llmMetrics?: boolean;
}
