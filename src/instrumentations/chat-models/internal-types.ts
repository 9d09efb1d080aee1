/** Structural slices of `@langchain/core`'s BaseChatModel used by the instrumentation. */

export interface LsParamsLike {
  ls_provider?: unknown;
  ls_model_name?: unknown;
  ls_temperature?: unknown;
  ls_max_tokens?: unknown;
}

export interface ChatModelLike {
  _llmType?(): string;
  getLsParams?(options: unknown): LsParamsLike;
  getName?(): string;
  generate: (
    messages: unknown[],
    options?: unknown,
    callbacks?: unknown,
  ) => Promise<ChatResultLike>;
  stream: (input: unknown, options?: unknown) => Promise<object>;
  [key: string]: unknown;
}

/** LangChain `UsageMetadata` (`@langchain/core/messages`), token details included. */
export interface UsageMetadataLike {
  input_tokens?: unknown;
  output_tokens?: unknown;
  input_token_details?: { cache_read?: unknown; cache_creation?: unknown };
  output_token_details?: { reasoning?: unknown };
}

export interface MessageLike {
  id?: unknown;
  content?: unknown;
  usage_metadata?: UsageMetadataLike;
  response_metadata?: Record<string, unknown>;
}

export interface ChatResultLike {
  generations?: {
    text?: unknown;
    message?: MessageLike;
    generationInfo?: Record<string, unknown>;
  }[][];
  llmOutput?: Record<string, unknown>;
}

export interface ChatModelClass {
  prototype: ChatModelLike;
}

/** What `manuallyInstrument` accepts: `@langchain/core/language_models/chat_models`. */
export interface ChatModelsModuleLike {
  readonly BaseChatModel?: ChatModelClass;
}
