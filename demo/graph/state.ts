import type { BaseMessage } from '@langchain/core/messages';
import { Annotation, messagesStateReducer } from '@langchain/langgraph';
import type { PersonaId } from '../personas.js';

export type QueryComplexity = 'simple' | 'moderate' | 'complex';

export interface RetrievedDoc {
  id: string;
  title: string;
  excerpt: string;
}

export interface Source {
  id: string;
  title: string;
}

export type SubqueryStatus = 'pending' | 'answered' | 'unanswered';

export interface Subquery {
  id: string;
  /** The subquery as planned by `decompose`. */
  text: string;
  /** The query used for the last retrieval (differs from `text` after refinements). */
  searchQuery: string;
  status: SubqueryStatus;
  retrievedDocs: RetrievedDoc[];
  refinementCount: number;
  result: string;
  sources: Source[];
}

/** `replace` starts a turn's subqueries afresh; `upsert` merges results of parallel branches by id. */
export type SubqueryUpdate =
  { op: 'replace'; items: Subquery[] } | { op: 'upsert'; items: Subquery[] };

export function applySubqueryUpdate(current: Subquery[], update: SubqueryUpdate): Subquery[] {
  if (update.op === 'replace') return [...update.items];
  const next = [...current];
  for (const item of update.items) {
    const at = next.findIndex((s) => s.id === item.id);
    if (at === -1) next.push(item);
    else next[at] = item;
  }
  return next;
}

export const LoreChatState = Annotation.Root({
  messages: Annotation<BaseMessage[], BaseMessage[]>({
    reducer: messagesStateReducer,
    default: () => [],
  }),
  originalQuery: Annotation<string>(),
  queryComplexity: Annotation<QueryComplexity>(),
  subqueries: Annotation<Subquery[], SubqueryUpdate>({
    reducer: applySubqueryUpdate,
    default: () => [],
  }),
  combinedAnswer: Annotation<string>(),
  threadId: Annotation<string>(),
  persona: Annotation<PersonaId>(),
});

export type LoreChatStateType = typeof LoreChatState.State;
export type LoreChatUpdate = typeof LoreChatState.Update;

/** What `decompose` sends to each parallel `process` branch. */
export interface ProcessInput {
  subquery: Subquery;
  originalQuery: string;
  threadId: string;
}
