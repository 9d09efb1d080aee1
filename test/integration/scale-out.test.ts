/**
 * Scale-out proof (docs/scaling.md): the two Collector tiers as shipped, real binaries on loopback.
 *
 *   LoreChat app --OTLP/HTTP--> agent   (otel-collector-config.yaml + collector/agent.yaml)
 *     traces  --load_balancing, routing_key traceID--> gateway 1 | gateway 2
 *     metrics, logs --otlp_http (no affinity)-------> gateway 1
 *   gateway N (otel-collector-config.yaml + collector/gateway.yaml, tail sampling)
 *     traces  --> Tempo stand-in N (one recorder per gateway: which gateway kept what)
 *     logs    --> Loki stand-in (shared)
 *     metrics --> Prometheus (OTLP receiver); Prometheus scrapes all three tiers
 *
 * The load generator sends a known share of failing and of slow turns. Asserted:
 *  - every trace is decided by exactly one gateway (decisions counted by the gateways equal the
 *    turns sent) and the gateways' kept traces are disjoint and complete (every node span, no
 *    orphan, span counts matching the unsampled log records of the same request id);
 *  - every failing turn and every turn slower than 2 s is kept; the kept share of the rest is
 *    within 4 binomial standard deviations of TAIL_SAMPLING_PERCENTAGE;
 *  - span-metric request counts in Prometheus equal the load generator's counts exactly (they
 *    are computed on the agent, before sampling), as do the app's own metrics and log records;
 *  - a gateway stopped under load (SIGTERM) and started again loses no kept turn (by request
 *    id): the agent holds its share in the persistent queue and retries.
 * Measured (printed): throughput, kept share, memory high-water mark of each tier.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { LoadSummary } from '../../demo/load/run-load.js';
import {
  collectorEnv,
  prometheusArgs,
  writePrometheusOverlay,
} from '../../scripts/backends/overlay.mjs';
import {
  App,
  eventually,
  isWorkflowSpan,
  requestIdOf,
  requireBuild,
  spanKey,
} from '../e2e/harness.js';
import {
  OtlpReceiver,
  type ReceivedLogRecord,
  type ReceivedSpan,
} from '../helpers/otlp-receiver.js';
import {
  binaries,
  COLLECTOR_CONFIG,
  freePort,
  ManagedProcess,
  REPO_ROOT,
  waitUntilReady,
} from '../helpers/stack.js';

const AGENT_CONFIG = join(REPO_ROOT, 'collector', 'agent.yaml');
const GATEWAY_CONFIG = join(REPO_ROOT, 'collector', 'gateway.yaml');
/** The share of the rest kept in this test (the shipped default is 10 %; 25 % tightens the check). */
const SAMPLING_PERCENT = 25;
/** The gateway's latency policy threshold (collector/gateway.yaml), from the shipped file. */
const SLOW_MS = (
  parse(readFileSync(GATEWAY_CONFIG, 'utf8')) as {
    processors: { tail_sampling: { policies: { latency?: { threshold_ms: number } }[] } };
  }
).processors.tail_sampling.policies.find((p) => p.latency)!.latency!.threshold_ms;

interface Tier {
  readonly name: string;
  readonly args: string[];
  readonly env: Record<string, string>;
  readonly otlpGrpc: string;
  readonly otlpHttp: string;
  readonly health: string;
  readonly metrics: string;
  readonly metricsHostPort: string;
  proc: ManagedProcess;
}

const bin = binaries();
const dir = mkdtempSync(join(tmpdir(), 'lorechat-scale-out-'));
const tempo = [OtlpReceiver.offline(), OtlpReceiver.offline()];
let loki = OtlpReceiver.offline();
let prometheus: ManagedProcess | undefined;
let promUrl = '';
let agent: Tier | undefined;
const gateways: Tier[] = [];
let app: App | undefined;
const summaries: LoadSummary[] = [];
const measured: Record<string, unknown> = {};

const port = async (): Promise<string> => `127.0.0.1:${await freePort()}`;

async function startTier(tier: Omit<Tier, 'proc'>): Promise<Tier> {
  const proc = new ManagedProcess(
    tier.name,
    bin.otelcol,
    tier.args,
    join(dir, `${tier.name}-${Date.now()}.log`),
    { ...process.env, ...tier.env },
  );
  await waitUntilReady(tier.health, proc, 60_000);
  return { ...tier, proc };
}

async function tierSpec(
  name: string,
  config: string,
  targets: { prometheus: string; tempo: string; loki: string },
  extra: Record<string, string>,
): Promise<Omit<Tier, 'proc'>> {
  const [otlpGrpc, otlpHttp, health] = [await port(), await port(), await port()];
  const metricsPort = await freePort();
  const fileStorageDir = join(dir, name, 'file_storage');
  mkdirSync(fileStorageDir, { recursive: true });
  const env = {
    ...collectorEnv({
      otlpGrpc,
      otlpHttp,
      health,
      metricsPort,
      fileStorageDir,
      prometheusOtlp: targets.prometheus,
      tempoOtlp: targets.tempo,
      lokiOtlp: targets.loki,
    }),
    ...extra,
  };
  return {
    name,
    args: [`--config=${COLLECTOR_CONFIG}`, `--config=${config}`],
    env,
    otlpGrpc,
    otlpHttp: `http://${otlpHttp}`,
    health: `http://${health}/`,
    metrics: `http://127.0.0.1:${metricsPort}/metrics`,
    metricsHostPort: `127.0.0.1:${metricsPort}`,
  };
}

/** Sum of a self-metric's samples (Prometheus text format) whose labels contain `match`. */
async function selfMetric(tier: Tier, name: string, match: Record<string, string> = {}) {
  const text = await (await fetch(tier.metrics, { signal: AbortSignal.timeout(5_000) })).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const labels = m[2] ?? '';
    if (Object.entries(match).every(([k, v]) => labels.includes(`${k}="${v}"`))) {
      sum += Number(m[3]);
    }
  }
  return sum;
}

async function selfMetricNames(tier: Tier): Promise<Set<string>> {
  const text = await (await fetch(tier.metrics, { signal: AbortSignal.timeout(5_000) })).text();
  return new Set(
    text
      .split('\n')
      .filter((l) => !l.startsWith('#'))
      .map((l) => /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(l)?.[1])
      .filter((n): n is string => n !== undefined),
  );
}

async function promQuery(expr: string): Promise<number | undefined> {
  const url = new URL('/api/v1/query', promUrl);
  url.searchParams.set('query', expr);
  const body = (await (await fetch(url, { signal: AbortSignal.timeout(10_000) })).json()) as {
    status: string;
    data?: { result: { value: [number, string] }[] };
    error?: string;
  };
  if (body.status !== 'success') throw new Error(`${expr}: ${body.error}`);
  const r = body.data?.result ?? [];
  return r.length === 0 ? undefined : r.reduce((s, x) => s + Number(x.value[1]), 0);
}

/** VmHWM (peak resident memory) of a process, in MiB. */
function peakRssMiB(proc: ManagedProcess): number {
  const status = readFileSync(`/proc/${proc.pid}/status`, 'utf8');
  const kb = Number(/^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1]);
  return Math.round((kb / 1024) * 10) / 10;
}

interface TurnOutcome {
  readonly requestId: string;
  readonly failed: boolean;
  readonly durationMs: number;
}

/** Every turn, from the unsampled `chat.complete` log records (one per turn, by request id). */
function turnsFromLogs(records: readonly ReceivedLogRecord[]): Map<string, TurnOutcome> {
  const out = new Map<string, TurnOutcome>();
  for (const r of records) {
    if (r.eventName !== 'chat.complete') continue;
    const id = requestIdOf(r);
    const body = r.body as { status?: string; context?: { duration_ms?: number } } | undefined;
    if (id === undefined || body?.context?.duration_ms === undefined) continue;
    out.set(id, {
      requestId: id,
      failed: body.status === 'error',
      durationMs: body.context.duration_ms,
    });
  }
  return out;
}

/** Kept turns: request id -> the index of the gateway whose Tempo stand-in holds its root span. */
function keptTurns(): Map<string, number[]> {
  const kept = new Map<string, number[]>();
  tempo.forEach((t, i) => {
    for (const s of t.spans().filter(isWorkflowSpan)) {
      const id = requestIdOf(s);
      if (id !== undefined && !(kept.get(id) ?? []).includes(i)) {
        kept.set(id, [...(kept.get(id) ?? []), i]);
      }
    }
  });
  return kept;
}

/** Waits until every turn sent so far is logged, decided, and delivered by every tier. */
async function settle(expectedTurns: number): Promise<void> {
  await eventually(
    async () => {
      const turns = turnsFromLogs(loki.logRecords());
      if (turns.size < expectedTurns) return `${turns.size}/${expectedTurns} turns logged`;
      const kept = keptTurns();
      const missing = [...turns.values()].filter(
        (t) => (t.failed || t.durationMs > SLOW_MS + 1) && !kept.has(t.requestId),
      );
      if (missing.length > 0) return `${missing.length} failing/slow turns not (yet) exported`;
      for (const g of gateways) {
        const onMemory = await selfMetric(
          g,
          'otelcol_processor_tail_sampling_sampling_traces_on_memory',
        );
        if (onMemory > 0) return `${g.name}: ${onMemory} traces awaiting a decision`;
        const queued = await selfMetric(g, 'otelcol_exporter_queue_size');
        if (queued > 0) return `${g.name}: ${queued} requests queued`;
      }
      const agentQueued = await selfMetric(agent!, 'otelcol_exporter_queue_size');
      if (agentQueued > 0) return `agent: ${agentQueued} requests queued`;
      return undefined;
    },
    90_000,
    1_000,
  );
}

/**
 * Kept traces that are not complete, by request id: a span whose parent is missing, a
 * successful turn without one of its four node spans, or fewer (or more) LLM, retrieval or node
 * spans than the unsampled log records of the same request id announce. (A failing turn stops
 * at the node whose LLM call failed, so only the log comparison applies to it.)
 */
function incompleteTraces(
  allSpans: readonly ReceivedSpan[],
  allLogs: readonly ReceivedLogRecord[],
): string[] {
  const spans = [...new Map(allSpans.map((s) => [spanKey(s), s])).values()];
  const byTrace = new Map<string, ReceivedSpan[]>();
  for (const s of spans) byTrace.set(s.traceId, [...(byTrace.get(s.traceId) ?? []), s]);
  const logsByRequest = new Map<string, ReceivedLogRecord[]>();
  for (const r of allLogs) {
    const id = requestIdOf(r);
    if (id !== undefined) logsByRequest.set(id, [...(logsByRequest.get(id) ?? []), r]);
  }
  const out: string[] = [];
  for (const w of spans.filter(isWorkflowSpan)) {
    const id = requestIdOf(w) ?? `(no request id, trace ${w.traceId})`;
    const trace = byTrace.get(w.traceId) ?? [];
    const ids = new Set(trace.map((s) => s.spanId));
    const problems: string[] = [];
    const orphans = trace.filter((s) => s.parentSpanId !== '' && !ids.has(s.parentSpanId));
    if (orphans.length > 0) problems.push(`${orphans.length} spans without their parent`);
    const nodes = trace.filter((s) => s.name.startsWith('invoke_node '));
    if (w.status.code !== 2) {
      for (const n of ['decompose', 'process', 'combine', 'respond']) {
        if (!nodes.some((s) => s.name === `invoke_node ${n}`)) problems.push(`node ${n} missing`);
      }
    }
    const logged = new Set(
      (logsByRequest.get(id) ?? []).map((r) => `${r.eventName}/${r.spanId}/${r.timeUnixNano}`),
    );
    const events = [...logged].map((k) => k.split('/')[0]);
    const pairs: Array<[string, number, number]> = [
      [
        'llm.request',
        trace.filter((s) => s.name.startsWith('chat ')).length,
        events.filter((e) => e === 'llm.request').length,
      ],
      [
        'vector.search',
        trace.filter((s) => s.name.startsWith('retrieval ')).length,
        events.filter((e) => e === 'vector.search').length,
      ],
      ['graph.node.enter', nodes.length, events.filter((e) => e === 'graph.node.enter').length],
    ];
    for (const [event, got, expected] of pairs) {
      if (got !== expected) problems.push(`${got} spans for ${expected} ${event} records`);
    }
    if (problems.length > 0) out.push(`${id}: ${problems.join('; ')}`);
  }
  return out;
}

/** Kept traces (by gateway) and what the assertions need about them. */
function accountKept() {
  const logs = loki.logRecords();
  const incomplete = tempo.map((t) => incompleteTraces(t.spans(), logs));
  const keptTurnCount = tempo.map(
    (t) => new Set(t.spans().filter(isWorkflowSpan).map(requestIdOf)).size,
  );
  const traceIds = tempo.map((t) => new Set(t.spans().map((s: ReceivedSpan) => s.traceId)));
  const shared = [...traceIds[0]!].filter((id) => traceIds[1]!.has(id));
  return { incomplete, keptTurnCount, shared };
}

/** Why a kept turn of "the rest" was kept, from its spans (diagnostics for the share check). */
function keptReasons(requestIds: ReadonlySet<string>): Record<string, number> {
  const reasons: Record<string, number> = {};
  for (const t of tempo) {
    const spans = t.spans();
    const byTrace = new Map<string, ReceivedSpan[]>();
    for (const s of spans) byTrace.set(s.traceId, [...(byTrace.get(s.traceId) ?? []), s]);
    for (const w of spans.filter(isWorkflowSpan)) {
      if (!requestIds.has(requestIdOf(w) ?? '')) continue;
      const trace = byTrace.get(w.traceId) ?? [];
      const start = trace.reduce(
        (m, s) => (s.startTimeUnixNano < m ? s.startTimeUnixNano : m),
        w.startTimeUnixNano,
      );
      const end = trace.reduce(
        (m, s) => (s.endTimeUnixNano > m ? s.endTimeUnixNano : m),
        w.endTimeUnixNano,
      );
      const reason = trace.some((s) => s.status.code === 2)
        ? `error span (${trace
            .filter((s) => s.status.code === 2)
            .map((s) => s.name)
            .join(', ')})`
        : Number(end - start) / 1e6 > SLOW_MS
          ? 'trace longer than 2 s'
          : 'probabilistic';
      reasons[reason] = (reasons[reason] ?? 0) + 1;
    }
  }
  return reasons;
}

/**
 * Span-metric turn counts (all, failing), the app's own turn counter in Prometheus and the
 * chat.complete log records equal the load generator's counts exactly.
 */
async function expectEveryTurnCounted(): Promise<void> {
  const total = summaries.reduce((s, x) => s + x.completed, 0);
  const failed = summaries.reduce((s, x) => s + x.injected.fail, 0);
  await eventually(
    async () => {
      const calls = await promQuery(
        'sum(traces_span_metrics_calls_total{span_name=~"invoke_workflow .*"})',
      );
      const errors = await promQuery(
        'sum(traces_span_metrics_calls_total{span_name=~"invoke_workflow .*", status_code="STATUS_CODE_ERROR"})',
      );
      const appTurns = await promQuery('sum(chat_response_time_seconds_count)');
      return calls === total && errors === failed && appTurns === total
        ? undefined
        : `span-metric calls ${calls}, errors ${errors}, app turns ${appTurns}; load generator ${total} turns, ${failed} failing`;
    },
    60_000,
    1_000,
  );
  expect(turnsFromLogs(loki.logRecords()).size).toBe(total);
}

beforeAll(async () => {
  requireBuild();
  tempo.splice(0, 2, await OtlpReceiver.start(), await OtlpReceiver.start());
  loki = await OtlpReceiver.start();
  const promHostPort = await port();
  promUrl = `http://${promHostPort}`;
  const backends = (i: number) => ({
    prometheus: `${promUrl}/api/v1/otlp`,
    tempo: tempo[i]!.url,
    loki: `${loki.url}/otlp`,
  });
  const specs = [
    await tierSpec('gateway-1', GATEWAY_CONFIG, backends(0), {
      TAIL_SAMPLING_PERCENTAGE: String(SAMPLING_PERCENT),
    }),
    await tierSpec('gateway-2', GATEWAY_CONFIG, backends(1), {
      TAIL_SAMPLING_PERCENTAGE: String(SAMPLING_PERCENT),
    }),
  ];
  const unused = `http://${await port()}`;
  const agentSpec = await tierSpec(
    'agent',
    AGENT_CONFIG,
    { prometheus: unused, tempo: unused, loki: unused },
    {
      GATEWAY_ENDPOINTS: `[${specs.map((s) => s.otlpGrpc).join(', ')}]`,
      GATEWAY_OTLP_HTTP_ENDPOINT: specs[0]!.otlpHttp,
    },
  );

  const { configFile } = writePrometheusOverlay({
    outDir: join(dir, 'prometheus'),
    jobTargets: {
      prometheus: [promHostPort],
      'otel-agent': [agentSpec.metricsHostPort],
      'otel-gateway': specs.map((s) => s.metricsHostPort),
    },
    alertmanagers: [],
    scrapeInterval: '1s',
    evaluationInterval: '1s',
  });
  prometheus = new ManagedProcess(
    'prometheus',
    bin.prometheus,
    prometheusArgs({ configFile, dataDir: join(dir, 'prometheus', 'data'), listen: promHostPort }),
    join(dir, 'prometheus.log'),
    process.env,
  );
  await waitUntilReady(`${promUrl}/-/ready`, prometheus, 60_000);
  for (const s of specs) gateways.push(await startTier(s));
  agent = await startTier(agentSpec);
  app = await App.start(agent.otlpHttp, dir);
}, 180_000);

afterAll(async () => {
  await app?.stop(5_000);
  for (const t of [agent, ...gateways]) await t?.proc.stop();
  await prometheus?.stop();
  for (const r of [...tempo, loki]) await r.close();
  if (Object.keys(measured).length > 0) {
    process.stdout.write(`scale-out measurements: ${JSON.stringify(measured, null, 2)}\n`);
  }
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

const LOAD = {
  concurrency: 4,
  durationMs: 120_000,
  slowShare: 0.1,
  // Per LLM call of a slow turn; a turn makes at least four calls in sequence: > 2 s.
  slowMs: 1_000,
  failShare: 0.1,
  threads: 16,
} as const;

describe('scale-out: one agent, two gateways, tail sampling', () => {
  it('routes every trace to exactly one gateway; keeps every failing and slow turn, complete', async () => {
    // Whatever the app sent at start-up is decided first, so that it is not counted below.
    await settle(0);
    const before = await Promise.all(
      gateways.map((g) =>
        selfMetric(g, 'otelcol_processor_tail_sampling_global_count_traces_sampled_total'),
      ),
    );
    const agentSpansBefore = await selfMetric(agent!, 'otelcol_receiver_accepted_spans_total');
    const summary = await app!.load({ ...LOAD, requests: 240 });
    summaries.push(summary);
    expect(summary.completed).toBe(summary.sent);
    await settle(summary.completed);

    // One decision per trace over both gateways: a trace split between them would be decided
    // twice. Every trace of this phase is a chat turn.
    const after = await Promise.all(
      gateways.map((g) =>
        selfMetric(g, 'otelcol_processor_tail_sampling_global_count_traces_sampled_total'),
      ),
    );
    const decisions = after.map((a, i) => a - before[i]!);
    // A span arriving after its trace was decided (a turn's span ended late on a loaded
    // machine) is decided again as a new trace, by the same gateway (routing is by trace id;
    // `shared` below proves no trace reached both): at most a few such late decisions.
    expect(decisions[0]! + decisions[1]!).toBeGreaterThanOrEqual(summary.completed);
    expect(decisions[0]! + decisions[1]!).toBeLessThanOrEqual(summary.completed + 3);
    // Both gateways got a share (the ring hashes trace ids over both).
    expect(Math.min(...decisions)).toBeGreaterThan(summary.completed * 0.25);

    const { incomplete, keptTurnCount, shared } = accountKept();
    expect(shared, 'trace ids exported by both gateways').toEqual([]);
    expect(incomplete).toEqual([[], []]);

    const turns = turnsFromLogs(loki.logRecords());
    const kept = keptTurns();
    const failing = [...turns.values()].filter((t) => t.failed);
    const slow = [...turns.values()].filter((t) => !t.failed && t.durationMs > SLOW_MS + 1);
    expect(failing.length).toBe(summary.injected.fail);
    expect(slow.length).toBeGreaterThanOrEqual(summary.injected.slow);
    expect(failing.filter((t) => !kept.has(t.requestId))).toEqual([]);
    expect(slow.filter((t) => !kept.has(t.requestId))).toEqual([]);

    const agentSpans =
      (await selfMetric(agent!, 'otelcol_receiver_accepted_spans_total')) - agentSpansBefore;
    measured.phase1 = {
      turns: summary.completed,
      turnsPerSecond: summary.throughput,
      spansThroughAgent: agentSpans,
      spansPerSecond: Math.round((agentSpans / (summary.durationMs / 1000)) * 10) / 10,
      decisionsPerGateway: decisions,
      keptPerGateway: keptTurnCount,
    };
  }, 240_000);

  it('keeps a share of the rest within 4 binomial standard deviations of the configured share', () => {
    const turns = turnsFromLogs(loki.logRecords());
    const kept = keptTurns();
    const rest = [...turns.values()].filter((t) => !t.failed && t.durationMs <= SLOW_MS);
    const keptRest = rest.filter((t) => kept.has(t.requestId)).length;
    const p = SAMPLING_PERCENT / 100;
    const share = keptRest / rest.length;
    const tolerance = 4 * Math.sqrt((p * (1 - p)) / rest.length);
    measured.keptShareOfRest = {
      rest: rest.length,
      kept: keptRest,
      share,
      configured: p,
      tolerance,
      reasons: keptReasons(
        new Set(rest.filter((t) => kept.has(t.requestId)).map((t) => t.requestId)),
      ),
    };
    expect(rest.length).toBeGreaterThan(100);
    expect(Math.abs(share - p)).toBeLessThanOrEqual(tolerance);
  });

  it('counts every turn in span metrics, app metrics and logs, before sampling, exactly', async () => {
    await expectEveryTurnCounted();
  }, 90_000);

  it('loses no kept turn when a gateway is stopped under load and started again', async () => {
    const victim = gateways[0]!;
    const phase2 = 160;
    let stopped: Promise<void> | undefined;
    let restarted: Promise<void> | undefined;
    let downSince = 0;
    let stoppedAt = 0;
    let downMs = 0;
    const downAt = Math.round(phase2 * 0.3);
    const upAt = Math.round(phase2 * 0.6);
    const summary = await app!.load({
      ...LOAD,
      requests: phase2,
      onProgress: (p) => {
        if (stopped === undefined && p.completed >= downAt) {
          downSince = Date.now();
          stopped = victim.proc.stop(30_000).then(() => {
            stoppedAt = Date.now();
          });
        }
        if (stopped !== undefined && restarted === undefined && p.completed >= upAt) {
          restarted = stopped.then(async () => {
            const t = await startTier(victim);
            victim.proc = t.proc;
            downMs = Date.now() - downSince;
          });
        }
      },
    });
    summaries.push(summary);
    expect(stopped, 'the gateway was stopped during the load').toBeDefined();
    expect(restarted, 'and started again during the load').toBeDefined();
    await restarted;
    const total = summaries.reduce((s, x) => s + x.completed, 0);
    await settle(total);

    const turns = turnsFromLogs(loki.logRecords());
    expect(turns.size).toBe(total);
    const kept = keptTurns();
    const mustKeep = [...turns.values()].filter((t) => t.failed || t.durationMs > SLOW_MS + 1);
    expect(mustKeep.filter((t) => !kept.has(t.requestId))).toEqual([]);
    const { incomplete, shared } = accountKept();
    expect(shared, 'trace ids exported by both gateways').toEqual([]);
    // A turn in flight while the gateway shut down may be kept incomplete: tail sampling
    // decides the traces it holds at shutdown on the spans that had arrived; when that part
    // alone is not kept and the rest, sent after the restart with the root span, is, the kept
    // trace lacks the spans from before the stop (docs/scaling.md, "Losing a gateway"; seen
    // for 1 of 160 turns in one of four clean-clone runs). Any other incomplete trace fails.
    const roots = tempo.flatMap((t) => t.spans().filter(isWorkflowSpan));
    const inFlightAtStop = (line: string): boolean => {
      const root = roots.find((r) => requestIdOf(r) === line.slice(0, line.indexOf(':')));
      if (root === undefined) return false;
      const startMs = Number(root.startTimeUnixNano / 1_000_000n);
      const endMs = Number(root.endTimeUnixNano / 1_000_000n);
      return startMs <= stoppedAt + 1_000 && endMs >= downSince - 5_000;
    };
    const allIncomplete = incomplete.flat();
    expect(allIncomplete.filter((l) => !inFlightAtStop(l))).toEqual([]);
    expect(allIncomplete.length, allIncomplete.join('\n')).toBeLessThanOrEqual(3);
    measured.phase2 = {
      turns: summary.completed,
      gatewayDownMs: downMs,
      allTurns: turns.size,
      failingOrSlowKept: mustKeep.length,
      keptTurns: kept.size,
    };
    // Metrics and logs went through the stopped gateway: nothing counted twice or lost.
    await expectEveryTurnCounted();
  }, 300_000);

  it("exposes every self-metric the scale-out alerts read; reports each tier's memory", async () => {
    const rules = parse(
      readFileSync(join(REPO_ROOT, 'prometheus', 'rules', 'lorechat-scale-out.yml'), 'utf8'),
    ) as { groups: { rules: { alert: string; expr: string }[] }[] };
    const exposed = new Set<string>();
    for (const t of [agent!, ...gateways]) for (const n of await selfMetricNames(t)) exposed.add(n);
    const used = rules.groups
      .flatMap((g) => g.rules)
      .flatMap((r) => [...r.expr.matchAll(/\b(otelcol_[a-z0-9_]+)/g)].map((m) => m[1]!));
    expect(used.length).toBeGreaterThan(0);
    expect([...new Set(used)].filter((n) => !exposed.has(n))).toEqual([]);
    measured.peakRssMiB = {
      agent: peakRssMiB(agent!.proc),
      gateway1: peakRssMiB(gateways[0]!.proc),
      gateway2: peakRssMiB(gateways[1]!.proc),
    };
  });

  it('measures the two tiers at saturation with synthetic traces; one decision per trace', async () => {
    // Bounded: 10 s of OTLP/JSON batches (50 traces x 4 spans), 4 in flight, then drain.
    const tracesPerBatch = 50;
    const spansPerTrace = 4;
    const before = await Promise.all(
      gateways.map((g) =>
        selfMetric(g, 'otelcol_processor_tail_sampling_global_count_traces_sampled_total'),
      ),
    );
    const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');
    let sentTraces = 0;
    let batchNo = 0;
    const started = Date.now();
    const deadline = started + 10_000;
    const batch = (n: number) => {
      const now = BigInt(Date.now()) * 1_000_000n;
      const spans = [];
      for (let t = 0; t < tracesPerBatch; t++) {
        const traceId = `${hex(0x5ca1e, 8)}${hex(n, 12)}${hex(t, 12)}`;
        for (let i = 0; i < spansPerTrace; i++) {
          spans.push({
            traceId,
            spanId: hex(i + 1, 16),
            parentSpanId: i === 0 ? '' : hex(1, 16),
            name: i === 0 ? 'synthetic root' : `synthetic child ${i}`,
            kind: 1,
            startTimeUnixNano: String(now - 50_000_000n),
            endTimeUnixNano: String(now - BigInt(i) * 1_000_000n),
            attributes: [{ key: 'synthetic.batch', value: { intValue: String(n) } }],
            status: {},
          });
        }
      }
      return JSON.stringify({
        resourceSpans: [
          {
            resource: {
              attributes: [{ key: 'service.name', value: { stringValue: 'scale-out-synthetic' } }],
            },
            scopeSpans: [{ scope: { name: 'scale-out-test' }, spans }],
          },
        ],
      });
    };
    const worker = async () => {
      while (Date.now() < deadline) {
        const n = batchNo++;
        const response = await fetch(`${agent!.otlpHttp}/v1/traces`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: batch(n),
        });
        await response.arrayBuffer();
        if (response.status !== 200) throw new Error(`agent answered ${response.status}`);
        sentTraces += tracesPerBatch;
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    const sendSeconds = (Date.now() - started) / 1000;
    let decided = 0;
    await eventually(
      async () => {
        const after = await Promise.all(
          gateways.map((g) =>
            selfMetric(g, 'otelcol_processor_tail_sampling_global_count_traces_sampled_total'),
          ),
        );
        decided = after.reduce((sum, a, i) => sum + a - before[i]!, 0);
        return decided >= sentTraces ? undefined : `${decided}/${sentTraces} traces decided`;
      },
      120_000,
      500,
    );
    const drainSeconds = (Date.now() - started) / 1000;
    // Exactly one decision per trace, also at this rate.
    expect(decided).toBe(sentTraces);
    measured.saturation = {
      traces: sentTraces,
      spans: sentTraces * spansPerTrace,
      acceptedSpansPerSecond: Math.round((sentTraces * spansPerTrace) / sendSeconds),
      decidedSpansPerSecond: Math.round((sentTraces * spansPerTrace) / drainSeconds),
      sendSeconds,
      drainSeconds,
    };
    measured.peakRssMiBAfterSaturation = {
      agent: peakRssMiB(agent!.proc),
      gateway1: peakRssMiB(gateways[0]!.proc),
      gateway2: peakRssMiB(gateways[1]!.proc),
    };
  }, 180_000);
});
