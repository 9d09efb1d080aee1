import { describe, expect, it } from 'vitest';
import { readYaml } from './helpers.js';

interface LokiConfig {
  limits_config: {
    allow_structured_metadata: boolean;
    retention_period: string;
    otlp_config: {
      resource_attributes: {
        ignore_defaults: boolean;
        attributes_config: { action: string; attributes?: string[]; regex?: string }[];
      };
    };
  };
  compactor: { retention_enabled: boolean; delete_request_store: string };
}

interface TempoConfig {
  distributor: { receivers: { otlp: { protocols: Record<string, { endpoint: string }> } } };
  compactor: { compaction: { block_retention: string } };
  metrics_generator: { storage: { remote_write: { url: string }[] } };
  overrides: { defaults: { metrics_generator: { processors: string[] } } };
}

interface PrometheusConfig {
  rule_files: string[];
  alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
  otlp: { promote_resource_attributes: string[]; translation_strategy: string };
  scrape_configs: { job_name: string; static_configs?: { targets: string[] }[] }[];
}

describe('loki/loki.yaml', () => {
  const loki = readYaml<LokiConfig>('loki/loki.yaml');

  it('indexes only service-level resource attributes; everything else is structured metadata', () => {
    const ra = loki.limits_config.otlp_config.resource_attributes;
    expect(ra.ignore_defaults).toBe(true);
    const index = ra.attributes_config.filter((a) => a.action === 'index_label');
    expect(index.flatMap((a) => a.attributes ?? []).sort()).toEqual(
      ['deployment.environment.name', 'service.name', 'service.namespace'].sort(),
    );
    expect(index.every((a) => a.regex === undefined)).toBe(true);
    expect(ra.attributes_config.at(-1)).toEqual({ action: 'structured_metadata', regex: '.*' });
    expect(loki.limits_config.allow_structured_metadata).toBe(true);
  });

  it('keeps logs 30 days through the compactor', () => {
    expect(loki.limits_config.retention_period).toBe('720h');
    expect(loki.compactor.retention_enabled).toBe(true);
    expect(loki.compactor.delete_request_store).toBe('filesystem');
  });
});

describe('tempo/tempo.yaml', () => {
  const tempo = readYaml<TempoConfig>('tempo/tempo.yaml');

  it('receives OTLP over gRPC and HTTP', () => {
    expect(tempo.distributor.receivers.otlp.protocols.http?.endpoint).toBe('0.0.0.0:4318');
    expect(tempo.distributor.receivers.otlp.protocols.grpc?.endpoint).toBe('0.0.0.0:4317');
  });

  it('keeps trace blocks 30 days', () => {
    expect(tempo.compactor.compaction.block_retention).toBe('720h');
  });

  it('computes service graphs (only) and writes them to Prometheus', () => {
    expect(tempo.overrides.defaults.metrics_generator.processors).toEqual(['service-graphs']);
    expect(tempo.metrics_generator.storage.remote_write[0]?.url).toBe(
      'http://prometheus:9090/api/v1/write',
    );
  });
});

describe('prometheus/prometheus.yml', () => {
  const prom = readYaml<PrometheusConfig>('prometheus/prometheus.yml');

  it('promotes only bounded, service-level resource attributes to labels', () => {
    expect(prom.otlp.promote_resource_attributes.sort()).toEqual(
      ['deployment.environment.name', 'service.name', 'service.namespace'].sort(),
    );
    expect(prom.otlp.translation_strategy).toBe('UnderscoreEscapingWithSuffixes');
  });

  it('scrapes the Collector self-metrics, itself and Alertmanager, but not the app endpoint', () => {
    const targets = new Map(
      prom.scrape_configs.map((s) => [
        s.job_name,
        (s.static_configs ?? []).flatMap((c) => c.targets),
      ]),
    );
    expect(targets.get('otel-collector')).toEqual(['otel-collector:8888']);
    expect(targets.get('prometheus')).toEqual(['localhost:9090']);
    expect(targets.get('alertmanager')).toEqual(['alertmanager:9093']);
    expect([...targets.values()].flat().some((t) => t.endsWith(':9464'))).toBe(false);
  });

  it('loads the rule files and sends alerts to Alertmanager', () => {
    expect(prom.rule_files).toEqual(['rules/*.yml']);
    expect(prom.alerting.alertmanagers[0]?.static_configs[0]?.targets).toEqual([
      'alertmanager:9093',
    ]);
  });
});
