/**
 * Proof 5, nothing lost: (a) the Collector is killed with SIGKILL in the middle of the load and
 * started again; (b) the Tempo and Loki endpoints answer 503 for 30 seconds. Either way every
 * completed chat turn's spans and log records arrive (counted by request id), duplicates stay
 * within at-least-once delivery (after a crash, the batches in flight are sent again: at most
 * num_consumers x batch.max_size items), and metrics resume with the app's cumulative totals.
 *
 * Why it holds: the app's OTLP exporters retry connection errors and 503s; the Collector
 * acknowledges data only once it sits in the exporters' persistent sending queues
 * (file_storage), which survive a SIGKILL and are retried without a time limit.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { LoadSummary } from '../../demo/load/run-load.js';
import { accountTurns, E2E, sleep, type TurnAccount } from '../e2e/harness.js';
import { COLLECTOR_CONFIG, REPO_ROOT } from '../helpers/stack.js';

let e2e: E2E | undefined;

/** The shipped sending queue's bound on re-delivery after a crash (otel-collector-config.yaml). */
const MAX_REDELIVERED = ((): number => {
  const config = parse(readFileSync(COLLECTOR_CONFIG, 'utf8')) as {
    exporters: Record<
      string,
      { sending_queue: { num_consumers: number; batch: { max_size: number } } }
    >;
  };
  const queue = config.exporters['otlp_http/tempo']?.sending_queue;
  if (!queue?.batch) throw new Error('otlp_http/tempo has no batching sending_queue');
  return queue.num_consumers * queue.batch.max_size;
})();

/** The shipped OtelCollectorExportStalled expression (prometheus/rules/lorechat-alerts.yml). */
const EXPORT_STALLED = ((): string => {
  const rules = parse(
    readFileSync(join(REPO_ROOT, 'prometheus', 'rules', 'lorechat-alerts.yml'), 'utf8'),
  ) as { groups: { rules: { alert?: string; expr: string }[] }[] };
  const rule = rules.groups
    .flatMap((g) => g.rules)
    .find((r) => r.alert === 'OtelCollectorExportStalled');
  if (!rule) throw new Error('lorechat-alerts.yml has no OtelCollectorExportStalled rule');
  return rule.expr;
})();

/**
 * Polls the alert expression (not the alert: `for: 5m` is far longer than the outage) until
 * it holds for every exporter in `exporters` or the deadline passes; returns, per exporter,
 * the ms after `since` at which it first held.
 */
async function stalledExporters(
  e: E2E,
  exporters: readonly string[],
  since: number,
  deadline: number,
): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  while (seen.size < exporters.length && Date.now() < deadline) {
    for (const s of await e.stack.query(EXPORT_STALLED)) {
      const exporter = s.metric.exporter ?? '';
      if (exporters.includes(exporter) && !seen.has(exporter))
        seen.set(exporter, Date.now() - since);
    }
    await sleep(500);
  }
  return seen;
}

afterEach(async () => {
  await e2e?.stop();
  e2e = undefined;
});

/** Waits until the Tempo/Loki stand-ins hold complete telemetry for `turns` chat turns. */
async function waitForAllTurns(e: E2E, turns: number, timeoutMs: number): Promise<TurnAccount> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const account = accountTurns(e.tempo.spans(), e.loki.logRecords());
    if (account.turns >= turns && account.incomplete.length === 0) {
      await sleep(3_000); // let late duplicates (re-deliveries) show up before counting
      return accountTurns(e.tempo.spans(), e.loki.logRecords());
    }
    if (Date.now() > deadline) {
      throw new Error(
        `after ${timeoutMs} ms: ${account.turns} of ${turns} turns arrived; incomplete: ` +
          `${account.incomplete.slice(0, 10).join(' | ')} (${account.incomplete.length} in all)\n` +
          `collector:\n${e.collector.tail(15)}`,
      );
    }
    await sleep(1_000);
  }
}

/** The app's cumulative counters in Prometheus must equal what arrived as spans. */
async function expectMetricsResumed(
  e: E2E,
  load: LoadSummary,
  account: TurnAccount,
): Promise<void> {
  const total = async (expr: string): Promise<number> => {
    const [s] = await e.stack.query(expr);
    return Number(s?.value[1] ?? NaN);
  };
  const turns = 'sum(chat_response_time_seconds_count{job="e2e/lorechat"})';
  // Chat-model calls only: the same metric also times embeddings calls (a different operation).
  const llm =
    'sum(gen_ai_client_operation_duration_seconds_count{job="e2e/lorechat",gen_ai_operation_name="chat"})';
  const deadline = Date.now() + 60_000;
  while ((await total(turns)) !== load.ok && Date.now() < deadline) await sleep(1_000);
  expect(await total(turns), 'chat turns counted in Prometheus').toBe(load.ok);
  expect(await total(llm), 'LLM calls counted in Prometheus = LLM spans received').toBe(
    account.llmCalls,
  );
  // And fresh samples keep arriving (not only a replay).
  const [fresh] = await e.stack.query(
    `time() - max(timestamp(${'chat_response_time_seconds_count'}{job="e2e/lorechat"}))`,
  );
  expect(Number(fresh?.value[1])).toBeLessThan(10);
}

function report(label: string, load: LoadSummary, account: TurnAccount): void {
  process.stderr.write(
    `[e2e-no-loss] ${label}: turns sent ${load.sent}, completed ${load.ok}; received turns ${account.turns}, ` +
      `spans ${account.spans.unique} (+${account.spans.duplicates} duplicates), ` +
      `log records ${account.logs.unique} (+${account.logs.duplicates} duplicates), ` +
      `LLM spans ${account.llmCalls}, retrieval spans ${account.retrievals}\n`,
  );
}

describe('nothing lost', () => {
  it('SIGKILL of the Collector during load, then restart: every completed turn arrives complete, metrics resume', async () => {
    // While the Collector is down (kill, restart, the exporters' retry back-off: several
    // seconds) the app's batch processors must hold what the app produces meanwhile. The
    // instant offline LLM makes ~50 turns/s, about 600 spans and 1,400 log records a second,
    // beyond the SDK's default queue of 2,048: size OTEL_BSP_MAX_QUEUE_SIZE and
    // OTEL_BLRP_MAX_QUEUE_SIZE for rate x outage (README, Development, End-to-end tests).
    // With the defaults, records are dropped while the Collector restarts.
    e2e = await E2E.start({
      app: { env: { OTEL_BSP_MAX_QUEUE_SIZE: '65536', OTEL_BLRP_MAX_QUEUE_SIZE: '65536' } },
    });
    const e = e2e;
    const loadDone = e.app.load({
      concurrency: 2,
      requests: 100_000,
      durationMs: 20_000,
      threads: 8,
    });
    await sleep(7_000);
    await e.restartCollector('SIGKILL', 2_000);
    const load = await loadDone;
    expect(load.errors, 'the app kept answering').toBe(0);
    const account = await waitForAllTurns(e, load.ok, 120_000);
    report('collector SIGKILL + restart', load, account);
    expect(account.turns).toBe(load.ok);
    expect(account.incomplete).toEqual([]);
    // At-least-once: batches that reached Tempo/Loki but were not yet marked done in the
    // persistent queue at the kill are sent again after the restart -- at most what the
    // queue's consumers can have in flight: num_consumers x batch.max_size items per exporter.
    expect(account.spans.duplicates).toBeLessThanOrEqual(MAX_REDELIVERED);
    expect(account.logs.duplicates).toBeLessThanOrEqual(MAX_REDELIVERED);
    await expectMetricsResumed(e, load, account);
  });

  it('Tempo and Loki unavailable (503) for 30 s during load: every completed turn arrives complete, no duplicates', async () => {
    e2e = await E2E.start();
    const e = e2e;
    const loadDone = e.app.load({
      concurrency: 2,
      requests: 100_000,
      durationMs: 40_000,
      threads: 8,
    });
    await sleep(5_000);
    const outageStart = Date.now();
    e.tempo.unavailable(30_000);
    e.loki.unavailable(30_000);
    // The pipeline-health alert's expression turns true while the backends are down: the
    // queues hold data at consecutive scrapes and the sent counters stand still.
    const exporters = ['otlp_http/tempo', 'otlp_http/loki'] as const;
    const stalled = await stalledExporters(e, exporters, outageStart, outageStart + 30_000);
    process.stderr.write(
      `[e2e-no-loss] OtelCollectorExportStalled expression true after ${[...stalled]
        .map(([x, ms]) => `${x} ${ms} ms`)
        .join(', ')} of the 30 s outage\n`,
    );
    expect([...stalled.keys()].sort(), 'exporters stalled during the outage').toEqual(
      [...exporters].sort(),
    );
    const load = await loadDone;
    expect(load.errors).toBe(0);
    expect(e.tempo.rejected, 'Tempo stand-in refused exports during the outage').toBeGreaterThan(0);
    expect(e.loki.rejected, 'Loki stand-in refused exports during the outage').toBeGreaterThan(0);
    const account = await waitForAllTurns(e, load.ok, 120_000);
    report('Tempo/Loki 503 for 30 s', load, account);
    expect(account.turns).toBe(load.ok);
    expect(account.incomplete).toEqual([]);
    expect(account.spans.duplicates).toBe(0);
    expect(account.logs.duplicates).toBe(0);
    await expectMetricsResumed(e, load, account);
    // Delivered again: the queues drained, the expression no longer holds for any exporter.
    await e.stack.waitForQuery(`count(${EXPORT_STALLED}) or vector(0)`, {
      timeoutMs: 30_000,
      accept: (r) => Number(r[0]?.value[1]) === 0,
    });
    // The outage was visible in the Collector's own metrics: the sending queues filled up.
    for (const exporter of ['otlp_http/tempo', 'otlp_http/loki']) {
      const [peak] = await e.stack.query(
        `max_over_time(otelcol_exporter_queue_size{exporter="${exporter}"}[5m])`,
      );
      expect(Number(peak?.value[1] ?? 0), `${exporter} queue during the outage`).toBeGreaterThan(0);
    }
  });
});
