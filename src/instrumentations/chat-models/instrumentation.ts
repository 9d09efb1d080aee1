/**
 * LangChain chat-model instrumentation: one `chat {model}` CLIENT span per model call
 * (GenAI semantic conventions), active during the call so HTTP client spans of the
 * provider SDK nest under it.
 *
 * Patch points, both public API of `BaseChatModel` (from `@langchain/core`):
 * - `generate`: `invoke`, `batch` and `generatePrompt` all go through it.
 * - `stream`: streamed calls; the span ends when the stream ends, fails, or the consumer
 *   stops (`break`, `cancel()`, abort). Time to first chunk and usage come from chunks.
 * A call nested in another (`stream` falling back to `invoke`) is recorded once.
 * Callbacks are never touched.
 */
import {
  type Attributes,
  type Counter,
  type Histogram,
  type Span,
  SpanKind,
} from '@opentelemetry/api';
import type { InstrumentationNodeModuleDefinition } from '@opentelemetry/instrumentation';
import { InstrumentationBase, isWrapped } from '@opentelemetry/instrumentation';

import { sharePackageVersionLookups } from '../base.js';
import * as s from '../../semconv.js';
import { captureContent, resolveSharedConfig } from '../../telemetry/content.js';
import {
  type OperationSpan,
  type Outcome,
  recordFailure,
  traceOperation,
} from '../../telemetry/operation.js';
import { emitEvent, type EventSink, eventSink } from '../../telemetry/events.js';
import {
  createCounterFromCatalogue,
  createHistogramFromCatalogue,
} from '../../telemetry/instruments.js';
import { getAgentRun, getTurn, inChatCall, markChatCall } from '../../telemetry/turn-context.js';
import type { ResolvedSharedConfig } from '../types.js';
import { dualBuildModule } from '../module-files.js';
import { PACKAGE_VERSION, SUPPORTED_LANGCHAIN_CORE_VERSIONS } from '../version.js';
import type {
  ChatModelClass,
  ChatModelLike,
  ChatModelsModuleLike,
  ChatResultLike,
  MessageLike,
} from './internal-types.js';
import type { LangChainChatModelInstrumentationConfig } from './types.js';
import {
  emptyResponse,
  foldMessage,
  inputMessages,
  outputTexts,
  requestInfo,
  type RequestInfo,
  type ResponseInfo,
  responseFromResult,
} from './utils.js';

export const CHAT_MODEL_INSTRUMENTATION_NAME =
  'lorechat-otel/instrumentation-langchain-chat-models';

type GenerateFn = ChatModelLike['generate'];
type UsageKind = 'input' | 'output' | 'cacheRead' | 'cacheWrite' | 'reasoning';
type StreamFn = ChatModelLike['stream'];

interface CallRecord {
  readonly span: Span;
  readonly request: RequestInfo;
  readonly start: number;
  readonly threadId: string | undefined;
  readonly requestId: string | undefined;
  readonly streaming: boolean;
}

export class LangChainChatModelInstrumentation extends InstrumentationBase<LangChainChatModelInstrumentationConfig> {
  declare private _shared: ResolvedSharedConfig;
  declare private _tokenUsage: Counter;
  declare private _genAiTokenUsage: Histogram;
  declare private _genAiDuration: Histogram;
  declare private _genAiTtfc: Histogram;
  declare private _inferenceDuration: Histogram;
  declare private _inferenceTtfc: Histogram;
  declare private _usage: Record<UsageKind, Counter>;
  declare private _operationInputTokens: Histogram;
  declare private _operationOutputTokens: Histogram;
  declare private _operations: Counter;
  declare private _errors: Counter;

  constructor(config: LangChainChatModelInstrumentationConfig = {}) {
    super(CHAT_MODEL_INSTRUMENTATION_NAME, PACKAGE_VERSION, config);
    sharePackageVersionLookups(this);
  }

  override setConfig(config: LangChainChatModelInstrumentationConfig = {}): void {
    super.setConfig(config);
    this._shared = resolveSharedConfig(config);
  }

  protected override _updateMetricInstruments(): void {
    this._tokenUsage = createCounterFromCatalogue(this.meter, s.METRIC_LLM_TOKEN_USAGE);
    this._genAiTokenUsage = createHistogramFromCatalogue(
      this.meter,
      s.METRIC_GEN_AI_CLIENT_TOKEN_USAGE,
    );
    this._genAiDuration = createHistogramFromCatalogue(
      this.meter,
      s.METRIC_GEN_AI_CLIENT_OPERATION_DURATION,
    );
    this._genAiTtfc = createHistogramFromCatalogue(
      this.meter,
      s.METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK,
    );
    this._inferenceDuration = createHistogramFromCatalogue(
      this.meter,
      s.METRIC_GEN_AI_CLIENT_INFERENCE_DURATION,
    );
    this._inferenceTtfc = createHistogramFromCatalogue(
      this.meter,
      s.METRIC_GEN_AI_CLIENT_INFERENCE_TIME_TO_FIRST_CHUNK,
    );
    this._usage = {
      input: createCounterFromCatalogue(
        this.meter,
        s.METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_INPUT_TOKENS,
      ),
      output: createCounterFromCatalogue(
        this.meter,
        s.METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_OUTPUT_TOKENS,
      ),
      cacheRead: createCounterFromCatalogue(
        this.meter,
        s.METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_CACHE_READ_INPUT_TOKENS,
      ),
      cacheWrite: createCounterFromCatalogue(
        this.meter,
        s.METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_CACHE_WRITE_INPUT_TOKENS,
      ),
      reasoning: createCounterFromCatalogue(
        this.meter,
        s.METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_REASONING_OUTPUT_TOKENS,
      ),
    };
    this._operationInputTokens = createHistogramFromCatalogue(
      this.meter,
      s.METRIC_GEN_AI_CLIENT_INFERENCE_OPERATION_INPUT_TOKENS,
    );
    this._operationOutputTokens = createHistogramFromCatalogue(
      this.meter,
      s.METRIC_GEN_AI_CLIENT_INFERENCE_OPERATION_OUTPUT_TOKENS,
    );
    this._operations = createCounterFromCatalogue(this.meter, s.METRIC_LORECHAT_OPERATIONS);
    this._errors = createCounterFromCatalogue(this.meter, s.METRIC_LORECHAT_ERRORS);
  }

  protected init(): InstrumentationNodeModuleDefinition[] {
    return [
      dualBuildModule<ChatModelsModuleLike>('@langchain/core', SUPPORTED_LANGCHAIN_CORE_VERSIONS, [
        {
          path: 'dist/language_models/chat_models',
          patch: (exports) => this.patch(exports.BaseChatModel),
          unpatch: (exports) => this.unpatch(exports.BaseChatModel),
        },
      ]),
    ];
  }

  /** Patches an already loaded `@langchain/core/language_models/chat_models`. */
  manuallyInstrument(moduleExports: object): void {
    const module = moduleExports as ChatModelsModuleLike;
    this.patch(module.BaseChatModel);
  }

  /** Undoes {@link manuallyInstrument}. */
  manuallyUninstrument(moduleExports: object): void {
    const module = moduleExports as ChatModelsModuleLike;
    this.unpatch(module.BaseChatModel);
  }

  private patch(BaseChatModel: ChatModelClass | undefined): void {
    const proto = BaseChatModel?.prototype;
    if (!proto || typeof proto.generate !== 'function' || typeof proto.stream !== 'function') {
      this._diag.debug(
        'BaseChatModel.prototype.generate/stream not found; chat models are not traced',
      );
      return;
    }
    this.unpatch(BaseChatModel);
    this._wrap(proto, 'generate', (original: GenerateFn) => this.wrapGenerate(original));
    this._wrap(proto, 'stream', (original: StreamFn) => this.wrapStream(original));
  }

  private unpatch(BaseChatModel: ChatModelClass | undefined): void {
    const proto = BaseChatModel?.prototype;
    if (!proto) return;
    if (isWrapped(proto.generate)) this._unwrap(proto, 'generate');
    if (isWrapped(proto.stream)) this._unwrap(proto, 'stream');
  }

  private wrapGenerate(original: GenerateFn): GenerateFn {
    const traced = (model: ChatModelLike, args: Parameters<GenerateFn>) =>
      this.tracedGenerate(original, model, args);
    return function lorechatGenerate(this: ChatModelLike, ...args: Parameters<GenerateFn>) {
      return traced(this, args);
    };
  }

  private tracedGenerate(
    original: GenerateFn,
    model: ChatModelLike,
    args: Parameters<GenerateFn>,
  ): Promise<ChatResultLike> {
    const [messages, options] = args;
    if (!this.isEnabled() || inChatCall()) return original.apply(model, args);
    let call: CallRecord;
    return traceOperation(
      this.tracer,
      () => this.startCall(model, options, false, messages, (record) => (call = record)),
      () => original.apply(model, args),
      (_op, outcome) => {
        if (outcome.kind !== 'done') {
          this.endCall(call, outcome, emptyResponse(), undefined, undefined);
          return;
        }
        const result = outcome.result as ChatResultLike;
        this.endCall(
          call,
          outcome,
          safe(() => responseFromResult(result)) ?? emptyResponse(),
          undefined,
          () => outputTexts(result),
        );
      },
      { what: 'chat', context: markChatCall },
    );
  }

  private wrapStream(original: StreamFn): StreamFn {
    const traced = (model: ChatModelLike, args: Parameters<StreamFn>) =>
      this.tracedStream(original, model, args);
    return function lorechatStream(this: ChatModelLike, ...args: Parameters<StreamFn>) {
      return traced(this, args);
    };
  }

  private tracedStream(
    original: StreamFn,
    model: ChatModelLike,
    args: Parameters<StreamFn>,
  ): Promise<object> {
    const [input, options] = args;
    if (!this.isEnabled() || inChatCall()) return original.apply(model, args);
    let call: CallRecord;
    const response = emptyResponse();
    let firstChunkAt: number | undefined;
    let text = '';
    const capture = this._shared.captureMessageContent;
    const limit = this._shared.contentMaxLength;
    const signal = (options as { signal?: unknown } | undefined)?.signal;
    return traceOperation(
      this.tracer,
      () => this.startCall(model, options, true, input, (record) => (call = record)),
      () => original.apply(model, args),
      (_op, outcome) =>
        this.endCall(
          call,
          outcome,
          response,
          firstChunkAt,
          capture ? () => [{ role: 'assistant', content: text }] : undefined,
        ),
      {
        what: 'chat',
        context: markChatCall,
        stream: {
          signal: signal instanceof AbortSignal ? signal : undefined,
          onChunk: (chunk) => {
            firstChunkAt ??= performance.now();
            foldMessage(response, chunk as MessageLike);
            if (capture && text.length <= limit) {
              const c = (chunk as MessageLike | undefined)?.content;
              if (typeof c === 'string') text += c;
            }
          },
        },
      },
    );
  }

  /** The call's span; `started` hands the record of the started call to the caller. */
  private startCall(
    model: ChatModelLike,
    options: unknown,
    streaming: boolean,
    input: unknown,
    started: (call: CallRecord) => void,
  ): OperationSpan {
    const request = requestInfo(model, options);
    const turn = getTurn();
    const agent = getAgentRun();
    if (agent) agent.inferenceCalls += 1;
    const configurable = (options as { configurable?: Record<string, unknown> } | undefined)
      ?.configurable;
    const threadId =
      turn?.threadId ??
      (typeof configurable?.thread_id === 'string' ? configurable.thread_id : undefined);
    const attributes: Attributes = {
      [s.ATTR_GEN_AI_OPERATION_NAME]: s.GEN_AI_OPERATION_CHAT,
      [s.ATTR_GEN_AI_PROVIDER_NAME]: request.provider,
      [s.ATTR_GEN_AI_REQUEST_MODEL]: request.model,
      [s.ATTR_GEN_AI_REQUEST_STREAM]: streaming,
    };
    if (request.temperature !== undefined)
      attributes[s.ATTR_GEN_AI_REQUEST_TEMPERATURE] = request.temperature;
    if (request.maxTokens !== undefined)
      attributes[s.ATTR_GEN_AI_REQUEST_MAX_TOKENS] = request.maxTokens;
    if (request.topP !== undefined) attributes[s.ATTR_GEN_AI_REQUEST_TOP_P] = request.topP;
    if (threadId !== undefined) attributes[s.ATTR_GEN_AI_CONVERSATION_ID] = threadId;
    const captured = this._shared.captureMessageContent
      ? captureContent(this._shared, inputMessages(input))
      : undefined;
    if (captured !== undefined) attributes[s.ATTR_GEN_AI_INPUT_MESSAGES] = captured;
    return {
      name: `${s.SPAN_CHAT} ${request.model}`,
      kind: SpanKind.CLIENT,
      attributes,
      started: (span) => {
        emitEvent(
          this.sink(),
          span,
          s.EVENT_LLM_REQUEST,
          { threadId, requestId: turn?.requestId },
          { provider: request.provider, model: request.model, stream: streaming },
        );
        started({
          span,
          request,
          start: performance.now(),
          threadId,
          requestId: turn?.requestId,
          streaming,
        });
      },
    };
  }

  private endCall(
    call: CallRecord,
    outcome: Outcome,
    response: ResponseInfo,
    firstChunkAt: number | undefined,
    output: (() => unknown) | undefined,
  ): void {
    const { span, request } = call;
    try {
      const durationS = (performance.now() - call.start) / 1000;
      const failed = outcome.kind === 'error';
      const ec = {
        threadId: call.threadId,
        requestId: call.requestId,
        durationMs: durationS * 1000,
      };
      const genAiAttrs: Attributes = {
        [s.ATTR_GEN_AI_OPERATION_NAME]: s.GEN_AI_OPERATION_CHAT,
        [s.ATTR_GEN_AI_PROVIDER_NAME]: request.provider,
        [s.ATTR_GEN_AI_REQUEST_MODEL]: request.model,
      };
      if (response.responseModel !== undefined) {
        genAiAttrs[s.ATTR_GEN_AI_RESPONSE_MODEL] = response.responseModel;
        span.setAttribute(s.ATTR_GEN_AI_RESPONSE_MODEL, response.responseModel);
      }
      if (response.responseId !== undefined)
        span.setAttribute(s.ATTR_GEN_AI_RESPONSE_ID, response.responseId);
      if (response.finishReasons.length > 0)
        span.setAttribute(s.ATTR_GEN_AI_RESPONSE_FINISH_REASONS, response.finishReasons);
      if (response.inputTokens !== undefined)
        span.setAttribute(s.ATTR_GEN_AI_USAGE_INPUT_TOKENS, response.inputTokens);
      if (response.outputTokens !== undefined)
        span.setAttribute(s.ATTR_GEN_AI_USAGE_OUTPUT_TOKENS, response.outputTokens);
      const latest = this._shared.genAiSemconv === 'latest';
      if (response.cacheReadTokens !== undefined)
        span.setAttribute(s.ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS, response.cacheReadTokens);
      if (response.cacheWriteTokens !== undefined)
        span.setAttribute(
          latest
            ? s.ATTR_GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS
            : s.ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
          response.cacheWriteTokens,
        );
      if (response.reasoningTokens !== undefined)
        span.setAttribute(s.ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS, response.reasoningTokens);
      const ttfcS = firstChunkAt !== undefined ? (firstChunkAt - call.start) / 1000 : undefined;
      if (ttfcS !== undefined) span.setAttribute(s.ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK, ttfcS);
      if (!failed && output) {
        const captured = captureContent(this._shared, safe(output));
        if (captured !== undefined) span.setAttribute(s.ATTR_GEN_AI_OUTPUT_MESSAGES, captured);
      }
      this._operations.add(1, { [s.METRIC_ATTR_COMPONENT]: 'llm' });
      const llmMetrics = this.getConfig().llmMetrics !== false;
      if (failed) {
        const type = recordFailure(span, outcome.error);
        this._errors.add(1, { [s.METRIC_ATTR_COMPONENT]: 'llm', [s.ATTR_ERROR_TYPE]: type });
        if (llmMetrics && latest) {
          this._inferenceDuration.record(durationS, { ...genAiAttrs, [s.ATTR_ERROR_TYPE]: type });
          // A failed inference still records its usage counters (0 when none was received).
          this.recordUsage(response, genAiAttrs);
        } else if (llmMetrics) {
          this._genAiDuration.record(durationS, { ...genAiAttrs, [s.ATTR_ERROR_TYPE]: type });
        }
        emitEvent(
          this.sink(),
          span,
          s.EVENT_LLM_ERROR,
          { ...ec, error: { thrown: outcome.error } },
          { provider: request.provider, model: request.model },
        );
        return;
      }
      if (llmMetrics) {
        if (latest) {
          this._inferenceDuration.record(durationS, genAiAttrs);
          if (ttfcS !== undefined) this._inferenceTtfc.record(ttfcS, genAiAttrs);
          this.recordUsage(response, genAiAttrs);
          if (response.inputTokens !== undefined)
            this._operationInputTokens.record(response.inputTokens, genAiAttrs);
          if (response.outputTokens !== undefined)
            this._operationOutputTokens.record(response.outputTokens, genAiAttrs);
        } else {
          this._genAiDuration.record(durationS, genAiAttrs);
          if (ttfcS !== undefined) this._genAiTtfc.record(ttfcS, genAiAttrs);
        }
        const model = response.responseModel ?? request.model;
        const tokens: [string, number | undefined][] = [
          [s.GEN_AI_TOKEN_TYPE_INPUT, response.inputTokens],
          [s.GEN_AI_TOKEN_TYPE_OUTPUT, response.outputTokens],
        ];
        for (const [type, count] of tokens) {
          if (count === undefined) continue;
          this._tokenUsage.add(count, { [s.METRIC_ATTR_MODEL]: model, [s.METRIC_ATTR_TYPE]: type });
          if (!latest)
            this._genAiTokenUsage.record(count, {
              ...genAiAttrs,
              [s.ATTR_GEN_AI_TOKEN_TYPE]: type,
            });
        }
      }
      emitEvent(this.sink(), span, s.EVENT_LLM_RESPONSE, ec, {
        provider: request.provider,
        model: request.model,
        response_model: response.responseModel ?? null,
        input_tokens: response.inputTokens ?? null,
        output_tokens: response.outputTokens ?? null,
        finish_reasons: response.finishReasons,
        ...(outcome.kind === 'cancelled' ? { cancelled: true } : {}),
      });
    } catch (err) {
      this._diag.error('failed to finish a chat span', err);
    }
  }

  /**
   * The latest usage counters of one call (gen-ai-token-metrics.md): input and output always,
   * `0` when the call returned no usage; the cache and reasoning subsets when reported.
   * LangChain's usage totals are not split by modality, hence `unknown`.
   */
  private recordUsage(response: ResponseInfo, genAiAttrs: Attributes): void {
    const attrs = {
      ...genAiAttrs,
      [s.ATTR_GEN_AI_TOKEN_MODALITY]: s.GEN_AI_TOKEN_MODALITY_UNKNOWN,
    };
    this._usage.input.add(response.inputTokens ?? 0, attrs);
    this._usage.output.add(response.outputTokens ?? 0, attrs);
    if (response.cacheReadTokens !== undefined)
      this._usage.cacheRead.add(response.cacheReadTokens, attrs);
    if (response.cacheWriteTokens !== undefined)
      this._usage.cacheWrite.add(response.cacheWriteTokens, attrs);
    if (response.reasoningTokens !== undefined)
      this._usage.reasoning.add(response.reasoningTokens, attrs);
  }

  private sink(): EventSink {
    return eventSink(this.logger, this._shared);
  }
}

function safe<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}
