/**
 * Prometheus `rate()` / `increase()` ignore the increase into a series' first sample: a new
 * app's first burst of errors (the error counter's series appears already at, say, 7) is
 * invisible to LoreChatHighErrorRate. OTLP points carry the start time of their cumulative
 * series; with `--enable-feature=created-timestamp-zero-ingestion` (docker-compose.yml, and so
 * the test overlay) Prometheus writes a 0 sample at that start time, and the first increase
 * counts. This sends such a point to the shipped Prometheus's OTLP receiver and reads it back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeCommand } from '../../scripts/backends/overlay.mjs';
import { startStack, type Stack } from '../helpers/stack.js';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    collector: true,
    prometheus: true,
    scrapeInterval: '1s',
    evaluationInterval: '1s',
  });
});

afterAll(async () => {
  await stack?.stop();
});

/** One cumulative monotonic sum point, OTLP/JSON. */
function counterPoint(name: string, value: number, startMs: number, timeMs: number): unknown {
  const nanos = (ms: number): string => `${BigInt(ms) * 1_000_000n}`;
  return {
    resourceMetrics: [
      {
        resource: {
          attributes: [
            { key: 'service.name', value: { stringValue: 'lorechat' } },
            { key: 'service.namespace', value: { stringValue: 'start-time' } },
            { key: 'service.instance.id', value: { stringValue: 'probe-1' } },
          ],
        },
        scopeMetrics: [
          {
            scope: { name: 'lorechat-otel' },
            metrics: [
              {
                name,
                sum: {
                  aggregationTemporality: 2, // cumulative
                  isMonotonic: true,
                  dataPoints: [
                    {
                      asDouble: value,
                      startTimeUnixNano: nanos(startMs),
                      timeUnixNano: nanos(timeMs),
                      attributes: [{ key: 'error.type', value: { stringValue: 'timeout' } }],
                    },
                  ],
                },
              },
            ],
          },
        ],
      },
    ],
  };
}

/** One gauge point with a start time (the JS SDK sets one on gauges too), OTLP/JSON. */
function gaugePoint(name: string, value: number, startMs: number, timeMs: number): unknown {
  const nanos = (ms: number): string => `${BigInt(ms) * 1_000_000n}`;
  const body = counterPoint(name, value, startMs, timeMs) as {
    resourceMetrics: { scopeMetrics: { metrics: Record<string, unknown>[] }[] }[];
  };
  const metric = body.resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!;
  delete metric.sum;
  metric.gauge = {
    dataPoints: [
      { asDouble: value, startTimeUnixNano: nanos(startMs), timeUnixNano: nanos(timeMs) },
    ],
  };
  return body;
}

async function push(body: unknown, via: 'prometheus' | 'collector' = 'prometheus'): Promise<void> {
  const url =
    via === 'collector'
      ? `${stack.collector!.otlpHttp}/v1/metrics`
      : `${stack.prometheus!.url}/api/v1/otlp/v1/metrics`;
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  expect(response.status, await response.text()).toBe(200);
}

describe('Prometheus OTLP start times', () => {
  it('the shipped flags enable created-timestamp-zero-ingestion', () => {
    expect(composeCommand('prometheus')).toContain(
      '--enable-feature=created-timestamp-zero-ingestion',
    );
  });

  it("a new counter series' first point counts in increase(): a 0 sample sits at its start time", async () => {
    const now = Date.now();
    const start = now - 10_000;
    await push(counterPoint('start_time_probe_errors', 7, start, now));
    const selector = 'start_time_probe_errors_total{job="start-time/lorechat"}';
    const [raw] = await stack.waitForQuery(`last_over_time(${selector}[1m])`);
    expect(Number(raw?.value[1])).toBe(7);
    const samples = await fetch(
      `${stack.prometheus!.url}/api/v1/query?${new URLSearchParams({
        query: `${selector}[1m]`,
        time: String((now + 1_000) / 1000),
      }).toString()}`,
    ).then((r) => r.json() as Promise<{ data: { result: { values: [number, string][] }[] } }>);
    expect(samples.data.result[0]?.values).toEqual([
      [start / 1000, '0'],
      [now / 1000, '7'],
    ]);
    // The first burst is visible to rate()/increase() (without the flag: no result at all).
    const [increase] = await stack.query(`increase(${selector}[1m])`, new Date(now + 1_000));
    expect(Number(increase?.value[1])).toBeGreaterThanOrEqual(7);
  });

  it('a gauge sent through the shipped Collector gets no 0 sample at its start time (the Collector clears gauge start times)', async () => {
    const now = Date.now();
    const start = now - 10_000;
    await push(gaugePoint('start_time_probe_memory_bytes', 1234, start, now), 'collector');
    const selector = 'start_time_probe_memory_bytes{job="start-time/lorechat"}';
    await stack.waitForQuery(`last_over_time(${selector}[1m])`);
    const samples = await fetch(
      `${stack.prometheus!.url}/api/v1/query?${new URLSearchParams({
        query: `${selector}[1m]`,
        time: String((now + 1_000) / 1000),
      }).toString()}`,
    ).then((r) => r.json() as Promise<{ data: { result: { values: [number, string][] }[] } }>);
    expect(samples.data.result[0]?.values).toEqual([[now / 1000, '1234']]);
  });
});
