import type { LoreChatSharedConfig } from '../types.js';

/** Configuration of {@link LangChainChatModelInstrumentation}: chat-model calls. */
export interface LangChainChatModelInstrumentationConfig extends LoreChatSharedConfig {
  /**
   * Record LLM metrics: `llm.token_usage` and the GenAI ones of the selected conventions
   * (`genAiSemconv`): v1.41 `gen_ai.client.token.usage`, `gen_ai.client.operation.duration`,
   * `gen_ai.client.operation.time_to_first_chunk`; latest `gen_ai.client.inference.duration`,
   * `gen_ai.client.inference.time_to_first_chunk`, the `gen_ai.client.inference.usage.*`
   * counters and the `gen_ai.client.inference.operation.*_tokens` histograms.
   * Switch off when the OpenAI / AWS SDK instrumentations already record them; spans,
   * events and `lorechat.operations{component="llm"}` are kept.
   * @default true
   */
  llmMetrics?: boolean;
}
