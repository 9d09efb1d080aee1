import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AIMessage, AIMessageChunk } from '@langchain/core/messages';
import { createLoreChatApp } from '../../../demo/app.js';
import type { OfflineChatModel } from '../../../demo/llm/offline-chat-model.js';
import { startServer, type ServerHandle } from '../../../demo/http/server.js';
import { isMarked, percentile, runLoad, LoadOptionsError } from '../../../demo/load/run-load.js';
import { parseDuration, parseLoadArgs } from '../../../demo/load/args.js';

let server: ServerHandle;
let slowServer: ServerHandle;

beforeAll(async () => {
  server = await startServer({ app: await createLoreChatApp({ env: {} }), port: 0 });
  slowServer = await startServer({
    app: await createLoreChatApp({ env: {}, config: { offlineLatencyMs: 40, offlineJitter: 0 } }),
    port: 0,
  });
});
afterAll(async () => {
  await Promise.all([server.close(), slowServer.close()]);
});

describe('runLoad', () => {
  it('stops at the request count and spreads requests over the threads', async () => {
    const s = await runLoad({
      url: server.url,
      requests: 24,
      concurrency: 4,
      threads: 5,
      durationMs: 30_000,
    });
    expect(s.stoppedBy).toBe('requests');
    expect(s.sent).toBe(24);
    expect(s.completed).toBe(24);
    expect(s.ok).toBe(24);
    expect(s.threads).toBe(5);
    expect(s.latencyMs!.p50).toBeLessThanOrEqual(s.latencyMs!.p95);
    expect(s.latencyMs!.p95).toBeLessThanOrEqual(s.latencyMs!.p99);
    expect(s.throughput).toBeGreaterThan(0);
  });

  it('stops at the duration when the request count is far away', async () => {
    const t0 = performance.now();
    const s = await runLoad({
      url: slowServer.url,
      requests: 100_000,
      concurrency: 2,
      durationMs: 600,
    });
    const elapsed = performance.now() - t0;
    expect(s.stoppedBy).toBe('duration');
    expect(s.sent).toBeLessThan(100);
    expect(s.completed).toBe(s.sent);
    // In-flight requests are awaited: a turn takes ~4 LLM calls of 40 ms.
    expect(elapsed).toBeLessThan(600 + 2000);
  });

  it('honours the fail and slow shares through the per-request control', async () => {
    const s = await runLoad({
      url: server.url,
      requests: 40,
      concurrency: 4,
      failShare: 0.25,
      slowShare: 0.1,
      slowMs: 50,
    });
    expect(s.injected).toEqual({ fail: 10, slow: 4, agent: 0 });
    expect(s.errors).toBe(10);
    expect(s.errorsByKind).toEqual({ http_502: 10 });
    expect(s.ok).toBe(30);
    // Slow requests make ~4 sequential LLM calls of ~50 ms each; the others are instant.
    expect(s.okLatencyMs!.max).toBeGreaterThan(150);
  });

  it('sends the agent share to POST /agent, whose handled tool failures are not errors', async () => {
    const s = await runLoad({ url: server.url, requests: 10, concurrency: 2, agentShare: 0.5 });
    expect(s.injected).toEqual({ slow: 0, fail: 0, agent: 5 });
    expect(s.ok).toBe(10);
    expect(parseLoadArgs(['--agent-share', '0.2']).options.agentShare).toBe(0.2);
    await expect(runLoad({ url: server.url, agentShare: 2 })).rejects.toThrow(LoadOptionsError);
  });

  it('reports the tokens the answers used, by model, equal to what the model calls returned (plain and streamed)', async () => {
    const app = await createLoreChatApp({
      env: { LORECHAT_MODEL: 'gpt-4o-mini-2024-07-18', LORECHAT_MODEL_RESPOND: 'other-model' },
    });
    // The oracle: every usage the models returned, read at the model, not through callbacks.
    const returned: Record<string, { input: number; output: number }> = {};
    const add = (model: string, u: { input_tokens: number; output_tokens: number }) => {
      const t = (returned[model] ??= { input: 0, output: 0 });
      t.input += u.input_tokens;
      t.output += u.output_tokens;
    };
    for (const m of new Set(Object.values(app.models)) as Set<OfflineChatModel>) {
      const generate = m._generate.bind(m);
      m._generate = async (...args) => {
        const r = await generate(...args);
        add(m.model, (r.generations[0]?.message as AIMessage).usage_metadata!);
        return r;
      };
      const chunks = m._streamResponseChunks.bind(m);
      m._streamResponseChunks = async function* (...args) {
        for await (const c of chunks(...args)) {
          const usage = (c.message as AIMessageChunk).usage_metadata;
          if (usage) add(m.model, usage);
          yield c;
        }
      };
    }
    const own = await startServer({ app, port: 0 });
    try {
      const plain = await runLoad({
        url: own.url,
        requests: 6,
        concurrency: 2,
        durationMs: 30_000,
      });
      const streamed = await runLoad({
        url: own.url,
        requests: 4,
        concurrency: 2,
        durationMs: 30_000,
        stream: true,
      });
      expect(plain.ok + streamed.ok).toBe(10);
      const reported: Record<string, { input: number; output: number }> = {};
      for (const s of [plain, streamed])
        for (const [model, t] of Object.entries(s.tokens)) {
          const r = (reported[model] ??= { input: 0, output: 0 });
          r.input += t.input;
          r.output += t.output;
        }
      expect(Object.keys(reported).sort()).toEqual(['gpt-4o-mini-2024-07-18', 'other-model']);
      expect(reported['gpt-4o-mini-2024-07-18']!.input).toBeGreaterThan(0);
      expect(reported).toEqual(returned);
    } finally {
      await own.close();
    }
  });

  it('reports connection errors by kind', async () => {
    const dead = await startServer({ app: await createLoreChatApp({ env: {} }), port: 0 });
    const url = dead.url;
    await dead.close();
    const s = await runLoad({ url, requests: 3, concurrency: 1 });
    expect(s.errorsByKind).toEqual({ connection: 3 });
  });

  it('rejects bad options', async () => {
    await expect(runLoad({ url: server.url, concurrency: 0 })).rejects.toThrow(LoadOptionsError);
    await expect(runLoad({ url: server.url, failShare: 1.5 })).rejects.toThrow(/failShare/);
    await expect(runLoad({ url: 'not a url' })).rejects.toThrow(/not a valid URL/);
  });
});

describe('load helpers', () => {
  it('marks exactly share × n requests, evenly', () => {
    const marked = Array.from({ length: 200 }, (_, i) => isMarked(i, 0.05)).filter(Boolean).length;
    expect(marked).toBe(10);
    expect(Array.from({ length: 7 }, (_, i) => isMarked(i, 0)).some(Boolean)).toBe(false);
    expect(Array.from({ length: 7 }, (_, i) => isMarked(i, 1)).every(Boolean)).toBe(true);
  });

  it('computes nearest-rank percentiles', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 95)).toBe(95);
    expect(percentile(sorted, 99)).toBe(99);
  });

  it('parses the CLI options', () => {
    const cli = parseLoadArgs([
      '--url',
      'http://127.0.0.1:9999',
      '--concurrency',
      '8',
      '--requests',
      '200',
      '--duration',
      '60s',
      '--slow-share',
      '0.1',
      '--slow-ms',
      '3000',
      '--fail-share',
      '0.05',
      '--threads',
      '50',
      '--json',
    ]);
    expect(cli.json).toBe(true);
    expect(cli.options).toMatchObject({
      url: 'http://127.0.0.1:9999',
      concurrency: 8,
      requests: 200,
      durationMs: 60_000,
      slowShare: 0.1,
      slowMs: 3000,
      failShare: 0.05,
      threads: 50,
    });
    expect(parseDuration('2m')).toBe(120_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('90')).toBe(90_000);
  });

  it('refuses non-loopback URLs unless --allow-remote, and bad values', () => {
    expect(() => parseLoadArgs(['--url', 'http://example.com'])).toThrow(/not a loopback address/);
    expect(parseLoadArgs(['--url', 'http://example.com', '--allow-remote']).options.url).toBe(
      'http://example.com',
    );
    expect(parseLoadArgs(['--url', 'http://localhost:8080']).options.url).toBe(
      'http://localhost:8080',
    );
    expect(parseLoadArgs(['--url', 'http://[::1]:8080']).options.url).toBe('http://[::1]:8080');
    expect(() => parseLoadArgs(['--duration', 'soon'])).toThrow(/--duration must look like/);
    expect(() => parseLoadArgs(['--requests', 'many'])).toThrow(/--requests must be a number/);
    expect(() => parseLoadArgs(['--bogus'])).toThrow(LoadOptionsError);
  });
});
