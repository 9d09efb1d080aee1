/**
 * Small, deterministic LangChain / LangGraph building blocks for the instrumentation tests:
 * a chat model with usage metadata and streaming, an embedding model, a vector store and a
 * graph shaped like LoreChat's (decompose -> process (Send fan-out) -> combine -> respond).
 */
import type { CallbackManagerForLLMRun } from '@langchain/core/callbacks/manager';
import { Document } from '@langchain/core/documents';
import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import {
  BaseChatModel,
  type BaseChatModelParams,
} from '@langchain/core/language_models/chat_models';
import {
  AIMessage,
  AIMessageChunk,
  type BaseMessage,
  HumanMessage,
} from '@langchain/core/messages';
import { ChatGenerationChunk, type ChatResult } from '@langchain/core/outputs';
import { VectorStore } from '@langchain/core/vectorstores';
import { Annotation, END, MemorySaver, Send, START, StateGraph } from '@langchain/langgraph';
import { trace } from '@opentelemetry/api';

export interface TestChatModelOptions extends BaseChatModelParams {
  reply?: string;
  failWith?: unknown;
  model?: string;
  temperature?: number;
  maxTokens?: number;
  chunkDelayMs?: number;
}

export function textOf(content: unknown): string {
  return typeof content === 'string' ? content : JSON.stringify(content);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A chat model answering `reply` (word by word when streamed), reporting token usage. */
export class TestChatModel extends BaseChatModel {
  reply: string;
  failWith: unknown;
  model: string;
  temperature: number | undefined;
  maxTokens: number | undefined;
  chunkDelayMs: number;

  constructor(fields: TestChatModelOptions = {}) {
    super(fields);
    this.reply = fields.reply ?? 'The dragon sleeps under the mountain.';
    this.failWith = fields.failWith;
    this.model = fields.model ?? 'lore-test-1';
    this.temperature = fields.temperature;
    this.maxTokens = fields.maxTokens;
    this.chunkDelayMs = fields.chunkDelayMs ?? 0;
  }

  _llmType(): string {
    return 'lore-test';
  }

  private inputTokens(messages: BaseMessage[]): number {
    return messages.reduce((n, m) => n + textOf(m.content).split(/\s+/).filter(Boolean).length, 0);
  }

  async _generate(messages: BaseMessage[]): Promise<ChatResult> {
    await sleep(1);
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- tests throw odd values on purpose
    if (this.failWith !== undefined) throw this.failWith;
    const message = new AIMessage({
      content: this.reply,
      id: 'resp-123',
      usage_metadata: {
        input_tokens: this.inputTokens(messages),
        output_tokens: this.reply.split(' ').length,
        total_tokens: this.inputTokens(messages) + this.reply.split(' ').length,
      },
      response_metadata: { model_name: `${this.model}-2025`, finish_reason: 'stop' },
    });
    return { generations: [{ text: this.reply, message }] };
  }

  override async *_streamResponseChunks(
    messages: BaseMessage[],
    _options: this['ParsedCallOptions'],
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<ChatGenerationChunk> {
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- tests throw odd values on purpose
    if (this.failWith !== undefined) throw this.failWith;
    const words = this.reply.split(' ');
    for (const [i, word] of words.entries()) {
      if (this.chunkDelayMs > 0) await sleep(this.chunkDelayMs);
      const last = i === words.length - 1;
      const text = i === 0 ? word : ` ${word}`;
      const chunk = new ChatGenerationChunk({
        text,
        message: new AIMessageChunk({
          content: text,
          id: 'stream-456',
          usage_metadata: last
            ? {
                input_tokens: this.inputTokens(messages),
                output_tokens: words.length,
                total_tokens: 0,
              }
            : undefined,
          response_metadata: last
            ? { model_name: `${this.model}-2025`, finish_reason: 'stop' }
            : {},
        }),
      });
      yield chunk;
      await runManager?.handleLLMNewToken(text);
    }
  }
}

/** Deterministic 3-d embeddings from letter statistics. */
export class TestEmbeddings implements EmbeddingsInterface {
  embedQuery(text: string): Promise<number[]> {
    return Promise.resolve(embed(text));
  }
  embedDocuments(texts: string[]): Promise<number[][]> {
    return Promise.resolve(texts.map(embed));
  }
}

function embed(text: string): number[] {
  const t = text.toLowerCase();
  const count = (re: RegExp) => (t.match(re) ?? []).length + 1;
  const v = [count(/[aeiou]/g), count(/[bcdfg]/g), count(/[rstlmn]/g)];
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

/** An in-memory vector store implementing the abstract methods itself. */
export class TestVectorStore extends VectorStore {
  declare FilterType: (doc: Document) => boolean;
  readonly collectionName: string;
  entries: { id: string; vector: number[]; doc: Document }[] = [];
  failSearch = false;

  constructor(embeddings: EmbeddingsInterface, collectionName = 'lore') {
    super(embeddings, {});
    this.collectionName = collectionName;
  }

  _vectorstoreType(): string {
    return 'test-memory';
  }

  async addDocuments(documents: Document[], options?: { ids?: string[] }): Promise<string[]> {
    const vectors = await this.embeddings.embedDocuments(documents.map((d) => d.pageContent));
    return this.addVectors(vectors, documents, options);
  }

  addVectors(
    vectors: number[][],
    documents: Document[],
    options?: { ids?: string[] },
  ): Promise<string[]> {
    const ids = documents.map(
      (d, i) => options?.ids?.[i] ?? d.id ?? `doc-${this.entries.length + i}`,
    );
    for (const [i, doc] of documents.entries()) {
      this.entries = this.entries.filter((e) => e.id !== ids[i]);
      this.entries.push({
        id: ids[i]!,
        vector: vectors[i]!,
        doc: new Document({ ...doc, id: ids[i] }),
      });
    }
    return Promise.resolve(ids);
  }

  similaritySearchVectorWithScore(query: number[], k: number): Promise<[Document, number][]> {
    if (this.failSearch) return Promise.reject(new RangeError('index unavailable'));
    const scored = this.entries.map(
      (e) =>
        [e.doc, e.vector.reduce((acc, x, i) => acc + x * (query[i] ?? 0), 0)] as [Document, number],
    );
    scored.sort((a, b) => b[1] - a[1]);
    return Promise.resolve(scored.slice(0, k));
  }
}

export const LoreState = Annotation.Root({
  question: Annotation<string>(),
  subqueries: Annotation<string[]>({ reducer: (_a, b) => b, default: () => [] }),
  findings: Annotation<string[]>({ reducer: (a, b) => [...a, ...b], default: () => [] }),
  context: Annotation<string>(),
  answer: Annotation<string>(),
});

export interface LoreGraphOptions {
  model: BaseChatModel;
  store?: TestVectorStore;
  /** Number of subqueries `decompose` produces. */
  subqueries?: number;
  failIn?: 'decompose' | 'process' | 'combine' | 'respond';
  stream?: boolean;
}

/** LoreChat's shape: decompose -> process (one Send per subquery) -> combine -> respond. */
export function buildLoreGraph(opts: LoreGraphOptions) {
  const fail = (node: string) => {
    if (opts.failIn === node) throw new TypeError(`${node} failed`);
  };
  const graph = new StateGraph(LoreState)
    .addNode('decompose', (state: typeof LoreState.State) => {
      fail('decompose');
      const n = opts.subqueries ?? 1;
      return { subqueries: Array.from({ length: n }, (_, i) => `${state.question} #${i + 1}`) };
    })
    .addNode('process', async (state: { subquery: string }) => {
      fail('process');
      // A span created by user code inside a node must nest under the node span.
      await trace.getTracer('user-code').startActiveSpan('user.lookup', async (span) => {
        await new Promise((r) => setTimeout(r, 2));
        span.end();
      });
      const docs = opts.store ? await opts.store.similaritySearch(state.subquery, 2) : [];
      return { findings: [`${state.subquery}: ${docs.length} docs`] };
    })
    .addNode('combine', (state: typeof LoreState.State) => {
      fail('combine');
      return { context: state.findings.join('\n') };
    })
    .addNode('respond', async (state: typeof LoreState.State) => {
      fail('respond');
      const input = [new HumanMessage(`${state.question}\n${state.context}`)];
      if (opts.stream) {
        let text = '';
        for await (const chunk of await opts.model.stream(input)) text += textOf(chunk.content);
        return { answer: text };
      }
      const reply = await opts.model.invoke(input);
      return { answer: textOf(reply.content) };
    })
    .addEdge(START, 'decompose')
    .addConditionalEdges('decompose', (state: typeof LoreState.State) =>
      state.subqueries.map((subquery) => new Send('process', { subquery })),
    )
    .addEdge('process', 'combine')
    .addEdge('combine', 'respond')
    .addEdge('respond', END);
  return graph.compile({ checkpointer: new MemorySaver(), name: 'lorechat' });
}
