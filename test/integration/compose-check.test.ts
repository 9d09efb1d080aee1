/**
 * docker-compose.yml loaded the way Docker Compose loads it: scripts/compose-check (Go) runs
 * github.com/compose-spec/compose-go/v2 -- the loader `docker compose` itself uses -- with
 * .env.example, every profile enabled, and fails on interpolation, schema or dependency errors.
 * The binary is built once into the shared cache (keyed by its sources); Go is required.
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { cacheRoot } from '../../scripts/backends/paths.mjs';
import { REPO_ROOT } from '../helpers/stack.js';

const SRC = join(REPO_ROOT, 'scripts', 'compose-check');
/** What a user puts in .env on top of .env.example (the two required values). */
const REQUIRED = [
  'GRAFANA_ADMIN_PASSWORD=compose-check',
  'LORECHAT_RUNBOOK_BASE_URL=https://runbooks.example.com/lorechat/docs',
];

let binary = '';

function build(): string {
  const hash = createHash('sha256');
  for (const f of ['go.mod', 'go.sum', 'main.go']) hash.update(readFileSync(join(SRC, f)));
  const dir = join(cacheRoot(), 'compose-check', hash.digest('hex').slice(0, 16));
  const out = join(dir, 'compose-check');
  if (existsSync(out)) return out;
  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (go.error || go.status !== 0) {
    throw new Error(
      'compose-check needs Go (https://go.dev/dl/) on PATH to build scripts/compose-check; ' +
        `\`go version\` failed: ${go.error?.message ?? go.stderr}`,
    );
  }
  mkdirSync(dir, { recursive: true });
  const tmp = `${out}.tmp.${process.pid}`;
  const r = spawnSync('go', ['build', '-o', tmp, '.'], {
    cwd: SRC,
    encoding: 'utf8',
    timeout: 600_000,
  });
  if (r.status !== 0) throw new Error(`go build scripts/compose-check failed:\n${r.stderr}`);
  spawnSync('mv', [tmp, out]);
  return out;
}

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function check(args: string[], cwd = REPO_ROOT): Result {
  const r = spawnSync(binary, args, { cwd, encoding: 'utf8', timeout: 60_000, env: {} });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const sets = (vars: string[]): string[] => vars.flatMap((v) => ['--set', v]);

interface ServiceDoc {
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: Record<string, unknown>;
  volumes?: unknown[];
  environment?: Record<string, string>;
}
interface ComposeDoc {
  services: Record<string, ServiceDoc>;
}

/** A copy of the repository's compose inputs, modified, in a temp dir. */
function variant(mutate: (compose: ComposeDoc) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'compose-check-'));
  const compose = parse(readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8')) as ComposeDoc;
  mutate(compose);
  writeFileSync(join(dir, 'docker-compose.yml'), stringify(compose));
  writeFileSync(join(dir, '.env.example'), readFileSync(join(REPO_ROOT, '.env.example')));
  // Bind-mounted files and the build context are resolved relative to the file.
  return dir;
}

describe('docker-compose.yml through compose-spec/compose-go (as docker compose reads it)', () => {
  beforeAll(() => {
    binary = build();
  }, 900_000);

  it('loads with .env.example plus the two values a user must set, every profile enabled', () => {
    const r = check(['--json', ...sets(REQUIRED)]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const project = JSON.parse(r.stdout) as {
      services: Record<
        string,
        {
          image?: string;
          deploy?: { resources?: { limits?: { memory?: string | number } } };
          environment?: Record<string, string | null>;
        }
      >;
    };
    // Interpolated and normalised: defaults applied, limits in bytes.
    expect(project.services['otel-collector']?.image).toBe(
      'otel/opentelemetry-collector-contrib:0.161.0',
    );
    expect(project.services.prometheus?.environment?.LORECHAT_RUNBOOK_BASE_URL).toBe(
      'https://runbooks.example.com/lorechat/docs',
    );
    expect(Number(project.services['otel-collector']?.deploy?.resources?.limits?.memory)).toBe(
      512 * 1024 * 1024,
    );
    expect(project.services.load, 'the load profile is checked too').toBeDefined();
  });

  it('refuses .env.example as is, naming each value the user must set', () => {
    const r = check([]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/GRAFANA_ADMIN_PASSWORD|LORECHAT_RUNBOOK_BASE_URL/);
    const withPassword = check(sets([REQUIRED[0]!]));
    expect(withPassword.code).toBe(1);
    expect(withPassword.stderr).toContain('LORECHAT_RUNBOOK_BASE_URL');
    expect(withPassword.stderr).toContain('where the docs/ directory is published');
  });

  const broken: Array<[string, (c: ComposeDoc) => void, RegExp]> = [
    [
      'a dependency on a service that does not exist',
      (c) => {
        c.services.grafana!.depends_on!.tempo2 = { condition: 'service_started' };
      },
      /tempo2/,
    ],
    [
      'a dependency cycle',
      (c) => {
        c.services.alertmanager!.depends_on = { prometheus: { condition: 'service_started' } };
      },
      /cycle/,
    ],
    [
      'a schema error',
      (c) => {
        c.services.loki!.healthcheck!.intervall = '10s';
      },
      /intervall/,
    ],
    [
      'an interpolation error',
      (c) => {
        c.services.tempo!.environment = { X: '${UNSET_IN_ENV_EXAMPLE:?must be set}' };
      },
      /UNSET_IN_ENV_EXAMPLE/,
    ],
    [
      'a volume that is not declared',
      (c) => {
        c.services.tempo!.volumes!.push('undeclared-volume:/data');
      },
      /undeclared-volume/,
    ],
  ];

  it.each(broken)('fails on %s', (_, mutate, message) => {
    const dir = variant(mutate);
    try {
      const r = check(sets(REQUIRED), dir);
      expect(r.code, r.stdout).toBe(1);
      expect(r.stderr).toMatch(message);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
