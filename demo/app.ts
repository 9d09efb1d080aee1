import { Document } from '@langchain/core/documents';
import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import { AIMessageChunk, HumanMessage } from '@langchain/core/messages';
import { MemorySaver } from '@langchain/langgraph';
import { loadConfig, type LoreChatConfig } from './config.js';
import { buildLoreChatGraph, type LoreChatGraph } from './graph/build-graph.js';
import { NODE_RESPOND, turnSources } from './graph/nodes.js';
import type { LoreChatStateType, QueryComplexity, Source, Subquery } from './graph/state.js';
import { createChatModels, createEmbeddings, type ChatModels } from './llm/providers.js';
import { controlToConfigurable, type RequestControl } from './llm/request-control.js';
import { type ModelUsage, UsageTally } from './llm/usage-tally.js';
import { DEFAULT_PERSONA, type PersonaId } from './personas.js';
import { LORE_CORPUS, type LoreDocument } from './vectorstore/corpus/lore.js';
import { LoreVectorStore } from './vectorstore/lore-vector-store.js';
import {
  type AgentTurnResult,
  createLoreAgent,
  type LoreAgent,
  runAgentTurn,
} from './agent/lore-agent.js';

export interface ChatRequest {
  threadId: string;
  message: string;
  /** @default 'scribe' */
  persona?: PersonaId;
  /** Per-request latency / failure injection for the offline model. */
  control?: RequestControl;
  signal?: AbortSignal;
}

export interface ChatResponse {
  answer: string;
  sources: Source[];
  threadId: string;
  persona: PersonaId;
  complexity: QueryComplexity;
  subqueries: Pick<Subquery, 'text' | 'status' | 'refinementCount'>[];
  /** Tokens the turn's model calls used, by model, as the providers reported them. */
  usage: Record<string, ModelUsage>;
}

export type ChatStreamEvent = { type: 'token'; text: string } | ({ type: 'done' } & ChatResponse);

export interface UpsertResult {
  added: number;
  updated: number;
  ids: string[];
}

export interface LoreChatAppOptions {
  /** Overrides on top of the env configuration. */
  config?: Partial<LoreChatConfig>;
  /** Environment to read the configuration from. @default process.env */
  env?: Readonly<Record<string, string | undefined>>;
  /** Chat models to use instead of the configured provider's (tests). */
  models?: ChatModels;
  embeddings?: EmbeddingsInterface;
  /** Documents to seed the store with. @default the sample lore corpus */
  corpus?: readonly LoreDocument[];
}

export interface LoreChatApp {
  readonly config: LoreChatConfig;
  readonly graph: LoreChatGraph;
  readonly store: LoreVectorStore;
  readonly checkpointer: MemorySaver;
  readonly models: ChatModels;
  chat(request: ChatRequest): Promise<ChatResponse>;
  chatStream(request: ChatRequest): AsyncGenerator<ChatStreamEvent>;
  /** The agent path: a tool-using agent (see agent/lore-agent.ts). */
  readonly agent: LoreAgent;
  agentChat(request: {
    threadId: string;
    message: string;
    signal?: AbortSignal;
  }): Promise<AgentTurnResult>;
  /** Resumes an agent turn waiting for approval on `threadId`. */
  resumeAgent(request: {
    threadId: string;
    decision: 'approve' | 'deny';
    signal?: AbortSignal;
  }): Promise<AgentTurnResult>;
  upsertDocuments(documents: readonly LoreDocument[]): Promise<UpsertResult>;
  /** Forgets a conversation. */
  deleteThread(threadId: string): Promise<void>;
}

/** Builds the whole app in-process: models, seeded vector store, checkpointer and graph. */
export async function createLoreChatApp(options: LoreChatAppOptions = {}): Promise<LoreChatApp> {
  const config = loadConfig(options.env ?? process.env, options.config ?? {});
  const models = options.models ?? (await createChatModels(config, options.env));
  const embeddings = options.embeddings ?? (await createEmbeddings(config, options.env));
  const store = new LoreVectorStore(embeddings);
  const checkpointer = new MemorySaver();
  const graph = buildLoreChatGraph({
    models,
    store,
    checkpointer,
    retrievalK: config.retrievalK,
    maxRefinements: config.maxRefinements,
  });

  // Least-recently-used conversations beyond maxThreads are dropped from the checkpointer,
  // so a long load test cannot grow memory without bound.
  const threads = new Map<string, true>();
  async function touchThread(threadId: string): Promise<void> {
    threads.delete(threadId);
    threads.set(threadId, true);
    while (threads.size > config.maxThreads) {
      const oldest = threads.keys().next().value;
      if (oldest === undefined) break;
      threads.delete(oldest);
      await checkpointer.deleteThread(oldest);
    }
  }

  async function upsertDocuments(documents: readonly LoreDocument[]): Promise<UpsertResult> {
    const ids = documents.map((d) => d.id);
    const fresh = ids.map((id) => id === undefined || !store.has(id));
    const stored = await store.addDocuments(
      documents.map(
        (d) =>
          new Document({
            pageContent: d.text,
            metadata: { ...d.metadata, title: d.title },
            id: d.id,
          }),
      ),
    );
    const added = fresh.filter(Boolean).length;
    return { added, updated: documents.length - added, ids: stored };
  }

  function runInput(request: ChatRequest) {
    return {
      messages: [new HumanMessage(request.message)],
      originalQuery: request.message,
      threadId: request.threadId,
      persona: request.persona ?? DEFAULT_PERSONA,
    };
  }

  function runConfig(request: ChatRequest) {
    return {
      configurable: { thread_id: request.threadId, ...controlToConfigurable(request.control) },
      ...(request.signal ? { signal: request.signal } : {}),
    };
  }

  function toResponse(
    state: LoreChatStateType,
    request: ChatRequest,
    usage: UsageTally,
  ): ChatResponse {
    const last = state.messages.at(-1);
    return {
      answer: last?.text ?? state.combinedAnswer,
      sources: turnSources(state.subqueries),
      threadId: request.threadId,
      persona: state.persona,
      complexity: state.queryComplexity,
      subqueries: state.subqueries.map(({ text, status, refinementCount }) => ({
        text,
        status,
        refinementCount,
      })),
      usage: usage.byModel,
    };
  }

  async function chat(request: ChatRequest): Promise<ChatResponse> {
    await touchThread(request.threadId);
    const usage = new UsageTally();
    const state = await graph.invoke(runInput(request), {
      ...runConfig(request),
      callbacks: [usage],
    });
    return toResponse(state, request, usage);
  }

  async function* chatStream(request: ChatRequest): AsyncGenerator<ChatStreamEvent> {
    await touchThread(request.threadId);
    const config = runConfig(request);
    const usage = new UsageTally();
    const stream = await graph.stream(runInput(request), {
      ...config,
      callbacks: [usage],
      streamMode: 'messages',
    });
    for await (const [message, metadata] of stream) {
      const node = (metadata as { langgraph_node?: unknown }).langgraph_node;
      if (node !== NODE_RESPOND || !AIMessageChunk.isInstance(message)) continue;
      const text = message.text;
      if (text) yield { type: 'token', text };
    }
    const snapshot = await graph.getState(config);
    yield { type: 'done', ...toResponse(snapshot.values as LoreChatStateType, request, usage) };
  }

  await upsertDocuments(options.corpus ?? LORE_CORPUS);
  const agent = createLoreAgent(options.corpus ?? LORE_CORPUS, checkpointer);

  return {
    config,
    graph,
    store,
    checkpointer,
    models,
    chat,
    chatStream,
    agent,
    agentChat: async (request) => {
      await touchThread(request.threadId);
      return runAgentTurn(agent, request);
    },
    resumeAgent: async ({ threadId, decision, signal }) => {
      await touchThread(threadId);
      return runAgentTurn(agent, { threadId, resume: decision, signal });
    },
    upsertDocuments,
    deleteThread: async (threadId) => {
      threads.delete(threadId);
      await checkpointer.deleteThread(threadId);
    },
  };
}
