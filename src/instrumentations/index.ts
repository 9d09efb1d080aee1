/**
 * The LoreChat instrumentations: graph runs and nodes (LangGraph), chat-model calls and
 * vector-store operations (LangChain core). `createLoreChatInstrumentations` builds all
 * three from one config; the SDK registers them with the NodeSDK.
 */
import type { Instrumentation } from '@opentelemetry/instrumentation';

import { LangChainChatModelInstrumentation } from './chat-models/instrumentation.js';
import type { LangChainChatModelInstrumentationConfig } from './chat-models/types.js';
import { LangGraphInstrumentation } from './langgraph/instrumentation.js';
import type { LangGraphInstrumentationConfig } from './langgraph/types.js';
import type { LoreChatSharedConfig } from './types.js';
import { LangChainVectorStoreInstrumentation } from './vector-stores/instrumentation.js';
import type { LangChainVectorStoreInstrumentationConfig } from './vector-stores/types.js';

export {
  LangGraphInstrumentation,
  LANGGRAPH_INSTRUMENTATION_NAME,
} from './langgraph/instrumentation.js';
export {
  LangChainChatModelInstrumentation,
  CHAT_MODEL_INSTRUMENTATION_NAME,
} from './chat-models/instrumentation.js';
export {
  LangChainVectorStoreInstrumentation,
  VECTOR_STORE_INSTRUMENTATION_NAME,
  instrumentVectorStore,
} from './vector-stores/instrumentation.js';
export { normaliseQuery, queryFingerprint } from '../telemetry/content.js';
export { DEFAULT_CONTENT_MAX_LENGTH } from './types.js';
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
    Omit<LangChainVectorStoreInstrumentationConfig, keyof LoreChatSharedConfig> {
  /**
   * Per-instrumentation switches.
   * @default { langgraph: true, chatModels: true, vectorStores: true }
   */
  instrumentations?: {
    /** @default true */
    langgraph?: boolean;
    /** @default true */
    chatModels?: boolean;
    /** @default true */
    vectorStores?: boolean;
  };
}

/** The instrumentations built by {@link createLoreChatInstrumentations}, typed. */
export interface LoreChatInstrumentations {
  readonly langgraph?: LangGraphInstrumentation;
  readonly chatModels?: LangChainChatModelInstrumentation;
  readonly vectorStores?: LangChainVectorStoreInstrumentation;
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
  const all = [langgraph, chatModels, vectorStores].filter(
    (i): i is NonNullable<typeof i> => i !== undefined,
  );
  return { langgraph, chatModels, vectorStores, all };
}

/** The LoreChat instrumentations as `Instrumentation[]`, for `NodeSDK({ instrumentations })`. */
export function createLoreChatInstrumentations(
  config: LoreChatInstrumentationsConfig = {},
): Instrumentation[] {
  return buildLoreChatInstrumentations(config).all;
}
