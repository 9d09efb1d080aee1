/**
 * LangChain embeddings instrumentation: one `embeddings {model}` CLIENT span per
 * `embedQuery` / `embedDocuments` call of any `Embeddings` class (GenAI semantic
 * conventions, "Embeddings"), with `gen_ai.client.operation.duration`.
 *
 * `embedQuery` and `embedDocuments` are abstract: every provider class defines its own, so
 * the concrete classes are patched (once per prototype, only the methods they define), as
 * the vector-store instrumentation does. A class is seen when it is constructed: the
 * `Embeddings` export of `@langchain/core/embeddings` is replaced by a Proxy of the same class
 * whose `construct` trap notes each new instance (`class X extends Embeddings` then runs
 * through the trap on `super()`; `instanceof`, statics and the prototype are the original's).
 * Classes built on an `Embeddings` loaded before the instrumentation was enabled are seen
 * when a vector store using them is (see the vector-store instrumentation), or with
 * {@link LangChainEmbeddingsInstrumentation.instrumentEmbeddings}.
 *
 * A call nested in another call on the same object (`embedDocuments` implemented with
 * `embedQuery`) is recorded once, by the outer call.
 */
import { type Attributes, type Histogram, SpanKind } from '@opentelemetry/api';
import type { InstrumentationNodeModuleDefinition } from '@opentelemetry/instrumentation';
import { isWrapped } from '@opentelemetry/instrumentation';

import * as s from '../../semconv.js';
import { createHistogramFromCatalogue } from '../../telemetry/instruments.js';
import {
  elapsedSeconds,
  type Operation,
  type Outcome,
  recordFailure,
  traceOperation,
} from '../../telemetry/operation.js';
import { getTurn, markNested, nestedOwner } from '../../telemetry/turn-context.js';
import { boundedName, LoreChatInstrumentationBase } from '../base.js';
import { activeInstance } from '../active-instance.js';
import { dualBuildModule } from '../module-files.js';
import { PACKAGE_VERSION, SUPPORTED_LANGCHAIN_CORE_VERSIONS } from '../version.js';
import type { LangChainEmbeddingsInstrumentationConfig } from './types.js';

export const EMBEDDINGS_INSTRUMENTATION_NAME = 'lorechat-otel/instrumentation-langchain-embeddings';

const METHODS = ['embedQuery', 'embedDocuments'] as const;
type Method = (typeof METHODS)[number];
type AnyMethod = (this: unknown, ...args: unknown[]) => unknown;
type EmbeddingsClass = abstract new (...args: never[]) => object;

interface EmbeddingsModuleLike {
  Embeddings?: EmbeddingsClass;
}

/** The original class behind each Proxy we put in a module's exports. */
const ORIGINAL_CLASS = Symbol.for('lorechat.embeddings.originalClass');

/**
 * The enabled instance, on `globalThis` so that the vector-store instrumentation of either
 * build (CJS or ESM, both possibly loaded) can hand it the embeddings a store uses.
 */
const ACTIVE = activeInstance<LangChainEmbeddingsInstrumentation>('embeddingsInstrumentation');

/**
 * Instruments the class of embeddings a vector store uses, when the embeddings
 * instrumentation is enabled (classes defined before it was are seen this way too).
 */
export function instrumentStoreEmbeddings(embeddings: unknown): void {
  const active = ACTIVE.get();
  if (active && embeddings !== null && typeof embeddings === 'object')
    active.instrumentEmbeddings(embeddings);
}

export class LangChainEmbeddingsInstrumentation extends LoreChatInstrumentationBase<LangChainEmbeddingsInstrumentationConfig> {
  declare private _duration: Histogram;
  declare private _patchedProtos: WeakSet<object>;
  declare private _protoWraps: [object, Method][];
  declare private _baseProtos: Set<object>;

  constructor(config: LangChainEmbeddingsInstrumentationConfig = {}) {
    super(EMBEDDINGS_INSTRUMENTATION_NAME, PACKAGE_VERSION, config);
  }

  override setConfig(config: LangChainEmbeddingsInstrumentationConfig = {}): void {
    super.setConfig(config);
    this._patchedProtos ??= new WeakSet();
    this._protoWraps ??= [];
    this._baseProtos ??= new Set();
  }

  override enable(): void {
    super.enable();
    ACTIVE.set(this);
  }

  override disable(): void {
    super.disable();
    ACTIVE.clear(this);
  }

  protected override _updateMetricInstruments(): void {
    super._updateMetricInstruments();
    this._duration = createHistogramFromCatalogue(
      this.meter,
      s.METRIC_GEN_AI_CLIENT_OPERATION_DURATION,
    );
  }

  protected init(): InstrumentationNodeModuleDefinition[] {
    return [
      dualBuildModule<EmbeddingsModuleLike>('@langchain/core', SUPPORTED_LANGCHAIN_CORE_VERSIONS, [
        {
          path: 'dist/embeddings',
          patch: (exports) => this.patch(exports),
          unpatch: (exports) => this.unpatch(exports),
        },
      ]),
    ];
  }

  /** Patches an already loaded `@langchain/core/embeddings` (classes defined later are seen). */
  manuallyInstrument(moduleExports: object): void {
    this.patch(moduleExports);
  }

  /** Undoes {@link manuallyInstrument}, including the concrete classes patched since. */
  manuallyUninstrument(moduleExports: object): void {
    this.unpatch(moduleExports);
  }

  /**
   * Patches the class of one embeddings object (and its parents up to `Embeddings`), for
   * classes the construction hook could not see. Returns the same object.
   */
  instrumentEmbeddings<T extends object>(embeddings: T): T {
    this.seeInstance(embeddings);
    return embeddings;
  }

  private patch(module: EmbeddingsModuleLike): void {
    const Original = originalOf(module.Embeddings);
    if (typeof Original !== 'function' || !Original.prototype) {
      this._diag.debug('Embeddings not found; embeddings calls are not traced');
      return;
    }
    this.unpatch(module);
    this._baseProtos.add(Original.prototype as object);
    const see = (instance: object): void => this.seeInstance(instance);
    const proxy = new Proxy(Original, {
      construct(target, args, newTarget) {
        const instance = Reflect.construct(target, args, newTarget) as object;
        see(instance);
        return instance;
      },
      get(target, key, receiver) {
        return key === ORIGINAL_CLASS ? target : (Reflect.get(target, key, receiver) as unknown);
      },
    });
    try {
      (module as Record<string, unknown>).Embeddings = proxy;
    } catch (err) {
      this._diag.debug('the Embeddings export cannot be replaced; use instrumentEmbeddings', err);
    }
  }

  private unpatch(module: EmbeddingsModuleLike): void {
    const current = module.Embeddings;
    const original = originalOf(current);
    if (original !== current) {
      try {
        (module as Record<string, unknown>).Embeddings = original;
      } catch {
        // an export that cannot be written was never replaced
      }
    }
    for (const [proto, method] of this._protoWraps.splice(0)) {
      if (isWrapped((proto as Record<string, unknown>)[method]))
        this._unwrap(proto as Record<Method, AnyMethod>, method);
      this._patchedProtos.delete(proto);
    }
    if (original?.prototype) this._baseProtos.delete(original.prototype as object);
  }

  /** Patches the concrete classes between `instance` and `Embeddings.prototype`, once each. */
  private seeInstance(instance: object): void {
    try {
      for (
        let proto = Object.getPrototypeOf(instance) as object | null;
        proto && proto !== Object.prototype && !this._baseProtos.has(proto);
        proto = Object.getPrototypeOf(proto) as object | null
      ) {
        if (this._patchedProtos.has(proto)) break;
        this._patchedProtos.add(proto);
        if (Object.isFrozen(proto)) continue;
        for (const method of METHODS) {
          const desc = Object.getOwnPropertyDescriptor(proto, method);
          if (!desc || typeof desc.value !== 'function' || isWrapped(desc.value)) continue;
          this._wrap(proto as Record<Method, AnyMethod>, method, (original: AnyMethod) =>
            this.methodWrapper(method, original),
          );
          this._protoWraps.push([proto, method]);
        }
      }
    } catch (err) {
      this._diag.error('failed to instrument an embeddings class', err);
    }
  }

  private methodWrapper(method: Method, original: AnyMethod): AnyMethod {
    const traced = (embeddings: object, args: unknown[]): unknown =>
      this.tracedEmbed(method, original, embeddings, args);
    return function lorechatEmbed(this: unknown, ...args: unknown[]): unknown {
      return traced(this as object, args);
    };
  }

  private tracedEmbed(
    method: Method,
    original: AnyMethod,
    embeddings: object,
    args: unknown[],
  ): unknown {
    if (!this.isEnabled() || nestedOwner('embeddings') === embeddings)
      return original.apply(embeddings, args);
    let model = 'unknown';
    let provider = 'unknown';
    return traceOperation(
      this.tracer,
      () => {
        ({ model, provider } = embeddingsModel(embeddings));
        const turn = getTurn();
        const inputs =
          method === 'embedQuery' ? 1 : Array.isArray(args[0]) ? args[0].length : undefined;
        const attributes: Attributes = {
          [s.ATTR_GEN_AI_OPERATION_NAME]: s.GEN_AI_OPERATION_EMBEDDINGS,
          [s.ATTR_GEN_AI_PROVIDER_NAME]: provider,
          [s.ATTR_GEN_AI_REQUEST_MODEL]: model,
        };
        if (inputs !== undefined) attributes[s.ATTR_LORECHAT_EMBEDDINGS_INPUT_COUNT] = inputs;
        if (turn?.threadId !== undefined) attributes[s.ATTR_GEN_AI_CONVERSATION_ID] = turn.threadId;
        return { name: `${s.SPAN_EMBEDDINGS} ${model}`, kind: SpanKind.CLIENT, attributes };
      },
      () => original.apply(embeddings, args),
      (op, outcome) => this.finish(op, outcome, method, model, provider),
      { what: 'embeddings', context: (ctx) => markNested(ctx, 'embeddings', embeddings) },
    );
  }

  private finish(
    op: Operation,
    outcome: Outcome,
    method: Method,
    model: string,
    provider: string,
  ): void {
    const attrs: Attributes = {
      [s.ATTR_GEN_AI_OPERATION_NAME]: s.GEN_AI_OPERATION_EMBEDDINGS,
      [s.ATTR_GEN_AI_PROVIDER_NAME]: provider,
      [s.ATTR_GEN_AI_REQUEST_MODEL]: model,
    };
    let type: string | undefined;
    if (outcome.kind === 'error') {
      type = recordFailure(op.span, outcome.error);
      attrs[s.ATTR_ERROR_TYPE] = type;
    } else if (outcome.kind === 'done') {
      const dims = dimensionCount(method, outcome.result);
      if (dims !== undefined) op.span.setAttribute(s.ATTR_GEN_AI_EMBEDDINGS_DIMENSION_COUNT, dims);
    }
    if (this.getConfig().llmMetrics !== false) this._duration.record(elapsedSeconds(op), attrs);
    // Its own component: chat models count under `llm` from another instrumentation scope,
    // and Prometheus (no scope labels) would fold the two series with equal labels into one.
    this.countOperation('embeddings', type);
  }
}

function originalOf(cls: EmbeddingsClass | undefined): EmbeddingsClass | undefined {
  if (typeof cls !== 'function') return cls;
  const original = (cls as unknown as Record<symbol, unknown>)[ORIGINAL_CLASS];
  return typeof original === 'function' ? (original as EmbeddingsClass) : cls;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/** Model and provider from the public fields provider classes use, bounded. */
function embeddingsModel(embeddings: object): { model: string; provider: string } {
  const e = embeddings as Record<string, unknown>;
  const className = embeddings.constructor?.name ?? '';
  const model = boundedName(
    str(e.model) ?? str(e.modelName) ?? str(e.modelId) ?? str(e.deploymentName),
    boundedName(className, 'unknown'),
  );
  const lower = className.toLowerCase();
  const provider = lower.includes('azure')
    ? 'azure.ai.openai'
    : lower.includes('openai')
      ? 'openai'
      : lower.includes('bedrock')
        ? 'aws.bedrock'
        : lower.includes('cohere')
          ? 'cohere'
          : lower.includes('mistral')
            ? 'mistral_ai'
            : lower.includes('vertex')
              ? 'gcp.vertex_ai'
              : lower.includes('google')
                ? 'gcp.gemini'
                : boundedName(className, 'unknown', 64);
  return { model, provider };
}

function dimensionCount(method: Method, result: unknown): number | undefined {
  const vector: unknown =
    method === 'embedQuery' ? result : Array.isArray(result) ? (result[0] as unknown) : undefined;
  return Array.isArray(vector) && vector.length > 0 ? vector.length : undefined;
}
