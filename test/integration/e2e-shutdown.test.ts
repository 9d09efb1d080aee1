/**
 * Proof 6, shutdown: SIGTERM reaches the instrumented app while the load generator keeps it
 * busy. The app stops accepting, lets in-flight turns finish, and the SDK flushes before the
 * process exits: every turn that completed (HTTP 200) must arrive at the Tempo and Loki
 * endpoints with its whole span tree and log records, and its metrics in Prometheus.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { accountTurns, E2E, sleep } from '../e2e/harness.js';

let e2e: E2E | undefined;

afterAll(async () => {
  await e2e?.stop();
});

describe('shutdown under load', () => {
  it('SIGTERM under load: the app exits cleanly and the telemetry of every completed turn arrives', async () => {
    e2e = await E2E.start();
    const e = e2e;
    const stopLoad = new AbortController();
    const loadDone = e.app.load({
      concurrency: 4,
      requests: 100_000,
      durationMs: 60_000,
      // Half the turns take a second or more, so turns are in flight at the signal.
      slowShare: 0.5,
      slowMs: 250,
      threads: 8,
      signal: stopLoad.signal,
    });
    await sleep(8_000);
    const signalledAt = Date.now();
    e.app.process.signal('SIGTERM');
    const deadline = Date.now() + 30_000;
    while (e.app.process.running && Date.now() < deadline) await sleep(100);
    const exitMs = Date.now() - signalledAt;
    stopLoad.abort();
    const load = await loadDone;

    expect(
      e.app.process.running,
      `app still running 30 s after SIGTERM:\n${e.app.process.tail()}`,
    ).toBe(false);
    expect(e.app.process.describeExit()).toBe('exit code 0');
    expect(load.ok, 'turns completed before the signal').toBeGreaterThan(20);

    // Everything the app flushed at exit is in the Collector now; give its queues time to send.
    let account = accountTurns(e.tempo.spans(), e.loki.logRecords());
    const until = Date.now() + 30_000;
    while ((account.turns < load.ok || account.incomplete.length > 0) && Date.now() < until) {
      await sleep(1_000);
      account = accountTurns(e.tempo.spans(), e.loki.logRecords());
    }
    process.stderr.write(
      `[e2e-shutdown] exit ${exitMs} ms after SIGTERM; turns completed ${load.ok}, ` +
        `failed at the client ${load.errors} (${JSON.stringify(load.errorsByKind)}); received turns ${account.turns}, ` +
        `spans ${account.spans.unique} (+${account.spans.duplicates}), logs ${account.logs.unique} (+${account.logs.duplicates})\n`,
    );
    // Turns the server finished but whose answer the aborted client no longer read also
    // arrive, so received >= completed; none is partial.
    expect(account.turns).toBeGreaterThanOrEqual(load.ok);
    expect(account.incomplete).toEqual([]);
    expect(account.spans.duplicates).toBe(0);

    const count = await e.stack.waitForQuery(
      'sum(chat_response_time_seconds_count{job="e2e/lorechat"})',
      { timeoutMs: 30_000, accept: (r) => Number(r[0]?.value[1]) >= account.turns },
    );
    expect(Number(count[0]?.value[1]), 'turns counted by the final metric export').toBe(
      account.turns,
    );
  });
});
