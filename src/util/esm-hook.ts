/**
 * ESM support without loader flags: registers import-in-the-middle's loader so that
 * `import` statements of instrumented packages are patched like `require()` calls are.
 *
 * - Node.js versions whose `module.registerHooks()` runs the loader correctly
 *   (import-in-the-middle's `supportsSyncHooks()`: >= 22.22.3, >= 24.11.1) get the
 *   synchronous in-thread hooks: nothing to wait for, usable from `--require` too.
 * - Older ones get `module.register()` of `@opentelemetry/instrumentation/hook.mjs`, the
 *   off-thread loader of `--experimental-loader` days.
 *
 * Either way only the packages the instrumentations patch are intercepted (`include`), not
 * the whole app: wrapping every ES module is slower and breaks some modules
 * (https://github.com/nodejs/import-in-the-middle#only-intercepting-hooked-modules). The
 * list is given up front rather than through `createAddHookMessageChannel()`, so nothing has
 * to be awaited before the app's modules load, and internal files of a package (the
 * instrumentations hook with `internals: true`) are matched by path.
 */
import { diag } from '@opentelemetry/api';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import {
  register as registerHooks,
  supportsSyncHooks,
} from 'import-in-the-middle/register-hooks.mjs';
import * as nodeModule from 'node:module';
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';

/** What {@link registerEsmHook} did. */
export type EsmHookKind = 'sync' | 'async' | 'none';

interface WithModuleDefinitions {
  getModuleDefinitions(): ReadonlyArray<{ name: string }>;
}

function hasModuleDefinitions(i: unknown): i is WithModuleDefinitions {
  return typeof (i as Partial<WithModuleDefinitions>).getModuleDefinitions === 'function';
}

/** Names of the modules the instrumentations patch (`@langchain/core`, ...). */
export function instrumentedModuleNames(instrumentations: readonly Instrumentation[]): string[] {
  const names = new Set<string>();
  for (const i of instrumentations) {
    if (!hasModuleDefinitions(i)) continue;
    for (const def of i.getModuleDefinitions()) names.add(def.name);
  }
  return [...names].sort();
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The loader's `include` list for some module names: the bare name (for the import
 * specifier) and a pattern matching every file of the package in any `node_modules`
 * (pnpm's nested layout included). Absolute paths are matched as files.
 */
export function esmIncludeList(moduleNames: readonly string[]): Array<string | RegExp> {
  const include: Array<string | RegExp> = [];
  for (const name of moduleNames) {
    if (isAbsolute(name)) {
      include.push(pathToFileURL(name).href);
      continue;
    }
    include.push(name, new RegExp(`/node_modules/${escapeRegExp(name)}/`));
  }
  return include;
}

let registered: EsmHookKind | undefined;

/**
 * Registers the ESM loader hook once per process for the given modules. Never throws: a
 * failure leaves CommonJS patching working and is reported through `diag`.
 */
export function registerEsmHook(moduleNames: readonly string[], parentUrl: string): EsmHookKind {
  if (registered !== undefined) return registered;
  registered = 'none';
  if (moduleNames.length === 0) return registered;
  const include = esmIncludeList(moduleNames);
  try {
    if (supportsSyncHooks()) {
      registerHooks({ include });
      registered = 'sync';
    } else if (typeof nodeModule.register === 'function') {
      nodeModule.register('@opentelemetry/instrumentation/hook.mjs', parentUrl, {
        data: { include },
      });
      registered = 'async';
    } else {
      diag.warn('lorechat-otel: this Node.js has no module hooks; ES modules are not instrumented');
    }
  } catch (err) {
    diag.error(
      'lorechat-otel: registering the ESM loader hook failed; ES modules are not instrumented',
      err,
    );
  }
  diag.debug(`lorechat-otel: ESM hook ${registered} for ${moduleNames.join(', ')}`);
  return registered;
}
