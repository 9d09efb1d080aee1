import { contentTerms, pick, sentences, words } from '../text.js';
import type { LlmRole } from './roles.js';

/**
 * The offline model's "mind": pure functions from a prompt to a reply, seeded so the same
 * prompt always gives the same text. They parse the labelled sections of the prompts in
 * graph/prompts.ts and write from the question and the retrieved lore.
 */
export function writeOfflineReply(
  role: LlmRole | undefined,
  system: string,
  user: string,
  random: () => number,
): string {
  switch (role) {
    case 'decompose':
      return writeDecomposition(section(user, 'Question') ?? user);
    case 'evaluate':
      return writeEvaluation(section(user, 'Query') ?? '', parseDocuments(user));
    case 'answer':
      return writeAnswer(section(user, 'Question') ?? user, parseDocuments(user), random);
    case 'combine':
      return writeCombination(parsePartialAnswers(user), random);
    case 'respond':
      return writeResponse(
        (/^Persona: (\S+)/m.exec(system)?.[1] ?? '').trim(),
        block(user, 'Answer to convey') ?? user,
        random,
      );
    default:
      return `LoreChat's offline model heard: "${user.trim().slice(0, 200)}". Ask about the lore of the Vale.`;
  }
}

export interface Decomposition {
  complexity: 'simple' | 'moderate' | 'complex';
  subqueries: string[];
}

export function decomposeQuestion(question: string): Decomposition {
  const parts = question
    .split(
      /(?<=\?)\s+|;\s*|\s*,?\s+(?:and|also|as well as|then)\s+(?=(?:what|who|whom|where|when|why|how|which|is|are|was|were|did|does|do|tell|describe|explain)\b)/i,
    )
    .map((p) =>
      p
        .trim()
        .replace(/^(?:and|also)\s+/i, '')
        .replace(/[.!]+$/, ''),
    )
    .filter((p) => contentTerms(p).length > 0);
  const unique: string[] = [];
  for (const p of parts) {
    const q = /\?$/.test(p) ? p : `${p}?`;
    const text = q.charAt(0).toUpperCase() + q.slice(1);
    if (!unique.some((u) => u.toLowerCase() === text.toLowerCase())) unique.push(text);
  }
  const subqueries = (unique.length > 0 ? unique : [question.trim()]).slice(0, 5);
  const complexity =
    subqueries.length === 1 ? 'simple' : subqueries.length <= 3 ? 'moderate' : 'complex';
  return { complexity, subqueries };
}

function writeDecomposition(question: string): string {
  return JSON.stringify(decomposeQuestion(question));
}

export interface Evaluation {
  relevant: boolean;
  score: number;
  refined_query?: string;
}

/** Coverage of the query's content terms by the best document decides relevance. */
export function evaluateDocuments(query: string, documents: readonly ParsedDocument[]): Evaluation {
  const terms = contentTerms(query);
  let best: ParsedDocument | undefined;
  let bestCoverage = 0;
  let bestMatched: string[] = [];
  for (const doc of documents) {
    const docTerms = new Set(contentTerms(`${doc.title} ${doc.text}`));
    const matched = terms.filter((t) => docTerms.has(t));
    const coverage = terms.length === 0 ? 0 : matched.length / terms.length;
    if (coverage > bestCoverage) {
      best = doc;
      bestCoverage = coverage;
      bestMatched = matched;
    }
  }
  const score = Math.round(bestCoverage * 100) / 100;
  if (score >= 0.5) return { relevant: true, score };
  // Nothing matched: narrow the query to its content words (it stays unanswerable, which is
  // the honest outcome). Partly matched: steer the search toward the best document's subject.
  const matchedWords = words(query).filter((w) => bestMatched.some((t) => w.startsWith(t)));
  const refined =
    best === undefined || bestMatched.length === 0
      ? words(query)
          .filter((w) => contentTerms(w).length > 0)
          .join(' ')
      : `${[...new Set(matchedWords)].join(' ')} ${best.title}`.trim();
  return { relevant: false, score, refined_query: refined || query };
}

function writeEvaluation(query: string, documents: readonly ParsedDocument[]): string {
  return JSON.stringify(evaluateDocuments(query, documents));
}

function writeAnswer(
  question: string,
  documents: readonly ParsedDocument[],
  random: () => number,
): string {
  const terms = new Set(contentTerms(question));
  const scored: { sentence: string; doc: number; score: number; order: number }[] = [];
  documents.forEach((doc, d) => {
    sentences(doc.text).forEach((sentence, s) => {
      // A sentence "knows" its document's title: "the city" in the Emberfall entry is Emberfall.
      const titleTerms = contentTerms(doc.title);
      const known = new Set([...contentTerms(sentence), ...titleTerms]);
      // Ties go to the document the question is about (its title matches).
      const titleBonus = titleTerms.some((t) => terms.has(t)) ? 0.5 : 0;
      const score = [...terms].filter((t) => known.has(t)).length + titleBonus;
      if (contentTerms(sentence).every((t) => !terms.has(t))) return;
      if (score > 0) scored.push({ sentence, doc: d, score, order: d * 100 + s });
    });
  });
  scored.sort((a, b) => b.score - a.score || a.order - b.order);
  const chosen: typeof scored = [];
  for (const candidate of scored) {
    if (chosen.length >= 2) break;
    // Prefer a second sentence from another document, unless it scores clearly better.
    if (
      chosen.length === 1 &&
      chosen[0]?.doc === candidate.doc &&
      scored.some((s) => s.doc !== candidate.doc && s.score >= candidate.score - 1)
    )
      continue;
    chosen.push(candidate);
  }
  if (chosen.length === 0) {
    return `The archive holds no record that answers "${question.replace(/\?$/, '')}".`;
  }
  const lead = pick(['', '', 'According to the archive, ', 'The records show that '], random);
  const body = chosen
    .sort((a, b) => a.order - b.order)
    .map((c) => c.sentence)
    .join(' ');
  return lead === '' ? body : `${lead}${lowerFirst(body)}`;
}

function writeCombination(parts: readonly string[], random: () => number): string {
  if (parts.length === 0) return 'The archive gave no answers to combine.';
  const connectors = ['Moreover,', 'Beyond that,', 'As for the rest,', 'Also,'];
  return parts
    .map((p, i) => (i === 0 ? p : `${pick(connectors, random)} ${lowerFirst(p)}`))
    .join(' ');
}

const VOICES: Record<string, { open: readonly string[]; close: readonly string[] }> = {
  scribe: {
    open: [
      'As recorded in the Archive:',
      'The chronicles set it down thus:',
      "From the Scribe's ledger:",
    ],
    close: ['So it is written.', 'Thus the record stands.', 'The ink is dry on this account.'],
  },
  devils_advocate: {
    open: [
      'Here is what the chronicles claim:',
      'The accepted account goes like this:',
      'The official story:',
    ],
    close: [
      'But ask yourself who wrote those chronicles, and why.',
      'Then again, the surviving accounts are few, and the victors kept them.',
      'A rival scribe might tell it rather differently.',
    ],
  },
  adventurer: {
    open: [
      'Pull up a log by the fire, friend.',
      "Now here's a tale worth the walk.",
      'Listen close, traveller.',
    ],
    close: [
      'Pack light and keep your blade dry.',
      "That's the road as I know it.",
      'May your lantern never gutter.',
    ],
  },
};

function writeResponse(persona: string, answer: string, random: () => number): string {
  const voice = VOICES[persona];
  const text = answer.trim();
  if (!voice) return text;
  return `${pick(voice.open, random)} ${text} ${pick(voice.close, random)}`;
}

const SENTENCE_STARTERS = new Set(
  'a an the it its he she his her they their this that these those every each some one'.split(' '),
);

/** Lower-cases the first letter only for common words, never for names ("Tamsin Reed"). */
function lowerFirst(text: string): string {
  const first = /^[A-Za-z]+/.exec(text)?.[0] ?? '';
  return SENTENCE_STARTERS.has(first.toLowerCase())
    ? `${text.charAt(0).toLowerCase()}${text.slice(1)}`
    : text;
}

export interface ParsedDocument {
  title: string;
  text: string;
}

export function parseDocuments(user: string): ParsedDocument[] {
  const docs = block(user, 'Documents');
  if (docs === undefined) return [];
  const out: ParsedDocument[] = [];
  for (const line of docs.split('\n')) {
    const m = /^\[\d+\] ([^:]+): (.*)$/.exec(line.trim());
    if (m?.[1] !== undefined && m[2] !== undefined)
      out.push({ title: m[1].trim(), text: m[2].trim() });
  }
  return out;
}

function parsePartialAnswers(user: string): string[] {
  return [...user.matchAll(/^\s*Answer: (.*)$/gm)].map((m) => (m[1] ?? '').trim()).filter(Boolean);
}

/** The rest of the line after `Label: `. */
function section(text: string, label: string): string | undefined {
  return new RegExp(`^${label}: (.*)$`, 'm').exec(text)?.[1]?.trim();
}

/** The lines after a `Label:` line, up to the next blank line. */
function block(text: string, label: string): string | undefined {
  const m = new RegExp(`^${label}:\\n([\\s\\S]*?)(?:\\n\\n|$)`, 'm').exec(text);
  return m?.[1];
}
