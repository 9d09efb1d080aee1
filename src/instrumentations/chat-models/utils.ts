/** Pure helpers of the chat-model instrumentation (request and response attributes). */
import { messageRole, messageText } from '../langgraph/utils.js';
import type { ChatModelLike, ChatResultLike, LsParamsLike, MessageLike } from './internal-types.js';

/** LangChain `ls_provider` values -> `gen_ai.provider.name` (semantic conventions). */
const PROVIDERS: Record<string, string> = {
  openai: 'openai',
  azure: 'azure.ai.openai',
  azure_openai: 'azure.ai.openai',
  amazon_bedrock: 'aws.bedrock',
  bedrock: 'aws.bedrock',
  anthropic: 'anthropic',
  google_vertexai: 'gcp.vertex_ai',
  google_genai: 'gcp.gemini',
  mistral: 'mistral_ai',
  mistralai: 'mistral_ai',
  groq: 'groq',
  cohere: 'cohere',
  deepseek: 'deepseek',
  xai: 'x_ai',
  perplexity: 'perplexity',
  ibm: 'ibm.watsonx.ai',
};

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/** A token count: a finite, non-negative integer, or nothing (a provider's bad value is dropped). */
function tokens(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.round(v) : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function call<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}

export interface RequestInfo {
  readonly provider: string;
  readonly model: string;
  readonly temperature: number | undefined;
  readonly maxTokens: number | undefined;
  readonly topP: number | undefined;
}

/**
 * Provider, model and sampling parameters, from LangChain's public `getLsParams` (what
 * LangSmith uses) and the model's fields, call options first.
 */
export function requestInfo(model: ChatModelLike, options: unknown): RequestInfo {
  const opts = (options !== null && typeof options === 'object' ? options : {}) as Record<
    string,
    unknown
  >;
  const ls: LsParamsLike =
    (typeof model.getLsParams === 'function' ? call(() => model.getLsParams?.(opts)) : undefined) ??
    {};
  const llmType = typeof model._llmType === 'function' ? call(() => model._llmType?.()) : undefined;
  const lsProvider = str(ls.ls_provider)?.toLowerCase();
  let provider = lsProvider !== undefined ? PROVIDERS[lsProvider] : undefined;
  if (provider === undefined && llmType !== undefined) {
    const t = llmType.toLowerCase();
    provider =
      PROVIDERS[t] ??
      (t.includes('bedrock') ? 'aws.bedrock' : t.includes('openai') ? 'openai' : undefined);
  }
  // Unknown provider: the model's own type string (the default `ls_provider` is only its class name).
  provider ??= llmType ?? lsProvider ?? 'unknown';
  const modelName =
    str(opts.model) ??
    str(ls.ls_model_name) ??
    str(model.model) ??
    str(model.modelName) ??
    str(model.modelId) ??
    str(model.model_id) ??
    llmType ??
    'unknown';
  return {
    provider: provider.slice(0, 64),
    model: modelName.slice(0, 128),
    temperature: num(opts.temperature) ?? num(ls.ls_temperature) ?? num(model.temperature),
    maxTokens:
      num(opts.max_tokens) ??
      num(opts.maxTokens) ??
      num(ls.ls_max_tokens) ??
      num(model.maxTokens) ??
      num(model.max_tokens),
    topP: num(opts.top_p) ?? num(opts.topP) ?? num(model.topP) ?? num(model.top_p),
  };
}

export interface ResponseInfo {
  /** Input tokens, cached ones included (LangChain `usage_metadata.input_tokens`). */
  inputTokens: number | undefined;
  outputTokens: number | undefined;
  /** `usage_metadata.input_token_details.cache_read`: a subset of the input tokens. */
  cacheReadTokens: number | undefined;
  /** `usage_metadata.input_token_details.cache_creation`: a subset of the input tokens. */
  cacheWriteTokens: number | undefined;
  /** `usage_metadata.output_token_details.reasoning`: a subset of the output tokens. */
  reasoningTokens: number | undefined;
  responseModel: string | undefined;
  responseId: string | undefined;
  finishReasons: string[];
}

export function emptyResponse(): ResponseInfo {
  return {
    inputTokens: undefined,
    outputTokens: undefined,
    cacheReadTokens: undefined,
    cacheWriteTokens: undefined,
    reasoningTokens: undefined,
    responseModel: undefined,
    responseId: undefined,
    finishReasons: [],
  };
}

function addTokens(a: number | undefined, b: number | undefined): number | undefined {
  return b === undefined ? a : (a ?? 0) + b;
}

/**
 * Folds one message (a full response, or one streamed chunk) into `info`. Usage of streamed
 * chunks is summed, as LangChain's own chunk concatenation does (`mergeUsageMetadata`): a
 * provider that reports usage once (OpenAI's final usage chunk) is counted once, one that
 * splits it (Anthropic: input on the first chunk, output on the last) is counted whole.
 */
export function foldMessage(
  info: ResponseInfo,
  message: MessageLike | undefined,
  generationInfo?: Record<string, unknown>,
): void {
  if (!message || typeof message !== 'object') return;
  const usage = message.usage_metadata;
  if (usage && typeof usage === 'object') {
    info.inputTokens = addTokens(info.inputTokens, tokens(usage.input_tokens));
    info.outputTokens = addTokens(info.outputTokens, tokens(usage.output_tokens));
    const inDetails = usage.input_token_details;
    if (inDetails && typeof inDetails === 'object') {
      info.cacheReadTokens = addTokens(info.cacheReadTokens, tokens(inDetails.cache_read));
      info.cacheWriteTokens = addTokens(info.cacheWriteTokens, tokens(inDetails.cache_creation));
    }
    const outDetails = usage.output_token_details;
    if (outDetails && typeof outDetails === 'object') {
      info.reasoningTokens = addTokens(info.reasoningTokens, tokens(outDetails.reasoning));
    }
  }
  const meta = message.response_metadata ?? {};
  info.responseModel =
    str(meta.model_name) ?? str(meta.model) ?? str(meta.modelId) ?? info.responseModel;
  info.responseId ??= str(message.id) ?? str(meta.id);
  const reason =
    str(meta.finish_reason) ??
    str(meta.stop_reason) ??
    str(meta.stopReason) ??
    str(generationInfo?.finish_reason);
  if (
    reason !== undefined &&
    !info.finishReasons.includes(reason) &&
    info.finishReasons.length < 8
  ) {
    info.finishReasons.push(reason);
  }
}

/** Usage and response attributes of a `generate` result (all prompts of the call). */
export function responseFromResult(result: ChatResultLike | undefined): ResponseInfo {
  const info = emptyResponse();
  for (const gens of result?.generations ?? []) {
    const first = gens?.[0];
    foldMessage(info, first?.message, first?.generationInfo);
  }
  if (info.inputTokens === undefined && info.outputTokens === undefined) {
    const usage = (result?.llmOutput?.tokenUsage ?? result?.llmOutput?.estimatedTokenUsage) as
      Record<string, unknown> | undefined;
    info.inputTokens = tokens(usage?.promptTokens);
    info.outputTokens = tokens(usage?.completionTokens);
  }
  return info;
}

const ROLES: Record<string, string> = {
  human: 'user',
  user: 'user',
  ai: 'assistant',
  assistant: 'assistant',
  AIMessageChunk: 'assistant',
  system: 'system',
  tool: 'tool',
  function: 'tool',
};

/**
 * Input messages for content capture, as `[{role, content}]` (GenAI conventions): from a
 * string, a message list, a list of message lists (`generate`), or a prompt value.
 */
export function inputMessages(input: unknown): { role: string; content: unknown }[] {
  let list: unknown = input;
  if (
    list !== null &&
    typeof list === 'object' &&
    typeof (list as { toChatMessages?: unknown }).toChatMessages === 'function'
  ) {
    list = safeCall(() => (list as { toChatMessages: () => unknown }).toChatMessages());
  }
  if (!Array.isArray(list)) list = [list];
  const flat = (list as unknown[]).flatMap((m) => (Array.isArray(m) ? (m as unknown[]) : [m]));
  return flat.map((m) => {
    if (Array.isArray(m) && m.length === 2 && typeof m[0] === 'string') {
      return { role: ROLES[m[0]] ?? m[0], content: m[1] as unknown };
    }
    const role = messageRole(m);
    return { role: (role && ROLES[role]) ?? role ?? 'user', content: messageText(m) ?? m };
  });
}

function safeCall<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}

/** Output texts of a `generate` result, for content capture. */
export function outputTexts(result: ChatResultLike | undefined): unknown[] {
  return (result?.generations ?? []).map((gens) => {
    const g = gens?.[0];
    return { role: 'assistant', content: g?.message?.content ?? g?.text };
  });
}
