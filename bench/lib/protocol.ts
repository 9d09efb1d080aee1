/**
 * What a workload child reports to the harness: one line on stdout, `BENCH_RESULT <json>`,
 * so whatever else a variant prints (diagnostics, JSON events) cannot be mistaken for it.
 */
export const RESULT_MARKER = 'BENCH_RESULT ';
/** A memory sample line, `BENCH_SAMPLE <json>`, printed during long runs. */
export const SAMPLE_MARKER = 'BENCH_SAMPLE ';

export interface MemorySample {
  /** Measured turns completed when the sample was taken. */
  readonly turn: number;
  /** After a full GC, bytes. */
  readonly rss: number;
  readonly heapUsed: number;
  readonly external: number;
}

/** Every memory sample line in a child's stdout, in order. */
export function parseSamples(stdout: string): MemorySample[] {
  const out: MemorySample[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.startsWith(SAMPLE_MARKER)) continue;
    const v = JSON.parse(line.slice(SAMPLE_MARKER.length)) as Partial<MemorySample>;
    if (typeof v.turn !== 'number' || typeof v.rss !== 'number' || typeof v.heapUsed !== 'number') {
      throw new Error(`malformed memory sample: ${line}`);
    }
    out.push({ turn: v.turn, rss: v.rss, heapUsed: v.heapUsed, external: v.external ?? 0 });
  }
  return out;
}

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
  /**
   * Main-thread time of the measured phase: the event loop's active time (callbacks, promise
   * jobs, JavaScript; not idle waits, not the libuv thread pool or V8's helper threads), µs,
   * and its share of the wall time (`performance.eventLoopUtilization`).
   */
  readonly eventLoopActiveUs: number;
  readonly eventLoopUtilization: number;
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
    'eventLoopActiveUs',
    'eventLoopUtilization',
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
