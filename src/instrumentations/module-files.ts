import {
  InstrumentationNodeModuleDefinition,
  InstrumentationNodeModuleFile,
} from '@opentelemetry/instrumentation';

/** One file of a package to patch, named without its extension. */
export interface PatchedFile<T> {
  /** Path inside the package without extension, e.g. `dist/pregel/index`. */
  readonly path: string;
  readonly patch: (exports: T) => void;
  readonly unpatch: (exports: T) => void;
}

/**
 * The module definition for files of a dual-build package: `require` loads `dist/x.cjs` and
 * `import` loads `dist/x.js`, so each file is hooked in both builds.
 */
export function dualBuildModule<T>(
  name: string,
  versions: string[],
  files: ReadonlyArray<PatchedFile<T>>,
): InstrumentationNodeModuleDefinition {
  return new InstrumentationNodeModuleDefinition(
    name,
    versions,
    undefined,
    undefined,
    files.flatMap(({ path, patch, unpatch }) =>
      ['js', 'cjs'].map(
        (ext) =>
          new InstrumentationNodeModuleFile(
            `${name}/${path}.${ext}`,
            versions,
            (exports: T) => {
              patch(exports);
              return exports;
            },
            (exports: T) => unpatch(exports),
          ),
      ),
    ),
  );
}
