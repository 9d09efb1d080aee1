import { describe, expect, it } from 'vitest';
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

  it('redacts traces and logs, and drops every content attribute in spans, span events and logs', () => {
    expect(config.service.pipelines.traces?.processors).toContain('transform/redact');
    expect(config.service.pipelines.logs?.processors).toContain('transform/redact');
    for (const ctx of ['span', 'spanevent', 'log']) {
      for (const key of CONTENT_KEYS) {
        expect(text, `${ctx}: ${key}`).toContain(`delete_key(${ctx}.attributes, "${key}")`);
      }
    }
  });
});

/** The RE2 patterns of the redaction statements, as JS regexes (only `(?i)` differs). */
function redactionPatterns(): { re: RegExp; replacement: string }[] {
  const out = new Map<string, { re: RegExp; replacement: string }>();
  for (const m of text.matchAll(
    /replace_all_patterns\(span\.attributes, "value", "((?:[^"\\]|\\.)*)", "([^"]*)"\)/g,
  )) {
    const yamlUnescaped = (m[1] ?? '').replace(/\\\\/g, '\\').replace(/\\"/g, '"');
    const ci = yamlUnescaped.startsWith('(?i)');
    const source = ci ? yamlUnescaped.slice(4) : yamlUnescaped;
    out.set(source, { re: new RegExp(source, ci ? 'gi' : 'g'), replacement: m[2] ?? '' });
  }
  return [...out.values()];
}

function redact(value: string): string {
  return redactionPatterns().reduce((v, p) => v.replace(p.re, p.replacement), value);
}

describe('redaction patterns', () => {
  it('has the five patterns', () => {
    expect(redactionPatterns()).toHaveLength(5);
  });

  it('applies every pattern to span, span-event and log attributes, string and map log bodies and the nested error message', () => {
    const targets = [
      /replace_all_patterns\(span\.attributes, "value", "((?:[^"\\]|\\.)*)"/g,
      /replace_all_patterns\(spanevent\.attributes, "value", "((?:[^"\\]|\\.)*)"/g,
      /replace_all_patterns\(log\.attributes, "value", "((?:[^"\\]|\\.)*)"/g,
      /replace_pattern\(log\.body, "((?:[^"\\]|\\.)*)"/g,
      /replace_all_patterns\(log\.body, "value", "((?:[^"\\]|\\.)*)"/g,
      /replace_pattern\(log\.body\["context"\]\["error"\]\["message"\], "((?:[^"\\]|\\.)*)"/g,
    ];
    const patternsOf = (re: RegExp) => [...text.matchAll(re)].map((m) => m[1]).sort();
    const reference = patternsOf(targets[0]!);
    expect(reference).toHaveLength(5);
    for (const t of targets) expect(patternsOf(t), String(t)).toEqual(reference);
  });

  it.each([
    ['mail bob.smith+x@example.co.uk now', 'mail [REDACTED_EMAIL] now'],
    ['key sk-proj-AbCdEf0123456789_-xyz used', 'key [REDACTED_API_KEY] used'],
    ['aws AKIAIOSFODNN7EXAMPLE here', 'aws [REDACTED_AWS_KEY] here'],
    ['Authorization: Bearer eyJhbGciOi.J9xyz-abc== ok', 'Authorization: Bearer [REDACTED] ok'],
    ['GET /v1?api_key=abc123&x=1', 'GET /v1?api_key=[REDACTED]&x=1'],
    ['GET /v1?API-KEY=abc123', 'GET /v1?api_key=[REDACTED]'],
  ])('masks %j', (input, expected) => {
    expect(redact(input)).toBe(expected);
  });

  it('leaves ordinary text alone', () => {
    const text = 'The sk- prefix and AKIA alone are not keys; bearer bonds; ask@ nothing.';
    expect(redact(text)).toBe(text);
  });
});

describe('collector/builder-config.yaml', () => {
  const manifest = readYaml<
    Record<string, { gomod: string }[]> & { dist: { name: string; version: string } }
  >('collector/builder-config.yaml');
  const MODULE_OF: Record<string, string> = {
    otlp: 'receiver/otlpreceiver',
    memory_limiter: 'processor/memorylimiterprocessor',
    batch: 'processor/batchprocessor',
    resource: 'processor/resourceprocessor',
    transform: 'processor/transformprocessor',
    span_metrics: 'connector/spanmetricsconnector',
    otlp_http: 'exporter/otlphttpexporter',
    health_check: 'extension/healthcheckextension',
    file_storage: 'extension/storage/filestorage',
  };

  /**
   * Modules pinned below 0.165.0 because the Go module proxy does not serve what their
   * 0.165.0 release imports (see the manifest's header); nothing else may deviate.
   */
  const NEAREST_SERVED: Record<string, string> = {
    'processor/transformprocessor': 'v0.161.0',
  };

  it('builds exactly the components the config uses, at 0.165.0 (or the documented nearest served version)', () => {
    const used = new Set(
      [
        ...Object.keys(config.receivers),
        ...Object.keys(config.processors),
        ...Object.keys(config.connectors),
        ...Object.keys(config.exporters),
        ...Object.keys(config.extensions),
      ].map(typeOf),
    );
    const built = ['receivers', 'processors', 'connectors', 'exporters', 'extensions'].flatMap(
      (k) => (manifest[k] ?? []).map((c) => c.gomod),
    );
    const expected = [...used].map((t) => {
      const m = MODULE_OF[t];
      if (m === undefined) throw new Error(`no module known for component type ${t}`);
      return m;
    });
    expect(
      built
        .map((g) =>
          g
            .split(' ')[0]
            ?.replace(/^.*?\/(receiver|processor|connector|exporter|extension)\//, '$1/'),
        )
        .sort(),
    ).toEqual(expected.sort());
    for (const g of built) {
      const [path = '', version] = g.split(' ');
      const short = path.replace(
        /^.*?\/(receiver|processor|connector|exporter|extension)\//,
        '$1/',
      );
      expect(version, g).toBe(NEAREST_SERVED[short] ?? 'v0.165.0');
    }
    expect(manifest.dist.version).toBe('0.165.0');
  });
});
