/**
 * The variants of the side-by-side benchmark: how each child process is started. Every
 * instrumented variant exports through the same SDK pipeline (see variants/pipeline.ts; ours
 * builds the same NodeSDK from the same `OTEL_*` variables in `register`).
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const VARIANT_NAMES = [
  'none',
  'lorechat-otel',
  'floor',
  'traceloop',
  'openinference',
  'langfuse',
] as const;
export type VariantName = (typeof VARIANT_NAMES)[number];

export interface Variant {
  readonly name: VariantName;
  /** What it is, for the report. */
  readonly label: string;
  /** Module passed to `node --import`, if any. */
  readonly preload: string | undefined;
  /** Extra workload arguments. */
  readonly workloadArgs: readonly string[];
  /** Extra environment of the child. */
  readonly env?: Readonly<Record<string, string>>;
}

/** Environment variable naming the plan the floor replays (written by the capture run). */
const FLOOR_PLAN_ENV = 'BENCH_FLOOR_PLAN';

/** `root` is the package root; the bench bundle lives in `dist/bench`, ours in `dist`. */
export function variant(
  name: VariantName,
  root: string,
  opts: { readonly floorPlan?: string } = {},
): Variant {
  const bench = (file: string) => pathToFileURL(join(root, 'dist', 'bench', file)).href;
  switch (name) {
    case 'none':
      return { name, label: 'uninstrumented', preload: undefined, workloadArgs: [] };
    case 'lorechat-otel':
      return {
        name,
        label: 'lorechat-otel (--import lorechat-otel/register)',
        preload: pathToFileURL(join(root, 'dist', 'register.js')).href,
        workloadArgs: [],
      };
    case 'floor':
      if (!opts.floorPlan) throw new Error('the floor variant needs the plan of a capture run');
      return {
        name,
        label: 'floor (same telemetry, OpenTelemetry API only)',
        preload: bench('variant-floor.js'),
        workloadArgs: [],
        env: { [FLOOR_PLAN_ENV]: opts.floorPlan },
      };
    case 'traceloop':
      return {
        name,
        label: '@traceloop/instrumentation-langchain',
        preload: bench('variant-traceloop.js'),
        workloadArgs: [],
      };
    case 'openinference':
      return {
        name,
        label: '@arizeai/openinference-instrumentation-langchain',
        preload: bench('variant-openinference.js'),
        workloadArgs: [],
      };
    case 'langfuse':
      return {
        name,
        label: '@langfuse/langchain CallbackHandler',
        preload: bench('variant-langfuse.js'),
        workloadArgs: ['--callbacks', 'langfuse'],
      };
  }
}

/** The `node` arguments of a workload child of `v`: flags, the variant's preload, the workload. */
export function workloadChildArgs(
  root: string,
  v: Variant,
  nodeArgs: readonly string[] | undefined,
  workloadArgs: readonly string[],
): string[] {
  return [
    '--expose-gc',
    ...(nodeArgs ?? []),
    ...(v.preload ? ['--import', v.preload] : []),
    join(root, 'dist', 'bench', 'workload.js'),
    ...workloadArgs,
    ...v.workloadArgs,
  ];
}

export function parseVariantList(raw: string): VariantName[] {
  const names = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0) throw new Error('--variants is empty');
  for (const n of names) {
    if (!(VARIANT_NAMES as readonly string[]).includes(n)) {
      throw new Error(`unknown variant "${n}" (known: ${VARIANT_NAMES.join(', ')})`);
    }
  }
  return names as VariantName[];
}
