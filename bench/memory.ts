/**
 * Memory over a long run: 100,000 chat turns (by default) of the instant-model workload in one
 * process per variant, with telemetry exported to a local OTLP receiver the whole time. The
 * workload samples RSS and heap after a full GC every N turns; the report gives the growth from
 * the end of warm-up (the first 10 % of turns) to the end, and the slope of the curve's second
 * half, so "levels off" is a number rather than a look at a chart.
 *
 *   npm run bench -- memory [--variants none,lorechat-otel] [--turns 100000] [--sample-every 2500]
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { OtlpReceiver } from '../test/helpers/otlp-receiver.js';
import { cleanEnv, droppedFromDiag, runChild } from './lib/child.js';
import { finishLoad, machine, type Machine } from './lib/machine.js';
import { sdkQueueDrops } from './lib/produced.js';
import { type MemorySample, parseSamples, parseWorkloadOutput } from './lib/protocol.js';
import { writeJson } from './lib/write.js';
import { round, slope } from './lib/stats.js';
import { parseVariantList, variant, type VariantName, workloadChildArgs } from './lib/variants.js';

const MB = 1024 * 1024;

export interface MemoryGrowth {
  /** Turn of the sample growth is measured from (end of warm-up). */
  readonly fromTurn: number;
  readonly toTurn: number;
  readonly rssGrowthMB: number;
  readonly heapGrowthMB: number;
  /** Least-squares slope of the second half of the run, MB per 10,000 turns. */
  readonly rssTailSlopeMBPer10k: number;
  readonly heapTailSlopeMBPer10k: number;
}

/** Growth of a sampled memory curve after its first `warmupShare` of turns. */
export function memoryGrowth(samples: readonly MemorySample[], warmupShare = 0.1): MemoryGrowth {
  if (samples.length < 2) throw new Error('memory growth needs at least two samples');
  const last = samples.at(-1)!;
  const from = samples.find((s) => s.turn >= last.turn * warmupShare) ?? samples[0]!;
  const tail = samples.filter((s) => s.turn >= last.turn / 2);
  const per10k = (key: 'rss' | 'heapUsed') =>
    round(
      (slope(
        tail.map((s) => s.turn),
        tail.map((s) => s[key]),
      ) *
        10_000) /
        MB,
      2,
    );
  return {
    fromTurn: from.turn,
    toTurn: last.turn,
    rssGrowthMB: round((last.rss - from.rss) / MB, 1),
    heapGrowthMB: round((last.heapUsed - from.heapUsed) / MB, 1),
    rssTailSlopeMBPer10k: per10k('rss'),
    heapTailSlopeMBPer10k: per10k('heapUsed'),
  };
}

export interface MemoryVariantReport {
  readonly name: VariantName;
  readonly label: string;
  readonly turns: number;
  readonly wallMs: number;
  readonly cpuPerTurnUs: number;
  readonly growth: MemoryGrowth;
  /** Target: at most 50 MB resident growth over the run. */
  readonly rssTargetMet: boolean;
  readonly delivered: { spans: number; logRecords: number; exportRequests: number };
  readonly dropped: { spans: number; logRecords: number };
  readonly samples: readonly MemorySample[];
}

export interface MemoryReport {
  readonly kind: 'memory';
  readonly date: string;
  readonly command: string;
  readonly machine: Machine;
  readonly turns: number;
  readonly sampleEvery: number;
  readonly variants: readonly MemoryVariantReport[];
}

/** Keeps running totals of what the receiver got, emptying it so a long run stays small. */
function drainPeriodically(receiver: OtlpReceiver) {
  const totals = {
    spans: 0,
    logRecords: 0,
    exportRequests: 0,
    queueDrops: { spans: 0, logRecords: 0 },
  };
  const drain = () => {
    totals.spans += receiver.spans().length;
    totals.logRecords += receiver.logRecords().length;
    totals.exportRequests += receiver.requests.length;
    const q = sdkQueueDrops(receiver);
    // Cumulative counters: the latest value is the total so far.
    totals.queueDrops.spans = Math.max(totals.queueDrops.spans, q.spans);
    totals.queueDrops.logRecords = Math.max(totals.queueDrops.logRecords, q.logRecords);
    receiver.clear();
  };
  const timer = setInterval(drain, 1000);
  return {
    totals,
    stop: () => {
      clearInterval(timer);
      drain();
    },
  };
}

export async function runMemory(o: {
  root: string;
  variants: readonly VariantName[];
  turns: number;
  sampleEvery: number;
  command: string;
  /** Extra node flags for the children (profiling: `--heap-prof`, `--cpu-prof`). */
  nodeArgs?: readonly string[];
  log?: (line: string) => void;
}): Promise<MemoryReport> {
  const m = machine();
  const reports: MemoryVariantReport[] = [];
  for (const name of o.variants) {
    const v = variant(name, o.root);
    const receiver = await OtlpReceiver.start();
    const sink = drainPeriodically(receiver);
    try {
      const args = workloadChildArgs(o.root, v, o.nodeArgs, [
        '--turns',
        String(o.turns),
        '--warmup',
        '60',
        '--sample-every',
        String(o.sampleEvery),
      ]);
      const env = cleanEnv({
        OTEL_SERVICE_NAME: `bench-${name}`,
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_METRIC_EXPORT_INTERVAL: '10000',
        OTEL_LOG_LEVEL: 'warn',
      });
      o.log?.(`memory: ${name}, ${o.turns} turns ...`);
      const out = await runChild(args, env, 4 * 3600_000);
      if (out.code !== 0) {
        throw new Error(
          `${name} exited with ${out.code ?? out.signal}:\n${out.stderr.slice(-4000)}`,
        );
      }
      sink.stop();
      const result = parseWorkloadOutput(out.stdout);
      const samples = parseSamples(out.stdout);
      const growth = memoryGrowth(samples);
      const diag = droppedFromDiag(out.stderr);
      reports.push({
        name,
        label: v.label,
        turns: o.turns,
        wallMs: result.wallMs,
        cpuPerTurnUs: round(result.cpuUs / result.turns, 1),
        growth,
        rssTargetMet: growth.rssGrowthMB <= 50,
        delivered: {
          spans: sink.totals.spans,
          logRecords: sink.totals.logRecords,
          exportRequests: sink.totals.exportRequests,
        },
        dropped: {
          spans: Math.max(diag.spans, sink.totals.queueDrops.spans),
          logRecords: Math.max(diag.logRecords, sink.totals.queueDrops.logRecords),
        },
        samples,
      });
      o.log?.(
        `memory: ${name}: rss +${growth.rssGrowthMB} MB, heap +${growth.heapGrowthMB} MB ` +
          `(turn ${growth.fromTurn} -> ${growth.toTurn}), tail ${growth.rssTailSlopeMBPer10k} MB/10k turns`,
      );
    } finally {
      sink.stop();
      await receiver.close();
    }
  }
  return {
    kind: 'memory',
    date: new Date().toISOString(),
    command: o.command,
    machine: finishLoad(m),
    turns: o.turns,
    sampleEvery: o.sampleEvery,
    variants: reports,
  };
}

export async function memoryCommand(argv: string[], root: string): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      variants: { type: 'string', default: 'none,lorechat-otel' },
      turns: { type: 'string', default: '100000' },
      'sample-every': { type: 'string', default: '2500' },
      out: { type: 'string', default: 'bench/results/memory.json' },
      'node-arg': { type: 'string', multiple: true, default: [] },
    },
    strict: true,
  });
  const turns = Number(values.turns);
  const sampleEvery = Number(values['sample-every']);
  if (!Number.isInteger(turns) || turns < 2) throw new Error(`--turns must be an integer >= 2`);
  if (!Number.isInteger(sampleEvery) || sampleEvery < 1 || turns / sampleEvery < 2) {
    throw new Error('--sample-every must be a positive integer giving at least two samples');
  }
  const report = await runMemory({
    root,
    variants: parseVariantList(values.variants),
    turns,
    sampleEvery,
    nodeArgs: values['node-arg'],
    command: ['npm run bench -- memory', ...argv].join(' '),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  const out = resolve(root, values.out);
  await writeJson(out, report);
  process.stderr.write(`wrote ${out}\n`);
}
