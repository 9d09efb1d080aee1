/**
 * The LoreChat instrumentations: graph runs, nodes and prebuilt agents (LangGraph), and from
 * LangChain core chat-model calls, vector-store operations, tool executions, retriever calls
 * and embeddings calls. `createLoreChatInstrumentations` builds them all from one config;
 * the SDK registers them with the NodeSDK.
 */
import type { Instrumentation } from '@opentelemetry/instrumentation';

import { LangChainChatModelInstrumentation } from './chat-models/instrumentation.js';
import type { LangChainChatModelInstrumentationConfig } from './chat-models/types.js';
import { LangGraphInstrumentation } from './langgraph/instrumentation.js';
import type { LangGraphInstrumentationConfig } from './langgraph/types.js';
import type { LoreChatSharedConfig } from './types.js';
import { LangChainVectorStoreInstrumentation } from './vector-stores/instrumentation.js';
import type { LangChainVectorStoreInstrumentationConfig } from './vector-stores/types.js';
import { LangChainToolInstrumentation } from './tools/instrumentation.js';
import { LangChainRetrieverInstrumentation } from './retrievers/instrumentation.js';
import { LangChainEmbeddingsInstrumentation } from './embeddings/instrumentation.js';
import type { LangChainEmbeddingsInstrumentationConfig } from './embeddings/types.js';

export { LangGraphInstrumentation } from './langgraph/instrumentation.js';
export { LangChainChatModelInstrumentation } from './chat-models/instrumentation.js';
export {
  LangChainVectorStoreInstrumentation,
  instrumentVectorStore,
} from './vector-stores/instrumentation.js';
export { LangChainToolInstrumentation } from './tools/instrumentation.js';
export { LangChainRetrieverInstrumentation } from './retrievers/instrumentation.js';
export { LangChainEmbeddingsInstrumentation } from './embeddings/instrumentation.js';
export type { LangChainToolInstrumentationConfig } from './tools/types.js';
export type { LangChainRetrieverInstrumentationConfig } from './retrievers/types.js';
export type { LangChainEmbeddingsInstrumentationConfig } from './embeddings/types.js';
export type { LoreChatSharedConfig } from './types.js';
export type { LangGraphInstrumentationConfig } from './langgraph/types.js';
export type { LangChainChatModelInstrumentationConfig } from './chat-models/types.js';
export type { LangChainVectorStoreInstrumentationConfig } from './vector-stores/types.js';

/** One config for all LoreChat instrumentations (the SDK maps env vars onto it). */
export interface LoreChatInstrumentationsConfig
  extends
    LoreChatSharedConfig,
    Omit<LangGraphInstrumentationConfig, keyof LoreChatSharedConfig>,
    Omit<LangChainChatModelInstrumentationConfig, keyof LoreChatSharedConfig>,
    Omit<LangChainVectorStoreInstrumentationConfig, keyof LoreChatSharedConfig>,
    Omit<LangChainEmbeddingsInstrumentationConfig, keyof LoreChatSharedConfig> {
  /**
   * Per-instrumentation switches.
   * @default { langgraph: true, chatModels: true, vectorStores: true, tools: true, retrievers: true, embeddings: true }
   */
  instrumentations?: {
    /** @default true */
    langgraph?: boolean;
    /** @default true */
    chatModels?: boolean;
    /** @default true */
    vectorStores?: boolean;
    /** @default true */
    tools?: boolean;
    /** @default true */
    retrievers?: boolean;
    /** @default true */
    embeddings?: boolean;
  };
}

/** The instrumentations built by {@link createLoreChatInstrumentations}, typed. */
export interface LoreChatInstrumentations {
  readonly langgraph?: LangGraphInstrumentation;
  readonly chatModels?: LangChainChatModelInstrumentation;
  readonly vectorStores?: LangChainVectorStoreInstrumentation;
  readonly tools?: LangChainToolInstrumentation;
  readonly retrievers?: LangChainRetrieverInstrumentation;
  readonly embeddings?: LangChainEmbeddingsInstrumentation;
  /** All of the above, for `NodeSDK({ instrumentations })`. */
  readonly all: Instrumentation[];
}

/**
 * Builds the LoreChat instrumentations (disabled ones are left out) as a typed record; use
 * {@link createLoreChatInstrumentations} for the plain array.
 */
export function buildLoreChatInstrumentations(
  config: LoreChatInstrumentationsConfig = {},
): LoreChatInstrumentations {
  const { instrumentations: which, ...options } = config;
  const langgraph = which?.langgraph === false ? undefined : new LangGraphInstrumentation(options);
  const chatModels =
    which?.chatModels === false ? undefined : new LangChainChatModelInstrumentation(options);
  const vectorStores =
    which?.vectorStores === false ? undefined : new LangChainVectorStoreInstrumentation(options);
  const tools = which?.tools === false ? undefined : new LangChainToolInstrumentation(options);
  const retrievers =
    which?.retrievers === false ? undefined : new LangChainRetrieverInstrumentation(options);
  const embeddings =
    which?.embeddings === false ? undefined : new LangChainEmbeddingsInstrumentation(options);
  const all = [langgraph, chatModels, vectorStores, tools, retrievers, embeddings].filter(
    (i): i is NonNullable<typeof i> => i !== undefined,
  );
  return { langgraph, chatModels, vectorStores, tools, retrievers, embeddings, all };
}

/** The LoreChat instrumentations as `Instrumentation[]`, for `NodeSDK({ instrumentations })`. */
export function createLoreChatInstrumentations(
  config: LoreChatInstrumentationsConfig = {},
): Instrumentation[] {
  return buildLoreChatInstrumentations(config).all;
}
