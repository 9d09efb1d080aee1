/**
 * LangChain vector-store instrumentation: `retrieval {store}` CLIENT spans for every
 * similarity search (called directly or through `asRetriever()`), and
 * `{insert|update|delete} {collection}` CLIENT spans for writes.
 *
 * `addDocuments`, `addVectors` and `similaritySearchVectorWithScore` are abstract in
 * `VectorStore`, so patching its prototype is not enough. The concrete class is patched
 * (once per prototype, only methods it defines itself) the first time an instance is seen:
 * - at construction: `Serializable`'s constructor reads the public `lc_serializable_keys`
 *   getter; a getter on `VectorStore.prototype` returns the inherited value unchanged and
 *   notes the new instance (subclasses that override the getter are seen later);
 * - on the first call of a concrete base method (`similaritySearch`, `asRetriever`, ...).
 * Stores that cannot be patched this way (no `VectorStore` subclass, frozen prototypes) are
 * instrumented per instance with {@link LangChainVectorStoreInstrumentation.instrumentVectorStore}.
 *
 * An operation nested in another on the same store (`similaritySearch` calling
 * `similaritySearchVectorWithScore`, `addDocuments` calling `addVectors`) is recorded once,
 * by the outer call; the inner search's scores enrich the outer span.
 *
 * Insert vs update: an add whose ids (given in `options.ids`) include an id already written
 * through an instrumented store in this process is an `update`; otherwise `insert`. Ids are
 * remembered in a bounded set (`maxTrackedDocumentIds`), so very old ids count as inserts.
 * A write looks at and remembers at most 256 of its ids (all of a small batch, an even
 * spread of a large one), so its bookkeeping costs the same whatever the batch size.
 */
import { type Attributes, type Counter, diag, type Histogram, SpanKind } from '@opentelemetry/api';
import type { InstrumentationNodeModuleDefinition } from '@opentelemetry/instrumentation';
import { InstrumentationBase, isWrapped } from '@opentelemetry/instrumentation';

import { sharePackageVersionLookups } from '../base.js';
import * as s from '../../semconv.js';
import { captureContent, resolveSharedConfig } from '../../telemetry/content.js';
import { retrievalTopKAttribute } from '../../telemetry/semconv-mode.js';
import { recordFailure, traceOperation } from '../../telemetry/operation.js';
import { emitEvent, type EventSink, eventSink } from '../../telemetry/events.js';
import {
  createCounterFromCatalogue,
  createHistogramFromCatalogue,
} from '../../telemetry/instruments.js';
import {
  getTurn,
  getVectorOp,
  setVectorOp,
  type VectorOpState,
} from '../../telemetry/turn-context.js';
import type { ResolvedSharedConfig } from '../types.js';
import { instrumentStoreEmbeddings } from '../embeddings/instrumentation.js';
import { activeInstance } from '../active-instance.js';
import { dualBuildModule } from '../module-files.js';
import { PACKAGE_VERSION, SUPPORTED_LANGCHAIN_CORE_VERSIONS } from '../version.js';
import type {
  AnyMethod,
  VectorStoreClass,
  VectorStoreLike,
  VectorStoresModuleLike,
} from './internal-types.js';
import type { LangChainVectorStoreInstrumentationConfig } from './types.js';
import {
  BoundedIdSet,
  DELETE_METHOD,
  documentsForCapture,
  idsOf,
  INSTRUMENTED_METHODS,
  returnedIds,
  SEARCH_METHODS,
  type SearchMethod,
  searchResults,
  storeCollection,
  storeSystem,
  topK,
  WRITE_METHODS,
  type WriteMethod,
} from './utils.js';

export const VECTOR_STORE_INSTRUMENTATION_NAME =
  'lorechat-otel/instrumentation-langchain-vectorstores';

const DEFAULT_MAX_IDS = 50_000;
const CONSTRUCTION_HOOK = 'lc_serializable_keys';
const BASE_HOOKED_METHODS = [
  'similaritySearch',
  'similaritySearchWithScore',
  'maxMarginalRelevanceSearch',
  'delete',
] as const;
const INSTANCE_WRAPPED = Symbol.for('lorechat.vectorstore.instanceWrapped');
/** The enabled instance, for the standalone {@link instrumentVectorStore}. */
const ACTIVE = activeInstance<LangChainVectorStoreInstrumentation>('vectorStoreInstrumentation');

/**
 * Instruments one vector store object with the enabled {@link LangChainVectorStoreInstrumentation}
 * (see its `instrumentVectorStore`). Without an enabled instrumentation the store is
 * returned unchanged (a diag warning says so).
 */
export function instrumentVectorStore<T extends object>(store: T): T {
  const active = ACTIVE.get();
  if (!active) {
    diag.warn(
      'lorechat: instrumentVectorStore called before the vector store instrumentation was enabled',
    );
    return store;
  }
  return active.instrumentVectorStore(store);
}

export class LangChainVectorStoreInstrumentation extends InstrumentationBase<LangChainVectorStoreInstrumentationConfig> {
  declare private _shared: ResolvedSharedConfig;
  declare private _seenIds: BoundedIdSet;
  declare private _patchedProtos: WeakSet<object>;
  declare private _protoWraps: [object, string][];
  declare private _baseProtos: Set<VectorStoreLike>;
  declare private _operationsByStatus: Counter;
  declare private _duration: Histogram;
  declare private _documents: Histogram;
  declare private _operations: Counter;
  declare private _errors: Counter;

  constructor(config: LangChainVectorStoreInstrumentationConfig = {}) {
    super(VECTOR_STORE_INSTRUMENTATION_NAME, PACKAGE_VERSION, config);
    sharePackageVersionLookups(this);
  }

  override setConfig(config: LangChainVectorStoreInstrumentationConfig = {}): void {
    super.setConfig(config);
    this._shared = resolveSharedConfig(config);
    const max = config.maxTrackedDocumentIds;
    this._seenIds = new BoundedIdSet(
      Number.isInteger(max) && (max as number) > 0 ? (max as number) : DEFAULT_MAX_IDS,
    );
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
    this._operationsByStatus = createCounterFromCatalogue(
      this.meter,
      s.METRIC_VECTOR_STORE_OPERATIONS,
    );
    this._duration = createHistogramFromCatalogue(
      this.meter,
      s.METRIC_VECTOR_STORE_OPERATION_DURATION,
    );
    this._documents = createHistogramFromCatalogue(
      this.meter,
      s.METRIC_VECTOR_STORE_SEARCH_DOCUMENTS,
    );
    this._operations = createCounterFromCatalogue(this.meter, s.METRIC_LORECHAT_OPERATIONS);
    this._errors = createCounterFromCatalogue(this.meter, s.METRIC_LORECHAT_ERRORS);
  }

  protected init(): InstrumentationNodeModuleDefinition[] {
    return [
      dualBuildModule<VectorStoresModuleLike>(
        '@langchain/core',
        SUPPORTED_LANGCHAIN_CORE_VERSIONS,
        [
          {
            path: 'dist/vectorstores',
            patch: (exports) => this.patch(exports.VectorStore),
            unpatch: (exports) => this.unpatch(exports.VectorStore),
          },
        ],
      ),
    ];
  }

  /** Patches an already loaded `@langchain/core/vectorstores`. */
  manuallyInstrument(moduleExports: object): void {
    const module = moduleExports as VectorStoresModuleLike;
    this.patch(module.VectorStore);
  }

  /** Undoes {@link manuallyInstrument}, including the concrete classes patched since. */
  manuallyUninstrument(moduleExports: object): void {
    const module = moduleExports as VectorStoresModuleLike;
    this.unpatch(module.VectorStore);
  }

  /**
   * Instruments one store object directly (its own methods shadow the class's), for stores
   * whose class cannot be patched. Safe to call on an already instrumented store: an
   * operation is recorded once. Returns the same store.
   */
  instrumentVectorStore<T extends object>(store: T): T {
    try {
      const target = store as unknown as Record<string | symbol, unknown>;
      if (target[INSTANCE_WRAPPED]) return store;
      for (const method of INSTRUMENTED_METHODS) {
        const original = target[method];
        if (typeof original !== 'function') continue;
        Object.defineProperty(target, method, {
          configurable: true,
          writable: true,
          value: this.methodWrapper(method)(original as AnyMethod),
        });
      }
      Object.defineProperty(target, INSTANCE_WRAPPED, { value: true });
    } catch (err) {
      this._diag.error('failed to instrument a vector store instance', err);
    }
    return store;
  }

  private patch(VectorStore: VectorStoreClass | undefined): void {
    const base = VectorStore?.prototype;
    if (!base) {
      this._diag.debug('VectorStore not found; vector stores are not traced');
      return;
    }
    this.unpatch(VectorStore);
    this._baseProtos.add(base);
    const see = (store: unknown): void => this.seeInstance(store);
    for (const method of BASE_HOOKED_METHODS) {
      if (typeof base[method] !== 'function') continue;
      this._wrap(base as Record<string, AnyMethod>, method, (original) => {
        const recorded = this.methodWrapper(method)(original);
        return function (this: unknown, ...args: unknown[]) {
          see(this);
          return recorded.apply(this, args);
        };
      });
    }
    if (typeof base.asRetriever === 'function') {
      this._wrap(
        base as Record<string, AnyMethod>,
        'asRetriever',
        (original) =>
          function (this: unknown, ...args: unknown[]) {
            see(this);
            return original.apply(this, args);
          },
      );
    }
    if (!Object.prototype.hasOwnProperty.call(base, CONSTRUCTION_HOOK)) {
      Object.defineProperty(base, CONSTRUCTION_HOOK, {
        configurable: true,
        enumerable: false,
        get(this: VectorStoreLike) {
          see(this);
          return Reflect.get(
            Object.getPrototypeOf(base) as object,
            CONSTRUCTION_HOOK,
            this,
          ) as unknown;
        },
      });
    }
  }

  private unpatch(VectorStore: VectorStoreClass | undefined): void {
    const base = VectorStore?.prototype;
    if (!base) return;
    for (const method of [...BASE_HOOKED_METHODS, 'asRetriever']) {
      if (isWrapped(base[method])) this._unwrap(base as Record<string, AnyMethod>, method);
    }
    const desc = Object.getOwnPropertyDescriptor(base, CONSTRUCTION_HOOK);
    if (desc?.get && desc.configurable) delete (base as Record<string, unknown>)[CONSTRUCTION_HOOK];
    for (const [proto, method] of this._protoWraps.splice(0)) {
      if (isWrapped((proto as Record<string, unknown>)[method]))
        this._unwrap(proto as Record<string, AnyMethod>, method);
      this._patchedProtos.delete(proto);
    }
    this._baseProtos.delete(base);
  }

  /** Patches the concrete classes between `store` and `VectorStore.prototype`, once each. */
  private seeInstance(store: unknown): void {
    try {
      if (store === null || typeof store !== 'object') return;
      instrumentStoreEmbeddings((store as { embeddings?: unknown }).embeddings);
      for (
        let proto = Object.getPrototypeOf(store) as object | null;
        proto && proto !== Object.prototype && !this._baseProtos.has(proto as VectorStoreLike);
        proto = Object.getPrototypeOf(proto) as object | null
      ) {
        if (this._patchedProtos.has(proto)) break;
        this._patchedProtos.add(proto);
        if (Object.isFrozen(proto)) continue;
        for (const method of INSTRUMENTED_METHODS) {
          const desc = Object.getOwnPropertyDescriptor(proto, method);
          if (!desc || typeof desc.value !== 'function' || isWrapped(desc.value)) continue;
          this._wrap(proto as Record<string, AnyMethod>, method, (original) =>
            this.methodWrapper(method)(original),
          );
          this._protoWraps.push([proto, method]);
        }
      }
    } catch (err) {
      this._diag.error('failed to instrument a vector store class', err);
    }
  }

  private methodWrapper(method: string): (original: AnyMethod) => AnyMethod {
    return (original) => {
      const traced = (store: unknown, args: unknown[]): unknown =>
        this.tracedMethod(method, original, store, args);
      return function lorechatVectorStoreMethod(this: unknown, ...args: unknown[]): unknown {
        return traced(this, args);
      };
    };
  }

  private tracedMethod(
    method: string,
    original: AnyMethod,
    store: unknown,
    args: unknown[],
  ): unknown {
    const active = getVectorOp();
    if (!this.isEnabled() || (active && active.store === store)) {
      if (active && active.store === store && method === 'similaritySearchVectorWithScore') {
        return this.collectScores(active, original.apply(store, args));
      }
      return original.apply(store, args);
    }
    const target = store as VectorStoreLike;
    if (method in SEARCH_METHODS)
      return this.runSearch(method as SearchMethod, target, original, args);
    if (method in WRITE_METHODS)
      return this.runWrite(method as WriteMethod, target, original, args);
    if (method === DELETE_METHOD) return this.runDelete(target, original, args);
    return original.apply(store, args);
  }

  private collectScores(op: VectorOpState, result: unknown): unknown {
    if (!(result instanceof Promise)) return result;
    return result.then((value: unknown) => {
      try {
        op.scores = searchResults(value).scores;
      } catch {
        // scores are optional
      }
      return value;
    });
  }

  private runSearch(
    method: SearchMethod,
    store: VectorStoreLike,
    original: AnyMethod,
    args: unknown[],
  ): unknown {
    const op: VectorOpState = { store, scores: undefined };
    let meta: {
      collection: string;
      k: number | undefined;
      threadId: string | undefined;
      requestId: string | undefined;
    };
    return traceOperation(
      this.tracer,
      () => {
        const collection = storeCollection(store);
        const positions = SEARCH_METHODS[method];
        const k = topK(args[positions.k]);
        const turn = getTurn();
        meta = { collection, k, threadId: turn?.threadId, requestId: turn?.requestId };
        const attributes: Attributes = {
          [s.ATTR_GEN_AI_OPERATION_NAME]: s.GEN_AI_OPERATION_RETRIEVAL,
          [s.ATTR_GEN_AI_DATA_SOURCE_ID]: collection,
          [s.ATTR_DB_SYSTEM_NAME]: storeSystem(store),
          [s.ATTR_DB_COLLECTION_NAME]: collection,
        };
        if (k !== undefined) attributes[retrievalTopKAttribute(this._shared.genAiSemconv)] = k;
        if (positions.query >= 0 && typeof args[positions.query] === 'string') {
          const q = captureContent(this._shared, args[positions.query]);
          if (q !== undefined) attributes[s.ATTR_GEN_AI_RETRIEVAL_QUERY_TEXT] = q;
        }
        return { name: `${s.SPAN_RETRIEVAL} ${collection}`, kind: SpanKind.CLIENT, attributes };
      },
      () => original.apply(store, args),
      ({ span, start }, outcome) => {
        const durationS = (performance.now() - start) / 1000;
        const error = outcome.kind === 'error' ? { thrown: outcome.error } : undefined;
        const { count, scores, docs } =
          outcome.kind === 'done'
            ? searchResults(outcome.result)
            : { count: undefined, scores: undefined, docs: [] };
        const allScores = scores ?? op.scores;
        if (count !== undefined) span.setAttribute(s.ATTR_LORECHAT_RETRIEVAL_RESULT_COUNT, count);
        if (allScores) span.setAttribute(s.ATTR_LORECHAT_RETRIEVAL_SCORES, allScores);
        const captured = error
          ? undefined
          : captureContent(this._shared, documentsForCapture(docs, allScores));
        if (captured !== undefined) span.setAttribute(s.ATTR_GEN_AI_RETRIEVAL_DOCUMENTS, captured);
        const type = error ? recordFailure(span, error.thrown) : undefined;
        this.recordOperation('search', durationS, type);
        if (count !== undefined) this._documents.record(count);
        emitEvent(
          this.sink(),
          span,
          s.EVENT_VECTOR_SEARCH,
          {
            threadId: meta.threadId,
            requestId: meta.requestId,
            durationMs: durationS * 1000,
            error,
          },
          { store: meta.collection, top_k: meta.k ?? null, docs_retrieved: count ?? null },
        );
      },
      { what: 'retrieval', context: (ctx) => setVectorOp(ctx, op) },
    );
  }

  private runWrite(
    method: WriteMethod,
    store: VectorStoreLike,
    original: AnyMethod,
    args: unknown[],
  ): unknown {
    let meta: {
      collection: string;
      operation: 'insert' | 'update';
      batch: number | undefined;
      ids: string[] | undefined;
    };
    const turn = getTurn();
    return traceOperation(
      this.tracer,
      () => {
        const collection = storeCollection(store);
        const positions = WRITE_METHODS[method];
        const docs = args[positions.docs];
        const batch = Array.isArray(docs) ? docs.length : undefined;
        const ids = idsOf(args[positions.options], docs);
        const operation = ids?.some((id) => this._seenIds.has(`${collection}\u0000${id}`))
          ? 'update'
          : 'insert';
        meta = { collection, operation, batch, ids };
        const attributes: Attributes = {
          [s.ATTR_DB_SYSTEM_NAME]: storeSystem(store),
          [s.ATTR_DB_OPERATION_NAME]: operation,
          [s.ATTR_DB_COLLECTION_NAME]: collection,
        };
        if (batch !== undefined) attributes[s.ATTR_DB_OPERATION_BATCH_SIZE] = batch;
        return { name: `${operation} ${collection}`, kind: SpanKind.CLIENT, attributes };
      },
      () => original.apply(store, args),
      ({ span, start }, outcome) => {
        const durationS = (performance.now() - start) / 1000;
        const error = outcome.kind === 'error' ? { thrown: outcome.error } : undefined;
        if (outcome.kind === 'done') {
          const written = meta.ids ?? returnedIds(outcome.result);
          for (const id of written) this._seenIds.add(`${meta.collection}\u0000${id}`);
        }
        const type = error ? recordFailure(span, error.thrown) : undefined;
        this.recordOperation(meta.operation, durationS, type);
        emitEvent(
          this.sink(),
          span,
          meta.operation === 'update' ? s.EVENT_VECTOR_UPDATE : s.EVENT_VECTOR_INSERT,
          {
            threadId: turn?.threadId,
            requestId: turn?.requestId,
            durationMs: durationS * 1000,
            error,
          },
          { collection: meta.collection, batch_size: meta.batch ?? null },
        );
      },
      {
        what: 'vector store write',
        context: (ctx) => setVectorOp(ctx, { store, scores: undefined }),
      },
    );
  }

  private runDelete(store: VectorStoreLike, original: AnyMethod, args: unknown[]): unknown {
    return traceOperation(
      this.tracer,
      () => {
        const collection = storeCollection(store);
        return {
          name: `delete ${collection}`,
          kind: SpanKind.CLIENT,
          attributes: {
            [s.ATTR_DB_SYSTEM_NAME]: storeSystem(store),
            [s.ATTR_DB_OPERATION_NAME]: 'delete',
            [s.ATTR_DB_COLLECTION_NAME]: collection,
          },
        };
      },
      () => original.apply(store, args),
      ({ span, start }, outcome) => {
        const type = outcome.kind === 'error' ? recordFailure(span, outcome.error) : undefined;
        this.recordOperation('delete', (performance.now() - start) / 1000, type);
      },
      {
        what: 'vector store delete',
        context: (ctx) => setVectorOp(ctx, { store, scores: undefined }),
      },
    );
  }

  private recordOperation(operation: string, durationS: number, errorType?: string): void {
    const status = errorType !== undefined ? s.STATUS_ERROR : s.STATUS_SUCCESS;
    const attrs = { [s.METRIC_ATTR_OPERATION]: operation, [s.METRIC_ATTR_STATUS]: status };
    this._operationsByStatus.add(1, attrs);
    this._duration.record(durationS, attrs);
    this._operations.add(1, { [s.METRIC_ATTR_COMPONENT]: 'vector' });
    if (errorType !== undefined) {
      this._errors.add(1, { [s.METRIC_ATTR_COMPONENT]: 'vector', [s.ATTR_ERROR_TYPE]: errorType });
    }
  }

  private sink(): EventSink {
    return eventSink(this.logger, this._shared);
  }
}
