/**
 * What a workload child reports to the harness: one line on stdout, `BENCH_RESULT <json>`,
 * so whatever else a variant prints (diagnostics, JSON events) cannot be mistaken for it.
 */
export const RESULT_MARKER = 'BENCH_RESULT ';

export interface WorkloadResult {
  /** Measured chat turns (after warm-up). */
  readonly turns: number;
  readonly warmupTurns: number;
  readonly concurrency: number;
  /** Mean offline-model latency per LLM call, ms (0: the instant model). */
  readonly modelLatencyMs: number;
  /** Turns that threw (the workload has no injected failures, so this should be 0). */
  readonly errors: number;
  /** CPU time (user + system) of the measured phase, telemetry flush included, µs. */
  readonly cpuUs: number;
  readonly cpuUserUs: number;
  readonly cpuSystemUs: number;
  /** Wall time of the measured phase, flush included, ms. */
  readonly wallMs: number;
  /** Wall latency of each turn, ms: p50, p99, mean. */
  readonly latencyMs: { readonly p50: number; readonly p99: number; readonly mean: number };
  /** Heap used after a full GC, before and after the measured phase, bytes. */
  readonly heapBefore: number;
  readonly heapAfter: number;
  readonly rssBefore: number;
  readonly rssAfter: number;
}

export function isWorkloadResult(v: unknown): v is WorkloadResult {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  const numbers = [
    'turns',
    'warmupTurns',
    'concurrency',
    'modelLatencyMs',
    'errors',
    'cpuUs',
    'cpuUserUs',
    'cpuSystemUs',
    'wallMs',
    'heapBefore',
    'heapAfter',
    'rssBefore',
    'rssAfter',
  ];
  if (!numbers.every((k) => typeof o[k] === 'number')) return false;
  const l = o.latencyMs as Record<string, unknown> | null | undefined;
  return (
    typeof l === 'object' &&
    l !== null &&
    ['p50', 'p99', 'mean'].every((k) => typeof l[k] === 'number')
  );
}

/** Finds and validates the result line in a child's stdout. */
export function parseWorkloadOutput(stdout: string): WorkloadResult {
  const line = stdout.split('\n').find((l) => l.startsWith(RESULT_MARKER));
  if (line === undefined) throw new Error('workload printed no result line');
  const parsed: unknown = JSON.parse(line.slice(RESULT_MARKER.length));
  if (!isWorkloadResult(parsed)) throw new Error(`workload result is malformed: ${line}`);
  return parsed;
}
