/**
 * End-to-end harness: the whole pipeline as a user runs it, on loopback.
 *
 *   LoreChat reference app (dist/demo/server.js, `--import ./dist/register.js`)
 *     --OTLP/HTTP--> our Collector (otel-collector-config.yaml)
 *        metrics --> Prometheus (prometheus/, rules) --> Alertmanager (alertmanager/)
 *        traces  --> OtlpReceiver standing in for Tempo
 *        logs    --> OtlpReceiver standing in for Loki (/otlp)
 *
 * The backends come from test/helpers/stack.ts (shipped configs + documented overlay); a
 * missing binary or built app is an Error naming it, never a skip. Everything started here is
 * stopped by `E2E.stop()` (process groups), which the test files call in afterAll.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLoad, type LoadOptions, type LoadSummary } from '../../demo/load/run-load.js';
import { ATTR_LORECHAT_REQUEST_ID, SPAN_INVOKE_WORKFLOW } from '../../src/semconv.js';
import {
  OtlpReceiver,
  type ReceivedLogRecord,
  type ReceivedSpan,
} from '../helpers/otlp-receiver.js';
import { cleanEnv } from '../helpers/run-node.js';
import {
  freePort,
  ManagedProcess,
  REPO_ROOT,
  startStack,
  waitUntilReady,
  type Stack,
  type StackOptions,
} from '../helpers/stack.js';

export const SERVICE_NAME = 'lorechat';
export const SERVICE_NAMESPACE = 'e2e';
export const DEPLOYMENT_ENVIRONMENT = 'test';

const APP_ENTRY = join(REPO_ROOT, 'dist', 'demo', 'server.js');
const REGISTER_ENTRY = join(REPO_ROOT, 'dist', 'register.js');

/** Fails naming the missing build output (the e2e tests run the BUILT package and app). */
export function requireBuild(): void {
  const missing = [APP_ENTRY, REGISTER_ENTRY].filter((f) => !existsSync(f));
  if (missing.length > 0) {
    throw new Error(
      `e2e: ${missing.map((f) => f.slice(REPO_ROOT.length + 1)).join(', ')} missing: run \`npm run build\` first`,
    );
  }
}

export interface AppOptions {
  /** Extra environment for the app (OTEL_*, LORECHAT_*). */
  readonly env?: Record<string, string>;
}

/** The instrumented reference app as a subprocess in its own process group. */
export class App {
  private constructor(
    readonly url: string,
    readonly process: ManagedProcess,
  ) {}

  static async start(
    collectorOtlpHttp: string,
    dir: string,
    options: AppOptions = {},
  ): Promise<App> {
    requireBuild();
    const port = await freePort();
    const env = cleanEnv({
      PORT: String(port),
      HOST: '127.0.0.1',
      OTEL_EXPORTER_OTLP_ENDPOINT: collectorOtlpHttp,
      OTEL_SERVICE_NAME: SERVICE_NAME,
      OTEL_RESOURCE_ATTRIBUTES: `service.namespace=${SERVICE_NAMESPACE},deployment.environment.name=${DEPLOYMENT_ENVIRONMENT}`,
      OTEL_METRIC_EXPORT_INTERVAL: '2000',
      OTEL_BSP_SCHEDULE_DELAY: '500',
      OTEL_BLRP_SCHEDULE_DELAY: '500',
      ...options.env,
    });
    const proc = new ManagedProcess(
      'lorechat-app',
      process.execPath,
      ['--import', REGISTER_ENTRY, APP_ENTRY],
      join(dir, `app-${port}.log`),
      env,
    );
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitUntilReady(`${url}/healthz`, proc, 60_000);
    } catch (error) {
      await proc.stop(2_000);
      throw error;
    }
    return new App(url, proc);
  }

  /** Drives the app with the demo's load generator (loopback only). */
  load(options: Omit<LoadOptions, 'url'>): Promise<LoadSummary> {
    return runLoad({ url: this.url, ...options });
  }

  async post(path: string, body: unknown): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${this.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
    return { status: response.status, body: await response.json() };
  }

  stop(graceMs = 15_000): Promise<void> {
    return this.process.stop(graceMs);
  }
}

export interface E2EOptions {
  readonly alertmanager?: boolean;
  /** Where Alertmanager's webhook receivers post. */
  readonly webhookUrl?: string;
  readonly app?: AppOptions;
  /** Prometheus scrape/evaluation interval of the overlay. @default '1s' */
  readonly interval?: string;
  /** Overlay options passed through to the stack (alert timing, see stack.ts). */
  readonly stack?: Partial<StackOptions>;
}

/** One running pipeline: Tempo/Loki stand-ins, Collector, Prometheus (+Alertmanager), app. */
export class E2E {
  private constructor(
    readonly dir: string,
    readonly tempo: OtlpReceiver,
    readonly loki: OtlpReceiver,
    readonly stack: Stack,
    public app: App,
  ) {}

  static async start(options: E2EOptions = {}): Promise<E2E> {
    requireBuild();
    const dir = mkdtempSync(join(tmpdir(), 'lorechat-e2e-'));
    const tempo = await OtlpReceiver.start();
    const loki = await OtlpReceiver.start();
    let stack: Stack | undefined;
    try {
      stack = await startStack({
        collector: true,
        prometheus: true,
        alertmanager: options.alertmanager ?? false,
        tracesEndpoint: tempo.url,
        logsEndpoint: `${loki.url}/otlp`,
        scrapeInterval: options.interval ?? '1s',
        evaluationInterval: options.interval ?? '1s',
        ...(options.webhookUrl ? { webhookUrl: options.webhookUrl } : {}),
        ...options.stack,
      });
      const app = await App.start(stack.collector!.otlpHttp, dir, options.app);
      return new E2E(dir, tempo, loki, stack, app);
    } catch (error) {
      await stack?.stop();
      await tempo.close();
      await loki.close();
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** The Collector process now running (the stack's, or the one restartCollector started). */
  get collector(): ManagedProcess {
    return this.replacementCollector ?? this.stack.collector!.process;
  }

  private replacementCollector: ManagedProcess | undefined;

  /**
   * Kills the running Collector with `signal` (SIGKILL: no shutdown, nothing flushed) and
   * starts it again with the same config, environment, ports and file_storage directory.
   */
  async restartCollector(signal: NodeJS.Signals, downMs = 0): Promise<void> {
    const old = this.collector;
    if (signal === 'SIGKILL') {
      old.signal('SIGKILL');
      await old.stop(0);
    } else {
      await old.stop(30_000);
    }
    if (old.running) throw new Error('the Collector did not exit');
    if (downMs > 0) await sleep(downMs);
    const c = this.stack.collector!;
    const proc = new ManagedProcess(
      'collector',
      this.stack.paths.otelcol,
      old.args,
      join(this.dir, `collector-restart-${Date.now()}.log`),
      { ...process.env, ...c.env },
    );
    this.replacementCollector = proc;
    await waitUntilReady(c.health, proc, 30_000);
  }

  /** Starts another app process against the same Collector (e.g. after a SIGTERM). */
  async restartApp(options: AppOptions = {}): Promise<App> {
    await this.app.stop();
    this.app = await App.start(this.stack.collector!.otlpHttp, this.dir, options);
    return this.app;
  }

  async stop(): Promise<void> {
    await this.app.stop(5_000);
    await this.replacementCollector?.stop();
    await this.stack.stop();
    await this.tempo.close();
    await this.loki.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

// --- counting what arrived, by chat turn -----------------------------------------------------

export const WORKFLOW_SPAN_PREFIX = `${SPAN_INVOKE_WORKFLOW} `;

export function isWorkflowSpan(span: ReceivedSpan): boolean {
  return span.name.startsWith(WORKFLOW_SPAN_PREFIX) && span.parentSpanId === '';
}

export function requestIdOf(item: { attributes: Record<string, unknown> }): string | undefined {
  const id = item.attributes[ATTR_LORECHAT_REQUEST_ID];
  return typeof id === 'string' && id !== '' ? id : undefined;
}

/** Occurrences per key. */
export function tally<T>(
  items: readonly T[],
  key: (item: T) => string | undefined,
): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) {
    const k = key(item);
    if (k !== undefined) counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return counts;
}

/** Identity of a span: a re-delivered span has the same trace and span id. */
export function spanKey(span: ReceivedSpan): string {
  return `${span.traceId}/${span.spanId}`;
}

/** Identity of a log record: a re-delivered record repeats all of these. */
export function logKey(record: ReceivedLogRecord): string {
  return `${record.traceId}/${record.spanId}/${record.eventName ?? ''}/${record.timeUnixNano}/${JSON.stringify(record.attributes)}`;
}

export interface DeliveryCount {
  /** Distinct items. */
  readonly unique: number;
  /** Items received more than once (re-deliveries beyond the first). */
  readonly duplicates: number;
}

export function deliveryCount<T>(items: readonly T[], key: (item: T) => string): DeliveryCount {
  const seen = tally(items, key);
  let duplicates = 0;
  for (const n of seen.values()) duplicates += n - 1;
  return { unique: seen.size, duplicates };
}

export async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

/** Polls until `check` returns undefined (done) or the deadline passes; then throws its last message. */
export async function eventually(
  check: () => string | undefined | Promise<string | undefined>,
  timeoutMs: number,
  intervalMs = 500,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const last = await check();
    if (last === undefined) return;
    if (Date.now() > deadline) throw new Error(`after ${timeoutMs} ms: ${last}`);
    await sleep(intervalMs);
  }
}

/**
 * The workload the assertion tests share: vector-store writes (an insert and an update of the
 * same id), then chat turns over /chat and /chat/stream with a share of slow and of failing
 * turns, so that every instrument, event and error path records something.
 */
export async function driveMixedWorkload(app: App, requests = 60): Promise<LoadSummary[]> {
  const doc = {
    id: 'e2e-doc-1',
    title: 'The ferry of Orrun',
    text: 'The river folk run a ferry below the Nine Bridges.',
  };
  const insert = await app.post('/documents', { documents: [doc] });
  const update = await app.post('/documents', {
    documents: [{ ...doc, text: 'The river folk run two ferries below the Nine Bridges.' }],
  });
  if (insert.status !== 200 || update.status !== 200) {
    throw new Error(`POST /documents failed: ${JSON.stringify([insert, update])}`);
  }
  const plain = await app.load({
    concurrency: 4,
    requests,
    durationMs: 60_000,
    slowShare: 0.1,
    slowMs: 150,
    failShare: 0.1,
    threads: 8,
  });
  const streamed = await app.load({
    concurrency: 2,
    requests: Math.max(4, Math.round(requests / 4)),
    durationMs: 60_000,
    stream: true,
    threads: 4,
  });
  await driveAgentTurns(app);
  return [plain, streamed];
}

/**
 * The reference app's agent path, so the tool and agent instruments record: a turn whose
 * tools succeed, one whose `read_omens` tool fails (an unknown topic), and one stopped for
 * approval and then resumed. Agent turns are `invoke_agent` spans, not workflow spans: the
 * workflow-based accounting above is unchanged.
 */
export async function driveAgentTurns(app: App): Promise<void> {
  const replies = [
    await app.post('/agent', { thread_id: 'e2e-agent-1', message: 'Tell me about Emberfall' }),
    await app.post('/agent', { thread_id: 'e2e-agent-2', message: 'What of Xelthar?' }),
    await app.post('/agent', {
      thread_id: 'e2e-agent-3',
      message: 'Make a copy of the Emberfall records',
    }),
    await app.post('/agent/resume', { thread_id: 'e2e-agent-3', decision: 'approve' }),
  ];
  const statuses = replies.map((r) => (r.body as { status?: unknown }).status);
  if (
    replies.some((r) => r.status !== 200) ||
    statuses.join() !== 'done,done,awaiting_approval,done'
  ) {
    throw new Error(`the agent path did not run as expected: ${JSON.stringify(replies)}`);
  }
}

export interface TurnAccount {
  /** Distinct chat turns (workflow spans by request id). */
  readonly turns: number;
  readonly spans: DeliveryCount;
  readonly logs: DeliveryCount;
  /** Distinct spans by kind of operation, for comparison with the app's own counters. */
  readonly llmCalls: number;
  readonly retrievals: number;
  /** Turns whose telemetry is incomplete, with what is missing. */
  readonly incomplete: string[];
}

/**
 * Accounts for every chat turn's telemetry, by request id: the workflow span, its four node
 * spans, no span whose parent is missing, and the log records that mirror the spans (one
 * `llm.request` per LLM span, one `vector.search` per retrieval span, one node enter/exit per
 * node span, start/message/complete once). Spans and records are deduplicated by identity
 * first; duplicates are counted, not double-counted.
 */
export function accountTurns(
  allSpans: readonly ReceivedSpan[],
  allLogs: readonly ReceivedLogRecord[],
): TurnAccount {
  const spans = [...new Map(allSpans.map((s) => [spanKey(s), s])).values()];
  const logs = [...new Map(allLogs.map((r) => [logKey(r), r])).values()];
  const byTrace = new Map<string, ReceivedSpan[]>();
  for (const s of spans) byTrace.set(s.traceId, [...(byTrace.get(s.traceId) ?? []), s]);
  const logsByRequest = new Map<string, ReceivedLogRecord[]>();
  for (const r of logs) {
    const id = requestIdOf(r);
    if (id !== undefined) logsByRequest.set(id, [...(logsByRequest.get(id) ?? []), r]);
  }
  const incomplete: string[] = [];
  const workflows = spans.filter(isWorkflowSpan);
  const count = (
    xs: readonly { name?: string; eventName?: string | undefined }[],
    p: (n: string) => boolean,
  ): number => xs.filter((x) => p(x.name ?? x.eventName ?? '')).length;
  for (const w of workflows) {
    const id = requestIdOf(w) ?? `(no request id, trace ${w.traceId})`;
    const trace = byTrace.get(w.traceId) ?? [];
    const ids = new Set(trace.map((s) => s.spanId));
    const problems: string[] = [];
    const orphans = trace.filter((s) => s.parentSpanId !== '' && !ids.has(s.parentSpanId));
    if (orphans.length > 0) problems.push(`${orphans.length} spans without their parent`);
    const nodes = trace.filter((s) => s.name.startsWith('invoke_node '));
    for (const n of ['decompose', 'process', 'combine', 'respond']) {
      if (!nodes.some((s) => s.name === `invoke_node ${n}`))
        problems.push(`node ${n} span missing`);
    }
    const mine = logsByRequest.get(id) ?? [];
    const pairs: Array<[string, number, number]> = [
      [
        'llm.request',
        count(trace, (n) => n.startsWith('chat ')),
        count(mine, (n) => n === 'llm.request'),
      ],
      [
        'llm.response',
        count(trace, (n) => n.startsWith('chat ')),
        count(mine, (n) => n === 'llm.response'),
      ],
      [
        'vector.search',
        count(trace, (n) => n.startsWith('retrieval ')),
        count(mine, (n) => n === 'vector.search'),
      ],
      ['graph.node.enter', nodes.length, count(mine, (n) => n === 'graph.node.enter')],
      ['graph.node.exit', nodes.length, count(mine, (n) => n === 'graph.node.exit')],
      ['chat.start', 1, count(mine, (n) => n === 'chat.start')],
      ['chat.message', 1, count(mine, (n) => n === 'chat.message')],
      ['chat.complete', 1, count(mine, (n) => n === 'chat.complete')],
    ];
    for (const [event, expected, got] of pairs) {
      if (expected !== got) problems.push(`${event}: ${got} log records for ${expected} spans`);
    }
    if (problems.length > 0) incomplete.push(`${id}: ${problems.join('; ')}`);
  }
  return {
    turns: new Set(workflows.map((w) => requestIdOf(w))).size,
    spans: deliveryCount(allSpans, spanKey),
    logs: deliveryCount(allLogs, logKey),
    llmCalls: spans.filter((s) => s.name.startsWith('chat ')).length,
    retrievals: spans.filter((s) => s.name.startsWith('retrieval ')).length,
    incomplete,
  };
}
