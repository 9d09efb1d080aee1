/**
 * The enabled instance of an instrumentation, kept on `globalThis` (not in a module variable)
 * so that the CJS and ESM builds of this package, both possibly loaded in one process, share
 * it: the standalone helpers (`instrumentVectorStore`, a store's embeddings) reach it.
 */
export function activeInstance<T extends object>(name: string) {
  const key = Symbol.for(`lorechat-otel.${name}`);
  const g = globalThis as Record<symbol, unknown>;
  return {
    get: (): T | undefined => g[key] as T | undefined,
    set: (instance: T): void => {
      g[key] = instance;
    },
    /** Clears it if `instance` is the active one. */
    clear: (instance: T): void => {
      if (g[key] === instance) delete g[key];
    },
  };
}
