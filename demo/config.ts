import { LLM_ROLES, type LlmRole } from './llm/roles.js';

export const PROVIDERS = ['offline', 'openai', 'bedrock'] as const;
export type Provider = (typeof PROVIDERS)[number];

/** Typed, frozen configuration of the LoreChat app, from LORECHAT_* and a few standard env variables. */
export interface LoreChatConfig {
  /** Chat model provider. Env `LORECHAT_LLM_PROVIDER`. @default 'offline' */
  provider: Provider;
  /** Model per LLM call. Env `LORECHAT_MODEL_<ROLE>`, then `LORECHAT_MODEL`, then the provider default. */
  models: Readonly<Record<LlmRole, string>>;
  /** Embeddings provider. Env `LORECHAT_EMBEDDINGS_PROVIDER`. @default the chat provider */
  embeddingsProvider: Provider;
  /** Embeddings model. Env `LORECHAT_EMBEDDINGS_MODEL`. @default provider default */
  embeddingsModel: string;
  /** Offline model latency per call, ms. Env `LORECHAT_OFFLINE_LATENCY_MS`. @default 0 */
  offlineLatencyMs: number;
  /** Offline model latency jitter, fraction. Env `LORECHAT_OFFLINE_JITTER`. @default 0.25 */
  offlineJitter: number;
  /** Offline model failure probability per call. Env `LORECHAT_OFFLINE_FAILURE_RATE`. @default 0 */
  offlineFailureRate: number;
  /** Documents retrieved per subquery. Env `LORECHAT_RETRIEVAL_K`. @default 4 */
  retrievalK: number;
  /** Query refinements per subquery when the documents are not relevant. Env `LORECHAT_MAX_REFINEMENTS`. @default 2 */
  maxRefinements: number;
  /** Conversations kept in memory; the least recently used beyond this are forgotten. Env `LORECHAT_MAX_THREADS`. @default 1000 */
  maxThreads: number;
  /** AWS region for Bedrock. Env `AWS_REGION`, then `AWS_DEFAULT_REGION`. @default 'us-east-1' */
  awsRegion: string;
}

export const DEFAULT_MODELS: Readonly<Record<Provider, Readonly<Record<LlmRole, string>>>> = {
  offline: {
    decompose: 'lorechat-offline-1',
    evaluate: 'lorechat-offline-1',
    answer: 'lorechat-offline-1',
    combine: 'lorechat-offline-1',
    respond: 'lorechat-offline-1',
  },
  openai: {
    decompose: 'gpt-4o-mini',
    evaluate: 'gpt-4o-mini',
    answer: 'gpt-4o-mini',
    combine: 'gpt-4o-mini',
    respond: 'gpt-4o',
  },
  bedrock: {
    decompose: 'us.anthropic.claude-3-5-haiku-20241022-v1:0',
    evaluate: 'us.anthropic.claude-3-5-haiku-20241022-v1:0',
    answer: 'us.anthropic.claude-3-5-haiku-20241022-v1:0',
    combine: 'us.anthropic.claude-3-5-haiku-20241022-v1:0',
    respond: 'us.anthropic.claude-3-7-sonnet-20250219-v1:0',
  },
};

export const DEFAULT_EMBEDDINGS_MODELS: Readonly<Record<Provider, string>> = {
  offline: 'lorechat-hashing-v1',
  openai: 'text-embedding-3-small',
  bedrock: 'amazon.titan-embed-text-v2:0',
};

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

/** Reads the configuration; throws a ConfigError naming the variable on a bad value. */
export function loadConfig(
  env: Env = process.env,
  overrides: Partial<LoreChatConfig> = {},
): LoreChatConfig {
  const provider = overrides.provider ?? choice(env, 'LORECHAT_LLM_PROVIDER', PROVIDERS, 'offline');
  const models = { ...DEFAULT_MODELS[provider] };
  const shared = nonEmpty(env.LORECHAT_MODEL);
  for (const role of LLM_ROLES) {
    models[role] = nonEmpty(env[`LORECHAT_MODEL_${role.toUpperCase()}`]) ?? shared ?? models[role];
  }
  const embeddingsProvider =
    overrides.embeddingsProvider ??
    choice(env, 'LORECHAT_EMBEDDINGS_PROVIDER', PROVIDERS, provider);
  const config: LoreChatConfig = {
    provider,
    models: overrides.models ?? models,
    embeddingsProvider,
    embeddingsModel:
      overrides.embeddingsModel ??
      nonEmpty(env.LORECHAT_EMBEDDINGS_MODEL) ??
      DEFAULT_EMBEDDINGS_MODELS[embeddingsProvider],
    offlineLatencyMs:
      overrides.offlineLatencyMs ?? num(env, 'LORECHAT_OFFLINE_LATENCY_MS', 0, 0, 600_000),
    offlineJitter: overrides.offlineJitter ?? num(env, 'LORECHAT_OFFLINE_JITTER', 0.25, 0, 1),
    offlineFailureRate:
      overrides.offlineFailureRate ?? num(env, 'LORECHAT_OFFLINE_FAILURE_RATE', 0, 0, 1),
    retrievalK: overrides.retrievalK ?? int(env, 'LORECHAT_RETRIEVAL_K', 4, 1, 20),
    maxRefinements: overrides.maxRefinements ?? int(env, 'LORECHAT_MAX_REFINEMENTS', 2, 0, 5),
    maxThreads: overrides.maxThreads ?? int(env, 'LORECHAT_MAX_THREADS', 1000, 1, 1_000_000),
    awsRegion:
      overrides.awsRegion ??
      nonEmpty(env.AWS_REGION) ??
      nonEmpty(env.AWS_DEFAULT_REGION) ??
      'us-east-1',
  };
  return Object.freeze({ ...config, models: Object.freeze({ ...config.models }) });
}

function nonEmpty(value: string | undefined): string | undefined {
  const v = value?.trim();
  return v ? v : undefined;
}

function choice<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) return fallback;
  const v = raw.toLowerCase();
  if ((allowed as readonly string[]).includes(v)) return v as T;
  throw new ConfigError(`${name}=${raw} is not one of ${allowed.join(', ')}`);
}

function num(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < min || v > max) {
    throw new ConfigError(`${name}=${raw} must be a number between ${min} and ${max}`);
  }
  return v;
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const v = num(env, name, fallback, min, max);
  if (!Number.isInteger(v)) throw new ConfigError(`${name}=${env[name]} must be an integer`);
  return v;
}
