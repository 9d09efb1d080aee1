/**
 * LoreChat's agent path: a ReAct agent (`createReactAgent`) that answers with tools instead
 * of the fixed retrieval pipeline. No telemetry code here: the register entry traces it.
 *
 * - `lore_lookup` searches the lore through a keyword retriever (a `BaseRetriever` of our
 *   own, not a vector store).
 * - `read_omens` consults the augurs' records and fails (throws) for a topic they do not
 *   cover: a failing tool that `ToolNode` turns into an error message the model sees.
 * - `request_archive_copy` asks a human for approval with `interrupt()`; the turn stops
 *   (`awaiting_approval`) until it is resumed with `Command({ resume: 'approve' | 'deny' })`
 *   on the same thread.
 * The offline agent model asks for the tools on the user's message and answers from their
 * results; it needs no key or network.
 */
import type { CallbackManagerForRetrieverRun } from '@langchain/core/callbacks/manager';
import { Document } from '@langchain/core/documents';
import {
  BaseChatModel,
  type BaseChatModelCallOptions,
} from '@langchain/core/language_models/chat_models';
import { AIMessage, type BaseMessage, type ToolMessage } from '@langchain/core/messages';
import type { ChatResult } from '@langchain/core/outputs';
import { BaseRetriever } from '@langchain/core/retrievers';
import { tool } from '@langchain/core/tools';
import { Command, interrupt, type MemorySaver } from '@langchain/langgraph';
import { createReactAgent } from '@langchain/langgraph/prebuilt';

import { contentTerms, estimateTokens, truncate } from '../text.js';
import type { LoreDocument } from '../vectorstore/corpus/lore.js';

export const AGENT_NAME = 'lore_agent';
export const AGENT_MODEL = 'lorechat-offline-agent-1';
export const TOOL_LORE_LOOKUP = 'lore_lookup';
export const TOOL_READ_OMENS = 'read_omens';
export const TOOL_ARCHIVE_COPY = 'request_archive_copy';

/** Words that make the agent request a copy from the archive (an action needing approval). */
const COPY_WORDS = /\b(copy|copies|transcript)\b/i;

/** Ranks lore documents by the content terms they share with the query. */
export class LoreKeywordRetriever extends BaseRetriever {
  lc_namespace = ['lorechat', 'retrievers'];
  static override lc_name(): string {
    return 'LoreKeywordRetriever';
  }
  private readonly indexed: { doc: LoreDocument; terms: Set<string> }[];

  constructor(
    corpus: readonly LoreDocument[],
    private readonly k = 3,
  ) {
    super({});
    this.indexed = corpus.map((doc) => ({
      doc,
      terms: new Set(contentTerms(`${doc.title} ${doc.text}`)),
    }));
  }

  override _getRelevantDocuments(
    query: string,
    _runManager?: CallbackManagerForRetrieverRun,
  ): Promise<Document[]> {
    const terms = contentTerms(query);
    const ranked = this.indexed
      .map(({ doc, terms: docTerms }) => ({
        doc,
        score: terms.filter((t) => docTerms.has(t)).length,
      }))
      .filter((r) => r.score > 0)
      .sort((a, b) => b.score - a.score || a.doc.id.localeCompare(b.doc.id))
      .slice(0, this.k);
    return Promise.resolve(
      ranked.map(
        ({ doc }) =>
          new Document({ id: doc.id, pageContent: doc.text, metadata: { title: doc.title } }),
      ),
    );
  }
}

/** The error `read_omens` throws for a topic the augurs never wrote about. */
export class NoOmenError extends Error {
  override readonly name = 'NoOmenError';
}

export function createLoreTools(retriever: LoreKeywordRetriever) {
  const topicSchema = {
    type: 'object',
    properties: { topic: { type: 'string', description: 'What to look up.' } },
    required: ['topic'],
  } as const;
  const lookup = tool(
    async ({ topic }: { topic: string }) => {
      const docs = await retriever.invoke(topic);
      if (docs.length === 0) return `The archive holds nothing about "${truncate(topic, 60)}".`;
      return docs
        .map((d) => `${String(d.metadata.title)}: ${truncate(d.pageContent, 240)}`)
        .join('\n');
    },
    {
      name: TOOL_LORE_LOOKUP,
      description: 'Searches the lore of the Vale of Orrun for a topic.',
      schema: topicSchema,
    },
  );
  const omens = tool(
    async ({ topic }: { topic: string }) => {
      const docs = await retriever.invoke(topic);
      const first = docs[0];
      if (!first)
        throw new NoOmenError(`the augurs recorded no omens about "${truncate(topic, 60)}"`);
      return `The augurs note that ${String(first.metadata.title)} stirs: expect news before the next moon.`;
    },
    {
      name: TOOL_READ_OMENS,
      description: "Reads the augurs' omens about a topic (fails when they never wrote about it).",
      schema: topicSchema,
    },
  );
  const archiveCopy = tool(
    ({ topic }: { topic: string }) => {
      const decision: unknown = interrupt({
        action: TOOL_ARCHIVE_COPY,
        question: `Send a scribe to copy the archive's records on "${truncate(topic, 60)}"?`,
      });
      return decision === 'approve'
        ? `A scribe is copying the records on "${truncate(topic, 60)}".`
        : 'The copy was not approved.';
    },
    {
      name: TOOL_ARCHIVE_COPY,
      description: 'Asks the archivist (a human) to approve copying records about a topic.',
      schema: topicSchema,
    },
  );
  return [lookup, omens, archiveCopy];
}

/**
 * The offline agent model: on a user message it calls `lore_lookup` and `read_omens` (and
 * `request_archive_copy` when the user asks for a copy); once the tools answered, it writes
 * the answer from their results. Deterministic; reports token usage like a provider.
 */
export class OfflineAgentModel extends BaseChatModel<BaseChatModelCallOptions> {
  static override lc_name(): string {
    return 'OfflineAgentModel';
  }
  readonly model = AGENT_MODEL;

  _llmType(): string {
    return 'lorechat-offline';
  }

  override bindTools(): this {
    return this;
  }

  override getLsParams(options: this['ParsedCallOptions']) {
    return {
      ...super.getLsParams(options),
      ls_provider: 'lorechat-offline',
      ls_model_name: this.model,
    };
  }

  _generate(messages: BaseMessage[]): Promise<ChatResult> {
    const last = messages.at(-1);
    const lastHuman = [...messages].reverse().find((m) => m.getType() === 'human');
    const topic = truncate(lastHuman?.text ?? '', 200);
    const message =
      last?.getType() === 'tool'
        ? new AIMessage({ content: answerFrom(messages) })
        : new AIMessage({
            content: '',
            tool_calls: [
              { id: `call_lookup_${messages.length}`, name: TOOL_LORE_LOOKUP, args: { topic } },
              { id: `call_omens_${messages.length}`, name: TOOL_READ_OMENS, args: { topic } },
              ...(COPY_WORDS.test(topic)
                ? [{ id: `call_copy_${messages.length}`, name: TOOL_ARCHIVE_COPY, args: { topic } }]
                : []),
            ],
          });
    const input = messages.reduce((n, m) => n + estimateTokens(m.text) + 4, 0);
    const output = estimateTokens(message.text) + 8 * (message.tool_calls?.length ?? 0);
    message.usage_metadata = {
      input_tokens: input,
      output_tokens: output,
      total_tokens: input + output,
    };
    message.response_metadata = { model_name: this.model, finish_reason: 'stop' };
    return Promise.resolve({ generations: [{ text: message.text, message }] });
  }
}

/** The answer written from the tool results since the last user message. */
function answerFrom(messages: BaseMessage[]): string {
  const results: string[] = [];
  for (let i = messages.length - 1; i >= 0 && messages[i]?.getType() === 'tool'; i--) {
    const m = messages[i] as ToolMessage;
    results.unshift(m.status === 'error' ? `(${m.name} failed)` : truncate(m.text, 300));
  }
  return results.join('\n');
}

export type LoreAgent = ReturnType<typeof createLoreAgent>;

export function createLoreAgent(corpus: readonly LoreDocument[], checkpointer: MemorySaver) {
  const retriever = new LoreKeywordRetriever(corpus);
  return createReactAgent({
    llm: new OfflineAgentModel({}),
    tools: createLoreTools(retriever),
    checkpointSaver: checkpointer,
    name: AGENT_NAME,
  });
}

/** What one agent turn ended with: an answer, or a question waiting for approval. */
export type AgentTurnResult =
  | { status: 'done'; answer: string; tools: { name: string; status: 'success' | 'error' }[] }
  | {
      status: 'awaiting_approval';
      question: string;
      tools: { name: string; status: 'success' | 'error' }[];
    };

/** A resume on a thread whose agent is not waiting for approval. */
export class NothingToResumeError extends Error {
  override readonly name = 'NothingToResumeError';
  readonly status = 409;
}

/** Whether the agent on `threadId` stopped at an approval and waits to be resumed. */
export async function awaitingApproval(agent: LoreAgent, threadId: string): Promise<boolean> {
  const snapshot = await agent.getState({ configurable: { thread_id: threadId } });
  return snapshot.tasks.some((task) => (task.interrupts?.length ?? 0) > 0);
}

export async function runAgentTurn(
  agent: LoreAgent,
  request: {
    threadId: string;
    message?: string;
    resume?: 'approve' | 'deny';
    signal?: AbortSignal;
  },
): Promise<AgentTurnResult> {
  if (request.resume !== undefined && !(await awaitingApproval(agent, request.threadId))) {
    throw new NothingToResumeError(
      `thread ${request.threadId} has no agent turn awaiting approval`,
    );
  }
  const input =
    request.resume !== undefined
      ? new Command({ resume: request.resume })
      : { messages: [{ role: 'user', content: request.message ?? '' }] };
  const state = (await agent.invoke(input, {
    configurable: { thread_id: request.threadId },
    ...(request.signal ? { signal: request.signal } : {}),
  })) as { messages: BaseMessage[]; __interrupt__?: { value?: { question?: unknown } }[] };
  const since = lastTurnMessages(state.messages);
  const tools = since
    .filter((m): m is ToolMessage => m.getType() === 'tool')
    .map((m) => ({
      name: m.name ?? 'tool',
      status: m.status === 'error' ? ('error' as const) : ('success' as const),
    }));
  const pending = state.__interrupt__?.[0]?.value?.question;
  if (typeof pending === 'string') return { status: 'awaiting_approval', question: pending, tools };
  return { status: 'done', answer: state.messages.at(-1)?.text ?? '', tools };
}

function lastTurnMessages(messages: BaseMessage[]): BaseMessage[] {
  let i = messages.length - 1;
  while (i >= 0 && messages[i]?.getType() !== 'human') i--;
  return messages.slice(i + 1);
}
