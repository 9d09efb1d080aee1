/**
 * `src/semconv.ts` copies the GenAI (development) names instead of importing the incubating
 * entry at runtime, as `@opentelemetry/semantic-conventions` asks of instrumentations. Every
 * copy must equal the package's constant of the same name where the package has one; the
 * stable names are the package's own exports.
 */
import * as stable from '@opentelemetry/semantic-conventions';
import * as incubating from '@opentelemetry/semantic-conventions/incubating';
import { describe, expect, it } from 'vitest';

import * as s from '../../src/semconv.js';

const ours = (Object.entries(s) as [string, unknown][]).filter(
  (e): e is [string, string] =>
    /^(ATTR|METRIC)_(GEN_AI|ERROR|DB)_/.test(e[0]) && typeof e[1] === 'string',
);
const upstream = incubating as unknown as Record<string, unknown>;

describe('semconv names', () => {
  it('every copied GenAI name equals the incubating package constant where it exists', () => {
    const compared = ours.filter(([k]) => k in upstream);
    expect(compared.length).toBeGreaterThan(30);
    const mismatches = compared.filter(([k, v]) => upstream[k] !== v);
    expect(mismatches).toEqual([]);
  });

  it('names the package lacks are exactly the latest ones documented in semconv.ts', () => {
    const missing = ours.filter(([k]) => !(k in upstream)).map(([k]) => k);
    expect(missing.sort()).toEqual(
      [
        'ATTR_GEN_AI_RETRIEVAL_TOP_K',
        'ATTR_GEN_AI_TOKEN_MODALITY',
        'ATTR_GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS',
        'METRIC_GEN_AI_CLIENT_INFERENCE_DURATION',
        'METRIC_GEN_AI_CLIENT_INFERENCE_OPERATION_INPUT_TOKENS',
        'METRIC_GEN_AI_CLIENT_INFERENCE_OPERATION_OUTPUT_TOKENS',
        'METRIC_GEN_AI_CLIENT_INFERENCE_TIME_TO_FIRST_CHUNK',
        'METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_CACHE_READ_INPUT_TOKENS',
        'METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_CACHE_WRITE_INPUT_TOKENS',
        'METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_INPUT_TOKENS',
        'METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_OUTPUT_TOKENS',
        'METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_REASONING_OUTPUT_TOKENS',
        'METRIC_GEN_AI_EXECUTE_TOOL_DURATION',
        'METRIC_GEN_AI_INVOKE_AGENT_DURATION',
        'METRIC_GEN_AI_INVOKE_WORKFLOW_DURATION',
      ].sort(),
    );
  });

  it('stable names are the root entry exports, not copies', () => {
    expect(s.ATTR_ERROR_TYPE).toBe(stable.ATTR_ERROR_TYPE);
    expect(s.ATTR_DB_SYSTEM_NAME).toBe(stable.ATTR_DB_SYSTEM_NAME);
    expect(s.ATTR_DB_OPERATION_BATCH_SIZE).toBe(stable.ATTR_DB_OPERATION_BATCH_SIZE);
  });
});
