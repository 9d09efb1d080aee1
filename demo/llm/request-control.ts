import { isLlmRole, type LlmRole } from './roles.js';

/**
 * Per-request fault injection for the offline model, so demos and load tests can make a share
 * of requests slow or failing. It travels in the graph config (`configurable`) and is read by
 * the offline model only; real providers ignore it.
 */
export interface RequestControl {
  /** Latency of every LLM call of this request, in ms (replaces the model's default). */
  latencyMs?: number;
  /** `true` makes every LLM call of the request fail; a role makes only that call fail. */
  fail?: boolean | LlmRole;
}

/** Keys under `configurable` (primitive values, so LangChain also copies them to run metadata). */
export const CONFIGURABLE_LATENCY_KEY = 'lorechat_latency_ms';
export const CONFIGURABLE_FAIL_KEY = 'lorechat_fail';

export const HEADER_LATENCY = 'x-lorechat-latency-ms';
export const HEADER_FAIL = 'x-lorechat-fail';

/** Upper bound for injected latency: one minute per call is plenty to trigger any alert. */
export const MAX_INJECTED_LATENCY_MS = 60_000;

export class RequestControlError extends Error {
  override readonly name = 'RequestControlError';
}

export function controlToConfigurable(
  control: RequestControl | undefined,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (control?.latencyMs !== undefined) out[CONFIGURABLE_LATENCY_KEY] = control.latencyMs;
  if (control?.fail !== undefined && control.fail !== false)
    out[CONFIGURABLE_FAIL_KEY] = control.fail;
  return out;
}

export function controlFromConfigurable(configurable: unknown): RequestControl {
  if (typeof configurable !== 'object' || configurable === null) return {};
  const record = configurable as Record<string, unknown>;
  const control: RequestControl = {};
  const latency = record[CONFIGURABLE_LATENCY_KEY];
  if (typeof latency === 'number' && Number.isFinite(latency) && latency >= 0) {
    control.latencyMs = latency;
  }
  const fail = record[CONFIGURABLE_FAIL_KEY];
  if (fail === true || isLlmRole(fail)) control.fail = fail;
  return control;
}

/** Whether a call in `role` must fail under `control`. */
export function shouldFail(control: RequestControl, role: LlmRole | undefined): boolean {
  if (control.fail === true) return true;
  return control.fail !== undefined && control.fail !== false && control.fail === role;
}

/** Validates the JSON `options` object of an HTTP request (throws with a clear message). */
export function parseControlOptions(value: unknown): RequestControl {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new RequestControlError(
      '"options" must be an object like {"latencyMs": 500, "fail": false}',
    );
  }
  const record = value as Record<string, unknown>;
  const control: RequestControl = {};
  for (const key of Object.keys(record)) {
    if (key !== 'latencyMs' && key !== 'fail') {
      throw new RequestControlError(`unknown option "${key}" (allowed: latencyMs, fail)`);
    }
  }
  if (record.latencyMs !== undefined) control.latencyMs = parseLatency(record.latencyMs);
  if (record.fail !== undefined) control.fail = parseFail(record.fail);
  return control;
}

/** Reads `x-lorechat-latency-ms` / `x-lorechat-fail`; header values win over nothing, body wins over headers. */
export function parseControlHeaders(
  headers: Record<string, string | string[] | undefined>,
): RequestControl {
  const control: RequestControl = {};
  const latency = single(headers[HEADER_LATENCY]);
  if (latency !== undefined) {
    const n = Number(latency.trim());
    if (latency.trim() === '' || !Number.isFinite(n)) {
      throw new RequestControlError(
        `${HEADER_LATENCY} must be a number of milliseconds, got "${latency}"`,
      );
    }
    control.latencyMs = parseLatency(n);
  }
  const fail = single(headers[HEADER_FAIL]);
  if (fail !== undefined) {
    const v = fail.trim().toLowerCase();
    if (v === '1' || v === 'true' || v === 'yes') control.fail = true;
    else if (v === '0' || v === 'false' || v === 'no' || v === '') control.fail = false;
    else if (isLlmRole(v)) control.fail = v;
    else {
      throw new RequestControlError(
        `${HEADER_FAIL} must be true, false or one of decompose|evaluate|answer|combine|respond, got "${fail}"`,
      );
    }
  }
  return control;
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function parseLatency(value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new RequestControlError('"latencyMs" must be a non-negative number of milliseconds');
  }
  if (value > MAX_INJECTED_LATENCY_MS) {
    throw new RequestControlError(`"latencyMs" must be at most ${MAX_INJECTED_LATENCY_MS}`);
  }
  return Math.round(value);
}

function parseFail(value: unknown): boolean | LlmRole {
  if (typeof value === 'boolean' || isLlmRole(value)) return value;
  throw new RequestControlError(
    '"fail" must be a boolean or one of decompose|evaluate|answer|combine|respond',
  );
}
