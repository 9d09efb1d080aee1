import type { LoreDocument } from '../vectorstore/corpus/lore.js';
import { isPersonaId, PERSONA_IDS, DEFAULT_PERSONA, type PersonaId } from '../personas.js';
import {
  parseControlHeaders,
  parseControlOptions,
  RequestControlError,
  type RequestControl,
} from '../llm/request-control.js';

/** Longest accepted chat message, in characters. */
export const MAX_MESSAGE_CHARS = 4000;
export const MAX_THREAD_ID_CHARS = 128;
export const MAX_DOCUMENTS_PER_REQUEST = 100;
export const MAX_DOCUMENT_TEXT_CHARS = 20_000;
export const MAX_TITLE_CHARS = 200;
const ID_PATTERN = /^[A-Za-z0-9._:-]+$/;

/** A client error: becomes a 4xx response with `{ error: code, message }`. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export interface ValidChatRequest {
  threadId: string;
  message: string;
  persona: PersonaId;
  control: RequestControl;
}

export function validateChatBody(
  body: unknown,
  headers: Record<string, string | string[] | undefined>,
): ValidChatRequest {
  const record = asObject(body);
  const threadId = validateId(record.thread_id, 'thread_id', 'missing_thread_id');
  const message = record.message;
  if (typeof message !== 'string' || message.trim() === '') {
    throw new HttpError(400, 'empty_message', '"message" must be a non-empty string');
  }
  if (message.length > MAX_MESSAGE_CHARS) {
    throw new HttpError(
      400,
      'message_too_long',
      `"message" has ${message.length} characters; the limit is ${MAX_MESSAGE_CHARS}`,
    );
  }
  let persona: PersonaId = DEFAULT_PERSONA;
  if (record.persona !== undefined && record.persona !== null) {
    if (!isPersonaId(record.persona)) {
      throw new HttpError(
        400,
        'unknown_persona',
        `unknown persona ${JSON.stringify(record.persona)}; use one of ${PERSONA_IDS.join(', ')}`,
      );
    }
    persona = record.persona;
  }
  let control: RequestControl;
  try {
    control = { ...parseControlHeaders(headers), ...parseControlOptions(record.options) };
  } catch (error) {
    if (error instanceof RequestControlError)
      throw new HttpError(400, 'invalid_options', error.message);
    throw error;
  }
  return { threadId, message: message.trim(), persona, control };
}

export interface ValidAgentResume {
  threadId: string;
  decision: 'approve' | 'deny';
}

/** `POST /agent/resume`: `{ thread_id, decision: "approve" | "deny" }`. */
export function validateAgentResumeBody(body: unknown): ValidAgentResume {
  const record = asObject(body);
  const threadId = validateId(record.thread_id, 'thread_id', 'missing_thread_id');
  const decision = record.decision;
  if (decision !== 'approve' && decision !== 'deny') {
    throw new HttpError(400, 'invalid_decision', '"decision" must be "approve" or "deny"');
  }
  return { threadId, decision };
}

export function validateDocumentsBody(body: unknown): LoreDocument[] {
  const record = asObject(body);
  const docs = record.documents;
  if (!Array.isArray(docs) || docs.length === 0) {
    throw new HttpError(400, 'invalid_documents', '"documents" must be a non-empty array');
  }
  if (docs.length > MAX_DOCUMENTS_PER_REQUEST) {
    throw new HttpError(
      400,
      'too_many_documents',
      `at most ${MAX_DOCUMENTS_PER_REQUEST} documents per request, got ${docs.length}`,
    );
  }
  return docs.map((raw, i) => {
    const where = `documents[${i}]`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw new HttpError(400, 'invalid_documents', `${where} must be an object`);
    }
    const d = raw as Record<string, unknown>;
    const out: LoreDocument = {
      id: d.id === undefined ? randomId() : validateId(d.id, `${where}.id`, 'invalid_documents'),
      title: text(d.title, `${where}.title`, MAX_TITLE_CHARS),
      text: text(d.text, `${where}.text`, MAX_DOCUMENT_TEXT_CHARS),
    };
    if (d.metadata !== undefined) out.metadata = metadata(d.metadata, `${where}.metadata`);
    return out;
  });
}

function asObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, 'invalid_body', 'the request body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

function validateId(value: unknown, field: string, code: string): string {
  if (value === undefined || value === null || value === '') {
    throw new HttpError(400, code, `"${field}" is required`);
  }
  if (typeof value !== 'string' || value.length > MAX_THREAD_ID_CHARS || !ID_PATTERN.test(value)) {
    throw new HttpError(
      400,
      code,
      `"${field}" must be 1-${MAX_THREAD_ID_CHARS} characters of letters, digits, '.', '_', ':' or '-'`,
    );
  }
  return value;
}

function text(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new HttpError(400, 'invalid_documents', `"${field}" must be a non-empty string`);
  }
  if (value.length > max) {
    throw new HttpError(400, 'invalid_documents', `"${field}" is longer than ${max} characters`);
  }
  return value.trim();
}

function metadata(value: unknown, field: string): Record<string, string | number | boolean> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HttpError(400, 'invalid_documents', `"${field}" must be an object`);
  }
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
      throw new HttpError(
        400,
        'invalid_documents',
        `"${field}.${k}" must be a string, number or boolean`,
      );
    }
    out[k] = v;
  }
  return out;
}

function randomId(): string {
  return `doc-${globalThis.crypto.randomUUID()}`;
}
