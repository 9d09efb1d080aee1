/**
 * LangChain retriever instrumentation: one `retrieval {retriever}` CLIENT span per call of
 * any `BaseRetriever` (a custom retriever, a BM25 or web-search retriever, a multi-query
 * retriever...), with the number of documents returned.
 *
 * Patch point: `BaseRetriever.prototype.invoke` (public; `getRelevantDocuments` and chains
 * call it, and subclasses implement `_getRelevantDocuments`, which runs inside it).
 *
 * A `VectorStoreRetriever` (`store.asRetriever()`) is left to the vector-store
 * instrumentation, which records its search with the store's attributes: one retrieval
 * span, not two. A retriever called inside another retriever's call is recorded too (a
 * multi-query retriever's inner retrievals are separate operations), but the same retriever
 * re-entering itself is not.
 */
import { type Attributes, SpanKind } from '@opentelemetry/api';

import * as s from '../../semconv.js';
import { captureContent } from '../../telemetry/content.js';
import { retrievalTopKAttribute } from '../../telemetry/semconv-mode.js';
import {
  type Operation,
  type Outcome,
  recordFailure,
  traceOperation,
} from '../../telemetry/operation.js';
import { getTurn, markNested, nestedOwner } from '../../telemetry/turn-context.js';
import { boundedName, LoreChatMethodInstrumentation, type PatchedMethod } from '../base.js';
import { PACKAGE_VERSION } from '../version.js';
import type { LangChainRetrieverInstrumentationConfig } from './types.js';

export const RETRIEVER_INSTRUMENTATION_NAME = 'lorechat-otel/instrumentation-langchain-retrievers';

type InvokeFn = (input: unknown, options?: unknown) => Promise<unknown>;

interface RetrieverLike {
  invoke: InvokeFn;
  vectorStore?: unknown;
  name?: unknown;
  getName?: () => string;
  k?: unknown;
}

type AnyMethod = (this: unknown, ...args: unknown[]) => unknown;

export class LangChainRetrieverInstrumentation extends LoreChatMethodInstrumentation<LangChainRetrieverInstrumentationConfig> {
  constructor(config: LangChainRetrieverInstrumentationConfig = {}) {
    super(RETRIEVER_INSTRUMENTATION_NAME, PACKAGE_VERSION, config);
  }

  protected patchedMethod(): PatchedMethod {
    return { path: 'dist/retrievers/index', exportName: 'BaseRetriever', method: 'invoke' };
  }

  protected traced(self: object, original: AnyMethod, args: unknown[]): Promise<unknown> {
    return this.tracedInvoke(
      self as RetrieverLike,
      original as InvokeFn,
      args as Parameters<InvokeFn>,
    );
  }

  private tracedInvoke(
    retriever: RetrieverLike,
    original: InvokeFn,
    args: Parameters<InvokeFn>,
  ): Promise<unknown> {
    if (
      !this.isEnabled() ||
      isVectorStoreRetriever(retriever) ||
      nestedOwner('retriever') === retriever
    )
      return original.apply(retriever, args);
    const [input] = args;
    let name = 'retriever';
    return traceOperation(
      this.tracer,
      () => {
        name = retrieverName(retriever);
        const turn = getTurn();
        const attributes: Attributes = {
          [s.ATTR_GEN_AI_OPERATION_NAME]: s.GEN_AI_OPERATION_RETRIEVAL,
          [s.ATTR_GEN_AI_DATA_SOURCE_ID]: name,
        };
        const k = retriever.k;
        if (typeof k === 'number' && Number.isInteger(k) && k > 0)
          attributes[retrievalTopKAttribute(this._shared.genAiSemconv)] = k;
        if (turn?.threadId !== undefined) attributes[s.ATTR_GEN_AI_CONVERSATION_ID] = turn.threadId;
        const query = typeof input === 'string' ? captureContent(this._shared, input) : undefined;
        if (query !== undefined) attributes[s.ATTR_GEN_AI_RETRIEVAL_QUERY_TEXT] = query;
        return { name: `${s.SPAN_RETRIEVAL} ${name}`, kind: SpanKind.CLIENT, attributes };
      },
      () => original.apply(retriever, args),
      (op, outcome) => this.finish(op, outcome),
      { what: 'retriever', context: (ctx) => markNested(ctx, 'retriever', retriever) },
    );
  }

  private finish(op: Operation, outcome: Outcome): void {
    if (outcome.kind === 'error') {
      this.countOperation('retriever', recordFailure(op.span, outcome.error));
      return;
    }
    if (outcome.kind === 'done' && Array.isArray(outcome.result)) {
      const count = outcome.result.length;
      op.span.setAttribute(s.ATTR_LORECHAT_RETRIEVAL_RESULT_COUNT, count);
      const docs = captureContent(this._shared, outcome.result);
      if (docs !== undefined) op.span.setAttribute(s.ATTR_GEN_AI_RETRIEVAL_DOCUMENTS, docs);
    }
    this.countOperation('retriever');
  }
}

/** `VectorStoreRetriever` and its subclasses: searches recorded by the vector-store instrumentation. */
function isVectorStoreRetriever(retriever: RetrieverLike): boolean {
  try {
    const store = retriever.vectorStore;
    return store !== null && typeof store === 'object';
  } catch {
    return false;
  }
}

function retrieverName(retriever: RetrieverLike): string {
  try {
    if (typeof retriever.getName === 'function')
      return boundedName(retriever.getName(), 'retriever');
  } catch {
    // fall through
  }
  return boundedName(retriever.name, 'retriever');
}
