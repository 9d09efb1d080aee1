/**
 * Renders the tables of BENCHMARKS.md from the JSON results in bench/results/, between
 * `<!-- bench:NAME -->` and `<!-- /bench:NAME -->` markers, so no number is typed by hand.
 *
 *   npm run bench -- render
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AttributionReport } from './attribution.js';
import type { Machine } from './lib/machine.js';
import { writeFormatted } from './lib/write.js';
import type { LoadReport } from './load.js';
import type { MemoryReport } from './memory.js';
import type { ProfileReport } from './profile.js';
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
    `- Revision measured: ${m.revision ?? 'not recorded'}`,
    `- Command: \`${command}\``,
  ].join('\n');
}

function overheadRow(v: VariantSummary): string {
  const p = v.produced;
  return (
    `| ${v.label} | ${fmt(v.cpuPerTurnUs, 0)} | ${signed(v.addedCpuPerTurnUs, 0)} (${signed(v.addedCpuPct)} %) | ` +
    `${fmt(v.addedRatioToFloor, 2)} | ${fmt(v.eventLoopPerTurnUs, 0)} | ${signed(v.addedEventLoopPerTurnUs ?? null, 0)} | ` +
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

/** Per round, CPU per turn of `a` over `b` (paired: the two ran next to each other). */
function pairedRatios(w: WorkloadReport, a: string, b: string): number[] {
  const va = w.variants.find((v) => v.name === a);
  const vb = w.variants.find((v) => v.name === b);
  if (!va || !vb) return [];
  return va.rounds.flatMap((ra) => {
    const rb = vb.rounds.find((x) => x.round === ra.round);
    return rb ? [ra.result.cpuUs / ra.result.turns / (rb.result.cpuUs / rb.result.turns)] : [];
  });
}

/** How noisy the run was: the spread of the uninstrumented run's CPU per turn over rounds. */
function noiseLine(w: WorkloadReport): string | undefined {
  const none = w.variants.find((v) => v.name === 'none');
  if (!none || none.rounds.length < 2) return undefined;
  const cpu = none.rounds.map((r) => r.result.cpuUs / r.result.turns);
  const lo = Math.min(...cpu);
  const hi = Math.max(...cpu);
  const paired = pairedRatios(w, 'lorechat-otel', 'floor');
  return (
    `Noise: the uninstrumented run's CPU per turn ranged ${fmt(lo, 0)}-${fmt(hi, 0)} µs over the rounds ` +
    `(${fmt(((hi - lo) / lo) * 100, 0)} % apart)` +
    (paired.length > 0
      ? `; ours over the floor, CPU per turn, round by round: ${paired.map((x) => fmt(x, 3)).join(', ')}.`
      : '.')
  );
}

export function renderWorkload(w: WorkloadReport): string {
  const noise = noiseLine(w);
  const lines = [
    `#### Workload \`${w.workload}\`: model latency ${w.latencyMs} ms per call, ` +
      `${w.concurrency} conversation(s) at a time, ${w.turns} measured turns after ${w.warmup} warm-up turns, ` +
      `median of ${w.rounds} interleaved rounds`,
    '',
    '| Variant | CPU/turn (µs) | Added CPU/turn (µs, %) | Added × floor | Main thread/turn (µs) | Added main thread (µs) | × none | × ours | p50 (ms) | p99 (ms) | Heap growth (MB) | Spans/turn | Log records/turn | Metric series | Dropped | Errors |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...w.variants.map(overheadRow),
    '',
    'What each variant delivered to the receiver:',
    '',
    '| Variant | Span names | Log event names | Metric names |',
    '| --- | --- | --- | ---: |',
    ...w.variants.map(coverageRow),
    '',
    `Targets (ours): added CPU ${fmt(w.targets.atMost1_3xFloor?.value, 2)} × the floor's ` +
      `(target at most 1.3): ${verdict(w.targets.atMost1_3xFloor?.met ?? null)}; ` +
      `added CPU per turn ${fmt(w.targets.addedCpuAtMost5Pct.value, 2)} % of uninstrumented ` +
      `(target at most 5 %): ${verdict(w.targets.addedCpuAtMost5Pct.met)}; ` +
      `added CPU ${fmt(w.targets.atMostHalfOfCheapestOther.value, 2)} × that of the cheapest other ` +
      `(${w.targets.atMostHalfOfCheapestOther.cheapest ?? 'n/a'}; target at most 0.5): ` +
      `${verdict(w.targets.atMostHalfOfCheapestOther.met)}.`,
    ...(noise ? ['', noise] : []),
  ];
  return lines.join('\n');
}

export function renderSideBySide(r: SideBySideReport): string {
  return [renderMachine(r.machine, r.date, r.command), '', ...r.workloads.map(renderWorkload)].join(
    '\n\n',
  );
}

export function renderAttribution(r: AttributionReport): string {
  return [
    renderMachine(r.machine, r.date, r.command),
    '',
    `Instant workload, ${r.turns} measured turns after ${r.warmup} warm-up turns, median of ${r.rounds} ` +
      `interleaved rounds; uninstrumented: ${fmt(r.uninstrumentedCpuPerTurnUs, 0)} µs CPU per turn. ` +
      'Each row is lorechat-otel with one part switched off (or on); "vs defaults" is what that ' +
      'part costs (negative: switching it off saves that much).',
    '',
    '| lorechat-otel with | CPU/turn (µs) | Added CPU/turn (µs, %) | vs defaults (µs) | Spans/turn | Log records/turn | Dropped | Errors |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...r.rows.map(
      (row) =>
        `| ${row.label} | ${fmt(row.cpuPerTurnUs, 0)} | ${signed(row.addedUs, 0)} (${signed(row.addedPct)} %) | ` +
        `${signed(row.vsDefaultsUs, 0)} | ${fmt(row.spansPerTurn, 1)} | ${fmt(row.logRecordsPerTurn, 1)} | ` +
        `${row.dropped.spans + row.dropped.logRecords} | ${row.errors} |`,
    ),
  ].join('\n');
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

export function renderLoad(r: LoadReport): string {
  const t = r.throughput;
  const rows = t.none.map((n, i) => {
    const o = t.ours[i];
    return (
      `| ${n.concurrency} | ${fmt(n.turnsPerSecond)} | ${fmt(n.latencyP50Ms)} / ${fmt(n.latencyP99Ms)} | ` +
      `${fmt(o?.turnsPerSecond)} | ${fmt(o?.latencyP50Ms)} / ${fmt(o?.latencyP99Ms)} | ${n.errors + (o?.errors ?? 0)} |`
    );
  });
  const d = r.drops;
  const loss = Object.entries(d.collectorLoss)
    .filter(([, v]) => v !== 0)
    .map(([k, v]) => `${k} ${v}`);
  const lines = [
    renderMachine(r.machine, r.date, r.command),
    '',
    `Closed-loop load for ${r.stepSeconds} s per step (after a 3 s warm-up), instant offline model, the app as a separate process; telemetry of ours to the real Collector.`,
    '',
    '| Concurrency | Uninstrumented (turns/s) | p50 / p99 (ms) | lorechat-otel (turns/s) | p50 / p99 (ms) | Errors |',
    '| ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    `Maximum sustained: uninstrumented ${fmt(t.noneMax.turnsPerSecond)} turns/s (concurrency ${t.noneMax.concurrency}), ` +
      `lorechat-otel ${fmt(t.oursMax.turnsPerSecond)} turns/s (concurrency ${t.oursMax.concurrency}).`,
    '',
    `**Drops** (lorechat-otel, closed loop at concurrency ${d.concurrency}, where the uninstrumented server peaked, ` +
      `for ${d.seconds} s: ${d.okTurns} turns at ${fmt(d.turnsPerSecond)} turns/s; ` +
      `the uninstrumented peak was ${fmt(t.noneMax.turnsPerSecond)} turns/s):`,
    '',
    '| Check | Result |',
    '| --- | ---: |',
    `| Graph-run spans missing at the trace backend | ${d.missingTurnSpans} |`,
    `| \`chat.complete\` events missing at the log backend | ${d.missingTurnEvents} |`,
    `| Spans / log records delivered | ${d.delivered.spans} / ${d.delivered.logRecords} |`,
    `| SDK drops (spans / log records) | ${d.sdkDropped.spans} / ${d.sdkDropped.logRecords} |`,
    `| Collector refused or failed (all signals) | ${loss.length === 0 ? '0' : loss.join(', ')} |`,
    `| Zero drops | ${verdict(d.zeroDrops)} |`,
  ];
  const c = r.cardinality;
  if (c) {
    lines.push(
      '',
      `**Cardinality**: ${c.distinctThreadIds} distinct thread ids (${c.okTurns} turns in ${c.seconds} s) through the same server.`,
      '',
      '| Series in Prometheus | Before | After |',
      '| --- | ---: | ---: |',
      `| Catalogue metrics | ${c.catalogueSeriesBefore} | ${c.catalogueSeriesAfter} |`,
      `| Every series of the app's job (runtime metrics included) | ${c.appSeriesBefore} | ${c.appSeriesAfter} |`,
      '',
      `Catalogue series unchanged: ${verdict(c.unchanged)}.`,
    );
  }
  return lines.join('\n');
}

export function renderProfile(r: ProfileReport): string {
  const share = (ms: number) => ((ms / r.totalMs.ours) * 100).toFixed(1);
  const table = (title: string, rows: ReadonlyArray<{ name: string; ms: number }>) => [
    `| ${title} | ms | % of the instrumented run's CPU |`,
    '| --- | ---: | ---: |',
    ...rows.map(
      (x) => `| \`${x.name.replace(/\|/g, '\\|')}\` | ${x.ms.toFixed(1)} | ${share(x.ms)} |`,
    ),
  ];
  const base = r.baseline === 'floor' ? 'the floor' : 'uninstrumented';
  return [
    renderMachine(r.machine, r.date, r.command),
    '',
    `${r.turns} measured turns of the instant workload (+60 warm-up, process start-up included in the profile). ` +
      `CPU per turn in these runs: ${base} ${fmt(r.cpuPerTurnUs.none, 0)} µs, lorechat-otel ${fmt(r.cpuPerTurnUs.ours, 0)} µs; ` +
      `sampled CPU ${r.totalMs.none} ms vs ${r.totalMs.ours} ms.`,
    '',
    `Added self time by package (lorechat-otel minus ${base}):`,
    '',
    ...table('Package', r.addedByGroup),
    '',
    'Added self time by function:',
    '',
    ...table('Function', r.addedBySelf),
    '',
    "Our functions by inclusive time (everything that runs under them, the app's own work included where it runs inside our wrappers):",
    '',
    ...table('Function (dist bundle)', r.oursInclusive),
  ].join('\n');
}

interface StreamChunksResult {
  readonly command: string;
  readonly chunks: number;
  readonly rounds: number;
  readonly node: string;
  readonly cpuPerChunkUs: { readonly plain: number; readonly ours: number };
  readonly addedPerChunkUs: number;
  readonly targetUs: number;
  readonly met: boolean;
}

export function renderStreamChunks(r: StreamChunksResult): string {
  return [
    `- Command: \`${r.command}\` (Node ${r.node}; one process, instrumented and uninstrumented streams alternating, median of ${r.rounds} rounds)`,
    '',
    '| Stream of | CPU per chunk, uninstrumented (µs) | CPU per chunk, lorechat-otel (µs) | Added per chunk (µs) | Target | Verdict |',
    '| ---: | ---: | ---: | ---: | ---: | --- |',
    `| ${r.chunks} chunks | ${fmt(r.cpuPerChunkUs.plain, 2)} | ${fmt(r.cpuPerChunkUs.ours, 2)} | ${signed(r.addedPerChunkUs, 2)} | at most ${r.targetUs} | ${verdict(r.met)} |`,
  ].join('\n');
}

interface LargePromptResult {
  readonly command: string;
  readonly calls: number;
  readonly promptBytes: number;
  readonly contentMaxLength: number;
  readonly node: string;
  readonly targetPerCallBytes: number;
  readonly met: boolean;
  /** CPU per call, building the 1 MB prompt included (absent from runs before it was measured). */
  readonly cpuPerCallUs?: {
    readonly uninstrumented: number;
    readonly captureOff: number;
    readonly captureOn: number;
  };
  readonly retainedPerCallKiB: {
    readonly uninstrumented: number;
    readonly captureOff: number;
    readonly captureOn: number;
  };
}

export function renderLargePrompt(r: LargePromptResult): string {
  const kib = r.retainedPerCallKiB;
  return [
    `- Command: \`${r.command}\` (Node ${r.node}; ${r.calls} calls with a distinct ${fmt(r.promptBytes / 1048576, 0)} MB prompt each, finished spans and log records kept; heap after a full GC)`,
    '',
    '| Heap retained per call (KiB) | Uninstrumented | lorechat-otel, content capture off | lorechat-otel, content capture on |',
    '| --- | ---: | ---: | ---: |',
    `| | ${fmt(kib.uninstrumented)} | ${fmt(kib.captureOff)} | ${fmt(kib.captureOn)} |`,
    ...(r.cpuPerCallUs
      ? [
          '',
          '| CPU per call (µs, building the prompt included) | Uninstrumented | lorechat-otel, content capture off | lorechat-otel, content capture on |',
          '| --- | ---: | ---: | ---: |',
          `| | ${fmt(r.cpuPerCallUs.uninstrumented, 0)} | ${fmt(r.cpuPerCallUs.captureOff, 0)} | ${fmt(r.cpuPerCallUs.captureOn, 0)} |`,
        ]
      : []),
    '',
    `Target: at most ${fmt(r.targetPerCallBytes / 1024, 0)} KiB per call with capture off and on (content is cut to ${r.contentMaxLength} characters): ${verdict(r.met)}.`,
  ].join('\n');
}

interface ExportHandoffResult {
  readonly command: string;
  readonly date: string;
  readonly machine: Machine;
  readonly turns: number;
  readonly rounds: number;
  readonly spansPerTurn: number;
  readonly logRecordsPerTurn: number;
  readonly batchSize: number;
  readonly perTurnUs: {
    readonly encodeWall: number;
    readonly encodeJsonWall: number;
    readonly handOffWall: number;
    readonly encodeCpu: number;
    readonly handOffCpu: number;
  };
  readonly handOffOverEncode: number;
}

export function renderExportHandoff(r: ExportHandoffResult): string {
  const u = r.perTurnUs;
  return [
    renderMachine(r.machine, r.date, r.command),
    '',
    `${r.turns} turns of ours' telemetry (${fmt(r.spansPerTurn)} spans and ${fmt(r.logRecordsPerTurn)} log records per turn), in batches of ${r.batchSize}; median of ${r.rounds} alternating rounds.`,
    '',
    '| Per turn (µs)                                              | Main thread | Process CPU |',
    '| ---------------------------------------------------------- | ----------: | ----------: |',
    `| Encode to OTLP protobuf (what the exporters do today)      | ${fmt(u.encodeWall)} | ${fmt(u.encodeCpu)} |`,
    `| Encode to OTLP JSON (\`http/json\`)                        | ${fmt(u.encodeJsonWall)} | |`,
    `| Copy to plain data and \`postMessage\` to a worker          | ${fmt(u.handOffWall)} | ${fmt(u.handOffCpu)} |`,
    '',
    `Main-thread time of the hand-off over that of encoding: ${fmt(r.handOffOverEncode, 2)} (below 1, a worker that encodes and sends would free the main thread of the difference; the process would still pay the encoding, on the worker, on top of the hand-off).`,
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

/** Section -> renderer and result files, the first that exists wins. */
const SECTIONS: ReadonlyArray<{
  section: string;
  files: readonly string[];
  render: (json: unknown) => string;
}> = [
  {
    section: 'side-by-side',
    files: ['side-by-side'],
    render: (j) => renderSideBySide(j as SideBySideReport),
  },
  // Ours against the floor (the same telemetry through the OpenTelemetry API alone): the
  // first run before the hot-path changes, then after; the wrappers with nothing exported;
  // the profile of ours against the floor.
  ...(
    [
      'floor-before-side-by-side',
      'floor',
      'wrappers',
      // Third round: the four variants again on a less busy machine; nothing exported before
      // and after the instrumentations are left out when no signal is read.
      'floor2-before-side-by-side',
      'wrappers-before',
      'wrappers-after',
      // ... and the four variants after this round, with OTLP protobuf and with OTLP JSON.
      'floor2-after-side-by-side',
      'floor2-json-side-by-side',
    ] as const
  ).map((name) => ({
    section: name,
    files: [name],
    render: (j: unknown) => renderSideBySide(j as SideBySideReport),
  })),
  {
    section: 'stream-chunks',
    files: ['stream-chunks'],
    render: (j) => renderStreamChunks(j as StreamChunksResult),
  },
  // Content capture's cost with 1 MB prompts: before the strings were cut before encoding
  // (issue 18, third round), then the current run.
  ...(['large-prompt-before', 'large-prompt'] as const).map((name) => ({
    section: name,
    files: [name],
    render: (j: unknown) => renderLargePrompt(j as LargePromptResult),
  })),
  ...(['profile-floor', 'profile-floor2'] as const).map((name) => ({
    section: name,
    files: [name],
    render: (j: unknown) => renderProfile(j as ProfileReport),
  })),
  {
    section: 'export-handoff',
    files: ['export-handoff'],
    render: (j) => renderExportHandoff(j as ExportHandoffResult),
  },
  {
    section: 'attribution',
    files: ['attribution'],
    render: (j) => renderAttribution(j as AttributionReport),
  },
  { section: 'memory', files: ['memory'], render: (j) => renderMemory(j as MemoryReport) },
  // The full 100,000-thread run when there is one, else the default output.
  { section: 'load', files: ['load-100k', 'load'], render: (j) => renderLoad(j as LoadReport) },
  { section: 'profile', files: ['profile'], render: (j) => renderProfile(j as ProfileReport) },
  // The second round of CPU work (event records): before, after, and after with the
  // per-node events left out.
  ...(['perf2-before', 'perf2-after', 'perf2-after-info'] as const).map((name) => ({
    section: `${name}-side-by-side`,
    files: [`${name}-side-by-side`],
    render: (j: unknown) => renderSideBySide(j as SideBySideReport),
  })),
  // The instrumentation's CPU work: the same runs before and after it.
  ...(['before', 'after'] as const).flatMap((when) => [
    {
      section: `perf-${when}-side-by-side`,
      files: [`perf-${when}-side-by-side`],
      render: (j: unknown) => renderSideBySide(j as SideBySideReport),
    },
    {
      section: `perf-${when}-profile`,
      files: [`perf-${when}-profile`],
      render: (j: unknown) => renderProfile(j as ProfileReport),
    },
  ]),
];

export async function renderCommand(root: string): Promise<void> {
  const file = join(root, 'BENCHMARKS.md');
  let md = readFileSync(file, 'utf8');
  for (const { section, files, render } of SECTIONS) {
    const json = files
      .map((f) => join(root, 'bench', 'results', `${f}.json`))
      .find((f) => existsSync(f));
    if (json === undefined) {
      process.stderr.write(`render: no result for ${section}, section left as it is\n`);
      continue;
    }
    md = replaceSection(md, section, render(JSON.parse(readFileSync(json, 'utf8'))));
  }
  await writeFormatted(file, md);
  process.stderr.write(`render: updated ${file}\n`);
}
