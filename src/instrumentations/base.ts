/**
 * What every LoreChat instrumentation shares besides the operation recorder: the resolved
 * shared options, the component counters behind the plan's "error rate by component", and
 * where its events go.
 */
import type { Counter } from '@opentelemetry/api';
import {
  InstrumentationBase,
  type InstrumentationNodeModuleDefinition,
  isWrapped,
} from '@opentelemetry/instrumentation';

import { type Component, ATTR_ERROR_TYPE, METRIC_ATTR_COMPONENT } from '../semconv.js';
import * as s from '../semconv.js';
import { resolveSharedConfig } from '../telemetry/content.js';
import { type EventSink, eventSink } from '../telemetry/events.js';
import { createCounterFromCatalogue } from '../telemetry/instruments.js';
import { dualBuildModule } from './module-files.js';
import type { LoreChatSharedConfig, ResolvedSharedConfig } from './types.js';
import { SUPPORTED_LANGCHAIN_CORE_VERSIONS } from './version.js';

/** Versions read from `package.json`, by module directory: one read per directory. */
const PACKAGE_VERSIONS_KEY = Symbol.for('lorechat-otel.package-versions');
const packageVersions: Map<string, string | undefined> = ((globalThis as Record<symbol, unknown>)[
  PACKAGE_VERSIONS_KEY
] ??= new Map<string, string | undefined>()) as Map<string, string | undefined>;

/**
 * Makes an instrumentation look up each module directory's version once. With
 * `internals: true` hooks, `InstrumentationBase` (`_onRequire`, @opentelemetry/instrumentation
 * 0.301 platform/node/instrumentation.ts) reads and parses the directory's `package.json` on
 * every hooked file that loads -- each of the ~150 files of `@langchain/core` an app loads,
 * once per instrumentation hooking it (five of ours): the largest start-up cost in the
 * profile against the floor (`_extractPackageVersion`, ~195 ms of CPU). A version does not
 * change while the process runs, so one read per directory serves every instrumentation (on
 * `globalThis`, shared by the CJS and ESM builds). Does nothing if the SDK renames the method.
 */
export function sharePackageVersionLookups(instrumentation: object): void {
  const self = instrumentation as unknown as {
    _extractPackageVersion?: (baseDir: string) => string | undefined;
  };
  const read = self._extractPackageVersion;
  if (typeof read !== 'function') return;
  self._extractPackageVersion = (baseDir: string) => {
    if (packageVersions.has(baseDir)) return packageVersions.get(baseDir);
    const version = read.call(instrumentation, baseDir);
    packageVersions.set(baseDir, version);
    return version;
  };
}

export abstract class LoreChatInstrumentationBase<
  C extends LoreChatSharedConfig,
> extends InstrumentationBase<C> {
  // `declare`: InstrumentationBase's constructor calls setConfig and _updateMetricInstruments
  // before field initialisers would run.
  declare protected _shared: ResolvedSharedConfig;
  declare private _componentOperations: Counter;
  declare private _componentErrors: Counter;

  constructor(name: string, version: string, config: C) {
    super(name, version, config);
    sharePackageVersionLookups(this);
  }

  override setConfig(config: C = {} as C): void {
    super.setConfig(config);
    this._shared = resolveSharedConfig(config);
  }

  protected override _updateMetricInstruments(): void {
    this._componentOperations = createCounterFromCatalogue(
      this.meter,
      s.METRIC_LORECHAT_OPERATIONS,
    );
    this._componentErrors = createCounterFromCatalogue(this.meter, s.METRIC_LORECHAT_ERRORS);
  }

  /** Counts one operation of `component`, and one error of `errorType` when it failed. */
  protected countOperation(component: Component, errorType?: string): void {
    this._componentOperations.add(1, { [METRIC_ATTR_COMPONENT]: component });
    if (errorType !== undefined) {
      this._componentErrors.add(1, {
        [METRIC_ATTR_COMPONENT]: component,
        [ATTR_ERROR_TYPE]: errorType,
      });
    }
  }

  protected sink(): EventSink {
    return eventSink(this.logger, this._shared);
  }
}

/** A bounded name for span names and metric attributes (tool, agent, retriever, model). */
export function boundedName(value: unknown, fallback: string, max = 128): string {
  return typeof value === 'string' && value.length > 0 ? value.slice(0, max) : fallback;
}

type AnyMethod = (this: unknown, ...args: unknown[]) => unknown;

/** One public method of a class exported by a file of `@langchain/core`. */
export interface PatchedMethod {
  /** File inside the package without extension, e.g. `dist/tools/index`. */
  readonly path: string;
  /** The exported class, e.g. `StructuredTool`. */
  readonly exportName: string;
  /** The method of its prototype that every operation goes through, e.g. `call`. */
  readonly method: string;
}

/**
 * An instrumentation that wraps one prototype method of one `@langchain/core` class (tools,
 * retrievers): it names the method and writes `traced`, the rest (both builds, manual
 * patching, unpatching) is here.
 */
export abstract class LoreChatMethodInstrumentation<
  C extends LoreChatSharedConfig,
> extends LoreChatInstrumentationBase<C> {
  /** The method to wrap (a constant: called before subclass fields exist). */
  protected abstract patchedMethod(): PatchedMethod;

  /** Runs one call of the wrapped method on `self` (the original when not recording). */
  protected abstract traced(self: object, original: AnyMethod, args: unknown[]): unknown;

  protected init(): InstrumentationNodeModuleDefinition[] {
    const { path } = this.patchedMethod();
    return [
      dualBuildModule<object>('@langchain/core', SUPPORTED_LANGCHAIN_CORE_VERSIONS, [
        {
          path,
          patch: (exports) => this.patchModule(exports),
          unpatch: (exports) => this.unpatchModule(exports),
        },
      ]),
    ];
  }

  /** Patches an already loaded module (e.g. `import * as tools from '@langchain/core/tools'`). */
  manuallyInstrument(moduleExports: object): void {
    this.patchModule(moduleExports);
  }

  /** Undoes {@link manuallyInstrument}. */
  manuallyUninstrument(moduleExports: object): void {
    this.unpatchModule(moduleExports);
  }

  private prototypeOf(moduleExports: object): Record<string, AnyMethod> | undefined {
    const { exportName } = this.patchedMethod();
    const cls = (moduleExports as Record<string, { prototype?: unknown } | undefined>)[exportName];
    const proto = cls?.prototype;
    return proto !== null && typeof proto === 'object'
      ? (proto as Record<string, AnyMethod>)
      : undefined;
  }

  private patchModule(moduleExports: object): void {
    const { exportName, method } = this.patchedMethod();
    const proto = this.prototypeOf(moduleExports);
    if (!proto || typeof proto[method] !== 'function') {
      this._diag.debug(`${exportName}.prototype.${method} not found; not traced`);
      return;
    }
    this.unpatchModule(moduleExports);
    const traced = (self: object, original: AnyMethod, args: unknown[]): unknown =>
      this.traced(self, original, args);
    this._wrap(
      proto,
      method,
      (original: AnyMethod) =>
        function lorechatMethod(this: unknown, ...args: unknown[]): unknown {
          return traced(this as object, original, args);
        },
    );
  }

  private unpatchModule(moduleExports: object): void {
    const { method } = this.patchedMethod();
    const proto = this.prototypeOf(moduleExports);
    if (proto && isWrapped(proto[method])) this._unwrap(proto, method);
  }
}
