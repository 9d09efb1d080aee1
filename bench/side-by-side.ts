/**
 * Side-by-side overhead benchmark: the same LangGraph.js workload in separate processes,
 * uninstrumented, with lorechat-otel and with the other LangChain instrumentations, all
 * exporting through the same SDK pipeline to one local OTLP receiver. Rounds interleave the
 * variants (A B C D E A B C D E ...) so machine drift hits all alike; per variant the median
 * over rounds is reported with ratios to the uninstrumented run and to ours, next to what the
 * variant actually delivered.
 *
 *   npm run bench -- side-by-side [--workload instant,realistic] [--variants a,b]
 *     [--rounds 5] [--turns 300] [--warmup 60] [--out bench/results/side-by-side.json]
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { OtlpReceiver } from '../test/helpers/otlp-receiver.js';
import { cleanEnv, droppedFromDiag, runChild } from './lib/child.js';
import { captureFloorPlan } from './lib/floor-capture.js';
import { finishLoad, machine, type Machine } from './lib/machine.js';
import { producedBy, sdkQueueDrops, type Produced } from './lib/produced.js';
import { parseWorkloadOutput, type WorkloadResult } from './lib/protocol.js';
import { median, round } from './lib/stats.js';
import { writeJson } from './lib/write.js';
import {
  parseVariantList,
  variant,
  VARIANT_NAMES,
  type Variant,
  type VariantName,
  workloadChildArgs,
} from './lib/variants.js';

export const WORKLOADS = {
  /** The graph itself: the offline model answers at once, one conversation at a time. */
  instant: { latencyMs: 0, concurrency: 1 },
  /** Model latency 50-150 ms per call (seeded jitter), 8 conversations in flight. */
  realistic: { latencyMs: 100, concurrency: 8 },
} as const;
export type WorkloadName = keyof typeof WORKLOADS;

export interface RoundResult {
  readonly round: number;
  readonly result: WorkloadResult;
  readonly produced: Produced;
  readonly dropped: { spans: number; logRecords: number };
}

export interface VariantSummary {
  readonly name: VariantName;
  readonly label: string;
  /** Medians over rounds. */
  readonly cpuPerTurnUs: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  readonly heapGrowthBytes: number;
  /** CPU per turn added over the uninstrumented run, µs and % of it. */
  readonly addedCpuPerTurnUs: number | null;
  readonly addedCpuPct: number | null;
  /** CPU per turn relative to the uninstrumented run and to ours. */
  readonly cpuRatioToNone: number | null;
  readonly cpuRatioToOurs: number | null;
  /** Added CPU relative to the added CPU of ours. */
  readonly addedRatioToOurs: number | null;
  /** Added CPU relative to the floor's added CPU (ours / floor: how far above the SDK's own cost). */
  readonly addedRatioToFloor: number | null;
  /** Main-thread (event-loop active) time per turn, µs, and what it adds to the uninstrumented run. */
  readonly eventLoopPerTurnUs: number;
  readonly addedEventLoopPerTurnUs: number | null;
  readonly latencyP50RatioToNone: number | null;
  readonly latencyP99RatioToNone: number | null;
  /** What the last round delivered (every round runs the same turns). */
  readonly produced: Produced;
  readonly dropped: { spans: number; logRecords: number };
  readonly errors: number;
  readonly rounds: readonly RoundResult[];
}

export interface Targets {
  /** Ours adds at most 5 % CPU per turn (instant workload). */
  readonly addedCpuAtMost5Pct: { readonly value: number | null; readonly met: boolean | null };
  /** Ours adds at most 1.3 x what the floor adds (same telemetry, OpenTelemetry API only). */
  readonly atMost1_3xFloor: { readonly value: number | null; readonly met: boolean | null };
  /** Ours adds at most half of what the cheapest other instrumentation adds. */
  readonly atMostHalfOfCheapestOther: {
    readonly cheapest: string | null;
    readonly value: number | null;
    readonly met: boolean | null;
  };
}

export interface WorkloadReport {
  readonly workload: WorkloadName;
  readonly latencyMs: number;
  readonly concurrency: number;
  readonly turns: number;
  readonly warmup: number;
  readonly rounds: number;
  readonly variants: readonly VariantSummary[];
  readonly targets: Targets;
}

export interface SideBySideReport {
  readonly kind: 'side-by-side';
  readonly date: string;
  readonly command: string;
  readonly machine: Machine;
  readonly workloads: readonly WorkloadReport[];
}

export interface SideBySideOptions {
  readonly root: string;
  readonly workloads: readonly WorkloadName[];
  readonly variants: readonly VariantName[];
  readonly rounds: number;
  readonly turns: number;
  readonly warmup: number;
  readonly command: string;
  readonly childTimeoutMs?: number;
  /** Extra node flags for the children (profiling: `--cpu-prof --cpu-prof-dir=...`). */
  readonly nodeArgs?: readonly string[];
  /** Extra environment for every child (e.g. `LORECHAT_OTEL_EVENTS=false` to attribute cost). */
  readonly env?: Readonly<Record<string, string>>;
  readonly log?: (line: string) => void;
}

function ratio(a: number, b: number | undefined): number | null {
  return b === undefined || !(b > 0) ? null : round(a / b, 3);
}

/** Drops and failed turns summed over rounds. */
export function dropsAndErrors(rounds: ReadonlyArray<Omit<RoundResult, 'round'>>): {
  dropped: { spans: number; logRecords: number };
  errors: number;
} {
  return {
    dropped: {
      spans: rounds.reduce((s, r) => s + r.dropped.spans, 0),
      logRecords: rounds.reduce((s, r) => s + r.dropped.logRecords, 0),
    },
    errors: rounds.reduce((s, r) => s + r.result.errors, 0),
  };
}

export function summarise(
  rounds: ReadonlyMap<VariantName, RoundResult[]>,
  labels: ReadonlyMap<VariantName, string>,
): VariantSummary[] {
  const base = new Map<
    VariantName,
    { cpu: number; elu: number; p50: number; p99: number; heap: number }
  >();
  for (const [name, rs] of rounds) {
    base.set(name, {
      cpu: median(rs.map((r) => r.result.cpuUs / r.result.turns)),
      elu: median(rs.map((r) => r.result.eventLoopActiveUs / r.result.turns)),
      p50: median(rs.map((r) => r.result.latencyMs.p50)),
      p99: median(rs.map((r) => r.result.latencyMs.p99)),
      heap: median(rs.map((r) => r.result.heapAfter - r.result.heapBefore)),
    });
  }
  const none = base.get('none');
  const ours = base.get('lorechat-otel');
  const oursAdded = none && ours ? ours.cpu - none.cpu : undefined;
  const floor = base.get('floor');
  const floorAdded = none && floor ? floor.cpu - none.cpu : undefined;
  return [...rounds].map(([name, rs]) => {
    const b = base.get(name)!;
    const added = none ? b.cpu - none.cpu : undefined;
    const last = rs.at(-1)!;
    return {
      name,
      label: labels.get(name) ?? name,
      cpuPerTurnUs: round(b.cpu, 1),
      latencyP50Ms: round(b.p50, 3),
      latencyP99Ms: round(b.p99, 3),
      heapGrowthBytes: Math.round(b.heap),
      addedCpuPerTurnUs: added === undefined ? null : round(added, 1),
      addedCpuPct: added === undefined || !none ? null : round((added / none.cpu) * 100, 2),
      cpuRatioToNone: ratio(b.cpu, none?.cpu),
      cpuRatioToOurs: ratio(b.cpu, ours?.cpu),
      addedRatioToOurs:
        added === undefined || oursAdded === undefined ? null : ratio(added, oursAdded),
      addedRatioToFloor:
        added === undefined || floorAdded === undefined ? null : ratio(added, floorAdded),
      eventLoopPerTurnUs: round(b.elu, 1),
      addedEventLoopPerTurnUs: none ? round(b.elu - none.elu, 1) : null,
      latencyP50RatioToNone: ratio(b.p50, none?.p50),
      latencyP99RatioToNone: ratio(b.p99, none?.p99),
      produced: last.produced,
      ...dropsAndErrors(rs),
      rounds: rs,
    };
  });
}

export function evaluateTargets(variants: readonly VariantSummary[]): Targets {
  const ours = variants.find((v) => v.name === 'lorechat-otel');
  const others = variants.filter(
    (v) =>
      v.name !== 'lorechat-otel' &&
      v.name !== 'none' &&
      v.name !== 'floor' &&
      v.addedCpuPerTurnUs !== null,
  );
  const cheapest = [...others].sort((a, b) => a.addedCpuPerTurnUs! - b.addedCpuPerTurnUs!)[0];
  const pct = ours?.addedCpuPct ?? null;
  const oursAdded = ours?.addedCpuPerTurnUs ?? null;
  const share =
    cheapest && oursAdded !== null && cheapest.addedCpuPerTurnUs! > 0
      ? round(oursAdded / cheapest.addedCpuPerTurnUs!, 3)
      : null;
  const toFloor = ours?.addedRatioToFloor ?? null;
  return {
    addedCpuAtMost5Pct: { value: pct, met: pct === null ? null : pct <= 5 },
    atMost1_3xFloor: { value: toFloor, met: toFloor === null ? null : toFloor <= 1.3 },
    atMostHalfOfCheapestOther: {
      cheapest: cheapest?.name ?? null,
      value: share,
      met: share === null ? null : share <= 0.5,
    },
  };
}

/** The environment of every workload child: OTLP http/protobuf to `receiverUrl`, plus `extra`. */
export function childEnv(
  name: string,
  receiverUrl: string,
  extra: Readonly<Record<string, string>> | undefined,
): NodeJS.ProcessEnv {
  return cleanEnv({
    OTEL_SERVICE_NAME: `bench-${name}`,
    OTEL_EXPORTER_OTLP_ENDPOINT: receiverUrl,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_METRICS_EXPORTER: 'otlp',
    OTEL_LOGS_EXPORTER: 'otlp',
    OTEL_LOG_LEVEL: 'warn',
    ...extra,
  });
}

/** One workload child of one variant, exporting to `receiver`: what it measured and delivered. */
export async function runWorkloadRound(o: {
  readonly root: string;
  readonly receiver: OtlpReceiver;
  readonly variant: Variant;
  readonly workload: { readonly latencyMs: number; readonly concurrency: number };
  readonly turns: number;
  readonly warmup: number;
  readonly nodeArgs?: readonly string[] | undefined;
  readonly env?: Readonly<Record<string, string>> | undefined;
  readonly childTimeoutMs?: number | undefined;
  /** For error messages, e.g. `lorechat-otel (instant, round 2)`. */
  readonly what: string;
}): Promise<Omit<RoundResult, 'round'>> {
  const v = o.variant;
  o.receiver.clear();
  const args = workloadChildArgs(o.root, v, o.nodeArgs, [
    '--turns',
    String(o.turns),
    '--warmup',
    String(o.warmup),
    '--latency-ms',
    String(o.workload.latencyMs),
    '--concurrency',
    String(o.workload.concurrency),
  ]);
  const env = childEnv(v.name, o.receiver.url, { ...o.env, ...v.env });
  const out = await runChild(args, env, o.childTimeoutMs ?? 600_000);
  if (out.code !== 0) {
    throw new Error(`${o.what} exited with ${out.code ?? out.signal}:\n${out.stderr.slice(-4000)}`);
  }
  const result = parseWorkloadOutput(out.stdout);
  const produced = producedBy(o.receiver, o.turns + o.warmup);
  const diagDrops = droppedFromDiag(out.stderr);
  const queueDrops = sdkQueueDrops(o.receiver);
  return {
    result,
    produced,
    dropped: {
      spans: Math.max(diagDrops.spans, queueDrops.spans),
      logRecords: Math.max(diagDrops.logRecords, queueDrops.logRecords),
    },
  };
}

/** Runs the whole comparison; the receiver lives in this process. */
export async function runSideBySide(o: SideBySideOptions): Promise<SideBySideReport> {
  const log = o.log ?? (() => undefined);
  const m = machine();
  const receiver = await OtlpReceiver.start();
  const reports: WorkloadReport[] = [];
  try {
    // The floor replays what ours produced per turn: capture it first, with ours' settings.
    const floorPlan = o.variants.includes('floor')
      ? await captureFloorPlan({
          root: o.root,
          env: childEnv('lorechat-otel', receiver.url, o.env),
          childTimeoutMs: o.childTimeoutMs,
        })
      : undefined;
    if (floorPlan) log(`floor plan captured: ${floorPlan}`);
    for (const w of o.workloads) {
      const spec = WORKLOADS[w];
      const rounds = new Map<VariantName, RoundResult[]>(o.variants.map((v) => [v, []]));
      const labels = new Map<VariantName, string>();
      for (let r = 1; r <= o.rounds; r++) {
        for (const name of o.variants) {
          const v = variant(name, o.root, { floorPlan });
          labels.set(name, v.label);
          const { result, produced, dropped } = await runWorkloadRound({
            root: o.root,
            receiver,
            variant: v,
            workload: spec,
            turns: o.turns,
            warmup: o.warmup,
            nodeArgs: o.nodeArgs,
            env: o.env,
            childTimeoutMs: o.childTimeoutMs,
            what: `${name} (${w}, round ${r})`,
          });
          rounds.get(name)!.push({ round: r, result, produced, dropped });
          log(
            `${w} r${r} ${name.padEnd(14)} cpu/turn ${(result.cpuUs / result.turns).toFixed(0).padStart(7)} µs  ` +
              `p50 ${result.latencyMs.p50.toFixed(2)} ms  p99 ${result.latencyMs.p99.toFixed(2)} ms  ` +
              `spans ${produced.spans} logs ${produced.logRecords} series ${produced.metricSeries}`,
          );
        }
      }
      const variants = summarise(rounds, labels);
      reports.push({
        workload: w,
        latencyMs: spec.latencyMs,
        concurrency: spec.concurrency,
        turns: o.turns,
        warmup: o.warmup,
        rounds: o.rounds,
        variants,
        targets: evaluateTargets(variants),
      });
    }
  } finally {
    await receiver.close();
  }
  return {
    kind: 'side-by-side',
    date: new Date().toISOString(),
    command: o.command,
    machine: finishLoad(m),
    workloads: reports,
  };
}

/** An integer command-line option of at least `min`, or a clear error naming it. */
export function int(name: string, raw: string, min: number): number {
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min)
    throw new Error(`--${name} must be an integer >= ${min}, got ${raw}`);
  return v;
}

/** `bench side-by-side [options]`: runs the comparison and writes the JSON result. */
export async function sideBySideCommand(argv: string[], root: string): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      workload: { type: 'string', default: 'instant,realistic' },
      variants: { type: 'string', default: VARIANT_NAMES.join(',') },
      rounds: { type: 'string', default: '5' },
      turns: { type: 'string', default: '300' },
      warmup: { type: 'string', default: '60' },
      out: { type: 'string', default: 'bench/results/side-by-side.json' },
      'node-arg': { type: 'string', multiple: true, default: [] },
      env: { type: 'string', multiple: true, default: [] },
    },
    strict: true,
  });
  const workloads = values.workload.split(',').map((s) => s.trim());
  for (const w of workloads) {
    if (!(w in WORKLOADS))
      throw new Error(`unknown workload "${w}" (known: ${Object.keys(WORKLOADS).join(', ')})`);
  }
  const report = await runSideBySide({
    root,
    workloads: workloads as WorkloadName[],
    variants: parseVariantList(values.variants),
    rounds: int('rounds', values.rounds, 1),
    turns: int('turns', values.turns, 1),
    warmup: int('warmup', values.warmup, 0),
    nodeArgs: values['node-arg'],
    env: Object.fromEntries(
      values.env.map((kv) => {
        const eq = kv.indexOf('=');
        if (eq <= 0) throw new Error(`--env expects KEY=VALUE, got ${kv}`);
        return [kv.slice(0, eq), kv.slice(eq + 1)];
      }),
    ),
    command: ['npm run bench -- side-by-side', ...argv].join(' '),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  const out = resolve(root, values.out);
  await writeJson(out, report);
  process.stderr.write(`wrote ${out}\n`);
}
