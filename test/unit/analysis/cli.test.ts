/**
 * A CLI that behaves like one: per-command help with examples, --version, the README's exit
 * codes (usage errors 2), clear messages for parse errors and bad backends, JSON on every
 * outcome with --json, readable durations, progress on stderr.
 */
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USAGE, packageVersion, runCli } from '../../../src/cli/run.js';
import { writeTelemetry } from './telemetry-fixture.js';

const T0 = Date.parse('2025-03-10T10:00:00Z');
let dir: string;
let files: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lorechat-cli-'));
  files = join(dir, 'telemetry');
  await writeTelemetry(files, {
    start: T0,
    interval: 60_000,
    turns: Array.from({ length: 3 }, () => [{ seconds: 0.2, fingerprint: 'fp' }]),
  });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    env: {},
    now: () => T0 + 86_700_000,
  });
  return { code, stdout, stderr };
}

describe('help and version', () => {
  it.each(['analyze', 'trends', 'patterns', 'recommend', 'report'])(
    '%s --help is that command’s own help with examples',
    async (command) => {
      const r = await cli([command, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: lorechat-otel ${command}`));
      expect(r.stdout).toContain('Examples:');
      expect(r.stdout).toContain(`lorechat-otel ${command}`);
      expect(r.stdout).not.toBe(USAGE);
      expect((await cli(['help', command])).stdout).toBe(r.stdout);
    },
  );

  it('--version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    expect(packageVersion()).toBe(pkg.version);
    const r = await cli(['--version']);
    expect(r).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
  });
});

describe('usage errors exit 2 with a clear message', () => {
  it.each([
    [['analyze', '--bogus'], /^lorechat-otel: unknown option --bogus\n/],
    [['analyze', '--from'], /^lorechat-otel: option --from needs a value\n/],
    [['analyze', '--json=yes'], /^lorechat-otel: option --json takes no value\n/],
    [['trends'], /^lorechat-otel: trends needs a metric, one of: response_time_p95,/],
    [['trends', 'latency'], /unknown metric "latency"; known metrics: response_time_p95/],
    [['analyze', '--window', '1h'], /analyze takes no --window \(it is an option of trends\)/],
    [
      ['analyze', '--prometheus', 'not-a-url'],
      /bad Prometheus URL "not-a-url": give an http\(s\) URL/,
    ],
    [['analyze', '--loki', 'ftp://x'], /bad Loki URL "ftp:\/\/x": only http and https/],
    [['analyze', '--from', 'yesterday'], /bad time "yesterday"/],
    [['frobnicate'], /unknown command "frobnicate"/],
  ])('%j', async (args, message) => {
    const r = await cli([...args, '--files', files]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/To specify a positional argument/);
    expect(r.stderr).toMatch(/run "lorechat-otel (\w+ )?--help" for usage/);
  });
});

describe('--json always prints one valid JSON object', () => {
  it('no data in the range: an object that says so, exit 3', async () => {
    const r = await cli([
      'analyze',
      '--files',
      files,
      '--from',
      '2020-01-01T00:00:00Z',
      '--to',
      '2020-01-02T00:00:00Z',
      '--json',
    ]);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout)).toMatchObject({
      ok: false,
      command: 'analyze',
      noData: true,
      exitCode: 3,
    });
  });

  it('a usage error with --json is JSON too', async () => {
    const r = await cli(['trends', '--json', '--files', files]);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, error: 'usage', exitCode: 2 });
  });
});

describe('backends that are not what they claim', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.writeHead(404, { 'content-type': 'text/html' });
      res.end(
        '<!doctype html><html><body><h1>Not Found</h1>' + 'x'.repeat(5000) + '</body></html>',
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  it('an HTML 404 page is described, not dumped on the terminal (exit 1)', async () => {
    const r = await cli(['analyze', '--prometheus', url, '--quiet']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /answered \/api\/v1\/query with HTTP 404 and an HTML page; is http:\/\/127\.0\.0\.1:\d+\/ the Prometheus API base URL\?/,
    );
    expect(r.stderr).not.toContain('<html');
    expect(r.stderr.length).toBeLessThan(400);
  });
});

describe('readable output', () => {
  it('durations read as 1d 0h 5m, never raw milliseconds; progress goes to stderr', async () => {
    const r = await cli(['trends', 'throughput', '--files', files, '--window', '1d5m']);
    expect(r.code).toBe(0);
    // The default step: the divisor of the window nearest to a 48th of it (86,700 s / 50).
    expect(r.stdout).toMatch(/, step 28m 54s\n/);
    expect(r.stdout).not.toMatch(/\d{5,}ms/);
    expect(r.stderr).toContain('… reading metrics.jsonl');
    expect(r.stderr).toContain('throughput: 1d 0h 5m at');
    const q = await cli(['trends', 'throughput', '--files', files, '--window', '1d5m', '--quiet']);
    expect(q.stderr).toBe('');
  });
});
