/**
 * Error description that never throws and never grows unbounded, whatever was thrown
 * (Error subclasses, strings, null, plain objects, objects with throwing getters).
 */

const MAX_ERROR_TYPE_LENGTH = 64;
const MAX_ERROR_MESSAGE_LENGTH = 512;

/** The semantic-conventions fallback for errors without a usable type. */
export const ERROR_TYPE_OTHER = '_OTHER';

function readString(obj: object, key: string): string | undefined {
  try {
    const value: unknown = (obj as Record<string, unknown>)[key];
    return typeof value === 'string' && value.length > 0 ? value : undefined;
  } catch {
    return undefined;
  }
}

/** A low-cardinality `error.type`: the error class name, or `_OTHER`. */
export function errorType(err: unknown): string {
  if (err !== null && typeof err === 'object') {
    const name = readString(err, 'name') ?? constructorName(err);
    if (name && name !== 'Object') return name.slice(0, MAX_ERROR_TYPE_LENGTH);
  }
  return ERROR_TYPE_OTHER;
}

function constructorName(obj: object): string | undefined {
  try {
    const ctor: unknown = (obj as { constructor?: unknown }).constructor;
    return typeof ctor === 'function' && ctor.name ? ctor.name : undefined;
  } catch {
    return undefined;
  }
}

/** A bounded, human-readable message for any thrown value. */
export function errorMessage(err: unknown): string {
  let text: string;
  if (typeof err === 'string') text = err;
  else if (err !== null && typeof err === 'object') {
    text = readString(err, 'message') ?? safeToString(err);
  } else text = String(err);
  return text.length > MAX_ERROR_MESSAGE_LENGTH
    ? `${text.slice(0, MAX_ERROR_MESSAGE_LENGTH)}…`
    : text;
}

function safeToString(value: object): string {
  try {
    return JSON.stringify(value) ?? '[unprintable error]';
  } catch {
    return '[unprintable error]';
  }
}

/**
 * LangGraph control flow (interrupts, `Command` bubbling to a parent graph) is thrown but
 * is not a failure: such errors carry `is_bubble_up = true`.
 */
export function isGraphControlFlow(err: unknown): boolean {
  if (err === null || typeof err !== 'object') return false;
  try {
    return (err as { is_bubble_up?: unknown }).is_bubble_up === true;
  } catch {
    return false;
  }
}
