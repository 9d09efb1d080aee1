/**
 * Renders the tables of BENCHMARKS.md from the JSON results in bench/results/, between
 * `<!-- bench:NAME -->` and `<!-- /bench:NAME -->` markers, so no number is typed by hand.
 *
 *   npm run bench -- render
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Machine } from './lib/machine.js';
import type { MemoryReport } from './memory.js';
import type { SideBySideReport, VariantSummary, WorkloadReport } from './side-by-side.js';

const fmt = (v: number | null | undefined, digits = 1): string =>
  v === null || v === undefined || !Number.isFinite(v) ? 'n/a' : v.toFixed(digits);
const signed = (v: number | null, digits = 1): string =>
  v === null ? 'n/a' : `${v >= 0 ? '+' : ''}${v.toFixed(digits)}`;
const mb = (bytes: number): string => (bytes / (1024 * 1024)).toFixed(1);
const verdict = (met: boolean | null): string =>
  met === null ? 'n/a' : met ? '**met**' : '**missed**';

export function renderMachine(m: Machine, date: string, command: string): string {
  const load =
    m.loadAverage.end === undefined
      ? `${m.loadAverage.start}`
      : `${m.loadAverage.start} at start, ${m.loadAverage.end} at end`;
  return [
    `- Date: ${date}`,
    `- Machine: ${m.cpuModel}, ${m.logicalCpus} logical CPUs, ${m.memoryGiB} GiB, ${m.platform}, Node ${m.node}`,
    `- 1-minute load average: ${load}`,
    `- Command: \`${command}\``,
  ].join('\n');
}

function overheadRow(v: VariantSummary): string {
  const p = v.produced;
  return (
    `| ${v.label} | ${fmt(v.cpuPerTurnUs, 0)} | ${signed(v.addedCpuPerTurnUs, 0)} (${signed(v.addedCpuPct)} %) | ` +
    `${fmt(v.cpuRatioToNone, 2)} | ${fmt(v.cpuRatioToOurs, 2)} | ${fmt(v.latencyP50Ms, 2)} | ` +
    `${fmt(v.latencyP99Ms, 2)} | ${mb(v.heapGrowthBytes)} | ${fmt(p.spansPerTurn, 1)} | ` +
    `${fmt(p.logRecordsPerTurn, 1)} | ${p.metricSeries} | ${v.dropped.spans + v.dropped.logRecords} | ${v.errors} |`
  );
}

function coverageRow(v: VariantSummary): string {
  const p = v.produced;
  const list = (xs: readonly string[], max = 8) =>
    xs.length === 0
      ? 'none'
      : xs
          .slice(0, max)
          .map((x) => `\`${x}\``)
          .join(', ') + (xs.length > max ? `, ... (${xs.length} in all)` : '');
  return `| ${v.label} | ${list(p.spanNames)} | ${list(p.eventNames)} | ${p.metricNames.length} |`;
}

export function renderWorkload(w: WorkloadReport): string {
  const lines = [
    `#### Workload \`${w.workload}\`: model latency ${w.latencyMs} ms per call, ` +
      `${w.concurrency} conversation(s) at a time, ${w.turns} measured turns after ${w.warmup} warm-up turns, ` +
      `median of ${w.rounds} interleaved rounds`,
    '',
    '| Variant | CPU/turn (µs) | Added CPU/turn (µs, %) | × none | × ours | p50 (ms) | p99 (ms) | Heap growth (MB) | Spans/turn | Log records/turn | Metric series | Dropped | Errors |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...w.variants.map(overheadRow),
    '',
    'What each variant delivered to the receiver:',
    '',
    '| Variant | Span names | Log event names | Metric names |',
    '| --- | --- | --- | ---: |',
    ...w.variants.map(coverageRow),
    '',
    `Targets (ours): added CPU per turn ${fmt(w.targets.addedCpuAtMost5Pct.value, 2)} % of uninstrumented ` +
      `(target at most 5 %): ${verdict(w.targets.addedCpuAtMost5Pct.met)}; ` +
      `added CPU ${fmt(w.targets.atMostHalfOfCheapestOther.value, 2)} × that of the cheapest other ` +
      `(${w.targets.atMostHalfOfCheapestOther.cheapest ?? 'n/a'}; target at most 0.5): ` +
      `${verdict(w.targets.atMostHalfOfCheapestOther.met)}.`,
  ];
  return lines.join('\n');
}

export function renderSideBySide(r: SideBySideReport): string {
  return [renderMachine(r.machine, r.date, r.command), '', ...r.workloads.map(renderWorkload)].join(
    '\n\n',
  );
}

export function renderMemory(r: MemoryReport): string {
  return [
    renderMachine(r.machine, r.date, r.command),
    '',
    `${r.turns} turns, a sample after a full GC every ${r.sampleEvery} turns; growth from the end of warm-up (first 10 %) to the last sample; slope of the second half.`,
    '',
    '| Variant | CPU/turn (µs) | RSS growth (MB) | Heap growth (MB) | RSS slope, 2nd half (MB/10k turns) | Heap slope (MB/10k turns) | ≤ 50 MB RSS | Spans delivered | Log records delivered | Dropped |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |',
    ...r.variants.map(
      (v) =>
        `| ${v.label} | ${fmt(v.cpuPerTurnUs, 0)} | ${signed(v.growth.rssGrowthMB)} | ${signed(v.growth.heapGrowthMB)} | ` +
        `${signed(v.growth.rssTailSlopeMBPer10k, 2)} | ${signed(v.growth.heapTailSlopeMBPer10k, 2)} | ${verdict(v.rssTargetMet)} | ` +
        `${v.delivered.spans} | ${v.delivered.logRecords} | ${v.dropped.spans + v.dropped.logRecords} |`,
    ),
  ].join('\n');
}

/** Replaces the body between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->`. */
export function replaceSection(markdown: string, name: string, body: string): string {
  const open = `<!-- bench:${name} -->`;
  const close = `<!-- /bench:${name} -->`;
  const start = markdown.indexOf(open);
  const end = markdown.indexOf(close);
  if (start < 0 || end < start)
    throw new Error(`BENCHMARKS.md has no ${open} ... ${close} section`);
  return `${markdown.slice(0, start + open.length)}\n${body.trim()}\n${markdown.slice(end)}`;
}

const RENDERERS: Record<string, (json: unknown) => string> = {
  'side-by-side': (j) => renderSideBySide(j as SideBySideReport),
  memory: (j) => renderMemory(j as MemoryReport),
};

export function renderCommand(root: string): void {
  const file = join(root, 'BENCHMARKS.md');
  let md = readFileSync(file, 'utf8');
  for (const [name, render] of Object.entries(RENDERERS)) {
    const json = join(root, 'bench', 'results', `${name}.json`);
    if (!existsSync(json)) {
      process.stderr.write(`render: no ${json}, section ${name} left as it is\n`);
      continue;
    }
    md = replaceSection(md, name, render(JSON.parse(readFileSync(json, 'utf8'))));
  }
  writeFileSync(file, md);
  process.stderr.write(`render: updated ${file}\n`);
}
