/**
 * Pure helpers of the LangGraph instrumentation: reading the chat turn's inputs and
 * outputs from graph state without depending on a particular state schema.
 */

const QUERY_KEYS = ['query', 'question', 'input', 'message', 'prompt', 'text'] as const;
const ANSWER_KEYS = [
  'answer',
  'response',
  'output',
  'result',
  'final_answer',
  'finalAnswer',
] as const;
const MAX_STATE_KEYS = 64;

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Text of a LangChain message, a `{role, content}` object or a string. */
export function messageText(message: unknown): string | undefined {
  if (typeof message === 'string') return message;
  if (!isRecord(message)) return undefined;
  const content = message.content;
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    const parts = content
      .map((p: unknown) =>
        typeof p === 'string' ? p : isRecord(p) && typeof p.text === 'string' ? p.text : '',
      )
      .filter((p) => p.length > 0);
    return parts.length > 0 ? parts.join('\n') : undefined;
  }
  return undefined;
}

/** `human`/`user` for LangChain messages (class or plain), `undefined` otherwise. */
export function messageRole(message: unknown): string | undefined {
  if (!isRecord(message)) return undefined;
  try {
    const getType = message._getType ?? message.getType;
    if (typeof getType === 'function') {
      const t: unknown = getType.call(message);
      if (typeof t === 'string') return t;
    }
  } catch {
    // fall through to plain fields
  }
  if (typeof message.type === 'string') return message.type;
  if (typeof message.role === 'string') return message.role;
  return undefined;
}

/**
 * The user's query of a turn: the input itself when it is a string; the last human/user
 * message of `messages`; else the first string among `query`, `question`, `input`,
 * `message`, `prompt`, `text`.
 */
export function extractQuery(input: unknown): string | undefined {
  if (typeof input === 'string') return input;
  if (!isRecord(input)) return undefined;
  const messages = input.messages;
  if (Array.isArray(messages) && messages.length > 0) {
    for (let i = messages.length - 1; i >= 0; i--) {
      const m: unknown = messages[i];
      const role = messageRole(m);
      if (typeof m === 'string' || role === 'human' || role === 'user') return messageText(m);
    }
  }
  for (const key of QUERY_KEYS) {
    const v = input[key];
    if (typeof v === 'string') return v;
    const text = messageText(v);
    if (text !== undefined) return text;
  }
  return undefined;
}

/**
 * The answer of a turn from the final state: the first string among `answer`, `response`,
 * `output`, `result`, `final_answer`; else the last AI message of `messages`.
 */
export function extractAnswer(state: unknown): string | undefined {
  if (typeof state === 'string') return state;
  if (!isRecord(state)) return undefined;
  for (const key of ANSWER_KEYS) {
    const v = state[key];
    if (typeof v === 'string') return v;
    const text = isRecord(v) ? messageText(v) : undefined;
    if (text !== undefined) return text;
  }
  const messages = state.messages;
  if (Array.isArray(messages) && messages.length > 0) {
    const last: unknown = messages[messages.length - 1];
    const role = messageRole(last);
    if (role === 'ai' || role === 'assistant' || role === 'AIMessageChunk')
      return messageText(last);
  }
  return undefined;
}

/**
 * The state keys a node's return value writes: a plain object's keys, a `Command`'s
 * `update` keys, or those of an array of updates. Bounded to 64 names; values never read.
 */
export function updatedKeys(update: unknown): string[] {
  const keys = new Set<string>();
  const visit = (u: unknown, depth: number): void => {
    if (depth > 2 || keys.size >= MAX_STATE_KEYS) return;
    if (Array.isArray(u)) {
      for (const item of u.slice(0, MAX_STATE_KEYS)) visit(item, depth + 1);
      return;
    }
    if (!isRecord(u)) return;
    if (u.lg_name === 'Command') {
      visit(u.update, depth + 1);
      return;
    }
    for (const k of Object.keys(u)) {
      if (keys.size >= MAX_STATE_KEYS) break;
      keys.add(k);
    }
  };
  visit(update, 0);
  return [...keys];
}

/** Picks the written values of `keys` from a node's return value (content capture only). */
export function updatedValues(update: unknown, keys: readonly string[]): Record<string, unknown> {
  const source = isRecord(update) && update.lg_name === 'Command' ? update.update : update;
  if (!isRecord(source)) return { update: source };
  const out: Record<string, unknown> = {};
  for (const k of keys) if (k in source) out[k] = source[k];
  return out;
}

/** `configurable.thread_id` as a string, when present. */
/** Longest thread id exported; longer ids are cut (they are opaque keys, not text). */
export const MAX_THREAD_ID_LENGTH = 256;

export function threadIdOf(
  config: { configurable?: Record<string, unknown> } | undefined,
): string | undefined {
  const id = config?.configurable?.thread_id;
  if (typeof id === 'string' && id.length > 0) return id.slice(0, MAX_THREAD_ID_LENGTH);
  if (typeof id === 'number' || typeof id === 'bigint') return String(id);
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object';
}

/**
 * Whether a streamed chunk reports that the run stopped at an `interrupt()`: LangGraph puts
 * the pending interrupts under `__interrupt__` in `values` and `updates` chunks (and in the
 * `[mode, chunk]` tuples of multi-mode streams).
 */
export function isInterruptChunk(chunk: unknown): boolean {
  try {
    if (Array.isArray(chunk))
      return chunk.some((part) => isObject(part) && '__interrupt__' in part);
    return isObject(chunk) && '__interrupt__' in chunk;
  } catch {
    return false;
  }
}

/** A `Command({ resume })` input: the run resumes an interrupted one. */
export function isResumeCommand(input: unknown): boolean {
  try {
    return (
      isObject(input) &&
      (input.lg_name === 'Command' || input.constructor?.name === 'Command') &&
      input.resume !== undefined
    );
  } catch {
    return false;
  }
}
