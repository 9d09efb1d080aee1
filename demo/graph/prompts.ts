import { HumanMessage, SystemMessage, type BaseMessage } from '@langchain/core/messages';
import { PERSONAS, type PersonaId } from '../personas.js';
import { taskLine } from '../llm/roles.js';

/** A document as the prompts show it to the model. */
export interface PromptDocument {
  title: string;
  text: string;
}

/**
 * Prompt layout. Every prompt is plain instructions a real model can follow; the labelled
 * sections (`Question:`, `Documents:`, ...) are also what the offline model parses.
 */
export function decomposePrompt(question: string, history: readonly string[]): BaseMessage[] {
  const context = history.length > 0 ? `Conversation so far:\n${history.join('\n')}\n\n` : '';
  return [
    new SystemMessage(
      `${taskLine('decompose')}\n` +
        "You plan LoreChat's research in an archive of fantasy-world lore. Split the user's " +
        'question into 1 to 5 self-contained subqueries, each answerable from the archive on its ' +
        'own (resolve pronouns using the conversation). Rate the question as "simple", ' +
        '"moderate" or "complex". Reply with JSON only: ' +
        '{"complexity": "simple", "subqueries": ["..."]}',
    ),
    new HumanMessage(`${context}Question: ${question}`),
  ];
}

export function evaluatePrompt(query: string, documents: readonly PromptDocument[]): BaseMessage[] {
  return [
    new SystemMessage(
      `${taskLine('evaluate')}\n` +
        'You judge whether retrieved archive documents can answer a query. Reply with JSON only: ' +
        '{"relevant": true, "score": 0.8, "refined_query": "..."} where score is between 0 and 1 ' +
        'and refined_query (only when not relevant) is a better search query for the archive.',
    ),
    new HumanMessage(`Query: ${query}\n\n${formatDocuments(documents)}`),
  ];
}

export function answerPrompt(
  question: string,
  documents: readonly PromptDocument[],
  relevant: boolean,
): BaseMessage[] {
  const caution = relevant
    ? ''
    : '\n\nNote: the documents may not answer the question; say so rather than guess.';
  return [
    new SystemMessage(
      `${taskLine('answer')}\n` +
        'Answer the question in two or three sentences using only the documents. ' +
        'Do not invent names, dates or places.',
    ),
    new HumanMessage(`Question: ${question}\n\n${formatDocuments(documents)}${caution}`),
  ];
}

export function combinePrompt(
  question: string,
  parts: readonly { subquery: string; answer: string }[],
): BaseMessage[] {
  const body = parts
    .map((p) => `- Subquery: ${p.subquery}\n  Answer: ${p.answer.replace(/\s*\n\s*/g, ' ')}`)
    .join('\n');
  return [
    new SystemMessage(
      `${taskLine('combine')}\n` +
        'Merge the partial answers into one coherent answer to the question. Keep every fact, ' +
        'drop repetition, add nothing new.',
    ),
    new HumanMessage(`Question: ${question}\n\nPartial answers:\n${body}`),
  ];
}

export function respondPrompt(
  question: string,
  answer: string,
  persona: PersonaId,
  history: readonly string[],
): BaseMessage[] {
  const context = history.length > 0 ? `Conversation so far:\n${history.join('\n')}\n\n` : '';
  return [
    new SystemMessage(
      `${taskLine('respond')}\nPersona: ${persona}\n${PERSONAS[persona].instructions}\n` +
        'Write the final reply to the user in this voice. Convey the answer faithfully.',
    ),
    new HumanMessage(`${context}Question: ${question}\n\nAnswer to convey:\n${answer}`),
  ];
}

function formatDocuments(documents: readonly PromptDocument[]): string {
  if (documents.length === 0) return 'Documents:\n(none)';
  return `Documents:\n${documents.map((d, i) => `[${i + 1}] ${d.title}: ${d.text.replace(/\s*\n\s*/g, ' ')}`).join('\n')}`;
}
