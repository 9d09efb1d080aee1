import type { DocumentInterface } from '@langchain/core/documents';
import { AIMessage, type BaseMessage } from '@langchain/core/messages';
import type { VectorStore } from '@langchain/core/vectorstores';
import { Send, type LangGraphRunnableConfig } from '@langchain/langgraph';
import type { ChatModels } from '../llm/providers.js';
import { truncate } from '../text.js';
import {
  answerPrompt,
  combinePrompt,
  decomposePrompt,
  evaluatePrompt,
  respondPrompt,
} from './prompts.js';
import type {
  LoreChatStateType,
  LoreChatUpdate,
  ProcessInput,
  QueryComplexity,
  Source,
  Subquery,
} from './state.js';

export const NODE_DECOMPOSE = 'decompose';
export const NODE_PROCESS = 'process';
export const NODE_COMBINE = 'combine';
export const NODE_RESPOND = 'respond';

export const MAX_SUBQUERIES = 5;
const HISTORY_MESSAGES = 6;

export interface NodeDeps {
  models: ChatModels;
  store: VectorStore;
  retrievalK: number;
  maxRefinements: number;
}

/** The four steps of a turn, as plain async functions over the state. */
export function createNodes(deps: NodeDeps) {
  const { models, store, retrievalK, maxRefinements } = deps;

  async function decompose(
    state: LoreChatStateType,
    config: LangGraphRunnableConfig,
  ): Promise<LoreChatUpdate> {
    const question = state.originalQuery;
    const reply = await models.decompose.invoke(
      decomposePrompt(question, history(state.messages)),
      config,
    );
    const plan = parsePlan(reply.text, question);
    return {
      queryComplexity: plan.complexity,
      combinedAnswer: '',
      subqueries: {
        op: 'replace',
        items: plan.subqueries.map((text, i) => ({
          id: `sq-${i + 1}`,
          text,
          searchQuery: text,
          status: 'pending',
          retrievedDocs: [],
          refinementCount: 0,
          result: '',
          sources: [],
        })),
      },
    };
  }

  /** Fans out one `process` branch per subquery; LangGraph runs them in parallel. */
  function fanOut(state: LoreChatStateType): Send[] {
    return state.subqueries.map(
      (subquery) =>
        new Send(NODE_PROCESS, {
          subquery,
          originalQuery: state.originalQuery,
          threadId: state.threadId,
        } satisfies ProcessInput),
    );
  }

  async function processSubquery(
    input: ProcessInput,
    config: LangGraphRunnableConfig,
  ): Promise<LoreChatUpdate> {
    const retriever = store.asRetriever({ k: retrievalK });
    let searchQuery = input.subquery.text;
    let refinementCount = 0;
    let docs = await retriever.invoke(searchQuery, config);
    let relevant: boolean;
    for (;;) {
      const verdictReply = await models.evaluate.invoke(
        evaluatePrompt(searchQuery, docs.map(promptDoc)),
        config,
      );
      const verdict = parseVerdict(verdictReply.text);
      relevant = verdict.relevant;
      if (relevant || refinementCount >= maxRefinements) break;
      const refined = verdict.refinedQuery?.trim();
      if (!refined || refined.toLowerCase() === searchQuery.toLowerCase()) break;
      searchQuery = refined;
      refinementCount += 1;
      docs = await retriever.invoke(searchQuery, config);
    }
    const answer = await models.answer.invoke(
      answerPrompt(input.subquery.text, docs.map(promptDoc), relevant),
      config,
    );
    const subquery: Subquery = {
      ...input.subquery,
      searchQuery,
      status: relevant ? 'answered' : 'unanswered',
      retrievedDocs: docs.map((d) => ({
        id: docId(d),
        title: docTitle(d),
        excerpt: truncate(d.pageContent, 200),
      })),
      refinementCount,
      result: answer.text.trim(),
      sources: relevant ? docs.map((d) => ({ id: docId(d), title: docTitle(d) })) : [],
    };
    return { subqueries: { op: 'upsert', items: [subquery] } };
  }

  async function combine(
    state: LoreChatStateType,
    config: LangGraphRunnableConfig,
  ): Promise<LoreChatUpdate> {
    const parts = state.subqueries;
    if (parts.length === 1 && parts[0]) return { combinedAnswer: parts[0].result };
    const reply = await models.combine.invoke(
      combinePrompt(
        state.originalQuery,
        parts.map((p) => ({ subquery: p.text, answer: p.result })),
      ),
      config,
    );
    return { combinedAnswer: reply.text.trim() };
  }

  /** Streams the persona's reply; if the model fails, the combined answer is the reply. */
  async function respond(
    state: LoreChatStateType,
    config: LangGraphRunnableConfig,
  ): Promise<LoreChatUpdate> {
    let text = '';
    try {
      const stream = await models.respond.stream(
        respondPrompt(
          state.originalQuery,
          state.combinedAnswer,
          state.persona,
          history(state.messages),
        ),
        config,
      );
      for await (const chunk of stream) text += chunk.text;
    } catch {
      text = '';
    }
    const reply = text.trim() || state.combinedAnswer;
    return { messages: [new AIMessage({ content: reply, name: 'lorechat' })] };
  }

  return { decompose, fanOut, processSubquery, combine, respond };
}

/** The sources of a turn: unique documents of the answered subqueries, in order. */
export function turnSources(subqueries: readonly Subquery[]): Source[] {
  const seen = new Map<string, Source>();
  for (const sq of subqueries) for (const s of sq.sources) if (!seen.has(s.id)) seen.set(s.id, s);
  return [...seen.values()];
}

function history(messages: readonly BaseMessage[]): string[] {
  // The last message is the current question; earlier ones are context.
  return messages
    .slice(0, -1)
    .slice(-HISTORY_MESSAGES)
    .map((m) => `${m.getType() === 'human' ? 'User' : 'LoreChat'}: ${truncate(m.text, 300)}`);
}

function promptDoc(d: DocumentInterface) {
  return { title: docTitle(d), text: d.pageContent };
}

function docId(d: DocumentInterface): string {
  return d.id ?? String(d.metadata.id ?? 'unknown');
}

function docTitle(d: DocumentInterface): string {
  const title: unknown = d.metadata.title;
  return typeof title === 'string' && title ? title : docId(d);
}

/** Extracts the first JSON object of a model reply (models like to wrap JSON in prose or fences). */
export function extractJson(text: string): unknown {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start === -1 || end <= start) return undefined;
  try {
    return JSON.parse(text.slice(start, end + 1)) as unknown;
  } catch {
    return undefined;
  }
}

export function parsePlan(
  text: string,
  question: string,
): { complexity: QueryComplexity; subqueries: string[] } {
  const json = extractJson(text) as { complexity?: unknown; subqueries?: unknown } | undefined;
  const list = Array.isArray(json?.subqueries)
    ? json.subqueries
        .filter((s): s is string => typeof s === 'string' && s.trim() !== '')
        .map((s) => s.trim())
    : [];
  const subqueries = (list.length > 0 ? list : [question]).slice(0, MAX_SUBQUERIES);
  const c = json?.complexity;
  const complexity: QueryComplexity =
    c === 'simple' || c === 'moderate' || c === 'complex'
      ? c
      : subqueries.length === 1
        ? 'simple'
        : 'moderate';
  return { complexity, subqueries };
}

export function parseVerdict(text: string): { relevant: boolean; refinedQuery?: string } {
  const json = extractJson(text) as { relevant?: unknown; refined_query?: unknown } | undefined;
  // An unreadable verdict counts as relevant: better an answer than a refinement loop on noise.
  if (json === undefined || typeof json.relevant !== 'boolean') return { relevant: true };
  const refined = typeof json.refined_query === 'string' ? json.refined_query : undefined;
  return refined === undefined
    ? { relevant: json.relevant }
    : { relevant: json.relevant, refinedQuery: refined };
}
