import { BaseCallbackHandler } from '@langchain/core/callbacks/base';
import type { LLMResult } from '@langchain/core/outputs';

/** Tokens a turn used with one model, as the provider reported them (LangChain `usage_metadata`). */
export interface ModelUsage {
  input_tokens: number;
  output_tokens: number;
}

/**
 * Adds up the token usage of every model call of one request, by model: what a chat API
 * returns to its caller for billing (OpenAI's `usage`), so that a client or the load generator
 * can account for the tokens it caused. It reads LangChain's own results; it is not telemetry.
 */
export class UsageTally extends BaseCallbackHandler {
  name = 'lorechat_usage_tally';
  readonly byModel: Record<string, ModelUsage> = {};

  override handleLLMEnd(output: LLMResult): void {
    const fallback = (output.llmOutput as { model_name?: unknown } | undefined)?.model_name;
    for (const generation of output.generations.flat()) {
      const message = (generation as { message?: unknown }).message as
        | {
            usage_metadata?: { input_tokens?: number; output_tokens?: number };
            response_metadata?: { model_name?: unknown };
          }
        | undefined;
      const usage = message?.usage_metadata;
      if (!usage) continue;
      const name = message.response_metadata?.model_name ?? fallback;
      const model = typeof name === 'string' && name !== '' ? name : 'unknown';
      const tally = (this.byModel[model] ??= { input_tokens: 0, output_tokens: 0 });
      tally.input_tokens += usage.input_tokens ?? 0;
      tally.output_tokens += usage.output_tokens ?? 0;
    }
  }
}
