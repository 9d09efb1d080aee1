import type { CallbackManagerForLLMRun } from '@langchain/core/callbacks/manager';
import {
  BaseChatModel,
  type BaseChatModelCallOptions,
  type BaseChatModelParams,
} from '@langchain/core/language_models/chat_models';
import {
  AIMessage,
  AIMessageChunk,
  type BaseMessage,
  type UsageMetadata,
} from '@langchain/core/messages';
import { ChatGenerationChunk, type ChatResult } from '@langchain/core/outputs';
import type { BaseLanguageModelInput } from '@langchain/core/language_models/base';
import { ensureConfig } from '@langchain/core/runnables';
import { estimateTokens, fnv1a, seededRandom } from '../text.js';
import { controlFromConfigurable, shouldFail, type RequestControl } from './request-control.js';
import { roleFromPrompt, type LlmRole } from './roles.js';
import { writeOfflineReply } from './offline-writer.js';

export const OFFLINE_MODEL_TYPE = 'lorechat-offline';
export const OFFLINE_DEFAULT_MODEL = 'lorechat-offline-1';

export interface OfflineChatModelParams extends BaseChatModelParams {
  /** Model name reported in responses and usage. @default 'lorechat-offline-1' */
  model?: string;
  /** Mean latency of one call in ms (for streams: until the last chunk). @default 0 */
  latencyMs?: number;
  /** Jitter as a fraction of the latency: each call takes latency × (1 ± jitter). @default 0.25 */
  jitter?: number;
  /** Probability in [0, 1] that a call fails with an OfflineModelError. @default 0 */
  failureRate?: number;
  /** Source of randomness for jitter and failures (content is always seeded by the prompt). @default Math.random */
  random?: () => number;
}

export interface OfflineChatModelCallOptions extends BaseChatModelCallOptions {
  /** Overrides the latency for this call (ms). */
  latencyMs?: number;
  /** Forces this call to fail (`true`) or fail only when it serves that role. */
  fail?: RequestControl['fail'];
}

/** The error an offline call fails with; `status` mimics a provider's 503. */
export class OfflineModelError extends Error {
  override readonly name = 'OfflineModelError';
  readonly status = 503;
  constructor(
    message: string,
    readonly role: LlmRole | undefined,
  ) {
    super(message);
  }
}

/**
 * A deterministic local chat model: no key, no network. It writes plausible replies derived
 * from the prompt and the retrieved lore (seeded by a hash of the input), valid JSON where the
 * task asks for JSON, reports token usage, streams, and can be made slow or failing.
 */
export class OfflineChatModel extends BaseChatModel<OfflineChatModelCallOptions, AIMessageChunk> {
  static override lc_name(): string {
    return 'OfflineChatModel';
  }

  readonly model: string;
  readonly latencyMs: number;
  readonly jitter: number;
  readonly failureRate: number;
  private readonly random: () => number;

  constructor(fields: OfflineChatModelParams = {}) {
    super(fields);
    this.model = fields.model ?? OFFLINE_DEFAULT_MODEL;
    this.latencyMs = checkRange('latencyMs', fields.latencyMs ?? 0, 0, Number.MAX_SAFE_INTEGER);
    this.jitter = checkRange('jitter', fields.jitter ?? 0.25, 0, 1);
    this.failureRate = checkRange('failureRate', fields.failureRate ?? 0, 0, 1);
    this.random = fields.random ?? Math.random;
  }

  /** Alias used by several LangChain integrations (`modelName`). */
  get modelName(): string {
    return this.model;
  }

  _llmType(): string {
    return OFFLINE_MODEL_TYPE;
  }

  override get callKeys(): string[] {
    return [...super.callKeys, 'latencyMs', 'fail'];
  }

  override invocationParams(): Record<string, unknown> {
    return { model: this.model, latency_ms: this.latencyMs, failure_rate: this.failureRate };
  }

  override getLsParams(options: this['ParsedCallOptions']) {
    return {
      ...super.getLsParams(options),
      ls_provider: OFFLINE_MODEL_TYPE,
      ls_model_name: this.model,
    };
  }

  override _combineLLMOutput(
    ...outputs: (Record<string, unknown> | undefined)[]
  ): Record<string, unknown> {
    const total = { promptTokens: 0, completionTokens: 0, totalTokens: 0 };
    for (const output of outputs) {
      const usage = output?.tokenUsage as Partial<typeof total> | undefined;
      total.promptTokens += usage?.promptTokens ?? 0;
      total.completionTokens += usage?.completionTokens ?? 0;
      total.totalTokens += usage?.totalTokens ?? 0;
    }
    return { tokenUsage: total, model_name: this.model };
  }

  /**
   * Per-request control travels in the run's `configurable` (see request-control.ts). LangChain
   * strips `configurable` from the call options a model sees, so translate it here, where the
   * full config (including the one inherited from the graph node) is still available.
   */
  override invoke(
    input: BaseLanguageModelInput,
    options?: Partial<OfflineChatModelCallOptions>,
  ): Promise<AIMessageChunk> {
    return super.invoke(input, withControl(options));
  }

  override _streamIterator(
    input: BaseLanguageModelInput,
    options?: Partial<OfflineChatModelCallOptions>,
  ): AsyncGenerator<AIMessageChunk> {
    return super._streamIterator(input, withControl(options));
  }

  async _generate(
    messages: BaseMessage[],
    options: this['ParsedCallOptions'],
    _runManager?: CallbackManagerForLLMRun,
  ): Promise<ChatResult> {
    const call = this.prepare(messages, options);
    await sleep(call.latencyMs, options.signal);
    const usage = call.usage();
    const message = new AIMessage({
      content: call.text,
      usage_metadata: usage,
      response_metadata: {
        model_name: this.model,
        model_provider: OFFLINE_MODEL_TYPE,
        finish_reason: 'stop',
      },
    });
    return {
      generations: [{ text: call.text, message, generationInfo: { finish_reason: 'stop' } }],
      llmOutput: {
        tokenUsage: {
          promptTokens: usage.input_tokens,
          completionTokens: usage.output_tokens,
          totalTokens: usage.total_tokens,
        },
        model_name: this.model,
      },
    };
  }

  override async *_streamResponseChunks(
    messages: BaseMessage[],
    options: this['ParsedCallOptions'],
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<ChatGenerationChunk> {
    const call = this.prepare(messages, options);
    const pieces = call.text.match(/\S+\s*/g) ?? [];
    // A provider-like shape: most of the latency before the first token, the rest spread out.
    const firstTokenMs = call.latencyMs * 0.6;
    const perChunkMs = pieces.length > 0 ? (call.latencyMs - firstTokenMs) / pieces.length : 0;
    await sleep(firstTokenMs, options.signal);
    for (const [i, piece] of pieces.entries()) {
      if (i > 0) await sleep(perChunkMs, options.signal);
      const chunk = new ChatGenerationChunk({
        text: piece,
        message: new AIMessageChunk({ content: piece }),
      });
      yield chunk;
      await runManager?.handleLLMNewToken(
        piece,
        { prompt: 0, completion: i },
        undefined,
        undefined,
        undefined,
        {
          chunk,
        },
      );
    }
    // The final chunk carries the usage, as OpenAI's stream_options.include_usage does.
    yield new ChatGenerationChunk({
      text: '',
      message: new AIMessageChunk({
        content: '',
        usage_metadata: call.usage(),
        response_metadata: {
          model_name: this.model,
          model_provider: OFFLINE_MODEL_TYPE,
          finish_reason: 'stop',
        },
      }),
      generationInfo: { finish_reason: 'stop' },
    });
  }

  /** Decides text, latency and failure for one call; throws the injected failure. */
  private prepare(messages: BaseMessage[], options: this['ParsedCallOptions']) {
    const system = messages
      .filter((m) => m.getType() === 'system')
      .map((m) => m.text)
      .join('\n');
    const user = messages
      .filter((m) => m.getType() !== 'system')
      .map((m) => m.text)
      .join('\n');
    const role = roleFromPrompt(system);
    const control = definedControl(options);
    if (shouldFail(control, role) || (this.failureRate > 0 && this.random() < this.failureRate)) {
      throw new OfflineModelError(
        `${this.model}: injected failure${role ? ` in ${role}` : ''} (offline model)`,
        role,
      );
    }
    const base = control.latencyMs ?? this.latencyMs;
    const latencyMs =
      base > 0 ? Math.max(0, base * (1 + this.jitter * (2 * this.random() - 1))) : 0;
    const seed = fnv1a(`${this.model}\n${system}\n${user}`);
    const text = writeOfflineReply(role, system, user, seededRandom(seed));
    const inputTokens = messages.reduce((n, m) => n + estimateTokens(m.text) + 4, 0);
    return {
      text,
      latencyMs,
      usage: (): UsageMetadata => {
        const outputTokens = estimateTokens(text);
        return {
          input_tokens: inputTokens,
          output_tokens: outputTokens,
          total_tokens: inputTokens + outputTokens,
        };
      },
    };
  }
}

function definedControl(options: OfflineChatModelCallOptions): RequestControl {
  const out: RequestControl = {};
  if (options.latencyMs !== undefined) out.latencyMs = options.latencyMs;
  if (options.fail !== undefined) out.fail = options.fail;
  return out;
}

/** Explicit call options win over the run's `configurable`. */
function withControl(
  options: Partial<OfflineChatModelCallOptions> | undefined,
): Partial<OfflineChatModelCallOptions> {
  const config = ensureConfig(options);
  const ambient = controlFromConfigurable(config.configurable);
  return { ...config, ...ambient, ...definedControl(options ?? {}) };
}

function checkRange(name: string, value: number, min: number, max: number): number {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new RangeError(
      `OfflineChatModel: ${name} must be between ${min} and ${max}, got ${value}`,
    );
  }
  return value;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return signal?.aborted ? Promise.reject(abortReason(signal)) : Promise.resolve();
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function abortReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new Error('aborted');
}
