/**
 * docker-compose.yml against what its pinned images contain (scripts/compose-check/images.ts,
 * one row per image citing its upstream Dockerfile at the pinned tag): every CMD/CMD-SHELL
 * health check runs a command the image has, every `user:` is the image's user, every named
 * volume is writable by the user the service runs as.
 */
import { describe, expect, it } from 'vitest';
import {
  IMAGES,
  factsFor,
  imageProblems,
  type ComposeServiceLike,
} from '../../../scripts/compose-check/images.js';
import { readYaml } from './helpers.js';

interface Compose {
  services: Record<string, ComposeServiceLike & { depends_on?: Record<string, unknown> }>;
  volumes?: Record<string, unknown>;
}

const compose = readYaml<Compose>('docker-compose.yml');

/** Named volumes an init job chowns: volume -> uid:gid (from `chown [-R] UID:GID <target>`). */
function chownedVolumes(c: Compose): Map<string, string> {
  const owners = new Map<string, string>();
  for (const s of Object.values(c.services)) {
    const cmd = Array.isArray(s.command) ? (s.command as string[]) : [];
    if (cmd[0] !== 'chown') continue;
    const at = cmd.findIndex((a) => /^\d+:\d+$/.test(a));
    if (at < 0) continue;
    const owner = cmd[at]!;
    const targets = new Set(cmd.slice(at + 1));
    for (const v of s.volumes ?? []) {
      if (typeof v !== 'string') continue;
      const [source, mount] = v.split(':');
      if (source && mount && targets.has(mount)) owners.set(source, owner);
    }
  }
  return owners;
}

function problems(c: Compose): string[] {
  const named = new Set(Object.keys(c.volumes ?? {}));
  const owners = chownedVolumes(c);
  return Object.entries(c.services).flatMap(([name, s]) => imageProblems(name, s, named, owners));
}

describe('docker-compose.yml against the contents of its pinned images', () => {
  it('has a row, at the same tag, for every image a service uses', () => {
    const missing = Object.entries(compose.services)
      .filter(([, s]) => s.image !== undefined && factsFor(s.image) === undefined)
      .map(([name, s]) => `${name}: ${s.image}`);
    expect(missing).toEqual([]);
  });

  it('every row cites its upstream source at the pinned tag', () => {
    for (const row of IMAGES) {
      expect(row.sources.length, row.image).toBeGreaterThan(0);
      for (const source of row.sources) {
        if (row.tag === 'local') expect(source).toMatch(/Dockerfile/);
        else expect(source, row.image).toContain(row.tag.replace(/^v/, ''));
      }
    }
  });

  it('health checks, users and volumes work with what each image contains', () => {
    expect(problems(compose)).toEqual([]);
  });

  it('probes Loki with its own -health flag and does not probe the images without a shell or client', () => {
    const test = (name: string): unknown => compose.services[name]?.healthcheck?.test;
    expect(test('loki')).toEqual(['CMD', '/usr/bin/loki', '-health']);
    expect(test('tempo')).toBeUndefined();
    expect(test('otel-collector')).toBeUndefined();
  });

  it('would have caught the wget health checks in Loki and Tempo (the check can fail)', () => {
    const broken: Compose = structuredClone(compose);
    const wget = ['CMD', 'wget', '-q', '--spider', 'http://127.0.0.1:3100/ready'];
    broken.services.loki = { ...broken.services.loki, healthcheck: { test: wget } };
    broken.services.tempo = { ...broken.services.tempo, healthcheck: { test: wget } };
    broken.services.prometheus = {
      ...broken.services.prometheus,
      healthcheck: { test: ['CMD-SHELL', 'curl -f http://127.0.0.1:9090/-/ready'] },
    };
    expect(problems(broken)).toEqual([
      'prometheus: health check runs curl, which prom/prometheus:v3.16.0 does not contain',
      'tempo: health check runs wget, which grafana/tempo:2.10.8 does not contain',
      'loki: health check runs wget, which grafana/loki:3.7.4 does not contain',
    ]);
  });

  it("would have caught the Collector's root-owned queue volume (no init job)", () => {
    const broken: Compose = structuredClone(compose);
    delete broken.services['otelcol-queue-init'];
    expect(problems(broken)).toEqual([
      'otel-collector: named volume otelcol-queue at /var/lib/otelcol/file_storage is created root-owned (the image has no such directory owned by 10001:10001) and nothing chowns it',
    ]);
  });

  it('would have caught anonymous queue volumes on the scale-out tiers', () => {
    const broken: Compose = structuredClone(compose);
    const agent = broken.services['otel-agent']!;
    broken.services['otel-agent'] = {
      ...agent,
      volumes: [...(agent.volumes ?? []).slice(0, 2), '/var/lib/otelcol/file_storage'],
    };
    expect(problems(broken)).toEqual([
      'otel-agent: anonymous volume at /var/lib/otelcol/file_storage is created root-owned (the image has no such directory owned by 10001:10001) and nothing chowns it',
    ]);
  });

  it('rejects a user other than the image user, and an image without a row', () => {
    const broken: Compose = structuredClone(compose);
    broken.services.grafana = { ...broken.services.grafana, user: '1000:1000' };
    broken.services.extra = { image: 'grafana/loki:3.6.0' };
    expect(problems(broken)).toEqual([
      "grafana: user 1000:1000 is not the image's user 472:0",
      'extra: image grafana/loki:3.6.0 has no row in scripts/compose-check/images.ts',
    ]);
  });

  it('the Collector waits for the init job that makes its queue writable', () => {
    expect(compose.services['otel-collector']?.depends_on).toMatchObject({
      'otelcol-queue-init': { condition: 'service_completed_successfully' },
    });
    expect(compose.services['otelcol-queue-init']?.command).toEqual([
      'chown',
      '-R',
      factsFor(compose.services['otel-collector']?.image ?? '')?.user,
      '/var/lib/otelcol/file_storage',
    ]);
  });
});
