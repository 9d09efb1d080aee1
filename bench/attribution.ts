/**
 * Where lorechat-otel's added CPU goes, by switching one part off at a time: the instant
 * workload uninstrumented, with ours on its defaults, and with ours under each configuration
 * below, interleaved round by round like the side-by-side runs. What a configuration saves
 * against the defaults is what that part costs.
 *
 *   npm run bench -- attribution [--rounds 5] [--turns 300] [--warmup 60]
 *     [--out bench/results/attribution.json]
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { OtlpReceiver } from '../test/helpers/otlp-receiver.js';
import { finishLoad, machine, type Machine } from './lib/machine.js';
import { median, round } from './lib/stats.js';
import { variant } from './lib/variants.js';
import { writeJson } from './lib/write.js';
import {
  dropsAndErrors,
  int,
  type RoundResult,
  runWorkloadRound,
  WORKLOADS,
} from './side-by-side.js';

/** The configurations compared, each ours with this extra environment. */
export const CONFIGURATIONS: ReadonlyArray<{
  readonly label: string;
  readonly env: Readonly<Record<string, string>>;
}> = [
  { label: 'defaults', env: {} },
  { label: 'span export off', env: { OTEL_TRACES_EXPORTER: 'none' } },
  { label: 'log record export off', env: { OTEL_LOGS_EXPORTER: 'none' } },
  {
    label: 'metric export and runtime metrics off',
    env: { OTEL_METRICS_EXPORTER: 'none', LORECHAT_OTEL_RUNTIME_METRICS: 'false' },
  },
  {
    label: 'nothing exported (nothing installed)',
    env: {
      OTEL_TRACES_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
      OTEL_METRICS_EXPORTER: 'none',
      LORECHAT_OTEL_RUNTIME_METRICS: 'false',
    },
  },
  {
    label: 'per-node events off (events min severity info)',
    env: { LORECHAT_OTEL_EVENTS_MIN_SEVERITY: 'info' },
  },
  { label: 'span event twins on', env: { LORECHAT_OTEL_SPAN_EVENTS: 'true' } },
];

export interface AttributionRow {
  readonly label: string;
  readonly env: Readonly<Record<string, string>>;
  /** Medians over rounds. */
  readonly cpuPerTurnUs: number;
  /** Over the uninstrumented run, µs and % of it. */
  readonly addedUs: number;
  readonly addedPct: number;
  /** Against ours on its defaults (negative: this configuration saves that much). */
  readonly vsDefaultsUs: number;
  readonly spansPerTurn: number;
  readonly logRecordsPerTurn: number;
  readonly dropped: { spans: number; logRecords: number };
  readonly errors: number;
}

export interface AttributionReport {
  readonly kind: 'attribution';
  readonly date: string;
  readonly command: string;
  readonly machine: Machine;
  readonly rounds: number;
  readonly turns: number;
  readonly warmup: number;
  readonly uninstrumentedCpuPerTurnUs: number;
  readonly rows: readonly AttributionRow[];
}

export async function runAttribution(o: {
  readonly root: string;
  readonly rounds: number;
  readonly turns: number;
  readonly warmup: number;
  readonly command: string;
  readonly log?: (line: string) => void;
}): Promise<AttributionReport> {
  const log = o.log ?? (() => undefined);
  const m = machine();
  const receiver = await OtlpReceiver.start();
  const none = variant('none', o.root);
  const ours = variant('lorechat-otel', o.root);
  const runs = [
    { label: 'uninstrumented', variant: none, env: {} },
    ...CONFIGURATIONS.map((c) => ({ label: c.label, variant: ours, env: c.env })),
  ];
  const results = new Map<string, Omit<RoundResult, 'round'>[]>(runs.map((r) => [r.label, []]));
  try {
    for (let r = 1; r <= o.rounds; r++) {
      for (const run of runs) {
        const out = await runWorkloadRound({
          root: o.root,
          receiver,
          variant: run.variant,
          workload: WORKLOADS.instant,
          turns: o.turns,
          warmup: o.warmup,
          env: run.env,
          what: `${run.label} (round ${r})`,
        });
        results.get(run.label)!.push(out);
        log(
          `r${r} ${run.label.padEnd(48)} cpu/turn ${(out.result.cpuUs / out.result.turns).toFixed(0).padStart(6)} µs  ` +
            `spans ${out.produced.spans} logs ${out.produced.logRecords}`,
        );
      }
    }
  } finally {
    await receiver.close();
  }
  const cpu = (label: string) =>
    median(results.get(label)!.map((x) => x.result.cpuUs / x.result.turns));
  const base = cpu('uninstrumented');
  const defaults = cpu('defaults');
  const rows = CONFIGURATIONS.map((c): AttributionRow => {
    const rs = results.get(c.label)!;
    const value = cpu(c.label);
    const last = rs.at(-1)!.produced;
    return {
      label: c.label,
      env: c.env,
      cpuPerTurnUs: round(value, 1),
      addedUs: round(value - base, 1),
      addedPct: round(((value - base) / base) * 100, 2),
      vsDefaultsUs: round(value - defaults, 1),
      spansPerTurn: round(last.spansPerTurn, 2),
      logRecordsPerTurn: round(last.logRecordsPerTurn, 2),
      ...dropsAndErrors(rs),
    };
  });
  return {
    kind: 'attribution',
    date: new Date().toISOString(),
    command: o.command,
    machine: finishLoad(m),
    rounds: o.rounds,
    turns: o.turns,
    warmup: o.warmup,
    uninstrumentedCpuPerTurnUs: round(base, 1),
    rows,
  };
}

/** `bench attribution [options]`. */
export async function attributionCommand(argv: string[], root: string): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      rounds: { type: 'string', default: '5' },
      turns: { type: 'string', default: '300' },
      warmup: { type: 'string', default: '60' },
      out: { type: 'string', default: 'bench/results/attribution.json' },
    },
    strict: true,
  });
  const report = await runAttribution({
    root,
    rounds: int('rounds', values.rounds, 1),
    turns: int('turns', values.turns, 1),
    warmup: int('warmup', values.warmup, 0),
    command: ['npm run bench -- attribution', ...argv].join(' '),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  const out = resolve(root, values.out);
  await writeJson(out, report);
  process.stderr.write(`wrote ${out}\n`);
}
