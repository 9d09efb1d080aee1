/**
 * The metrics path end to end through the real programs: an OpenTelemetry SDK exports every
 * catalogue instrument over OTLP/HTTP (protobuf) to our Collector, which forwards them to
 * Prometheus's OTLP receiver (/api/v1/otlp/v1/metrics), all started with the shipped configs.
 * Prometheus must then hold each metric under the catalogue's `prometheusName` -- the name
 * dashboards and rules query. Also: Prometheus scrapes the Collector's self-metrics and
 * discovers Alertmanager, as prometheus.yml says.
 */
import type { Attributes } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRICS, type MetricDefinition } from '../../src/catalogue/index.js';

/** Widened: the test handles every kind the catalogue may define, not only today's. */
const CATALOGUE: readonly MetricDefinition[] = METRICS;
import { startStack, type Stack } from '../helpers/stack.js';

const SERVICE = 'lorechat-pipeline-test';
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    collector: true,
    prometheus: true,
    alertmanager: true,
    scrapeInterval: '1s',
    evaluationInterval: '1s',
  });
});

afterAll(async () => {
  await stack?.stop();
});

/** One value for each catalogue instrument, every allowed attribute set. */
async function exportCatalogueOnce(collectorOtlpHttp: string): Promise<void> {
  const exporter = new OTLPMetricExporter({ url: `${collectorOtlpHttp}/v1/metrics` });
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': SERVICE }),
    readers: [reader],
  });
  const meter = provider.getMeter('pipeline-otlp-test');
  for (const m of CATALOGUE) {
    const attributes: Attributes = Object.fromEntries(m.attributes.map((k) => [k, 'test']));
    const options = { unit: m.unit, description: m.description };
    switch (m.kind) {
      case 'histogram': {
        const buckets = m.buckets ? [...m.buckets] : undefined;
        meter
          .createHistogram(m.name, {
            ...options,
            ...(buckets ? { advice: { explicitBucketBoundaries: buckets } } : {}),
          })
          .record(1.5, attributes);
        break;
      }
      case 'counter':
        meter.createCounter(m.name, options).add(3, attributes);
        break;
      case 'updowncounter':
        meter.createUpDownCounter(m.name, options).add(2, attributes);
        break;
      case 'gauge':
        meter.createGauge(m.name, options).record(7, attributes);
        break;
    }
  }
  await provider.forceFlush();
  await provider.shutdown();
}

describe('OTLP metrics: SDK -> our Collector -> Prometheus (shipped configs)', () => {
  beforeAll(async () => {
    await exportCatalogueOnce(stack.collector!.otlpHttp);
  });

  it('Prometheus holds every catalogue metric under its catalogue prometheusName', async () => {
    // Waiting for one proves arrival (the Collector batches for up to 2 s, then exports).
    await stack.waitForQuery(`{job="${SERVICE}"}`, { timeoutMs: 60_000 });
    const names = new Set(
      (await stack.query(`count by (__name__) ({job="${SERVICE}"})`)).map((s) => s.metric.__name__),
    );
    const missing = METRICS.map((m) =>
      m.kind === 'histogram' ? `${m.prometheusName}_count` : m.prometheusName,
    ).filter((n) => !names.has(n));
    expect(missing, `stored names: ${[...names].sort().join(', ')}`).toEqual([]);
  });

  it('values arrive unchanged (counter total, histogram count and sum, gauge)', async () => {
    const value = async (expr: string): Promise<number> => {
      const [sample] = await stack.waitForQuery(expr);
      return Number(sample!.value[1]);
    };
    const counter = METRICS.find((m) => m.kind === 'counter');
    const histogram = METRICS.find((m) => m.kind === 'histogram');
    expect(counter, 'catalogue has a counter').toBeDefined();
    expect(histogram, 'catalogue has a histogram').toBeDefined();
    expect(await value(`sum(${counter!.prometheusName}{job="${SERVICE}"})`)).toBe(3);
    expect(await value(`sum(${histogram!.prometheusName}_count{job="${SERVICE}"})`)).toBe(1);
    expect(await value(`sum(${histogram!.prometheusName}_sum{job="${SERVICE}"})`)).toBe(1.5);
  });

  it('histograms keep the catalogue bucket boundaries as `le` labels', async () => {
    for (const m of CATALOGUE) {
      if (m.kind !== 'histogram' || !m.buckets) continue;
      const series = await stack.waitForQuery(`${m.prometheusName}_bucket{job="${SERVICE}"}`);
      const les = [...new Set(series.map((s) => s.metric.le))]
        .map((le) => (le === '+Inf' ? Infinity : Number(le)))
        .sort((a, b) => a - b);
      expect(les, m.name).toEqual([...m.buckets, Infinity]);
    }
  });

  it('promoted resource attributes become labels (service_name), per prometheus.yml', async () => {
    const [sample] = await stack.waitForQuery(`target_info{job="${SERVICE}"}`);
    expect(sample!.metric.job).toBe(SERVICE);
    const counter = METRICS.find((m) => m.kind === 'counter')!;
    const [series] = await stack.waitForQuery(`${counter.prometheusName}{job="${SERVICE}"}`);
    expect(series!.metric.service_name).toBe(SERVICE);
  });
});

describe('Prometheus scrapes what prometheus.yml lists (loopback targets)', () => {
  it('scrapes the Collector self-metrics endpoint', async () => {
    await stack.waitForQuery('up{job="otel-collector"} == 1', { timeoutMs: 30_000 });
    await stack.waitForQuery('{__name__=~"otelcol_process_uptime.*", job="otel-collector"}', {
      timeoutMs: 30_000,
    });
  });

  it('scrapes Alertmanager and itself', async () => {
    await stack.waitForQuery('up{job="alertmanager"} == 1', { timeoutMs: 30_000 });
    await stack.waitForQuery('up{job="prometheus"} == 1', { timeoutMs: 30_000 });
  });

  it('sends alerts to the Alertmanager of the overlay', async () => {
    await stack.waitForQuery('prometheus_notifications_alertmanagers_discovered == 1');
  });

  it('loads every shipped rule group', async () => {
    const response = await fetch(`${stack.prometheus!.url}/api/v1/rules`);
    const body = (await response.json()) as {
      data: { groups: Array<{ name: string; file: string; rules: unknown[] }> };
    };
    expect(body.data.groups.length).toBeGreaterThan(0);
    for (const g of body.data.groups) expect(g.rules.length, g.name).toBeGreaterThan(0);
  });
});
