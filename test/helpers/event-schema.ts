/**
 * Checks an emitted event (a log record's name, attributes and body) against its catalogue
 * definition: every attribute is an EventContext attribute or one of the event's fields,
 * the body holds `event`, `context` and only the event's body fields, and the fields the
 * catalogue puts in every body (`null` when unknown) are all there.
 */
import { EVENT_CONTEXT_ATTRIBUTES, EVENTS } from '../../src/catalogue/index.js';

const CONTEXT_ATTRIBUTES = new Set<string>(Object.values(EVENT_CONTEXT_ATTRIBUTES));
const CONTEXT_KEYS = [
  'thread_id',
  'request_id',
  'timestamp',
  'component',
  'action',
  'duration_ms',
  'memory_usage',
  'error',
];

/** Problems found (empty when the record matches the catalogue). */
export function eventSchemaProblems(
  name: string | undefined,
  attributes: Record<string, unknown>,
  body: unknown,
): string[] {
  const def = EVENTS.find((e) => e.name === name);
  if (!def) return [`event ${String(name)} is not in the catalogue`];
  const problems: string[] = [];
  const fields = def.fields as readonly { key: string; attribute?: string; body?: string }[];
  const allowedAttributes = new Set([
    ...CONTEXT_ATTRIBUTES,
    ...fields.flatMap((f) => (f.attribute ? [f.attribute] : [])),
  ]);
  for (const key of Object.keys(attributes)) {
    if (!allowedAttributes.has(key))
      problems.push(`${def.name}: attribute ${key} not in catalogue`);
  }
  if (body === null || typeof body !== 'object')
    return [...problems, `${def.name}: body is not a map`];
  const b = body as Record<string, unknown>;
  if (b.event !== def.name) problems.push(`${def.name}: body.event is ${String(b.event)}`);
  const context = b.context as Record<string, unknown> | undefined;
  for (const key of CONTEXT_KEYS) {
    if (!context || !(key in context)) problems.push(`${def.name}: body.context.${key} missing`);
  }
  const bodyFields = fields.filter((f) => f.body !== 'none');
  const allowedBody = new Set(['event', 'context', ...bodyFields.map((f) => f.key)]);
  for (const key of Object.keys(b)) {
    if (!allowedBody.has(key)) problems.push(`${def.name}: body key ${key} not in catalogue`);
  }
  for (const f of bodyFields) {
    if ((f.body ?? 'null') === 'null' && !(f.key in b))
      problems.push(`${def.name}: body key ${f.key} missing`);
  }
  return problems;
}
