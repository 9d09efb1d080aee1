/**
 * The shipped pipeline files, checked by the real programs: our Collector validates its
 * config, promtool checks and unit-tests the rules, amtool checks the Alertmanager config and
 * tests every routing case of alertmanager/tests/routes.yaml.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  collectorEnv,
  writeAlertmanagerOverlay,
  writePrometheusOverlay,
} from '../../scripts/backends/overlay.mjs';
import { binaries, COLLECTOR_CONFIG, REPO_ROOT, run, type RunResult } from '../helpers/stack.js';

const bin = binaries();
const work = mkdtempSync(join(tmpdir(), 'lorechat-pipeline-config-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function output(r: RunResult): string {
  return `exit ${r.code}\n${r.stdout}\n${r.stderr}`;
}

function filesIn(dir: string, suffix: string): string[] {
  const names = readdirSync(join(REPO_ROOT, dir)).filter((f) => f.endsWith(suffix));
  if (names.length === 0) throw new Error(`no ${suffix} files in ${dir}/`);
  return names.sort().map((f) => join(dir, f));
}

/** The collector's overlay env on loopback, without starting anything. */
function loopbackCollectorEnv(): Record<string, string> {
  return collectorEnv({
    otlpGrpc: '127.0.0.1:0',
    otlpHttp: '127.0.0.1:0',
    health: '127.0.0.1:0',
    metricsPort: 0,
    fileStorageDir: join(work, 'file_storage'),
    prometheusOtlp: 'http://127.0.0.1:9/api/v1/otlp',
    tempoOtlp: 'http://127.0.0.1:9',
    lokiOtlp: 'http://127.0.0.1:9/otlp',
  });
}

describe('Collector config (lorechat-otelcol validate)', () => {
  it('otel-collector-config.yaml is valid for our distribution with the overlay env', () => {
    const r = run(bin.otelcol, ['validate', `--config=${COLLECTOR_CONFIG}`], {
      env: { ...process.env, ...loopbackCollectorEnv() },
    });
    expect(r.code, output(r)).toBe(0);
  });

  it.each([
    ['agent', 'collector/agent.yaml', { GATEWAY_ENDPOINTS: '[127.0.0.1:1, 127.0.0.1:2]' }],
    ['gateway', 'collector/gateway.yaml', { TAIL_SAMPLING_PERCENTAGE: '25' }],
  ])(
    'the %s tier (otel-collector-config.yaml merged with %s) is valid for our distribution',
    (_tier, file, extra: Record<string, string>) => {
      const r = run(
        bin.otelcol,
        ['validate', `--config=${COLLECTOR_CONFIG}`, `--config=${join(REPO_ROOT, file)}`],
        { env: { ...process.env, ...loopbackCollectorEnv(), ...extra } },
      );
      expect(r.code, output(r)).toBe(0);
    },
  );

  it('validate rejects a config with a component our distribution lacks (the check can fail)', () => {
    const broken = readFileSync(COLLECTOR_CONFIG, 'utf8').replace(
      /^exporters:\n/m,
      'exporters:\n  kafka/not-in-our-build:\n    brokers: [127.0.0.1:9]\n',
    );
    const file = join(work, 'broken-collector.yaml');
    writeFileSync(file, broken);
    const r = run(bin.otelcol, ['validate', `--config=${file}`], {
      env: { ...process.env, ...loopbackCollectorEnv() },
    });
    expect(r.code).not.toBe(0);
    expect(r.stderr + r.stdout).toMatch(/kafka/);
  });

  it('every component the config uses is built into our distribution', () => {
    const r = run(bin.otelcol, ['components']);
    expect(r.code, output(r)).toBe(0);
    const built = parse(r.stdout) as Record<string, Array<{ name: string }> | undefined>;
    const config = parse(readFileSync(COLLECTOR_CONFIG, 'utf8')) as Record<
      string,
      Record<string, unknown> | undefined
    >;
    const kinds = ['receivers', 'processors', 'exporters', 'connectors', 'extensions'] as const;
    // Current names drop the underscore-less aliases the config may use (otlphttp = otlp_http).
    const norm = (name: string): string => name.replace(/_/g, '');
    for (const kind of kinds) {
      const available = new Set((built[kind] ?? []).map((c) => norm(c.name)));
      for (const id of Object.keys(config[kind] ?? {})) {
        const type = id.split('/')[0] ?? id;
        expect(available.has(norm(type)), `${kind}.${id} is not in our build`).toBe(true);
      }
    }
  });
});

describe('Prometheus config and rules (promtool)', () => {
  it('promtool check config accepts the shipped prometheus.yml', () => {
    const r = run(bin.promtool, ['check', 'config', 'prometheus/prometheus.yml']);
    expect(r.code, output(r)).toBe(0);
  });

  it('promtool check config accepts the loopback overlay (only targets and rule paths changed)', () => {
    const { configFile, withoutTargets } = writePrometheusOverlay({
      outDir: join(work, 'prometheus'),
      jobTargets: {
        prometheus: ['127.0.0.1:9090'],
        'otel-collector': ['127.0.0.1:8888'],
        alertmanager: ['127.0.0.1:9093'],
      },
      alertmanagers: ['127.0.0.1:9093'],
    });
    const r = run(bin.promtool, ['check', 'config', configFile]);
    expect(r.code, output(r)).toBe(0);
    // Tempo, Loki and the scale-out tiers do not run here; every other job keeps a target.
    expect(withoutTargets.sort()).toEqual(['loki', 'otel-agent', 'otel-gateway', 'tempo']);
    const shipped = parse(
      readFileSync(join(REPO_ROOT, 'prometheus/prometheus.yml'), 'utf8'),
    ) as Record<string, unknown>;
    const overlaid = parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
    for (const key of Object.keys(shipped)) {
      if (['rule_files', 'alerting', 'scrape_configs'].includes(key)) continue;
      expect(overlaid[key], `overlay changed ${key}`).toEqual(shipped[key]);
    }
  });

  it('promtool check rules accepts every rule file', () => {
    const r = run(bin.promtool, ['check', 'rules', ...filesIn('prometheus/rules', '.yml')]);
    expect(r.code, output(r)).toBe(0);
  });

  it('promtool test rules passes every rule unit test', () => {
    const tests = filesIn('prometheus/tests', '.test.yml').map((f) =>
      f.replace(/^prometheus\//, ''),
    );
    const r = run(bin.promtool, ['test', 'rules', ...tests], {
      cwd: join(REPO_ROOT, 'prometheus'),
    });
    expect(r.code, output(r)).toBe(0);
    expect(r.stdout).not.toMatch(/FAILED/);
  });
});

interface RouteCase {
  name: string;
  labels: Record<string, string>;
  receivers: string[];
}

describe('Alertmanager config and routes (amtool)', () => {
  it('amtool check-config accepts the shipped alertmanager.yml and its overlay', () => {
    const shipped = run(bin.amtool, ['check-config', 'alertmanager/alertmanager.yml']);
    expect(shipped.code, output(shipped)).toBe(0);
    const { configFile } = writeAlertmanagerOverlay({
      outDir: join(work, 'alertmanager'),
      webhookUrl: 'http://127.0.0.1:9/alerts',
    });
    const overlaid = run(bin.amtool, ['check-config', configFile]);
    expect(overlaid.code, output(overlaid)).toBe(0);
  });

  const cases = (
    parse(readFileSync(join(REPO_ROOT, 'alertmanager/tests/routes.yaml'), 'utf8')) as {
      routes: RouteCase[];
    }
  ).routes;

  it('routes.yaml has cases', () => {
    expect(cases.length).toBeGreaterThan(0);
  });

  it.each(cases.map((c) => [c.name, c] as const))('route: %s', (_name, c) => {
    const args = [
      'config',
      'routes',
      'test',
      '--config.file=alertmanager/alertmanager.yml',
      `--verify.receivers=${c.receivers.join(',')}`,
      ...Object.entries(c.labels).map(([k, v]) => `${k}=${v}`),
    ];
    const r = run(bin.amtool, args);
    expect(r.code, output(r)).toBe(0);
  });

  it('amtool config routes test fails when the expected receiver is wrong (the check can fail)', () => {
    const c = cases[0];
    if (!c) throw new Error('no route cases');
    const wrong = c.receivers.includes('default') ? 'page' : 'default';
    const r = run(bin.amtool, [
      'config',
      'routes',
      'test',
      '--config.file=alertmanager/alertmanager.yml',
      `--verify.receivers=${wrong}`,
      ...Object.entries(c.labels).map(([k, v]) => `${k}=${v}`),
    ]);
    expect(r.code).not.toBe(0);
  });
});
