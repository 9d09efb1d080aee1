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
import { JsonMetricsSerializer, JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  MeterProvider,
  MetricReader,
  PeriodicExportingMetricReader,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { type ReadableSpan, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLoad } from '../../demo/load/run-load.js';
import { METRICS, type MetricDefinition } from '../../src/catalogue/index.js';
import { otlpJson } from '../../src/exporters/otlp-json-file.js';
import { startNode } from '../helpers/run-node.js';

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

/** A reader that collects on demand (the payload is built and posted by the test). */
class ManualReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

const post = (url: string, body: Uint8Array) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

describe('OTLP/JSON with non-finite numbers: nothing else in the request is lost', () => {
  const JOB = 'lorechat-nonfinite-test';

  it('a NaN gauge point and a NaN span attribute are accepted with the rest of their request', async () => {
    const reader = new ManualReader();
    const provider = new MeterProvider({
      resource: resourceFromAttributes({ 'service.name': JOB }),
      readers: [reader],
    });
    const meter = provider.getMeter('nonfinite-test');
    meter.createGauge('nonfinite.ratio').record(Number.NaN, { case: 'nan' });
    meter.createGauge('nonfinite.ratio').record(Number.POSITIVE_INFINITY, { case: 'inf' });
    meter.createCounter('nonfinite.turns').add(5);
    const { resourceMetrics } = await reader.collect();
    const metrics: ResourceMetrics = resourceMetrics;

    // The SDK's serializer writes null for them and the Collector refuses the whole request:
    // the reason otlpJson exists (src/exporters/otlp-json-file.ts).
    const plain = await post(
      `${stack.collector!.otlpHttp}/v1/metrics`,
      JsonMetricsSerializer.serializeRequest(metrics)!,
    );
    expect(plain.status).toBe(400);
    const ours = await post(`${stack.collector!.otlpHttp}/v1/metrics`, otlpJson.metrics(metrics)!);
    expect(ours.status, await ours.text()).toBe(200);

    // Prometheus holds the finite counter and both non-finite gauge values of that request.
    await stack.waitForQuery(`nonfinite_turns_total{job="${JOB}"} == 5`, { timeoutMs: 30_000 });
    const gauges = await stack.waitForQuery(`nonfinite_ratio{job="${JOB}"}`, {
      accept: (r) => r.length === 2,
    });
    const byCase: Record<string, string> = {};
    for (const g of gauges) byCase[String(g.metric.case)] = String(g.value[1]);
    expect(byCase).toEqual({ nan: 'NaN', inf: '+Inf' });
    await provider.shutdown();

    const spans: ReadableSpan[] = [];
    const tracer = new TracerProvider({
      spanProcessors: [
        {
          onStart: () => undefined,
          onEnd: (span: ReadableSpan) => void spans.push(span),
          forceFlush: () => Promise.resolve(),
          shutdown: () => Promise.resolve(),
        },
      ],
    }).getTracer('nonfinite-test');
    tracer.startSpan('scored', { attributes: { score: Number.NaN, ok: 1 } }).end();
    const plainSpans = await post(
      `${stack.collector!.otlpHttp}/v1/traces`,
      JsonTraceSerializer.serializeRequest(spans)!,
    );
    expect(plainSpans.status).toBe(400);
    const oursSpans = await post(`${stack.collector!.otlpHttp}/v1/traces`, otlpJson.traces(spans)!);
    expect(oursSpans.status, await oursSpans.text()).toBe(200);
  });
});

describe('the reference app over OTLP/JSON: every metric export reaches Prometheus', () => {
  // Found by the analysis oracle (issue 16): Prometheus held the app's samples only every
  // 9-24 s because the Collector refused most exports with HTTP 400 -- each carried
  // process.cpu.utilization = NaN, written as null (host-metrics' callback ran twice per
  // collection; see runtimeInstrumentations in src/sdk.ts).
  const JOB = 'lorechat-json-app';
  const INTERVAL_MS = 1000;

  it('samples one export interval apart, process CPU utilisation finite, no refused payload', async () => {
    const app = startNode(['--import', './dist/register.js', 'dist/demo/server.js'], {
      env: {
        PORT: '0',
        HOST: '127.0.0.1',
        OTEL_SERVICE_NAME: JOB,
        OTEL_EXPORTER_OTLP_ENDPOINT: stack.collector!.otlpHttp,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_METRIC_EXPORT_INTERVAL: String(INTERVAL_MS),
        OTEL_TRACES_EXPORTER: 'none',
        OTEL_LOGS_EXPORTER: 'none',
        OTEL_LOG_LEVEL: 'warn',
      },
      timeoutMs: 180_000,
    });
    try {
      const [, url] = await app.waitForOutput(/LoreChat listening on (http:\/\/\S+)/, 60_000);
      const load = await runLoad({ url: url!, requests: 10, concurrency: 2, durationMs: 60_000 });
      expect(load.completed).toBe(10);
      // 15 samples in the last 20 s: one per export (1 s) with room for a busy machine; while
      // the bug stood, a handful arrived in a minute.
      const series = `chat_response_time_seconds_count{job="${JOB}"}`;
      await stack.waitForQuery(`count_over_time(${series}[20s]) >= 15`, { timeoutMs: 90_000 });
      const cpu = await stack.waitForQuery(`process_cpu_utilization{job="${JOB}"}[20s]`);
      const values = cpu.flatMap((s) => (s as unknown as { values: [number, string][] }).values);
      expect(values.length).toBeGreaterThan(0);
      for (const [, v] of values) expect(Number.isFinite(Number(v)), v).toBe(true);
      expect(app.stderr).not.toMatch(/refused a payload/);
    } finally {
      app.child.kill('SIGTERM');
      await app.done;
    }
  });
});
