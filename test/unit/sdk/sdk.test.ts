import { join, resolve } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { DEFAULTS, loadConfig } from '../../../src/config.js';
import {
  OtlpHttpLogRecordProcessor,
  OtlpHttpSpanProcessor,
} from '../../../src/exporters/otlp-http.js';
import { prometheusBaseName } from '../../../src/exporters/prometheus-endpoint.js';
import { SummarySpanProcessor } from '../../../src/exporters/summary.js';
import {
  buildLoreChatSdk,
  DEFAULT_ATTRIBUTE_VALUE_LENGTH_LIMIT,
  logRecordLimitsFromEnv,
  spanLimitsFromEnv,
} from '../../../src/sdk.js';
import { esmIncludeList, instrumentedModuleNames } from '../../../src/util/esm-hook.js';
import { METRICS } from '../../../src/catalogue/index.js';

describe('buildLoreChatSdk', () => {
  it('embedded mode: files in the output dir, Prometheus reader plus file reader, summary first', () => {
    const config = loadConfig(
      {},
      { LORECHAT_OTEL_OUTPUT_DIR: '/tmp/lc-out', LORECHAT_OTEL_PROMETHEUS_PORT: '0' },
    );
    const parts = buildLoreChatSdk(config);
    expect(parts.files).toEqual({
      traces: join('/tmp/lc-out', 'traces.jsonl'),
      logs: join('/tmp/lc-out', 'logs.jsonl'),
      metrics: join('/tmp/lc-out', 'metrics.jsonl'),
    });
    expect(parts.prometheus).toBeDefined();
    expect(parts.sdkOptions.metricReaders).toHaveLength(2);
    expect(parts.sdkOptions.metricReaders[0]).toBe(parts.prometheus?.reader);
    expect(parts.sdkOptions.spanProcessors[0]).toBeInstanceOf(SummarySpanProcessor);
    expect(parts.sdkOptions.logRecordProcessors).toHaveLength(1);
    expect(parts.syncProcessors).toHaveLength(2);
    expect(parts.prometheus?.url).toBeUndefined(); // nothing started
  });

  it('otlp mode (http/protobuf) exports every signal through the OTLP/HTTP queues, spool on', () => {
    const parts = buildLoreChatSdk(
      loadConfig({}, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }),
    );
    expect(parts.sdkOptions.spanProcessors).toHaveLength(1);
    expect(parts.sdkOptions.spanProcessors[0]).toBeInstanceOf(OtlpHttpSpanProcessor);
    expect(parts.sdkOptions.logRecordProcessors).toHaveLength(1);
    expect(parts.sdkOptions.logRecordProcessors[0]).toBeInstanceOf(OtlpHttpLogRecordProcessor);
    expect(parts.sdkOptions.metricReaders).toHaveLength(1);
    expect(parts.otlp?.queues.map((q) => q.signal)).toEqual(['traces', 'logs', 'metrics']);
    expect(parts.spool?.dir).toBe(resolve('.lorechat/spool'));
    expect(parts.prometheus).toBeUndefined();
    expect(parts.files).toBeUndefined();
  });

  // The queue bound decides when spans and log records are dropped.
  const queueSize = (p: unknown): unknown =>
    (p as { queue?: { options: { maxQueueSize: number } } }).queue?.options.maxQueueSize;

  it('otlp mode: the batch queues default to 16384 spans and 32768 log records, not 2048', () => {
    const parts = buildLoreChatSdk(
      loadConfig({}, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }),
    );
    expect(queueSize(parts.sdkOptions.spanProcessors?.[0])).toBe(DEFAULTS.spanQueueSize);
    expect(queueSize(parts.sdkOptions.logRecordProcessors?.[0])).toBe(DEFAULTS.logQueueSize);
    expect([DEFAULTS.spanQueueSize, DEFAULTS.logQueueSize]).toEqual([16_384, 32_768]);
  });

  it('otlp mode: OTEL_BSP_MAX_QUEUE_SIZE and OTEL_BLRP_MAX_QUEUE_SIZE win over the defaults', () => {
    const parts = buildLoreChatSdk(
      loadConfig(
        { summary: true, jsonStdout: true },
        {
          OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318',
          OTEL_BSP_MAX_QUEUE_SIZE: '512',
          OTEL_BLRP_MAX_QUEUE_SIZE: '65536',
        },
      ),
    );
    expect(queueSize(parts.sdkOptions.spanProcessors?.[0])).toBe(512);
    expect(queueSize(parts.sdkOptions.logRecordProcessors?.[0])).toBe(65_536);
  });

  it('otlp mode with OTEL_TRACES_EXPORTER=none and OTEL_LOGS_EXPORTER=none builds no batch processor', () => {
    // The processors read the OTEL_* exporter variables from process.env, as the SDK does.
    vi.stubEnv('OTEL_TRACES_EXPORTER', 'none');
    vi.stubEnv('OTEL_LOGS_EXPORTER', 'none');
    try {
      const parts = buildLoreChatSdk(loadConfig({}, process.env));
      expect(parts.config.mode).toBe('otlp');
      expect(parts.sdkOptions.spanProcessors).toEqual([]);
      expect(parts.sdkOptions.logRecordProcessors).toEqual([]);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('installs no instrumentation when no signal is exported (nothing they record could be read)', () => {
    vi.stubEnv('OTEL_TRACES_EXPORTER', 'none');
    vi.stubEnv('OTEL_LOGS_EXPORTER', 'none');
    vi.stubEnv('OTEL_METRICS_EXPORTER', 'none');
    try {
      const none = buildLoreChatSdk(loadConfig({}, process.env));
      expect(none.sdkOptions.metricReaders).toEqual([]);
      expect(none.instrumentations).toEqual([]);
      expect(none.sdkOptions.instrumentations).toEqual([]);
      // One signal read is enough for them to be installed; so is the summary.
      const withSummary = buildLoreChatSdk(loadConfig({ summary: true }, process.env));
      vi.stubEnv('OTEL_METRICS_EXPORTER', 'otlp');
      const withMetrics = buildLoreChatSdk(loadConfig({}, process.env));
      for (const parts of [withSummary, withMetrics]) {
        for (const i of parts.instrumentations) i.disable();
        expect(instrumentedModuleNames(parts.instrumentations)).toEqual([
          '@langchain/core',
          '@langchain/langgraph',
        ]);
      }
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('otlp mode with JSON stdout and summary adds ours next to the env-equivalent processors', () => {
    const parts = buildLoreChatSdk(
      loadConfig(
        { jsonStdout: true, summary: true },
        { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' },
      ),
    );
    expect(parts.sdkOptions.spanProcessors).toHaveLength(2); // OTLP batch + summary
    expect(parts.sdkOptions.logRecordProcessors).toHaveLength(2); // OTLP batch + stdout
  });

  it('creates the Node.js runtime and process metrics instrumentations unless runtime metrics are off', () => {
    const on = buildLoreChatSdk(loadConfig({}, {}), { instrumentations: [] });
    expect(on.instrumentations).toHaveLength(0);
    // Loaded on demand (CommonJS in either build), so compared by name, not class.
    expect(on.runtimeInstrumentations().map((i) => i.instrumentationName)).toEqual([
      '@opentelemetry/instrumentation-runtime-node',
      '@opentelemetry/instrumentation-host-metrics',
    ]);
    const off = buildLoreChatSdk(loadConfig({ runtimeMetrics: false }, {}), {
      instrumentations: [],
    });
    expect(off.runtimeInstrumentations()).toHaveLength(0);
  });

  it('the default instrumentations patch @langchain/core and @langchain/langgraph', () => {
    const parts = buildLoreChatSdk(loadConfig({ runtimeMetrics: false }, {}));
    for (const i of parts.instrumentations) i.disable();
    expect(instrumentedModuleNames(parts.instrumentations)).toEqual([
      '@langchain/core',
      '@langchain/langgraph',
    ]);
  });
});

describe('esmIncludeList', () => {
  it('matches the bare specifier and every file of the package in any node_modules', () => {
    const [bare, files] = esmIncludeList(['@langchain/core']);
    expect(bare).toBe('@langchain/core');
    expect(files).toBeInstanceOf(RegExp);
    const re = files as RegExp;
    expect(re.test('file:///app/node_modules/@langchain/core/dist/vectorstores.js')).toBe(true);
    expect(
      re.test(
        'file:///app/node_modules/.pnpm/@langchain+core@1.0.0/node_modules/@langchain/core/dist/x.js',
      ),
    ).toBe(true);
    expect(re.test('file:///app/node_modules/@langchain/core-extra/index.js')).toBe(false);
  });
});

describe('prometheusBaseName', () => {
  it('gives every catalogue metric its catalogue Prometheus name', () => {
    for (const m of METRICS) {
      const base = prometheusBaseName(
        m.name,
        m.unit,
        (['gauge', 'updowncounter'] as string[]).includes(m.kind),
      );
      const exposed = m.kind === 'counter' ? `${base}_total` : base;
      expect(exposed, m.name).toBe(m.prometheusName);
    }
  });

  it('follows the Collector for runtime units', () => {
    expect(prometheusBaseName('nodejs.eventloop.time', 's', false)).toBe(
      'nodejs_eventloop_time_seconds',
    );
    expect(prometheusBaseName('v8js.memory.heap.used', 'By', true)).toBe(
      'v8js_memory_heap_used_bytes',
    );
    expect(prometheusBaseName('nodejs.eventloop.utilization', '1', true)).toBe(
      'nodejs_eventloop_utilization_ratio',
    );
    expect(prometheusBaseName('x.rate', 'By/s', true)).toBe('x_rate_bytes_per_second');
  });
});

describe('attribute value limits', () => {
  it('bound every string attribute to 8192 characters by default, and the OTEL_* variables win', () => {
    expect(spanLimitsFromEnv().attributeValueLengthLimit).toBe(
      DEFAULT_ATTRIBUTE_VALUE_LENGTH_LIMIT,
    );
    expect(logRecordLimitsFromEnv().attributeValueLengthLimit).toBe(8192);
    vi.stubEnv('OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT', '100');
    vi.stubEnv('OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT', '50');
    try {
      expect(spanLimitsFromEnv().attributeValueLengthLimit).toBe(100);
      expect(logRecordLimitsFromEnv().attributeValueLengthLimit).toBe(50);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
