/**
 * Which generation of the GenAI semantic conventions the instrumentations emit.
 *
 * The conventions' transition rule (https://github.com/open-telemetry/semantic-conventions/blob/v1.41.0/docs/gen-ai/README.md):
 * an instrumentation that emitted an older version keeps emitting it by default and switches to
 * the latest experimental conventions, and stops emitting the old ones, when
 * `OTEL_SEMCONV_STABILITY_OPT_IN` (a comma-separated list) contains `gen_ai_latest_experimental`.
 * The GenAI rule defines no `gen_ai/dup` value (unlike `http/dup` and `database/dup`), so there is
 * no mode that emits both generations.
 *
 * - `v1.41`: the names of semantic conventions v1.41.0 (`gen_ai.client.operation.duration`,
 *   `gen_ai.client.token.usage`, `gen_ai.request.top_k` on retrieval spans).
 * - `latest`: the names of open-telemetry/semantic-conventions-genai that this package follows
 *   (`gen_ai.client.inference.*`, usage counters, `gen_ai.invoke_workflow.duration`,
 *   `gen_ai.retrieval.top_k`); see docs/semconv-migration.md.
 */
import { diag } from '@opentelemetry/api';

import { ATTR_GEN_AI_REQUEST_TOP_K, ATTR_GEN_AI_RETRIEVAL_TOP_K } from '../semconv.js';

export const GEN_AI_SEMCONV_MODES = ['v1.41', 'latest'] as const;
export type GenAiSemconvMode = (typeof GEN_AI_SEMCONV_MODES)[number];

/** The `OTEL_SEMCONV_STABILITY_OPT_IN` value that selects the latest GenAI conventions. */
export const GEN_AI_LATEST_OPT_IN = 'gen_ai_latest_experimental' as const;

/** Parses `OTEL_SEMCONV_STABILITY_OPT_IN` (comma-separated, surrounding spaces ignored). */
export function semconvModeFromOptIn(value: string | undefined): GenAiSemconvMode {
  if (value === undefined) return 'v1.41';
  const entries = value
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v.length > 0);
  return entries.includes(GEN_AI_LATEST_OPT_IN) ? 'latest' : 'v1.41';
}

/**
 * The mode: the option when it is a known mode (a bad one is ignored with a diag warning), else
 * `OTEL_SEMCONV_STABILITY_OPT_IN`. Instrumentations call this once, when their config is set.
 */
export function resolveGenAiSemconvMode(
  option: unknown,
  env: Readonly<Record<string, string | undefined>> = process.env,
): GenAiSemconvMode {
  if (option !== undefined) {
    if ((GEN_AI_SEMCONV_MODES as readonly unknown[]).includes(option)) {
      return option as GenAiSemconvMode;
    }
    diag.warn(
      `lorechat: genAiSemconv must be one of ${GEN_AI_SEMCONV_MODES.join(', ')}, got ${JSON.stringify(option) ?? typeof option}; using OTEL_SEMCONV_STABILITY_OPT_IN`,
    );
  }
  return semconvModeFromOptIn(env.OTEL_SEMCONV_STABILITY_OPT_IN);
}

/** The retrieval span's top-k attribute: `gen_ai.retrieval.top_k` in latest (migration.md, PR #217). */
export function retrievalTopKAttribute(mode: GenAiSemconvMode): string {
  return mode === 'latest' ? ATTR_GEN_AI_RETRIEVAL_TOP_K : ATTR_GEN_AI_REQUEST_TOP_K;
}
