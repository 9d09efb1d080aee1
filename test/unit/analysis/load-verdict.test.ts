/**
 * The load generator fails (exit 1) when more requests fail than its configured share: the
 * verdict itself, its option, and the built CLI against an address where nothing listens.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { parseLoadArgs } from '../../../demo/load/args.js';
import { loadVerdict } from '../../../demo/load/report.js';
import type { LoadSummary } from '../../../demo/load/run-load.js';

const summary = (completed: number, errors: number, injectedFail = 0): LoadSummary => ({
  url: 'http://127.0.0.1:1',
  durationMs: 1000,
  stoppedBy: 'requests',
  sent: completed,
  completed,
  ok: completed - errors,
  errors,
  errorsByKind: errors > 0 ? { connection: errors } : {},
  injected: { slow: 0, fail: injectedFail, agent: 0 },
  throughput: completed,
  latencyMs: null,
  okLatencyMs: null,
  threads: 1,
  tokens: {},
});

describe('load verdict', () => {
  it('passes within the share, fails beyond it or when nothing completed', () => {
    expect(loadVerdict(summary(100, 0), 0).ok).toBe(true);
    expect(loadVerdict(summary(100, 10, 10), 0.1).ok).toBe(true);
    expect(loadVerdict(summary(100, 11, 10), 0.1)).toMatchObject({
      ok: false,
      message: '11 of 100 requests failed (11.0 %), more than the accepted 10.0 %',
    });
    expect(loadVerdict(summary(100, 100), 0)).toMatchObject({ ok: false, errorShare: 1 });
    expect(loadVerdict(summary(0, 0), 1)).toMatchObject({ ok: false });
    // The injected failures themselves never fail the run (their count is rounded per request).
    expect(loadVerdict(summary(3, 1, 1), 0.1).ok).toBe(true);
  });

  it('--max-error-share defaults to --fail-share and is validated', () => {
    expect(parseLoadArgs(['--fail-share', '0.2']).maxErrorShare).toBe(0.2);
    expect(parseLoadArgs([]).maxErrorShare).toBe(0);
    expect(parseLoadArgs(['--max-error-share', '0.5']).maxErrorShare).toBe(0.5);
    expect(() => parseLoadArgs(['--max-error-share', '2'])).toThrow(/between 0 and 1/);
  });

  it('the built load generator exits 1 when every request fails', async () => {
    const entry = 'dist/demo/load.js';
    if (!existsSync(entry)) throw new Error(`${entry} missing: run \`npm run build\` first`);
    // A port nothing listens on: every request is a connection error.
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    await new Promise((r) => server.close(r));
    const r = spawnSync(
      process.execPath,
      [entry, '--url', `http://127.0.0.1:${port}`, '--requests', '4', '--concurrency', '2'],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain('load: FAILED: 4 of 4 requests failed (100.0 %)');
  });
});
