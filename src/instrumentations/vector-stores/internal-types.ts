/** Structural slices of `@langchain/core/vectorstores` used by the instrumentation. */

export type AnyMethod = (this: unknown, ...args: unknown[]) => unknown;

export interface VectorStoreLike {
  _vectorstoreType?(): string;
  [key: string]: unknown;
}

export interface VectorStoreClass {
  prototype: VectorStoreLike;
}

/** What `manuallyInstrument` accepts: `@langchain/core/vectorstores`. */
export interface VectorStoresModuleLike {
  readonly VectorStore?: VectorStoreClass;
}
