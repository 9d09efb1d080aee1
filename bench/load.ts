/**
 * Throughput, drops and cardinality through the HTTP API, with telemetry going to the real
 * pipeline: our Collector (shipped config) with Prometheus behind it; Tempo and Loki are
 * replaced by OTLP receivers that count what arrives (test/helpers/stack.ts).
 *
 * 1. Throughput: the LoreChat server (instant offline model) uninstrumented, then with
 *    lorechat-otel, each under closed-loop load at increasing concurrency; the maximum
 *    sustained turns per second of each.
 * 2. Drops: lorechat-otel at the concurrency where the uninstrumented server peaked, for a
 *    longer run; every turn must arrive as its graph-run span (at "Tempo") and its
 *    `chat.complete` event (at "Loki"); SDK drop warnings and the Collector's refused /
 *    failed counters must stay at zero.
 * 3. Cardinality: N distinct thread ids (100,000 by default) through the same server; the
 *    number of catalogue metric series in Prometheus before and after.
 *
 *   npm run bench -- load [--concurrency 1,2,4,8] [--step-seconds 10] [--drop-seconds 30]
 *     [--cardinality-threads 100000]
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runLoad, type LoadSummary } from '../demo/load/run-load.js';
import { prometheusSeriesNames } from '../src/catalogue/index.js';
import { EVENT_CHAT_COMPLETE, SPAN_INVOKE_WORKFLOW } from '../src/semconv.js';
import { OtlpReceiver } from '../test/helpers/otlp-receiver.js';
import { startStack, type Stack } from '../test/helpers/stack.js';
import { startAppServer, type AppServer } from './lib/app-server.js';
import { droppedFromDiag } from './lib/child.js';
import { finishLoad, machine, type Machine } from './lib/machine.js';
import { writeJson } from './lib/write.js';
import { round } from './lib/stats.js';
import { Tally, type TallyCounts } from './lib/tally.js';

const SERVICE_NAME = 'lorechat-bench';
const METRIC_EXPORT_INTERVAL_MS = 5000;

/** Collector self-metrics that mean telemetry was refused or lost. */
const COLLECTOR_LOSS_METRICS = [
  'otelcol_receiver_refused_spans_total',
  'otelcol_receiver_refused_log_records_total',
  'otelcol_receiver_refused_metric_points_total',
  'otelcol_exporter_send_failed_spans_total',
  'otelcol_exporter_send_failed_log_records_total',
  'otelcol_exporter_send_failed_metric_points_total',
  'otelcol_exporter_enqueue_failed_spans_total',
  'otelcol_exporter_enqueue_failed_log_records_total',
  'otelcol_processor_refused_spans_total',
  'otelcol_processor_refused_log_records_total',
] as const;

/** Sums each named counter over all its series in a Prometheus text exposition. */
export function sumCounters(text: string, names: readonly string[]): Record<string, number> {
  const out: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m || !(m[1]! in out)) continue;
    const v = Number(m[3]);
    if (Number.isFinite(v)) out[m[1]!]! += v;
  }
  return out;
}

async function collectorLoss(stack: Stack): Promise<Record<string, number>> {
  const response = await fetch(stack.collector!.metrics, { signal: AbortSignal.timeout(10_000) });
  return sumCounters(await response.text(), COLLECTOR_LOSS_METRICS);
}

function delta(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.keys(b).map((k) => [k, b[k]! - (a[k] ?? 0)]));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ThroughputStep {
  readonly concurrency: number;
  readonly turnsPerSecond: number;
  readonly ok: number;
  readonly errors: number;
  readonly latencyP50Ms: number | null;
  readonly latencyP99Ms: number | null;
}

export interface LoadReport {
  readonly kind: 'load';
  readonly date: string;
  readonly command: string;
  readonly machine: Machine;
  readonly stepSeconds: number;
  readonly throughput: {
    readonly none: readonly ThroughputStep[];
    readonly ours: readonly ThroughputStep[];
    readonly noneMax: ThroughputStep;
    readonly oursMax: ThroughputStep;
  };
  readonly drops: {
    readonly concurrency: number;
    readonly seconds: number;
    readonly turnsPerSecond: number;
    readonly okTurns: number;
    /** What "Tempo" and "Loki" received during the run. */
    readonly delivered: TallyCounts;
    readonly missingTurnSpans: number;
    readonly missingTurnEvents: number;
    readonly sdkDropped: { spans: number; logRecords: number };
    readonly collectorLoss: Record<string, number>;
    readonly zeroDrops: boolean;
  };
  readonly cardinality:
    | {
        readonly distinctThreadIds: number;
        readonly okTurns: number;
        readonly seconds: number;
        readonly catalogueSeriesBefore: number;
        readonly catalogueSeriesAfter: number;
        readonly appSeriesBefore: number;
        readonly appSeriesAfter: number;
        readonly unchanged: boolean;
      }
    | undefined;
}

function step(concurrency: number, s: LoadSummary): ThroughputStep {
  return {
    concurrency,
    turnsPerSecond: round(s.ok / (s.durationMs / 1000), 1),
    ok: s.ok,
    errors: s.errors,
    latencyP50Ms: s.okLatencyMs?.p50 ?? null,
    latencyP99Ms: s.okLatencyMs?.p99 ?? null,
  };
}

async function sweep(
  server: AppServer,
  concurrencies: readonly number[],
  seconds: number,
  log: (l: string) => void,
  label: string,
): Promise<ThroughputStep[]> {
  // Warm-up: JIT, first series, connection pools.
  await runLoad({ url: server.url, concurrency: 2, durationMs: 3000, requests: 1_000_000 });
  const steps: ThroughputStep[] = [];
  for (const c of concurrencies) {
    const s = await runLoad({
      url: server.url,
      concurrency: c,
      durationMs: seconds * 1000,
      requests: 10_000_000,
      threads: 1000,
    });
    steps.push(step(c, s));
    log(`load: ${label} c=${c}: ${steps.at(-1)!.turnsPerSecond} turns/s (${s.errors} errors)`);
  }
  return steps;
}

const best = (steps: readonly ThroughputStep[]): ThroughputStep =>
  [...steps].sort((a, b) => b.turnsPerSecond - a.turnsPerSecond)[0]!;

async function seriesCount(stack: Stack, expr: string): Promise<number> {
  const r = await stack.query(`count(${expr})`);
  return r.length === 0 ? 0 : Number(r[0]!.value[1]);
}

export async function runLoadBench(o: {
  root: string;
  concurrencies: readonly number[];
  stepSeconds: number;
  dropSeconds: number;
  cardinalityThreads: number;
  command: string;
  log: (l: string) => void;
}): Promise<LoadReport> {
  const m = machine();
  const match = { spanPrefix: SPAN_INVOKE_WORKFLOW, eventName: EVENT_CHAT_COMPLETE };
  const tempo = await OtlpReceiver.start();
  const loki = await OtlpReceiver.start();
  const traces = new Tally(tempo, match);
  const logs = new Tally(loki, match);
  const servers: AppServer[] = [];
  let stack: Stack | undefined;
  try {
    stack = await startStack({
      collector: true,
      prometheus: true,
      tracesEndpoint: tempo.url,
      logsEndpoint: `${loki.url}/otlp`,
      scrapeInterval: '2s',
    });
    const otel = {
      OTEL_SERVICE_NAME: SERVICE_NAME,
      OTEL_EXPORTER_OTLP_ENDPOINT: stack.collector!.otlpHttp,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_METRIC_EXPORT_INTERVAL: String(METRIC_EXPORT_INTERVAL_MS),
      OTEL_LOG_LEVEL: 'warn',
    };
    // 1. Throughput, uninstrumented then ours (one server at a time: two cores).
    const none = await startAppServer({ root: o.root, instrumented: false, env: {} });
    servers.push(none);
    const noneSteps = await sweep(none, o.concurrencies, o.stepSeconds, o.log, 'uninstrumented');
    await none.stop();
    const ours = await startAppServer({ root: o.root, instrumented: true, env: otel });
    servers.push(ours);
    const oursSteps = await sweep(ours, o.concurrencies, o.stepSeconds, o.log, 'lorechat-otel');
    const noneMax = best(noneSteps);

    // 2. Drops at the uninstrumented server's best concurrency.
    await sleep(8000); // let batches of the sweep leave the SDK and the Collector
    traces.reset();
    logs.reset();
    const lossBefore = await collectorLoss(stack);
    const stderrBefore = droppedFromDiag(ours.stderr());
    const run = await runLoad({
      url: ours.url,
      concurrency: noneMax.concurrency,
      durationMs: o.dropSeconds * 1000,
      requests: 10_000_000,
      threads: 1000,
    });
    // Wait for the last batches (SDK batch delay 5 s, Collector batching, exporter queue).
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      traces.drain();
      logs.drain();
      if (traces.counts.turnSpans >= run.ok && logs.counts.turnEvents >= run.ok) break;
      await sleep(1000);
    }
    await sleep(2000);
    traces.drain();
    logs.drain();
    const lossAfter = await collectorLoss(stack);
    const stderrAfter = droppedFromDiag(ours.stderr());
    const collectorDelta = delta(lossBefore, lossAfter);
    const sdkDropped = {
      spans: stderrAfter.spans - stderrBefore.spans,
      logRecords: stderrAfter.logRecords - stderrBefore.logRecords,
    };
    const delivered: TallyCounts = {
      spans: traces.counts.spans,
      turnSpans: traces.counts.turnSpans,
      logRecords: logs.counts.logRecords,
      turnEvents: logs.counts.turnEvents,
      exportRequests: traces.counts.exportRequests + logs.counts.exportRequests,
    };
    const missingTurnSpans = run.ok - delivered.turnSpans;
    const missingTurnEvents = run.ok - delivered.turnEvents;
    const drops = {
      concurrency: noneMax.concurrency,
      seconds: o.dropSeconds,
      turnsPerSecond: round(run.ok / (run.durationMs / 1000), 1),
      okTurns: run.ok,
      delivered,
      missingTurnSpans,
      missingTurnEvents,
      sdkDropped,
      collectorLoss: collectorDelta,
      zeroDrops:
        missingTurnSpans === 0 &&
        missingTurnEvents === 0 &&
        sdkDropped.spans + sdkDropped.logRecords === 0 &&
        Object.values(collectorDelta).every((v) => v === 0) &&
        run.errors === 0,
    };
    o.log(
      `load: drops at c=${noneMax.concurrency}: ${run.ok} turns, missing spans ${missingTurnSpans}, ` +
        `missing events ${missingTurnEvents}, sdk ${JSON.stringify(sdkDropped)}, collector ${JSON.stringify(collectorDelta)}`,
    );

    // 3. Cardinality: distinct thread ids must not add metric series.
    let cardinality: LoadReport['cardinality'];
    if (o.cardinalityThreads > 0) {
      const catalogue = `{__name__=~"${prometheusSeriesNames().join('|')}"}`;
      const app = `{job=~"(.*/)?${SERVICE_NAME}"}`;
      await sleep(2 * METRIC_EXPORT_INTERVAL_MS + 2000);
      const catalogueBefore = await seriesCount(stack, catalogue);
      const appBefore = await seriesCount(stack, app);
      const t0 = Date.now();
      const card = await runLoad({
        url: ours.url,
        concurrency: noneMax.concurrency,
        durationMs: 4 * 3600_000,
        requests: o.cardinalityThreads,
        threads: o.cardinalityThreads,
        threadPrefix: 'cardinality',
        onProgress: (p) => {
          if (Math.round(p.elapsedMs / 1000) % 60 === 0)
            o.log(`load: cardinality ${p.completed} turns`);
        },
      });
      const seconds = round((Date.now() - t0) / 1000, 0);
      await sleep(2 * METRIC_EXPORT_INTERVAL_MS + 2000);
      const catalogueAfter = await seriesCount(stack, catalogue);
      const appAfter = await seriesCount(stack, app);
      cardinality = {
        distinctThreadIds: card.threads,
        okTurns: card.ok,
        seconds,
        catalogueSeriesBefore: catalogueBefore,
        catalogueSeriesAfter: catalogueAfter,
        appSeriesBefore: appBefore,
        appSeriesAfter: appAfter,
        unchanged: catalogueBefore === catalogueAfter && catalogueBefore > 0,
      };
      o.log(`load: cardinality ${JSON.stringify(cardinality)}`);
    }
    await ours.stop();
    return {
      kind: 'load',
      date: new Date().toISOString(),
      command: o.command,
      machine: finishLoad(m),
      stepSeconds: o.stepSeconds,
      throughput: { none: noneSteps, ours: oursSteps, noneMax, oursMax: best(oursSteps) },
      drops,
      cardinality,
    };
  } finally {
    for (const s of servers) await s.stop();
    traces.stop();
    logs.stop();
    await stack?.stop();
    await tempo.close();
    await loki.close();
  }
}

export async function loadCommand(argv: string[], root: string): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      concurrency: { type: 'string', default: '1,2,4,8' },
      'step-seconds': { type: 'string', default: '10' },
      'drop-seconds': { type: 'string', default: '30' },
      'cardinality-threads': { type: 'string', default: '100000' },
      out: { type: 'string', default: 'bench/results/load.json' },
    },
    strict: true,
  });
  const positive = (name: string, raw: string, min = 1) => {
    const v = Number(raw);
    if (!Number.isInteger(v) || v < min)
      throw new Error(`--${name} must be an integer >= ${min}, got ${raw}`);
    return v;
  };
  const report = await runLoadBench({
    root,
    concurrencies: values.concurrency.split(',').map((c) => positive('concurrency', c.trim())),
    stepSeconds: positive('step-seconds', values['step-seconds']),
    dropSeconds: positive('drop-seconds', values['drop-seconds']),
    cardinalityThreads: positive('cardinality-threads', values['cardinality-threads'], 0),
    command: ['npm run bench -- load', ...argv].join(' '),
    log: (l) => process.stderr.write(`${l}\n`),
  });
  const out = resolve(root, values.out);
  await writeJson(out, report);
  process.stderr.write(`wrote ${out}\n`);
}
