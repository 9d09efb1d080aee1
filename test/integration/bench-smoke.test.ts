/**
 * Smoke run of the benchmarks: correctness only, never timing. Builds the bench bundle, runs
 * the side-by-side comparison for three variants x 2 rounds x a few turns against the
 * in-process OTLP receiver, and checks that every variant ran its turns, that the instrumented
 * ones delivered their telemetry and the uninstrumented one none, and that the report and its
 * rendering carry every field; runs the attribution once and checks that each configuration
 * switches exactly the part it names. Also pins the pure parts (growth, targets, sections).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type AttributionReport, CONFIGURATIONS, runAttribution } from '../../bench/attribution.js';
import { memoryGrowth } from '../../bench/memory.js';
import { isWorkloadResult } from '../../bench/lib/protocol.js';
import { median, percentile, slope } from '../../bench/lib/stats.js';
import { renderAttribution, renderSideBySide, replaceSection } from '../../bench/render.js';
import {
  evaluateTargets,
  runSideBySide,
  type SideBySideReport,
  type VariantSummary,
} from '../../bench/side-by-side.js';
import {
  METRIC_CHAT_RESPONSE_TIME,
  METRIC_GRAPH_NODE_DURATION,
  SPAN_CHAT,
  SPAN_INVOKE_NODE,
  SPAN_INVOKE_WORKFLOW,
  SPAN_RETRIEVAL,
} from '../../src/semconv.js';

const ROOT = resolve(import.meta.dirname, '..', '..');

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist', 'register.js'))) {
    throw new Error('dist/register.js is missing: run `npm run build` first (npm test does)');
  }
  execFileSync(
    process.execPath,
    [
      join(ROOT, 'node_modules', 'tsup', 'dist', 'cli-default.js'),
      '--config',
      'bench/tsup.config.ts',
    ],
    { cwd: ROOT, stdio: 'pipe' },
  );
}, 120_000);

describe('bench smoke run', () => {
  let report: SideBySideReport;

  beforeAll(async () => {
    report = await runSideBySide({
      root: ROOT,
      workloads: ['instant'],
      variants: ['none', 'lorechat-otel', 'openinference'],
      rounds: 2,
      turns: 6,
      warmup: 3,
      command: 'smoke',
      childTimeoutMs: 120_000,
    });
  }, 300_000);

  const variant = (name: string): VariantSummary => {
    const v = report.workloads[0]!.variants.find((x) => x.name === name);
    if (!v) throw new Error(`no ${name} in the report`);
    return v;
  };

  it('runs every variant for every round, with complete, error-free workload results', () => {
    expect(report.workloads).toHaveLength(1);
    const w = report.workloads[0]!;
    expect(w.variants.map((v) => v.name)).toEqual(['none', 'lorechat-otel', 'openinference']);
    for (const v of w.variants) {
      expect(v.rounds.map((r) => r.round)).toEqual([1, 2]);
      for (const r of v.rounds) {
        expect(isWorkloadResult(r.result)).toBe(true);
        expect(r.result.turns).toBe(6);
        expect(r.result.errors).toBe(0);
        expect(r.result.cpuUs).toBeGreaterThan(0);
      }
      expect(v.cpuPerTurnUs).toBeGreaterThan(0);
      expect(v.cpuRatioToNone).not.toBeNull();
      expect(v.cpuRatioToOurs).not.toBeNull();
    }
    expect(variant('none').cpuRatioToNone).toBe(1);
    expect(variant('lorechat-otel').cpuRatioToOurs).toBe(1);
  });

  it('counts no telemetry for the uninstrumented run', () => {
    const p = variant('none').produced;
    expect(p.spans + p.logRecords + p.metricSeries).toBe(0);
  });

  it('counts the spans, events and metrics of lorechat-otel from the catalogue', () => {
    const p = variant('lorechat-otel').produced;
    const prefixes = p.spanNames.map((n) => n.split(' ')[0]);
    for (const name of [SPAN_INVOKE_WORKFLOW, SPAN_INVOKE_NODE, SPAN_RETRIEVAL, SPAN_CHAT]) {
      expect(prefixes).toContain(name);
    }
    // 9 turns (3 warm-up + 6), each at least one workflow span and its nodes.
    expect(p.spans).toBeGreaterThanOrEqual(9 * 4);
    expect(p.logRecords).toBeGreaterThan(0);
    expect(p.metricNames).toEqual(
      expect.arrayContaining([METRIC_CHAT_RESPONSE_TIME, METRIC_GRAPH_NODE_DURATION]),
    );
    expect(variant('lorechat-otel').dropped).toEqual({ spans: 0, logRecords: 0 });
  });

  it('counts the spans of a comparison instrumentation exporting through the same pipeline', () => {
    const p = variant('openinference').produced;
    expect(p.spans).toBeGreaterThanOrEqual(9);
    expect(p.spanNames.length).toBeGreaterThan(0);
  });

  it('renders a table row and a coverage row per variant, and the targets', () => {
    const md = renderSideBySide(report);
    for (const v of report.workloads[0]!.variants) {
      expect(md.split('\n').filter((l) => l.startsWith(`| ${v.label} |`))).toHaveLength(2);
    }
    expect(md).toMatch(/Targets \(ours\): added CPU (n\/a|[\d.]+) × the floor's/);
    expect(md).toMatch(/added CPU per turn -?[\d.]+ % of uninstrumented/);
    expect(md).toMatch(/Noise: the uninstrumented run's CPU per turn ranged \d+-\d+ µs/);
  });
});

describe('attribution smoke run', () => {
  let report: AttributionReport;

  beforeAll(async () => {
    report = await runAttribution({ root: ROOT, rounds: 1, turns: 6, warmup: 3, command: 'smoke' });
  }, 300_000);

  const row = (label: string) => {
    const r = report.rows.find((x) => x.label === label);
    if (!r) throw new Error(`no row ${label}`);
    return r;
  };

  it('runs every configuration, error-free, each against the same uninstrumented run', () => {
    expect(report.rows.map((r) => r.label)).toEqual(CONFIGURATIONS.map((c) => c.label));
    expect(report.uninstrumentedCpuPerTurnUs).toBeGreaterThan(0);
    for (const r of report.rows) {
      expect(r.errors).toBe(0);
      expect(r.dropped).toEqual({ spans: 0, logRecords: 0 });
      expect(r.cpuPerTurnUs).toBeCloseTo(report.uninstrumentedCpuPerTurnUs + r.addedUs, 0);
    }
    expect(row('defaults').vsDefaultsUs).toBe(0);
  });

  it('switches exactly the part each configuration names', () => {
    const defaults = row('defaults');
    expect(defaults.spansPerTurn).toBeGreaterThan(4);
    expect(defaults.logRecordsPerTurn).toBeGreaterThan(10);
    expect(row('span export off').spansPerTurn).toBe(0);
    expect(row('span export off').logRecordsPerTurn).toBe(defaults.logRecordsPerTurn);
    expect(row('log record export off').logRecordsPerTurn).toBe(0);
    expect(row('log record export off').spansPerTurn).toBe(defaults.spansPerTurn);
    const wrappers = row('nothing exported (nothing installed)');
    expect(wrappers.spansPerTurn + wrappers.logRecordsPerTurn).toBe(0);
    const info = row('per-node events off (events min severity info)');
    expect(info.logRecordsPerTurn).toBeGreaterThan(0);
    expect(info.logRecordsPerTurn).toBeLessThan(defaults.logRecordsPerTurn);
    expect(row('span event twins on').logRecordsPerTurn).toBe(defaults.logRecordsPerTurn);
  });

  it('renders one row per configuration', () => {
    const md = renderAttribution(report);
    for (const r of report.rows) {
      expect(md.split('\n').filter((l) => l.startsWith(`| ${r.label} |`))).toHaveLength(1);
    }
  });
});

describe('bench arithmetic', () => {
  it('takes nearest-rank percentiles and medians', () => {
    const xs = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(percentile(xs, 50)).toBe(5);
    expect(percentile(xs, 99)).toBe(10);
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(() => percentile(xs, 101)).toThrow(RangeError);
  });

  it('measures memory growth after warm-up and the slope of the second half', () => {
    const MB = 1024 * 1024;
    // Flat after a warm-up jump: no growth, no slope.
    const flat = [0, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000].map((turn) => ({
      turn,
      rss: (turn === 0 ? 100 : 150) * MB,
      heapUsed: (turn === 0 ? 20 : 40) * MB,
      external: 0,
    }));
    expect(memoryGrowth(flat)).toMatchObject({
      fromTurn: 1000,
      rssGrowthMB: 0,
      heapGrowthMB: 0,
      rssTailSlopeMBPer10k: 0,
    });
    // A leak of 1 MB per 1000 turns.
    const leak = flat.map((s) => ({ ...s, rss: s.rss + (s.turn / 1000) * MB }));
    expect(memoryGrowth(leak).rssGrowthMB).toBe(9);
    expect(memoryGrowth(leak).rssTailSlopeMBPer10k).toBe(10);
    expect(slope([1, 2, 3], [2, 4, 6])).toBe(2);
  });

  it('judges the CPU targets against the uninstrumented run and the cheapest other', () => {
    const v = (name: VariantSummary['name'], added: number, pct: number) =>
      ({ name, addedCpuPerTurnUs: added, addedCpuPct: pct }) as VariantSummary;
    const met = evaluateTargets([
      v('none', 0, 0),
      v('lorechat-otel', 40, 4),
      v('traceloop', 100, 10),
      v('openinference', 300, 30),
    ]);
    expect(met.addedCpuAtMost5Pct).toEqual({ value: 4, met: true });
    expect(met.atMostHalfOfCheapestOther).toEqual({ cheapest: 'traceloop', value: 0.4, met: true });
    const missed = evaluateTargets([
      v('none', 0, 0),
      v('lorechat-otel', 60, 6),
      v('langfuse', 100, 10),
    ]);
    expect(missed.addedCpuAtMost5Pct.met).toBe(false);
    expect(missed.atMostHalfOfCheapestOther.met).toBe(false);
    // The floor is ours' telemetry, not another instrumentation: never the "cheapest other".
    const withFloor = evaluateTargets([
      v('none', 0, 0),
      { ...v('lorechat-otel', 60, 6), addedRatioToFloor: 1.5 },
      v('floor', 40, 4),
      v('traceloop', 100, 10),
    ]);
    expect(withFloor.atMostHalfOfCheapestOther.cheapest).toBe('traceloop');
    expect(withFloor.atMost1_3xFloor).toEqual({ value: 1.5, met: false });
  });

  it('replaces only the marked section and refuses a document without it', () => {
    const md = 'a\n<!-- bench:x -->\nold\n<!-- /bench:x -->\nb\n';
    expect(replaceSection(md, 'x', 'new')).toBe('a\n<!-- bench:x -->\nnew\n<!-- /bench:x -->\nb\n');
    expect(() => replaceSection(md, 'y', 'new')).toThrow(/no <!-- bench:y -->/);
  });
});
