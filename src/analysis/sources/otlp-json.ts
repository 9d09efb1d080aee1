/**
 * Readers for OTLP/JSON (the protobuf JSON mapping the OTLP spec and the Collector's file
 * exporter use): lowerCamelCase keys, 64-bit integers as decimal strings (numbers accepted
 * too), enums as integers, trace and span ids as hex.
 */

export type AttrValue = string | number | boolean;

interface KeyValue {
  key?: unknown;
  value?: unknown;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function asObject(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}

/** An int64/uint64/double field: a decimal string or a JSON number. */
export function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value !== '') return Number(value);
  return Number.NaN;
}

/** Nanoseconds since the epoch (string or number) to epoch milliseconds. */
export function nanosToMillis(value: unknown): number {
  if (typeof value === 'string' && /^\d+$/.test(value)) {
    // Split to keep sub-millisecond digits without losing precision in a double.
    const whole = value.length > 6 ? Number(value.slice(0, -6)) : 0;
    const frac = Number(value.slice(-6)) / 1e6;
    return whole + frac;
  }
  return toNumber(value) / 1e6;
}

/** An OTLP AnyValue to a plain JS value (kvlists become objects, arrays arrays). */
export function anyValue(value: unknown): unknown {
  if (!isRecord(value)) return undefined;
  if ('stringValue' in value) return value.stringValue;
  if ('boolValue' in value) return value.boolValue;
  if ('intValue' in value) return toNumber(value.intValue);
  if ('doubleValue' in value) return toNumber(value.doubleValue);
  if ('bytesValue' in value) return value.bytesValue;
  if ('arrayValue' in value) return asArray(asObject(value.arrayValue).values).map(anyValue);
  if ('kvlistValue' in value) return keyValues(asObject(value.kvlistValue).values);
  return undefined;
}

function keyValues(list: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of asArray(list) as KeyValue[]) {
    if (isRecord(kv) && typeof kv.key === 'string') out[kv.key] = anyValue(kv.value);
  }
  return out;
}

/** OTLP attributes to a flat record; arrays and maps are kept as JSON strings. */
export function attributes(list: unknown): Record<string, AttrValue> {
  const out: Record<string, AttrValue> = {};
  for (const [key, v] of Object.entries(keyValues(list))) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[key] = v;
    else if (v !== undefined) out[key] = JSON.stringify(v);
  }
  return out;
}

/** OTLP's AggregationTemporality: 1 delta, 2 cumulative (names accepted too). */
export function temporality(value: unknown): 'delta' | 'cumulative' | undefined {
  if (value === 1 || value === 'AGGREGATION_TEMPORALITY_DELTA') return 'delta';
  if (value === 2 || value === 'AGGREGATION_TEMPORALITY_CUMULATIVE') return 'cumulative';
  return undefined;
}

/** Prometheus's translation of an attribute key into a label name. */
export function promLabelName(key: string): string {
  const sanitized = key.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[0-9]/.test(sanitized) ? `key_${sanitized}` : sanitized;
}
