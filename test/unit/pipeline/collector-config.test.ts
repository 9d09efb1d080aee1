import { describe, expect, it } from 'vitest';
import { SPANS } from '../../../src/catalogue/index.js';
import { readText, readYaml } from './helpers.js';

interface CollectorConfig {
  extensions: Record<string, Record<string, unknown>>;
  receivers: Record<string, { protocols: Record<string, { endpoint: string }> }>;
  processors: Record<string, unknown>;
  connectors: Record<
    string,
    { histogram: { unit: string }; exemplars: { enabled: boolean }; dimensions: { name: string }[] }
  >;
  exporters: Record<
    string,
    {
      endpoint: string;
      retry_on_failure: { enabled: boolean };
      sending_queue: { enabled: boolean; storage: string; batch?: Record<string, unknown> };
    }
  >;
  service: {
    extensions: string[];
    pipelines: Record<string, { receivers: string[]; processors: string[]; exporters: string[] }>;
  };
}

const text = readText('otel-collector-config.yaml');
const config = readYaml<CollectorConfig>('otel-collector-config.yaml');
const CONTENT_KEYS = [
  'gen_ai.input.messages',
  'gen_ai.output.messages',
  'gen_ai.retrieval.query.text',
  'gen_ai.retrieval.documents',
  'lorechat.graph.state.values',
];

/** Component id `type/name` -> type. */
const typeOf = (id: string) => id.split('/')[0] ?? id;

describe('otel-collector-config.yaml', () => {
  it('takes every listen address, data path and backend target from env with a compose default', () => {
    const endpoints = [
      config.receivers.otlp?.protocols.grpc?.endpoint,
      config.receivers.otlp?.protocols.http?.endpoint,
      config.extensions.health_check?.endpoint,
      config.extensions['file_storage/queue']?.directory,
      ...Object.values(config.exporters).map((e) => e.endpoint),
    ];
    for (const e of endpoints) expect(e).toMatch(/^\$\{env:[A-Z_]+:-[^}]+\}$/);
    expect(text).toContain('${env:PROMETHEUS_OTLP_ENDPOINT:-http://prometheus:9090/api/v1/otlp}');
    expect(text).toContain('${env:LOKI_OTLP_ENDPOINT:-http://loki:3100/otlp}');
    expect(text).toContain('${env:TEMPO_OTLP_ENDPOINT:-http://tempo:4318}');
    expect(text).toContain('${env:FILE_STORAGE_DIR:-/var/lib/otelcol/file_storage}');
  });

  it('retries and queues every export persistently on the file_storage extension', () => {
    for (const [id, e] of Object.entries(config.exporters)) {
      expect(e.retry_on_failure.enabled, id).toBe(true);
      expect(e.sending_queue.enabled, id).toBe(true);
      expect(config.extensions[e.sending_queue.storage], `${id} queue storage`).toBeDefined();
      expect(config.service.extensions).toContain(e.sending_queue.storage);
    }
  });

  it('runs memory_limiter first in every pipeline and batches only in the persistent queues', () => {
    for (const [name, p] of Object.entries(config.service.pipelines)) {
      expect(p.processors[0], name).toBe('memory_limiter');
      // A batch processor holds acknowledged data in memory (lost on SIGKILL); the exporters'
      // queue batches after the data is on file_storage (test/integration/e2e-no-loss).
      expect(p.processors.map(typeOf), name).not.toContain('batch');
    }
    for (const [id, e] of Object.entries(config.exporters)) {
      const batch = e.sending_queue.batch;
      expect(batch, `${id} sending_queue.batch`).toBeDefined();
      expect(typeof batch?.flush_timeout, `${id} flush_timeout`).toBe('string');
      expect(batch?.sizer, `${id} batch sizer`).toBe('items');
    }
  });

  it('sends traces, metrics and logs to Tempo, Prometheus and Loki', () => {
    const { traces, metrics, logs } = config.service.pipelines;
    expect(traces?.exporters).toContain('otlp_http/tempo');
    expect(metrics?.exporters).toEqual(['otlp_http/prometheus']);
    expect(logs?.exporters).toEqual(['otlp_http/loki']);
  });

  it('computes span metrics from the traces pipeline (seconds, exemplars, bounded dimensions)', () => {
    const sm = config.connectors.span_metrics;
    expect(config.service.pipelines.traces?.exporters).toContain('span_metrics');
    expect(config.service.pipelines.metrics?.receivers).toContain('span_metrics');
    expect(sm?.histogram.unit).toBe('s');
    expect(sm?.exemplars.enabled).toBe(true);
    expect(sm?.dimensions.map((d) => d.name)).toEqual([
      'lorechat.graph.node',
      'gen_ai.request.model',
      'gen_ai.operation.name',
      'db.operation.name',
    ]);
    expect(Object.keys(config.connectors)).not.toContain('servicegraph');
  });

  it('drops every content attribute in spans, span events and logs', () => {
    expect(config.service.pipelines.traces?.processors).toContain('transform/redact');
    expect(config.service.pipelines.logs?.processors).toContain('transform/redact');
    for (const ctx of ['span', 'spanevent', 'log']) {
      for (const key of CONTENT_KEYS) {
        expect(text, `${ctx}: ${key}`).toContain(`delete_key(${ctx}.attributes, "${key}")`);
      }
    }
  });
});

/** The redaction processor's patterns (RE2) and the OTTL status-message statements' patterns. */
const redaction = config.processors.redaction as {
  allow_all_keys: boolean;
  blocked_values: string[];
  summary: string;
};

/** OTTL string literal -> its value (the config is YAML plain text, so only OTTL escapes apply). */
const ottlUnescape = (literal: string): string => literal.replace(/\\(.)/g, '$1');

function statusMessagePatterns(): string[] {
  return [
    ...text.matchAll(/replace_pattern\(span\.status\.message, "((?:[^"\\]|\\.)*)", "([^"]*)"\)/g),
  ].map((m) => {
    expect(m[2], 'status message replacement').toBe('****');
    return ottlUnescape(m[1] ?? '');
  });
}

/** RE2 `(?i)` prefix -> a JS regex flag; the rest of the patterns is common syntax. */
function toRegExp(re2: string): RegExp {
  const ci = re2.startsWith('(?i)');
  return new RegExp(ci ? re2.slice(4) : re2, ci ? 'gi' : 'g');
}

/** What the redaction processor does to a string value (maskValue: every match -> ****). */
function redact(value: string): string {
  return redaction.blocked_values.reduce((v, p) => v.replace(toRegExp(p), '****'), value);
}

describe('redaction', () => {
  it('masks values with the redaction processor in traces and logs, keeping every key, silently', () => {
    expect(config.service.pipelines.traces?.processors).toContain('redaction');
    expect(config.service.pipelines.logs?.processors).toContain('redaction');
    expect(redaction.allow_all_keys).toBe(true);
    expect(redaction.summary).toBe('silent');
    expect(redaction.blocked_values).toHaveLength(5);
  });

  it('masks span.status.message (which the redaction processor does not reach) with the same patterns', () => {
    expect(statusMessagePatterns()).toEqual(redaction.blocked_values);
  });

  it.each([
    ['mail bob.smith+x@example.co.uk now', 'mail **** now'],
    ['key sk-proj-AbCdEf0123456789_-xyz used', 'key **** used'],
    ['aws AKIAIOSFODNN7EXAMPLE here', 'aws **** here'],
    ['Authorization: Bearer eyJhbGciOi.J9xyz-abc== ok', 'Authorization: **** ok'],
    ['GET /v1?api_key=abc123&x=1', 'GET /v1?****&x=1'],
    ['GET /v1?API-KEY=abc123', 'GET /v1?****'],
  ])('masks %j', (input, expected) => {
    expect(redact(input)).toBe(expected);
  });

  it('leaves ordinary text alone', () => {
    const text = 'The sk- prefix and AKIA alone are not keys; bearer bonds; ask@ nothing.';
    expect(redact(text)).toBe(text);
  });
});

/** The Collector's multi-file merge: maps merge key by key, anything else (lists) is replaced. */
function merge(base: unknown, over: unknown): unknown {
  if (
    base !== null &&
    over !== null &&
    typeof base === 'object' &&
    typeof over === 'object' &&
    !Array.isArray(base) &&
    !Array.isArray(over)
  ) {
    const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
    for (const [k, v] of Object.entries(over as Record<string, unknown>)) {
      out[k] = k in out ? merge(out[k], v) : v;
    }
    return out;
  }
  return over;
}

const agent = merge(config, readYaml('collector/agent.yaml')) as CollectorConfig;
const gateway = merge(config, readYaml('collector/gateway.yaml')) as CollectorConfig;

/** Component ids used by a config: its pipelines' components and its service extensions. */
function usedIds(c: CollectorConfig): string[] {
  return [
    ...c.service.extensions,
    ...Object.values(c.service.pipelines).flatMap((p) => [
      ...p.receivers,
      ...p.processors,
      ...p.exporters,
    ]),
  ];
}

describe('scale-out tiers (collector/agent.yaml and collector/gateway.yaml over the single config)', () => {
  it('agent: redaction and span metrics on every span, then load balancing by trace id', () => {
    const { traces, metrics, logs } = agent.service.pipelines;
    expect(traces?.processors).toEqual(config.service.pipelines.traces?.processors);
    expect(traces?.processors).toContain('redaction');
    expect(traces?.processors.map(typeOf)).not.toContain('tail_sampling');
    expect(traces?.exporters.sort()).toEqual(['load_balancing', 'span_metrics']);
    expect(metrics?.receivers).toContain('span_metrics');
    expect(metrics?.exporters).toEqual(['otlp_http/gateway']);
    expect(logs?.exporters).toEqual(['otlp_http/gateway']);
    expect(logs?.processors).toContain('redaction');
    const lb = agent.exporters.load_balancing as unknown as {
      routing_key: string;
      resolver: { static: { hostnames: string } };
      sending_queue: { enabled: boolean; storage: string };
      protocol: { otlp: { sending_queue: { enabled: boolean } } };
    };
    expect(lb.routing_key).toBe('traceID');
    expect(lb.resolver.static.hostnames).toMatch(/^\$\{env:GATEWAY_ENDPOINTS:-\[[^\]]+\]\}$/);
    expect(lb.sending_queue).toMatchObject({ enabled: true, storage: 'file_storage/queue' });
    // Per-gateway queues would share one storage key (same component id): none.
    expect(lb.protocol.otlp.sending_queue.enabled).toBe(false);
  });

  it('gateway: tail sampling keeps errors, turns over 2 s and a configurable share', () => {
    const { traces, metrics, logs } = gateway.service.pipelines;
    expect(traces?.processors).toEqual(['memory_limiter', 'tail_sampling']);
    expect(traces?.exporters).toEqual(['otlp_http/tempo']);
    expect(metrics?.exporters).toEqual(['otlp_http/prometheus']);
    expect(logs?.exporters).toEqual(['otlp_http/loki']);
    expect(metrics?.processors.map(typeOf)).not.toContain('tail_sampling');
    expect(logs?.processors.map(typeOf)).not.toContain('tail_sampling');
    const ts = gateway.processors.tail_sampling as {
      policies: { type: string; [k: string]: unknown }[];
    };
    expect(ts.policies).toEqual([
      { name: 'errors', type: 'status_code', status_code: { status_codes: ['ERROR'] } },
      // The monitoring plan's response-time threshold (LoreChatHighResponseTime: 2 s).
      { name: 'slow', type: 'latency', latency: { threshold_ms: 2000 } },
      {
        name: 'rest',
        type: 'probabilistic',
        probabilistic: { sampling_percentage: '${env:TAIL_SAMPLING_PERCENTAGE:-10}' },
      },
    ]);
  });

  it('every tier runs memory_limiter first and queues every export persistently', () => {
    for (const c of [agent, gateway]) {
      for (const [name, p] of Object.entries(c.service.pipelines)) {
        expect(p.processors[0], name).toBe('memory_limiter');
        for (const id of p.exporters.filter((e) => e !== 'span_metrics')) {
          expect(c.exporters[id]?.sending_queue.storage, id).toBe('file_storage/queue');
        }
      }
    }
  });
});

describe('collector/builder-config.yaml', () => {
  const manifest = readYaml<
    Record<string, { gomod: string }[]> & { dist: { name: string; version: string } }
  >('collector/builder-config.yaml');
  const release = manifest.dist.version;
  const MODULE_OF: Record<string, string> = {
    otlp: 'receiver/otlpreceiver',
    memory_limiter: 'processor/memorylimiterprocessor',
    resource: 'processor/resourceprocessor',
    transform: 'processor/transformprocessor',
    redaction: 'processor/redactionprocessor',
    tail_sampling: 'processor/tailsamplingprocessor',
    span_metrics: 'connector/spanmetricsconnector',
    otlp_http: 'exporter/otlphttpexporter',
    load_balancing: 'exporter/loadbalancingexporter',
    health_check: 'extension/healthcheckextension',
    file_storage: 'extension/storage/filestorage',
  };
  const short = (gomod: string): string =>
    (gomod.split(' ')[0] ?? '').replace(
      /^.*?\/(receiver|processor|connector|exporter|extension)\//,
      '$1/',
    );
  const components = ['receivers', 'processors', 'connectors', 'exporters', 'extensions'].flatMap(
    (k) => (manifest[k] ?? []).map((c) => c.gomod),
  );

  it('builds exactly the components the shipped configs use (single, agent, gateway)', () => {
    const used = new Set([config, agent, gateway].flatMap(usedIds).map(typeOf));
    const expected = [...used].map((t) => {
      const m = MODULE_OF[t];
      if (m === undefined) throw new Error(`no module known for component type ${t}`);
      return m;
    });
    expect(components.map(short).sort()).toEqual(expected.sort());
  });

  it('pins every module to one release (stable modules at the matching v1.x)', () => {
    expect(release).toMatch(/^0\.\d+\.\d+$/);
    const [, minor = '', patch = ''] = release.split('.');
    // Core 0.R pairs with stable v1.(R-94) (e.g. 0.161.0 with v1.67.0).
    const stable = `v1.${Number(minor) - 94}.${patch}`;
    for (const g of components) expect(g.split(' ')[1], g).toBe(`v${release}`);
    for (const p of manifest.providers ?? []) expect(p.gomod.split(' ')[1], p.gomod).toBe(stable);
    expect(readText('scripts/backends/versions.env')).toMatch(
      new RegExp(`^OCB_VERSION=v${release.replace(/\./g, '\\.')}$`, 'm'),
    );
  });

  it('docker-compose runs the contrib Collector image of the same release', () => {
    const compose = readYaml<{ services: Record<string, { image?: string }> }>(
      'docker-compose.yml',
    );
    const images = Object.entries(compose.services)
      .map(([name, s]) => [name, s.image ?? ''] as const)
      .filter(([, image]) => image.startsWith('otel/opentelemetry-collector-contrib:'));
    expect(images.length).toBeGreaterThan(0);
    for (const [name, image] of images) {
      expect(image, name).toBe(`otel/opentelemetry-collector-contrib:${release}`);
    }
  });
});

describe('content the Collector drops', () => {
  it('deletes every content attribute of the span catalogue from spans, span events and logs', () => {
    const content = [...new Set(SPANS.flatMap((s) => [...s.contentAttributes]))];
    expect(content.length).toBeGreaterThan(5);
    const missing = content.flatMap((key) =>
      ['span', 'spanevent', 'log']
        .filter((ctx) => !text.includes(`delete_key(${ctx}.attributes, "${key}")`))
        .map((ctx) => `${ctx}: ${key}`),
    );
    expect(missing).toEqual([]);
  });
});
