import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { readText, readYaml } from './helpers.js';

interface Service {
  image?: string;
  build?: unknown;
  ports?: (string | { host_ip?: string; published?: string | number })[];
  healthcheck?: { test: unknown };
  depends_on?: Record<string, { condition: string }>;
  environment?: Record<string, string>;
  command?: string[];
  profiles?: string[];
  restart?: string;
  deploy?: { resources?: { limits?: { memory?: string } } };
}

const compose = readYaml<{ services: Record<string, Service>; volumes: Record<string, unknown> }>(
  'docker-compose.yml',
);
const services = compose.services;

describe('docker-compose.yml', () => {
  it('validates against the Compose Specification schema', () => {
    const schema = JSON.parse(readText('test/fixtures/compose-spec.json')) as object;
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    const validate = ajv.compile(schema);
    const ok = validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('the schema rejects a malformed compose file (so the check above can fail)', () => {
    const ajv = new Ajv2020({ strict: false });
    const validate = ajv.compile(JSON.parse(readText('test/fixtures/compose-spec.json')) as object);
    expect(
      validate({ services: { app: { image: 'x', ports: [{ published: 1, bogus: true }] } } }),
    ).toBe(false);
  });

  it('runs the app, collector, Prometheus, Alertmanager, Tempo, Loki and Grafana (+ load and scale profiles)', () => {
    const byDefault = Object.entries(services)
      .filter(([, s]) => s.profiles === undefined)
      .map(([name]) => name);
    expect(byDefault.sort()).toEqual(
      [
        'alertmanager',
        'grafana',
        'loki',
        'lorechat',
        'otel-collector',
        'otelcol-queue-init',
        'prometheus',
        'tempo',
      ].sort(),
    );
    expect(services.load?.profiles).toEqual(['load']);
    for (const tier of [
      'otel-agent',
      'otel-gateway-1',
      'otel-gateway-2',
      'otelcol-scale-queue-init',
    ]) {
      expect(services[tier]?.profiles, tier).toEqual(['scale']);
    }
  });

  it('limits the memory of every service and restarts every long-running one', () => {
    for (const [name, s] of Object.entries(services)) {
      expect(s.deploy?.resources?.limits?.memory, `${name} memory limit`).toMatch(/^\d+[MG]$/);
      if (name !== 'load' && !name.endsWith('-init'))
        expect(s.restart, `${name} restart policy`).toBe('unless-stopped');
    }
  });

  it('starts in any order: nothing waits for a health check except the bounded load job', () => {
    for (const [name, s] of Object.entries(services)) {
      if (name === 'load') continue;
      for (const [dep, cond] of Object.entries(s.depends_on ?? {})) {
        const expected =
          services[dep]?.restart === 'no' ? 'service_completed_successfully' : 'service_started';
        expect(cond.condition, `${name} -> ${dep}`).toBe(expected);
      }
    }
  });

  it('binds every published port to 127.0.0.1', () => {
    const open = Object.entries(services).flatMap(([name, s]) =>
      (s.ports ?? [])
        .filter((p) =>
          typeof p === 'string' ? !p.startsWith('127.0.0.1:') : p.host_ip !== '127.0.0.1',
        )
        .map((p) => `${name}: ${JSON.stringify(p)}`),
    );
    expect(open).toEqual([]);
  });

  it('publishes the documented ports', () => {
    const published = Object.values(services).flatMap((s) =>
      (s.ports ?? []).map((p) => (typeof p === 'string' ? p.split(':')[1] : String(p.published))),
    );
    expect(published.sort()).toEqual(
      [
        ...['13133', '3000', '3100', '3200', '4317', '4318', '8080', '8888', '9090', '9093'],
        // The scale-out agent (profile `scale`).
        ...['14317', '14318'],
      ].sort(),
    );
  });

  it('pins every image to a version', () => {
    for (const [name, s] of Object.entries(services)) {
      if (s.image === undefined) continue;
      expect(s.image, name).toMatch(/:[vV]?\d+\.\d+\.\d+$|:local$/);
    }
  });

  it('runs the Collector image at the builder manifest version', () => {
    const manifest = readText('collector/builder-config.yaml');
    const version = /^\s*version:\s*(\S+)/m.exec(manifest)?.[1];
    expect(services['otel-collector']?.image).toBe(
      `otel/opentelemetry-collector-contrib:${version}`,
    );
  });

  it('waits only for services that have a health check when it waits for service_healthy', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const [dep, cond] of Object.entries(s.depends_on ?? {})) {
        expect(services[dep], `${name} depends on ${dep}`).toBeDefined();
        if (cond.condition === 'service_healthy')
          expect(services[dep]?.healthcheck, `${dep} health check`).toBeDefined();
      }
    }
  });

  it('takes the Grafana admin password from the environment and keeps anonymous access off', () => {
    const env = services.grafana?.environment ?? {};
    expect(env.GF_SECURITY_ADMIN_PASSWORD).toBe('${GRAFANA_ADMIN_PASSWORD:?set it in .env}');
    expect(env.GF_AUTH_ANONYMOUS_ENABLED).toBe('${GRAFANA_ANONYMOUS_ENABLED:-false}');
    expect(readText('.env.example')).toMatch(/^GRAFANA_ADMIN_PASSWORD=$/m);
  });

  it('starts Prometheus with the OTLP receiver, exemplar storage and the retention limits', () => {
    const flags = services.prometheus?.command ?? [];
    expect(flags).toEqual(
      expect.arrayContaining([
        '--web.enable-otlp-receiver',
        '--enable-feature=exemplar-storage',
        '--web.enable-remote-write-receiver',
        '--storage.tsdb.retention.time=${PROMETHEUS_RETENTION_TIME:-30d}',
        '--storage.tsdb.retention.size=${PROMETHEUS_RETENTION_SIZE:-10GB}',
      ]),
    );
  });

  it('points the app at the Collector and the Collector at the backends', () => {
    expect(services.lorechat?.environment?.OTEL_EXPORTER_OTLP_ENDPOINT).toBe(
      'http://otel-collector:4318',
    );
    expect(services.lorechat?.environment?.HOST).toBe('0.0.0.0');
    expect(services['otel-collector']?.environment).toMatchObject({
      PROMETHEUS_OTLP_ENDPOINT: 'http://prometheus:9090/api/v1/otlp',
      TEMPO_OTLP_ENDPOINT: 'http://tempo:4318',
      LOKI_OTLP_ENDPOINT: 'http://loki:3100/otlp',
    });
  });
});
