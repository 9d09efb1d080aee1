/**
 * Where the added CPU goes: the instant-model workload uninstrumented and with lorechat-otel,
 * each under `node --cpu-prof`; self time is grouped by package (ours, each OpenTelemetry
 * package, LangChain, Node internals, GC) and the difference between the two runs is what
 * instrumentation costs, by package and by function.
 *
 *   npm run bench -- profile [--turns 1000]
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { finishLoad, machine, type Machine } from './lib/machine.js';
import { writeJson } from './lib/write.js';
import { round } from './lib/stats.js';
import { runSideBySide } from './side-by-side.js';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The package a frame belongs to: ours (this package's dist), a node_modules package, Node. */
export function frameGroup(frame: CallFrame, ownDist: string): string {
  const url = frame.url;
  if (url === '') return `(${frame.functionName || 'native'})`;
  if (url.includes(ownDist) && !url.includes(`${ownDist}bench/`)) return 'lorechat-otel (ours)';
  if (url.includes(`${ownDist}bench/`)) return 'bench workload + demo app';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const parts = url.slice(nm + 'node_modules/'.length).split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  if (url.startsWith('node:') || !url.includes('/')) return 'node internals';
  return url;
}

function frameName(frame: CallFrame): string {
  const file = frame.url.split('/').slice(-2).join('/');
  return `${frame.functionName || '(anonymous)'} (${file}:${frame.lineNumber + 1})`;
}

export interface ProfileSummary {
  /** Sampled time, ms. */
  readonly totalMs: number;
  /** Self time by group, ms. */
  readonly byGroup: Record<string, number>;
  /** Self time by function, ms. */
  readonly bySelf: Record<string, number>;
  /** Inclusive time of our own functions, ms. */
  readonly oursInclusive: Record<string, number>;
}

export function summariseProfile(profile: CpuProfile, ownDist: string): ProfileSummary {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) =>
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)),
  );
  const byGroup: Record<string, number> = {};
  const bySelf: Record<string, number> = {};
  const oursInclusive: Record<string, number> = {};
  let total = 0;
  for (const [id, us] of self) {
    const node = nodes.get(id)!;
    total += us;
    const g = frameGroup(node.callFrame, ownDist);
    byGroup[g] = (byGroup[g] ?? 0) + us / 1000;
    const f = frameName(node.callFrame);
    bySelf[f] = (bySelf[f] ?? 0) + us / 1000;
    const seen = new Set<string>();
    for (let j: number | undefined = id; j !== undefined; j = parent.get(j)) {
      const fr = nodes.get(j)!.callFrame;
      if (frameGroup(fr, ownDist) !== 'lorechat-otel (ours)') continue;
      const name = frameName(fr);
      if (seen.has(name)) continue;
      seen.add(name);
      oursInclusive[name] = (oursInclusive[name] ?? 0) + us / 1000;
    }
  }
  return { totalMs: total / 1000, byGroup, bySelf, oursInclusive };
}

const top = (r: Record<string, number>, n: number, digits = 1) =>
  Object.entries(r)
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, ms]) => ({ name, ms: round(ms, digits) }));

export interface ProfileReport {
  readonly kind: 'profile';
  readonly date: string;
  readonly command: string;
  readonly machine: Machine;
  readonly turns: number;
  /** What `none` below is: the uninstrumented run (default) or the floor. */
  readonly baseline?: 'none' | 'floor';
  readonly cpuPerTurnUs: { none: number; ours: number };
  readonly totalMs: { none: number; ours: number };
  /** Added self time by group (ours minus none), ms over the whole run, largest first. */
  readonly addedByGroup: ReadonlyArray<{ name: string; ms: number }>;
  /** Added self time by function, ms, largest first. */
  readonly addedBySelf: ReadonlyArray<{ name: string; ms: number }>;
  /** Our functions by inclusive time (what runs under them, exports excluded), ms. */
  readonly oursInclusive: ReadonlyArray<{ name: string; ms: number }>;
}

function diff(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)]))
    out[k] = (b[k] ?? 0) - (a[k] ?? 0);
  return out;
}

export async function profileCommand(argv: string[], root: string): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      turns: { type: 'string', default: '1000' },
      /** What ours is compared with: the uninstrumented run, or the floor (same telemetry). */
      baseline: { type: 'string', default: 'none' },
      out: { type: 'string', default: 'bench/results/profile.json' },
    },
    strict: true,
  });
  const baseline = values.baseline;
  if (baseline !== 'none' && baseline !== 'floor')
    throw new Error('--baseline must be none or floor');
  const turns = Number(values.turns);
  if (!Number.isInteger(turns) || turns < 1) throw new Error('--turns must be a positive integer');
  const m = machine();
  const ownDist = `${root}/dist/`;
  const summaries: Record<string, ProfileSummary> = {};
  const cpu: Record<string, number> = {};
  for (const name of [baseline, 'lorechat-otel'] as const) {
    const dir = mkdtempSync(join(tmpdir(), 'lorechat-bench-prof-'));
    try {
      const r = await runSideBySide({
        root,
        workloads: ['instant'],
        variants: [name],
        rounds: 1,
        turns,
        warmup: 60,
        command: '',
        nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
        log: (l) => process.stderr.write(`${l}\n`),
      });
      cpu[name] = r.workloads[0]!.variants[0]!.cpuPerTurnUs;
      const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
      if (!file) throw new Error(`no CPU profile written for ${name}`);
      summaries[name] = summariseProfile(
        JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile,
        ownDist,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const none = summaries[baseline]!;
  const ours = summaries['lorechat-otel']!;
  const report: ProfileReport = {
    kind: 'profile',
    date: new Date().toISOString(),
    command: ['npm run bench -- profile', ...argv].join(' '),
    machine: finishLoad(m),
    turns,
    baseline,
    cpuPerTurnUs: { none: cpu[baseline]!, ours: cpu['lorechat-otel']! },
    totalMs: { none: round(none.totalMs, 0), ours: round(ours.totalMs, 0) },
    addedByGroup: top(diff(none.byGroup, ours.byGroup), 15),
    addedBySelf: top(diff(none.bySelf, ours.bySelf), 20),
    oursInclusive: top(ours.oursInclusive, 20),
  };
  const out = resolve(root, values.out);
  await writeJson(out, report);
  process.stderr.write(`wrote ${out}\n`);
}
