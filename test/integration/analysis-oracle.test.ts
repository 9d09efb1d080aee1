/**
 * One oracle for the analysis: the same run read from two places must give the same answers.
 *
 *   LoreChat reference app (dist/demo/server.js, --import dist/register.js, OTLP http/json)
 *     --> tee (this file): appends every export request to metrics.jsonl / logs.jsonl /
 *         traces.jsonl with the embedded default's own writer (toOtlpJsonLine +
 *         RotatingJsonlFile), and forwards the same bytes to
 *     --> our Collector (otel-collector-config.yaml) --> Prometheus (OTLP receiver)
 *                                                    --> Loki stand-in (OTLP in, LogQL API out)
 *
 * `analyze`, `trends` and `patterns` then run once on the files and once on Prometheus + Loki,
 * and are compared field by field. Tolerances (docs/analysis.md, "One oracle"):
 * - turns, failures, errors by component and type, tokens, cost, popular queries: exactly equal;
 * - rates from counters (throughput, token rate, error rates): equal to 1e-9 relative;
 * - averages: 1 % (the files time turns by their spans, Prometheus by the histogram);
 * - quantiles: the Prometheus value lies in the histogram bucket that holds the files' exact
 *   value (PromQL interpolates inside the plan's buckets; Prometheus keeps no min/max);
 * - per-step series: the same steps, each within one turn's worth of the other, the same sums.
 *
 * A real Loki cannot run here (no container engine); the stand-in stores what the Collector's
 * otlphttp exporter sends the way Loki's OTLP ingestion does (line = the body, a map as JSON;
 * `service.name` -> stream label `service_name`; log attributes -> structured metadata with
 * `.` replaced by `_`; https://grafana.com/docs/loki/latest/send-data/otel/, "Format
 * considerations") and answers `/loki/api/v1/query_range` for a `{label="value"}` selector.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LoadSummary, runLoad } from '../../demo/load/run-load.js';
import type { AnalyzeResult } from '../../src/analysis/analyze.js';
import { INDICATORS } from '../../src/analysis/indicators.js';
import { DEFAULT_PRICE_TABLE } from '../../src/cost/default-prices.js';
import type { PatternsResult } from '../../src/analysis/patterns.js';
import type { TrendResult } from '../../src/analysis/trends.js';
import { runCli } from '../../src/cli/run.js';
import { toOtlpJsonLine } from '../../src/exporters/otlp-json-file.js';
import { RotatingJsonlFile } from '../../src/exporters/rotating-file.js';
import { OtlpReceiver, type ReceivedLogRecord } from '../helpers/otlp-receiver.js';
import { startNode, type NodeRun } from '../helpers/run-node.js';
import { startStack, type Stack } from '../helpers/stack.js';

const BURSTS = 4;
const PER_BURST = 30;
/** Pause between bursts: the run spans more than a minute, so per-minute rates are given. */
const PAUSE_MS = 20_000;
const FAIL_SHARE = 0.1;
const STEP_S = 5;
const BOUNDS = [0.1, 0.5, 1, 2, 5, Number.POSITIVE_INFINITY];
const PRICED_MODEL = 'gpt-4o-mini-2024-07-18';

let stack: Stack;
let loki: LokiStandIn;
let tee: Tee;
let app: NodeRun | undefined;
let dir: string;
let startedAt: number;
let analysedAt: number;
const loads: LoadSummary[] = [];
type Components = AnalyzeResult['errorsByComponent'];

/**
 * Prometheus's components equal the files' exactly (each component is counted by one
 * instrumentation scope: Prometheus keeps no scope labels, so two scopes counting under one
 * component would fold into one series).
 */
function expectSameComponents(prom: Components, files: Components): void {
  const sorted = (c: Components) => [...c].sort((a, b) => a.component.localeCompare(b.component));
  expect(sorted(prom)).toEqual(sorted(files));
}

// --- the tee: embedded files + Collector from one stream of exports ----------------------------

class Tee {
  private constructor(
    private readonly server: Server,
    readonly url: string,
    readonly failures: string[],
  ) {}

  static async start(dir: string, collector: string): Promise<Tee> {
    const files = {
      traces: new RotatingJsonlFile(join(dir, 'traces.jsonl'), { maxBytes: 50e6, maxFiles: 3 }),
      metrics: new RotatingJsonlFile(join(dir, 'metrics.jsonl'), { maxBytes: 50e6, maxFiles: 3 }),
      logs: new RotatingJsonlFile(join(dir, 'logs.jsonl'), { maxBytes: 50e6, maxFiles: 3 }),
    };
    const failures: string[] = [];
    const server = createServer((req, res) => {
      void (async () => {
        const signal = /\/v1\/(traces|metrics|logs)$/.exec(req.url ?? '')?.[1] as
          keyof typeof files | undefined;
        let body = await read(req);
        if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
        if (!signal || !String(req.headers['content-type']).includes('json')) {
          failures.push(`${req.url} ${req.headers['content-type']}: expected OTLP http/json`);
          res.writeHead(415).end();
          return;
        }
        files[signal].appendLines([toOtlpJsonLine(body)]);
        const answer = await fetch(`${collector}/v1/${signal}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        res.end(Buffer.from(await answer.arrayBuffer()));
      })().catch((err: unknown) => {
        failures.push(String(err));
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    return new Tee(server, `http://127.0.0.1:${port}`, failures);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}

async function read(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

// --- the Loki stand-in ----------------------------------------------------------------------------

class LokiStandIn {
  private constructor(
    readonly receiver: OtlpReceiver,
    private readonly api: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<LokiStandIn> {
    const receiver = await OtlpReceiver.start();
    const api = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const answer = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (url.pathname !== '/loki/api/v1/query_range') return answer(404, { message: 'no route' });
      const m = /^\{(\w+)="([^"]*)"\}$/.exec(url.searchParams.get('query') ?? '');
      if (!m) return answer(400, { status: 'error', error: 'stand-in: {label="value"} only' });
      const start = BigInt(url.searchParams.get('start') ?? '0');
      const end = BigInt(url.searchParams.get('end') ?? '0');
      const limit = Number(url.searchParams.get('limit') ?? '100');
      const entries = receiver
        .logRecords()
        .map(toLokiEntry)
        .filter((e) => e.labels[m[1] as string] === m[2] && e.ns >= start && e.ns < end)
        .sort((a, b) => (a.ns < b.ns ? -1 : a.ns > b.ns ? 1 : 0))
        .slice(0, limit);
      const streams = new Map<string, { stream: Record<string, string>; values: unknown[] }>();
      for (const e of entries) {
        const key = JSON.stringify(e.labels);
        const s = streams.get(key) ?? { stream: e.labels, values: [] };
        streams.set(key, s);
        s.values.push([String(e.ns), e.line, { structuredMetadata: e.metadata }]);
      }
      answer(200, {
        status: 'success',
        data: { resultType: 'streams', result: [...streams.values()] },
      });
    });
    api.listen(0, '127.0.0.1');
    await once(api, 'listening');
    const { port } = api.address() as AddressInfo;
    return new LokiStandIn(receiver, api, `http://127.0.0.1:${port}`);
  }

  async close(): Promise<void> {
    this.api.closeAllConnections();
    await new Promise((r) => this.api.close(r));
    await this.receiver.close();
  }
}

const lokiName = (key: string) => key.replace(/[^A-Za-z0-9_]/g, '_');

function toLokiEntry(r: ReceivedLogRecord): {
  ns: bigint;
  line: string;
  labels: Record<string, string>;
  metadata: Record<string, string>;
} {
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.attributes))
    metadata[lokiName(k)] = typeof v === 'string' ? v : JSON.stringify(v);
  if (r.traceId) metadata.trace_id = r.traceId;
  if (r.spanId) metadata.span_id = r.spanId;
  return {
    ns: r.timeUnixNano > 0n ? r.timeUnixNano : r.observedTimeUnixNano,
    line: typeof r.body === 'string' ? r.body : JSON.stringify(r.body),
    labels: {
      service_name:
        typeof r.resource['service.name'] === 'string' ? r.resource['service.name'] : '',
    },
    metadata,
  };
}

// --- the run ----------------------------------------------------------------------------------------

async function cli<T>(args: readonly string[], source: 'files' | 'backends'): Promise<T> {
  let stdout = '';
  let stderr = '';
  const from =
    source === 'files'
      ? ['--files', dir]
      : ['--prometheus', stack.prometheus!.url, '--loki', loki.url];
  const code = await runCli([...args, ...from, '--quiet', '--json'], {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    env: {},
    now: () => analysedAt,
  });
  expect(code, `lorechat-otel ${args.join(' ')} (${source})\n${stderr}`).toBe(0);
  return JSON.parse(stdout) as T;
}

const both = <T>(args: readonly string[]) =>
  Promise.all([cli<T>(args, 'files'), cli<T>(args, 'backends')]);

const range = () => [
  '--from',
  new Date(startedAt).toISOString(),
  '--to',
  new Date(analysedAt).toISOString(),
];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lorechat-oracle-'));
  loki = await LokiStandIn.start();
  stack = await startStack({
    collector: true,
    prometheus: true,
    scrapeInterval: '1s',
    logsEndpoint: `${loki.receiver.url}/otlp`,
  });
  tee = await Tee.start(dir, stack.collector!.otlpHttp);
  startedAt = Date.now();
  app = startNode(['--import', './dist/register.js', 'dist/demo/server.js'], {
    env: {
      PORT: '0',
      HOST: '127.0.0.1',
      OTEL_SERVICE_NAME: 'lorechat',
      OTEL_EXPORTER_OTLP_ENDPOINT: tee.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_METRIC_EXPORT_INTERVAL: '2000',
      OTEL_BSP_SCHEDULE_DELAY: '500',
      OTEL_BLRP_SCHEDULE_DELAY: '500',
      // One role under a priced model id: the cost comparison covers a priced and an unpriced
      // model (the other roles keep the offline model's own name).
      LORECHAT_MODEL_RESPOND: PRICED_MODEL,
    },
    timeoutMs: 600_000,
  });
  const [, url] = await app.waitForOutput(/LoreChat listening on (http:\/\/\S+)/, 60_000);
  for (let b = 0; b < BURSTS; b++) {
    if (b > 0) await new Promise((r) => setTimeout(r, PAUSE_MS));
    loads.push(
      await runLoad({
        url: url!,
        requests: PER_BURST,
        concurrency: 2,
        failShare: FAIL_SHARE,
        slowShare: 0.1,
        slowMs: 150,
        threads: 10,
        durationMs: 120_000,
      }),
    );
  }
  const completed = loads.reduce((a, l) => a + l.completed, 0);
  // Every turn is in Prometheus (and therefore in the files, which the tee wrote first).
  await stack.waitForQuery('sum(chat_response_time_seconds_count)', {
    timeoutMs: 60_000,
    accept: (r) => Number(r[0]?.value[1]) >= completed,
  });
  // Two more export intervals: the last turns' counters, events and spans have arrived.
  await new Promise((r) => setTimeout(r, 4_000));
  analysedAt = Date.now();
}, 600_000);

afterAll(async () => {
  if (app) {
    app.child.kill('SIGTERM');
    await app.done;
  }
  await tee?.close();
  await stack?.stop();
  await loki?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const bucketOf = (v: number): [number, number] => {
  const i = BOUNDS.findIndex((b) => v <= b);
  return [i > 0 ? (BOUNDS[i - 1] as number) : 0, BOUNDS[i] as number];
};

function expectSameBucket(prom: number | null, exact: number | null, what: string): void {
  expect(exact, what).not.toBeNull();
  expect(prom, what).not.toBeNull();
  const [lo, hi] = bucketOf(exact as number);
  expect(prom as number, what).toBeGreaterThan(lo);
  expect(prom as number, what).toBeLessThanOrEqual(hi);
}

const relClose = (a: number | null, b: number | null, rel: number, what: string) => {
  expect(a, what).not.toBeNull();
  expect(b, what).not.toBeNull();
  expect(Math.abs((a as number) - (b as number)), what).toBeLessThanOrEqual(
    rel * Math.max(Math.abs(a as number), Math.abs(b as number), 1e-12),
  );
};

describe('one oracle: the embedded files and Prometheus + Loki agree on the same run', () => {
  it('the run is what was asked for, and every export went through the tee as OTLP/JSON', () => {
    expect(tee.failures).toEqual([]);
    expect(loads.reduce((a, l) => a + l.completed, 0)).toBe(BURSTS * PER_BURST);
    expect(analysedAt - startedAt).toBeGreaterThan(60_000);
  });

  it('analyze: turns, errors, tokens, cost and popular queries exactly; times within tolerance', async () => {
    const [f, p] = await both<AnalyzeResult>(['analyze', ...range(), '--top', '1000']);
    const completed = loads.reduce((a, l) => a + l.completed, 0);
    const errors = loads.reduce((a, l) => a + l.errors, 0);
    expect(f.basis).toBe('metrics');
    expect(p.basis).toBe('metrics');
    expect(f.totalRequests).toBe(completed);
    expect(p.totalRequests).toBe(completed);
    expect(f.failedRequests).toBe(errors);
    expect(p.failedRequests).toBe(errors);
    expect(p.errorRate).toBe(f.errorRate);
    expectSameComponents(p.errorsByComponent, f.errorsByComponent);
    // Error types: the same counts (the llm rate's denominator may differ as above).
    expect(p.errorsByType.map(({ rate: _r, ...t }) => t)).toEqual(
      f.errorsByType.map(({ rate: _r, ...t }) => t),
    );
    expect(p.tokenUsage).toEqual(f.tokenUsage);
    expect(p.totalTokens).toBe(f.totalTokens);
    expect(f.totalTokens).toBeGreaterThan(0);
    expect(p.popularQueries).toEqual(f.popularQueries);
    expect(f.popularQueries?.reduce((a, q) => a + q.count, 0)).toBe(completed);
    // Cost: the same table and tokens give the same dollars, per model and per turn.
    expect(p.cost).toEqual(f.cost);
    const tokensOf = (type: string) =>
      f.tokenUsage.find((t) => t.model === PRICED_MODEL && t.type === type)?.tokens ?? 0;
    const prices = DEFAULT_PRICE_TABLE.models[PRICED_MODEL]!;
    const byHand = (tokensOf('input') * prices.input + tokensOf('output') * prices.output) / 1e6;
    expect(byHand).toBeGreaterThan(0);
    expect(f.cost?.models.find((m) => m.model === PRICED_MODEL)?.usd).toBeCloseTo(byHand, 12);
    expect(f.cost?.totalUsd).toBeCloseTo(byHand, 12);
    expect(f.cost?.perTurnUsd).toBeCloseTo(byHand / completed, 12);
    expect(f.cost?.unpricedModels).toContain('lorechat-offline-1');
    expect(f.cost?.models.find((m) => m.model === 'lorechat-offline-1')?.usd).toBeNull();
    // Response times: exact span durations from the files, the histogram from Prometheus.
    expect(f.responseTimeBasis).toBe('spans');
    expect(p.responseTimeBasis).toBe('histogram');
    relClose(p.avgResponseTimeSeconds, f.avgResponseTimeSeconds, 0.01, 'average');
    expectSameBucket(p.p95ResponseTimeSeconds, f.p95ResponseTimeSeconds, 'p95');
    expect(f.p95ResponseTimeSeconds!).toBeLessThanOrEqual(f.maxResponseTimeSeconds!);
    expect(p.evidence.requests?.samples).toBe(f.evidence.requests?.samples);
  });

  it('trends: every metric agrees over the window and step by step', async () => {
    const window = `${Math.ceil((analysedAt - startedAt) / 1000)}s`;
    const args = (id: string) => [
      'trends',
      id,
      '--window',
      window,
      '--step',
      `${STEP_S}s`,
      '--to',
      new Date(analysedAt).toISOString(),
    ];
    const completed = loads.reduce((a, l) => a + l.completed, 0);
    for (const m of INDICATORS) {
      const [f, p] = await both<TrendResult>(args(m.id));
      const what = m.id;
      expect(p.step, what).toBe(f.step);
      // The same figures withheld for the same reasons.
      for (const key of ['window', 'trend', 'forecast'])
        expect(p.evidence[key]?.withheld, `${what} ${key}`).toBe(f.evidence[key]?.withheld);
      if (m.quantile !== undefined) {
        if (f.windowValue !== null) expectSameBucket(p.windowValue, f.windowValue, what);
        continue;
      }
      if (m.id === 'llm_error_rate') {
        // Errors over operations; Prometheus's operations may lack the embeddings calls (see
        // above), which can only make its rate larger.
        expect(p.windowValue, what).not.toBeNull();
        expect(f.windowValue, what).not.toBeNull();
        if (Math.abs(p.windowValue! - f.windowValue!) > 1e-9 * f.windowValue!)
          expect(p.windowValue!, what).toBeGreaterThan(f.windowValue!);
      } else if (['throughput', 'token_rate', 'error_rate'].includes(m.id))
        relClose(p.windowValue, f.windowValue, 1e-9, what);
      else if (['memory_max', 'sessions_active'].includes(m.id))
        expect(p.windowValue, what).toBe(f.windowValue);
      else relClose(p.windowValue, f.windowValue, 0.01, what);
      if (m.id === 'throughput') {
        // Step by step: the same steps, each within one turn's worth, and the same total.
        const perStep = (r: TrendResult) => new Map(r.series.map(([t, v]) => [t, v]));
        const fs = perStep(f);
        const ps = perStep(p);
        for (const [t, v] of fs) {
          const other = ps.get(t) ?? 0;
          expect(Math.abs(v - other) * (STEP_S / 60), `${what} at ${t}`).toBeLessThanOrEqual(1);
        }
        const sum = (s: Map<number, number>) =>
          [...s.values()].reduce((a, v) => a + v, 0) * (STEP_S / 60);
        const detail = JSON.stringify({ window, analysedAt, startedAt, files: f.series });
        expect(sum(fs), detail).toBeCloseTo(completed, 6);
        expect(sum(ps), detail).toBeCloseTo(completed, 6);
      }
    }
  });

  it('patterns: the same usage profile, error patterns and anomaly series', async () => {
    // The same anomaly step for both: the files know where their data are and would pick a
    // finer default than Prometheus's (which assumes a full 24 h); 10 s keeps 24 h of Prometheus
    // steps under its 11,000-point limit.
    const [f, p] = await both<PatternsResult>([
      'patterns',
      '--to',
      new Date(analysedAt).toISOString(),
      '--step',
      '10s',
    ]);
    expect(p.usage?.hourOfDay).toEqual(f.usage?.hourOfDay);
    expect(p.usage?.activeDays).toBe(f.usage?.activeDays);
    expectSameComponents(p.errors?.byComponent ?? [], f.errors?.byComponent ?? []);
    expect(p.patterns.filter((x) => x.type === 'error').map((x) => x.description)).toEqual(
      f.patterns.filter((x) => x.type === 'error').map((x) => x.description),
    );
    const chat = f.patterns.find((x) => x.type === 'error' && x.details.component === 'chat');
    expect(chat?.score).toBeCloseTo(
      loads.reduce((a, l) => a + l.errors, 0) / loads.reduce((a, l) => a + l.completed, 0),
      10,
    );
    expect(p.performance.map((a) => a.metric)).toEqual(f.performance.map((a) => a.metric));
    for (const [i, a] of f.performance.entries()) {
      // The same steps with data (a step at the edge of the run may hold a share of a spread
      // increase in one source only).
      expect(
        Math.abs((p.performance[i]?.series.length ?? 0) - a.series.length),
        a.metric,
      ).toBeLessThanOrEqual(1);
      expect(Boolean(p.performance[i]?.evidence?.withheld), a.metric).toBe(
        Boolean(a.evidence?.withheld),
      );
    }
  });
});
