import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { analyze } from '../../../src/analysis/analyze.js';
import { BackendError } from '../../../src/analysis/errors.js';
import { indicator } from '../../../src/analysis/indicators.js';
import { LokiEvents } from '../../../src/analysis/sources/loki.js';
import {
  PrometheusClient,
  PrometheusSource,
  stepIncreases,
} from '../../../src/analysis/sources/prometheus.js';
import { openSource } from '../../../src/analysis/sources/select.js';
import { runCli } from '../../../src/cli/run.js';

type Handler = (url: URL, req: IncomingMessage) => { status?: number; body: unknown };
const servers: Server[] = [];

async function serve(handler: Handler): Promise<{ url: string; requests: URL[] }> {
  const requests: URL[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push(url);
    const { status = 200, body } = handler(url, req);
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((s) => {
      s.closeAllConnections();
      return new Promise((r) => s.close(r));
    }),
  );
});

const matrix = (
  result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }>,
) => ({
  status: 'success',
  data: { resultType: 'matrix', result },
});

describe('Prometheus source (HTTP API response format)', () => {
  it('builds p95 from raw bucket samples on catalogue names, counting a new series from zero', async () => {
    const t = 1_741_600_800;
    // A series born inside the window (a process start): its first sample is what it counted
    // since zero; Prometheus's increase() would drop it.
    const series = (final: number): Array<[number, string]> => [
      [t - 300, String(final / 2)],
      [t - 10, String(final)],
    ];
    const prom = await serve((url) => {
      const q = url.searchParams.get('query') ?? '';
      if (q.includes('_bucket')) {
        const buckets: Array<[string, number]> = [
          ['0.1', 10],
          ['0.5', 30],
          ['1', 40],
          ['2', 50],
          ['5', 61],
          ['+Inf', 61],
        ];
        return {
          body: matrix(
            buckets.map(([le, v]) => ({
              metric: { __name__: 'chat_response_time_seconds_bucket', le },
              values: series(v),
            })),
          ),
        };
      }
      if (q.includes('_sum')) return { body: matrix([{ metric: {}, values: series(60.5) }]) };
      return { body: matrix([{ metric: {}, values: series(61) }]) };
    });
    const source = new PrometheusSource(new PrometheusClient(prom.url));
    const p95 = await indicator('response_time_p95').evaluate(source.metrics, {
      start: t * 1000,
      end: t * 1000,
      step: 600_000,
    });
    expect(p95).toHaveLength(1);
    expect(p95[0]?.[0]).toBe(t * 1000);
    expect(p95[0]?.[1]).toBeCloseTo(2 + 3 * (7.95 / 11), 10);
    const queries = prom.requests.map((u) => u.searchParams.get('query'));
    // The window plus Prometheus's 5 min lookback for each series' baseline, in PromQL's
    // duration syntax.
    expect(queries).toContain('chat_response_time_seconds_bucket[15m]');
    expect(prom.requests.every((u) => u.pathname === '/api/v1/query')).toBe(true);
    expect(prom.requests[0]?.searchParams.get('time')).toBe(`${t}.000`);
  });

  it('reads raw samples from the first step window (aligned on the end) with label matchers', async () => {
    const prom = await serve(() => ({ body: matrix([]) }));
    const source = new PrometheusSource(new PrometheusClient(prom.url));
    await indicator('llm_error_rate').evaluate(source.metrics, {
      start: 1000,
      end: 10_500_000,
      step: 3_600_000,
    });
    const q = prom.requests[0];
    // Steps end at 10500 s, 6900 s, 3300 s; the first window opens at -300 s, minus 5 min.
    expect(q?.searchParams.get('query')).toBe('lorechat_errors_total{component="llm"}[3h5m]');
    expect(q?.searchParams.get('time')).toBe('10500.000');
  });

  it('step increases: spread over each sample interval, resets from zero, 0 for quiet steps', () => {
    const range = { start: 60_000, end: 240_000, step: 60_000 };
    // Steps (0,60], (60,120], (120,180], (180,240] s. The +2 between -10 s and 30 s accrued
    // over 40 s, 30 s of them inside the range: 1.5. The reset to 2 at 150 s is spread over the
    // median sample gap (60 s) before it: 1 in (60,120], 1 in (120,180]; +2 by 170 s: 2 more.
    expect([
      ...stepIncreases(
        [
          [-10_000, 5],
          [30_000, 7],
          [90_000, 7],
          [150_000, 2],
          [170_000, 4],
        ],
        range,
      ),
    ]).toEqual([
      [60_000, 1.5],
      [120_000, 1],
      [180_000, 3],
    ]);
    // A steady counter exported every 20 s: a 10 s step never gets a whole export's increase.
    const steady: Array<[number, number]> = [0, 20, 40, 60].map((s) => [s * 1000, s]);
    expect([
      ...stepIncreases(steady, { start: 10_000, end: 60_000, step: 10_000 }).values(),
    ]).toEqual([10, 10, 10, 10, 10, 10]);
    // Born inside the window: the first sample counts from zero.
    expect([...stepIncreases([[130_000, 3]], range)]).toEqual([[180_000, 3]]);
    // Ended before the window: nothing.
    expect([...stepIncreases([[-30_000, 3]], range)]).toEqual([]);
  });

  it('turns a PromQL error into a BackendError with the message', async () => {
    const prom = await serve(() => ({
      status: 400,
      body: { status: 'error', errorType: 'bad_data', error: 'parse error at char 5' },
    }));
    const source = new PrometheusSource(new PrometheusClient(prom.url));
    await expect(
      indicator('throughput').evaluate(source.metrics, { start: 0, end: 60_000, step: 60_000 }),
    ).rejects.toThrow(/HTTP 400: parse error at char 5/);
  });

  it('an unreachable Prometheus exits 1 with the address in the message', async () => {
    const prom = await serve(() => ({ body: {} }));
    await Promise.all(
      servers.splice(0).map((s) => {
        s.closeAllConnections();
        return new Promise((r) => s.close(r));
      }),
    );
    const err: string[] = [];
    const code = await runCli(['analyze', '--prometheus', prom.url, '--quiet'], {
      stdout: () => {},
      stderr: (t) => void err.push(t),
      env: {},
      now: () => Date.now(),
    });
    expect(code).toBe(1);
    expect(err.join('')).toMatch(
      new RegExp(`cannot reach Prometheus at ${prom.url}: ECONNREFUSED`),
    );
  });
});

describe('Loki source (query_range streams format)', () => {
  const ns = (ms: number) => `${BigInt(ms) * 1_000_000n}`;
  const T = Date.parse('2025-03-10T10:00:00Z');
  const line = (event: string, extra: Record<string, unknown> = {}) =>
    JSON.stringify({
      event,
      context: {
        thread_id: 't1',
        request_id: 'r1',
        component: event.split('.')[0],
        action: 'x',
        ...extra,
      },
    });

  it('reads the plan body, labels and structured metadata, and pages forward', async () => {
    const entries: Array<[string, string, Record<string, unknown>]> = [];
    for (let i = 0; i < 5; i++) {
      entries.push([
        ns(T + i * 1000),
        line('chat.message'),
        { structuredMetadata: { lorechat_query_fingerprint: i < 3 ? 'fp-a' : 'fp-b' } },
      ]);
    }
    entries.push([
      ns(T + 6000),
      line('llm.error', { error: { type: 'RateLimitError', message: 'slow down' } }),
      { structuredMetadata: {} },
    ]);
    entries.push([ns(T + 7000), 'plain application log line', { structuredMetadata: {} }]);
    const loki = await serve((url) => {
      const start = BigInt(url.searchParams.get('start') ?? '0');
      const limit = Number(url.searchParams.get('limit'));
      const page = entries.filter(([n]) => BigInt(n) >= start).slice(0, limit);
      return {
        body: {
          status: 'success',
          data: {
            resultType: 'streams',
            result: [{ stream: { service_name: 'lorechat' }, values: page }],
            stats: {},
          },
        },
      };
    });
    const reader = new LokiEvents(loki.url, { pageSize: 3 });
    const events = await reader.events({ start: T - 1, end: T + 60_000 });
    expect(events.map((e) => e.name)).toEqual([
      'chat.message',
      'chat.message',
      'chat.message',
      'chat.message',
      'chat.message',
      'llm.error',
    ]);
    expect(events[0]?.fingerprint).toBe('fp-a');
    expect(events[5]?.context.error).toEqual({ type: 'RateLimitError', message: 'slow down' });
    expect(events[0]?.time).toBe(T);
    expect(loki.requests.length).toBeGreaterThanOrEqual(3);
    expect(loki.requests[0]?.searchParams.get('query')).toBe('{service_name="lorechat"}');
    expect(loki.requests[0]?.searchParams.get('direction')).toBe('forward');
  });

  it('feeds popular queries and event-based error rates when Prometheus has no turns', async () => {
    const values: Array<[string, string]> = [
      [ns(T + 1), line('chat.start')],
      [ns(T + 2), line('chat.message')],
      [ns(T + 3), line('chat.complete', { duration_ms: 1200 })],
      [ns(T + 4), line('llm.error', { error: { type: 'TimeoutError', message: 'x' } })],
    ];
    const loki = await serve(() => ({
      body: {
        status: 'success',
        data: {
          resultType: 'streams',
          result: [
            { stream: { service_name: 'lorechat', lorechat_query_fingerprint: 'fp-z' }, values },
          ],
        },
      },
    }));
    const prom = await serve(() => ({ body: matrix([]) }));
    const source = await openSource({ prometheus: prom.url, loki: loki.url }, {});
    const r = await analyze(source, { start: T, end: T + 60_000 });
    expect(r.basis).toBe('events');
    expect(r.totalRequests).toBe(1);
    expect(r.avgResponseTimeSeconds).toBeCloseTo(1.2, 10);
    expect(r.popularQueries).toEqual([{ fingerprint: 'fp-z', count: 1, share: 1 }]);
    expect(r.errorsByComponent).toContainEqual({
      component: 'llm',
      operations: 1,
      errors: 1,
      rate: 1,
    });
  });

  it('rejects a non-streams answer', async () => {
    const loki = await serve(() => ({
      body: { status: 'success', data: { resultType: 'matrix', result: [] } },
    }));
    await expect(new LokiEvents(loki.url).events({ start: 0, end: 1 })).rejects.toBeInstanceOf(
      BackendError,
    );
  });
});

describe('source selection', () => {
  it('flags win over the environment; env is used without flags', async () => {
    const s1 = await openSource(
      { prometheus: 'http://127.0.0.1:1' },
      { LOKI_URL: 'http://127.0.0.1:2' },
    );
    expect(s1.events).toBeUndefined();
    const s2 = await openSource(
      {},
      { PROMETHEUS_URL: 'http://127.0.0.1:1', LOKI_URL: 'http://127.0.0.1:2' },
    );
    expect(s2.describe()).toBe('Prometheus http://127.0.0.1:1/ + Loki http://127.0.0.1:2/');
  });
});
