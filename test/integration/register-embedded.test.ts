/**
 * The embedded default (no OTLP destination configured), graceful shutdown on signals, and
 * an app without LangChain, all in subprocesses. Needs `npm run build` (the `pretest` script).
 */
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { METRICS } from '../../src/catalogue/index.js';
import { OtlpReceiver, recordJsonLines } from '../helpers/otlp-receiver.js';
import { freePort, ROOT, runNode, startNode } from '../helpers/run-node.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lorechat-embedded-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function readSignal(file: string, signal: 'traces' | 'logs' | 'metrics'): OtlpReceiver {
  const r = OtlpReceiver.offline();
  recordJsonLines(r, signal, readFileSync(file, 'utf8'));
  return r;
}

/** `le` values of one histogram family in a Prometheus text exposition. */
function bucketBounds(exposition: string, family: string): number[] {
  const les = new Set<number>();
  for (const line of exposition.split('\n')) {
    if (!line.startsWith(`${family}_bucket{`)) continue;
    const le = /le="([^"]+)"/.exec(line)?.[1];
    if (le && le !== '+Inf') les.add(Number(le));
  }
  return [...les].sort((a, b) => a - b);
}

describe('embedded default', () => {
  it('writes OTLP-JSON lines files and prints the summary at exit; stdout stays the app’s', async () => {
    const run = await runNode(['--import', './dist/register.js', 'dist/demo/scripted-demo.js'], {
      env: { LORECHAT_OTEL_OUTPUT_DIR: dir, LORECHAT_OTEL_PROMETHEUS_PORT: '0' },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['logs.jsonl', 'metrics.jsonl', 'traces.jsonl']);
    const traces = readSignal(join(dir, 'traces.jsonl'), 'traces');
    expect(traces.spans().filter((s) => s.name === 'invoke_workflow lorechat')).toHaveLength(4);
    const firstLine = readFileSync(join(dir, 'traces.jsonl'), 'utf8').split('\n')[0] ?? '';
    expect(firstLine).toMatch(/^\{"resourceSpans":\[/);
    expect(firstLine).toMatch(/"traceId":"[0-9a-f]{32}"/);
    expect(firstLine).toMatch(/"startTimeUnixNano":"\d+"/);
    const logs = readSignal(join(dir, 'logs.jsonl'), 'logs');
    // Four pipeline turns and three agent turns.
    expect(logs.logRecords().filter((l) => l.eventName === 'chat.complete')).toHaveLength(7);
    const metrics = readSignal(join(dir, 'metrics.jsonl'), 'metrics');
    expect(metrics.metricNames()).toContain('chat.response_time');

    expect(run.stderr).toMatch(/lorechat-otel summary \(embedded mode\)/);
    // Four turns through the graph and three through the agent (top-level agent runs are turns).
    expect(run.stderr).toMatch(/turns:\s+7\n/);
    expect(run.stderr).toMatch(/response time:\s+p50 \d+\.\d{3} s, p95 \d+\.\d{3} s/);
    expect(run.stderr).toMatch(/tokens:\s+[1-9]\d* input, [1-9]\d* output/);
    expect(run.stderr).toContain(join(dir, 'traces.jsonl'));
    expect(run.stderr).toMatch(/prometheus:\s+http:\/\/127\.0\.0\.1:\d+\/metrics/);
    expect(run.stdout).not.toMatch(/lorechat-otel/);
  });

  it('serves the catalogue metrics with the plan buckets on Prometheus; SIGTERM to an app with its own handler flushes and keeps its exit code', async () => {
    const promPort = await freePort();
    const server = startNode(['--import', './dist/register.js', 'dist/demo/server.js'], {
      env: {
        LORECHAT_OTEL_OUTPUT_DIR: dir,
        LORECHAT_OTEL_PROMETHEUS_PORT: String(promPort),
        PORT: '0',
      },
    });
    try {
      const [, url] = await server.waitForOutput(/LoreChat listening on (http:\/\/\S+)/);
      for (const [i, message] of [
        'Who founded Emberfall?',
        'How did the War of Cinders end?',
      ].entries()) {
        const res = await fetch(`${url}/chat`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ thread_id: `prom-${i}`, message }),
        });
        expect(res.status).toBe(200);
      }
      const scrape = await fetch(`http://127.0.0.1:${promPort}/metrics`);
      expect(scrape.status).toBe(200);
      const text = await scrape.text();
      const exercised = METRICS.filter((m) =>
        [
          'chat.response_time',
          'llm.token_usage',
          'vector_store.operations',
          'graph.node.duration',
          'chat.memory',
          'lorechat.operations',
          'gen_ai.client.operation.duration',
        ].includes(m.name),
      );
      expect(exercised).toHaveLength(7);
      for (const m of exercised) {
        const series = m.kind === 'histogram' ? `${m.prometheusName}_bucket` : m.prometheusName;
        expect(text, `Prometheus serves ${series}`).toMatch(new RegExp(`^${series}\\{`, 'm'));
        if (m.kind === 'histogram') {
          expect(bucketBounds(text, m.prometheusName), `${m.prometheusName} buckets`).toEqual(
            m.buckets,
          );
        }
      }
      expect(bucketBounds(text, 'chat_response_time_seconds')).toEqual([0.1, 0.5, 1, 2, 5]);
      expect(text).toMatch(/^(nodejs|v8js)_\w+/m);
      // instrumentation-host-metrics gives process.memory.usage no unit, so no suffix on either path.
      expect(text).toMatch(/^process_memory_usage\{/m);
      expect(text).toMatch(/^nodejs_eventloop_time_seconds_total\{/m);

      server.child.kill('SIGTERM');
      const { code, signal } = await server.done;
      expect(signal).toBeNull();
      expect(code).toBe(0); // the app's own handler decided
      expect(server.stderr).toMatch(/SIGTERM received/);
      const traces = readSignal(join(dir, 'traces.jsonl'), 'traces');
      expect(traces.spans().filter((s) => s.name === 'invoke_workflow lorechat')).toHaveLength(2);
      expect(server.stderr).toMatch(/turns:\s+2\n/);
    } finally {
      server.child.kill('SIGKILL');
    }
  });
});

describe('signals in otlp mode', () => {
  let receiver: OtlpReceiver;
  beforeAll(async () => {
    receiver = await OtlpReceiver.start();
  });
  afterAll(async () => {
    await receiver.close();
  });
  beforeEach(() => receiver.clear());

  const env = () => ({
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    // Far longer than the test: only the shutdown flush can deliver.
    OTEL_BSP_SCHEDULE_DELAY: '60000',
    OTEL_BLRP_SCHEDULE_DELAY: '60000',
    OTEL_METRIC_EXPORT_INTERVAL: '60000',
  });

  it('SIGTERM without an app handler flushes every signal, then dies of SIGTERM as Node would', async () => {
    const app = startNode(['--import', './dist/register.js', 'test/fixtures/signal-app.mjs'], {
      env: env(),
    });
    await app.waitForOutput(/READY/);
    expect(receiver.spans()).toHaveLength(0);
    app.child.kill('SIGTERM');
    const { code, signal } = await app.done;
    expect(signal).toBe('SIGTERM');
    expect(code).toBeNull();
    expect(receiver.spans().map((s) => s.name)).toContain('invoke_workflow signal_graph');
    expect(receiver.metricNames()).toContain('chat.response_time');
    expect(receiver.logRecords().some((l) => l.eventName === 'chat.complete')).toBe(true);
  });

  it('SIGINT without an app handler behaves the same', async () => {
    const app = startNode(['--import', './dist/register.js', 'test/fixtures/signal-app.mjs'], {
      env: env(),
    });
    await app.waitForOutput(/READY/);
    app.child.kill('SIGINT');
    const { signal } = await app.done;
    expect(signal).toBe('SIGINT');
    expect(receiver.spans().map((s) => s.name)).toContain('invoke_workflow signal_graph');
  });

  it("SIGTERM with the app's own handler: the app exits its way (code 0) after our flush", async () => {
    const app = startNode(
      ['--require', './dist/register.cjs', 'test/fixtures/signal-app.mjs', '--handle'],
      { env: env() },
    );
    await app.waitForOutput(/READY/);
    app.child.kill('SIGTERM');
    const { code, signal } = await app.done;
    expect(signal).toBeNull();
    expect(code).toBe(0);
    expect(app.stdout).toContain('app: SIGTERM handler');
    expect(receiver.spans().map((s) => s.name)).toContain('invoke_workflow signal_graph');
  });

  it('a collector that never answers cannot hold the exit beyond the shutdown timeout', async () => {
    receiver.unavailable(60_000, 'status');
    const started = Date.now();
    const app = startNode(['--import', './dist/register.js', 'test/fixtures/signal-app.mjs'], {
      env: { ...env(), LORECHAT_OTEL_SHUTDOWN_TIMEOUT_MS: '1000' },
    });
    await app.waitForOutput(/READY/);
    app.child.kill('SIGTERM');
    const { signal } = await app.done;
    receiver.available();
    expect(signal).toBe('SIGTERM');
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});

describe('an app without LangChain', () => {
  it('runs unchanged with the register entry when @langchain/* cannot be resolved', async () => {
    // A copy of the built package whose node_modules has everything but LangChain.
    const pkg = join(dir, 'lorechat-otel');
    mkdirSync(join(pkg, 'node_modules'), { recursive: true });
    cpSync(join(ROOT, 'dist'), join(pkg, 'dist'), { recursive: true });
    cpSync(join(ROOT, 'package.json'), join(pkg, 'package.json'));
    for (const entry of readdirSync(join(ROOT, 'node_modules'))) {
      if (entry === '@langchain' || entry.startsWith('langchain') || entry.startsWith('.'))
        continue;
      symlinkSync(join(ROOT, 'node_modules', entry), join(pkg, 'node_modules', entry));
    }
    cpSync(join(ROOT, 'test/fixtures/no-langchain-app.mjs'), join(dir, 'app.mjs'));
    for (const [flag, entry] of [
      ['--import', join(pkg, 'dist/register.js')],
      ['--require', join(pkg, 'dist/register.cjs')],
    ] as const) {
      const run = await runNode([flag, entry, join(dir, 'app.mjs')], {
        cwd: dir,
        env: { LORECHAT_OTEL_PROMETHEUS_PORT: '0', LORECHAT_OTEL_SUMMARY: 'false' },
      });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toBe('served: ok\n');
      expect(run.stderr).toBe('');
    }
  });
});
