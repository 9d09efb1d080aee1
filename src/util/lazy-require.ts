/**
 * Synchronous, on-demand loading of optional dependencies (the gRPC exporters, the OTLP/HTTP
 * configuration helpers, the B3 propagator) from both builds: the CommonJS build has
 * `require`, the ES module build gets one from `createRequire(import.meta.url)`. Start-up
 * must stay synchronous (`--require` registers the SDK before the app's first line), so
 * `import()` is not an option; what a configuration does not use is never loaded.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/** This file's URL in either build. */
export function moduleUrl(): string {
  // The CommonJS build has `__filename` and no `import.meta`; the ES module build the reverse.
  return typeof __filename === 'string' ? pathToFileURL(__filename).href : import.meta.url;
}

let cached: NodeJS.Require | undefined;

/** Loads a package the way our own build would resolve it. */
export function lazyRequire<T>(id: string): T {
  cached ??= createRequire(moduleUrl());
  return cached(id) as T;
}
