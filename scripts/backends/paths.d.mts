/** Types for paths.mjs (plain JS so that bash scripts can run it without a build). */
export declare const REPO_ROOT: string;
export declare const PROVISION_COMMAND: string;

export interface BackendPaths {
  readonly repoRoot: string;
  readonly cache: string;
  readonly manifest: string;
  readonly ocbVersion: string;
  readonly prometheusVersion: string;
  readonly prometheusModuleVersion: string;
  readonly alertmanagerVersion: string;
  readonly ocb: string;
  readonly otelcolKey: string;
  readonly otelcolDir: string;
  readonly otelcol: string;
  readonly prometheusDir: string;
  readonly prometheus: string;
  readonly promtool: string;
  readonly alertmanagerDir: string;
  readonly alertmanager: string;
  readonly amtool: string;
  readonly stateDir: string;
}

export declare function readVersions(repoRoot?: string): Record<string, string>;
export declare function cacheRoot(env?: NodeJS.ProcessEnv): string;
export declare function otelcolKey(
  manifestText: string | Buffer,
  versions: Record<string, string>,
): string;
export declare function backendPaths(options?: {
  repoRoot?: string;
  env?: NodeJS.ProcessEnv;
}): BackendPaths;
export declare function missingBackends(
  paths?: BackendPaths,
): Array<{ name: string; path: string }>;
/** Throws an Error naming every missing binary and the command that provisions them. */
export declare function requireBackends(paths?: BackendPaths): BackendPaths;
