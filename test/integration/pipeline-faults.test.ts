/**
 * Pipeline faults, with the real programs (the built reference app under steady load, our
 * Collector, Prometheus and Alertmanager with the shipped configs; test/e2e/harness.ts):
 *
 * 1. Prometheus down for PROMETHEUS_DOWN_MS while the load continues. Design
 *    (otel-collector-config.yaml): the app's metrics are pushed over OTLP into the Collector's
 *    persistent, retrying sending queue, so nothing is dropped or refused while Prometheus is
 *    away and the backlog is delivered with its original timestamps when it returns
 *    (prometheus.yml accepts samples up to 1h out of order). What Prometheus itself scrapes
 *    (the Collector's own metrics, `up`) cannot be backfilled: those series have the outage as
 *    a gap. Both are asserted.
 * 2. Alertmanager down when an alert fires: Prometheus counts the failed sends, keeps the alert
 *    firing and re-sends it (every --rules.alert.resend-delay, 1m), so the notification arrives
 *    after Alertmanager returns -- with its absolute runbook link, rendered into the chat post.
 * 3. The Collector's queue storage unwritable under load (its file size limit set to 256 KiB,
 *    the way a full disk or a read-only volume refuses the queue's writes; the tests run as
 *    root, for whom permission bits do not stop writes): the Collector keeps running and
 *    answering its health check, counts what it drops in otelcol_exporter_enqueue_failed_*, and
 *    OtelCollectorEnqueueFailed fires in the real Prometheus.
 *
 * Alert timing uses the documented time-scaled overlay (timeScale 60: `for: 5m` -> 5 s);
 * expressions, thresholds and windows are the shipped ones.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prometheusEnv } from '../../scripts/backends/overlay.mjs';
import { E2E, eventually } from '../e2e/harness.js';
import { AlertWebhook, type WebhookAlert } from '../e2e/webhook.js';
import { ManagedProcess, REPO_ROOT, run, waitUntilReady } from '../helpers/stack.js';

/**
 * The outage: 60 s by default, enough for the exporter's retry backoff to reach its 30 s
 * max_interval and for ~30 batches to pile up in the queue; a longer outage exercises nothing
 * else and only makes the file slower. LORECHAT_FAULT_PROMETHEUS_DOWN_S=120 runs the issue's
 * two minutes.
 */
const PROMETHEUS_DOWN_MS = 1000 * Number(process.env.LORECHAT_FAULT_PROMETHEUS_DOWN_S ?? 60);
const TIME_SCALE = 60;
/** The app exports metrics every 2 s (harness); a delivered backlog leaves no larger holes. */
const MAX_PUSHED_GAP_S = 10;

let e2e: E2E;
let webhook: AlertWebhook;
const extra: ManagedProcess[] = [];
const stopLoad = new AbortController();
let background: Promise<unknown> | undefined;

beforeAll(async () => {
  webhook = await AlertWebhook.start();
  e2e = await E2E.start({
    alertmanager: true,
    stack: { webhookUrl: webhook.alertsUrl, chatUrl: webhook.chatUrl, timeScale: TIME_SCALE },
  });
  // Create the series first (see e2e-alerts): a few turns and one failing turn.
  await e2e.app.load({ concurrency: 2, requests: 6, threads: 2 });
  await e2e.app.load({ concurrency: 1, requests: 1, failShare: 1, threads: 1 });
  await e2e.stack.waitForQuery('chat_response_time_seconds_count', { timeoutMs: 30_000 });
  await e2e.stack.waitForQuery('lorechat_errors_total{component="chat"}', { timeoutMs: 30_000 });
  // Steady healthy load for the whole file; stops by itself after 10 minutes at the latest.
  background = e2e.app.load({
    concurrency: 1,
    requests: 1_000_000,
    durationMs: 600_000,
    threads: 4,
    signal: stopLoad.signal,
  });
}, 180_000);

afterAll(async () => {
  stopLoad.abort();
  await background?.catch(() => undefined);
  for (const p of extra.reverse()) await p.stop();
  await e2e?.stop();
  await webhook?.close();
});

/** Sum of the Collector's own metric samples whose name and labels match (its /metrics). */
async function collectorMetric(url: string, name: string, labels: Record<string, string>) {
  const text = await (await fetch(url, { signal: AbortSignal.timeout(5_000) })).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** Raw samples (timestamps in s) of every series of `selector` in [from, to]. */
async function rawSamples(selector: string, from: number, to: number): Promise<number[][]> {
  const url = new URL('/api/v1/query', e2e.stack.prometheus!.url);
  url.searchParams.set('query', `${selector}[${Math.ceil(to - from)}s]`);
  url.searchParams.set('time', String(to));
  const body = (await (await fetch(url)).json()) as {
    data: { result: { values: [number, string][] }[] };
  };
  return body.data.result.map((s) => s.values.map(([t]) => t).filter((t) => t >= from));
}

function maxGap(timestamps: number[], from: number, to: number): number {
  const ts = [from, ...timestamps.filter((t) => t > from && t < to), to];
  let gap = 0;
  for (let i = 1; i < ts.length; i++) gap = Math.max(gap, ts[i]! - ts[i - 1]!);
  return gap;
}

/**
 * Runs a service's health check from docker-compose.yml against the test's program: the same
 * argv, with the image's binary replaced by the cached build of the same release and the
 * container-local URL by the test's address. Exit code 0 = healthy.
 */
function composeProbe(service: 'prometheus' | 'alertmanager', url: string): number | null {
  const compose = parse(readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8')) as {
    services: Record<string, { healthcheck?: { test?: string[] } }>;
  };
  const [kind, exe, ...args] = compose.services[service]?.healthcheck?.test ?? [];
  expect(kind).toBe('CMD');
  const local = {
    '/bin/promtool': e2e.stack.paths.promtool,
    '/bin/amtool': e2e.stack.paths.amtool,
  };
  const binary = local[exe as keyof typeof local];
  expect(binary, `${service} health check ${exe}`).toBeDefined();
  const port = service === 'prometheus' ? 9090 : 9093;
  return run(
    binary,
    args.map((a) => a.replace(`http://127.0.0.1:${port}`, url)),
    { timeoutMs: 20_000 },
  ).code;
}

/** Starts a program again with its own command, arguments and environment extras. */
async function restart(
  old: ManagedProcess,
  readyUrl: string,
  env: Record<string, string> = {},
): Promise<ManagedProcess> {
  const proc = new ManagedProcess(
    old.name,
    old.command,
    old.args,
    join(e2e.dir, `${old.name}-restart-${Date.now()}.log`),
    { ...process.env, ...env },
  );
  extra.push(proc);
  await waitUntilReady(readyUrl, proc, 60_000);
  return proc;
}

describe('pipeline faults (real Collector, Prometheus, Alertmanager; app under load)', () => {
  it(
    `Prometheus down ${PROMETHEUS_DOWN_MS / 1000} s under load: the Collector queues and retries, the backlog arrives, pushed metrics have no gap`,
    async () => {
      const collector = e2e.stack.collector!;
      const prom = e2e.stack.prometheus!;
      const exporter = { exporter: 'otlp_http/prometheus' };
      const before = {
        failed: await collectorMetric(
          collector.metrics,
          'otelcol_exporter_send_failed_metric_points_total',
          exporter,
        ),
        enqueueFailed: await collectorMetric(
          collector.metrics,
          'otelcol_exporter_enqueue_failed_metric_points_total',
          exporter,
        ),
        refused: await collectorMetric(
          collector.metrics,
          'otelcol_receiver_refused_metric_points_total',
          {},
        ),
      };

      expect(composeProbe('prometheus', prom.url), 'compose health check, Prometheus up').toBe(0);
      // The scraped series must hold samples before the outage, or their gap proves nothing.
      await eventually(async () => {
        const now = Date.now() / 1000;
        const n = (await rawSamples('up{job="otel-collector"}', now - 25, now)).flat().length;
        return n >= 2 ? undefined : `up{job="otel-collector"}: ${n} samples before the outage`;
      }, 60_000);
      const downAt = Date.now() / 1000;
      await prom.process.stop(30_000);
      expect(
        composeProbe('prometheus', prom.url),
        'compose health check, Prometheus down',
      ).not.toBe(0);
      // While it is down: data waits in the persistent queue.
      let queued = 0;
      await eventually(async () => {
        queued = await collectorMetric(collector.metrics, 'otelcol_exporter_queue_size', exporter);
        return queued > 0 ? undefined : 'the metrics exporter queue stays empty';
      }, 30_000);
      await new Promise((r) =>
        setTimeout(r, Math.max(0, downAt * 1000 + PROMETHEUS_DOWN_MS - Date.now())),
      );
      const peak = await collectorMetric(
        collector.metrics,
        'otelcol_exporter_queue_size',
        exporter,
      );
      const upAt = Date.now() / 1000;
      await restart(prom.process, `${prom.url}/-/ready`, prometheusEnv());
      expect(composeProbe('prometheus', prom.url), 'compose health check, Prometheus back').toBe(0);

      // The backlog drains (retry backoff is at most 30 s).
      await eventually(async () => {
        const size = await collectorMetric(
          collector.metrics,
          'otelcol_exporter_queue_size',
          exporter,
        );
        return size === 0 ? undefined : `queue still holds ${size} requests`;
      }, 90_000);
      // Nothing was given up, refused or dropped meanwhile.
      expect(
        await collectorMetric(
          collector.metrics,
          'otelcol_exporter_send_failed_metric_points_total',
          exporter,
        ),
      ).toBe(before.failed);
      expect(
        await collectorMetric(
          collector.metrics,
          'otelcol_exporter_enqueue_failed_metric_points_total',
          exporter,
        ),
      ).toBe(before.enqueueFailed);
      expect(
        await collectorMetric(
          collector.metrics,
          'otelcol_receiver_refused_metric_points_total',
          {},
        ),
      ).toBe(before.refused);

      // Pushed (OTLP) series: samples all through the outage, at their original timestamps.
      const from = downAt - 5;
      const to = upAt + 5;
      let pushedGaps: number[] = [];
      await eventually(async () => {
        const series = await rawSamples('chat_response_time_seconds_count', from, to);
        pushedGaps = series.map((ts) => maxGap(ts, from, to));
        return series.length > 0 && Math.max(...pushedGaps) <= MAX_PUSHED_GAP_S
          ? undefined
          : `largest gap per series: ${pushedGaps.join(', ')} s`;
      }, 30_000);
      // Scraped series: the outage stays a gap (Prometheus could not scrape while down). Wide
      // window: samples before the outage (replayed from the WAL at restart) and after it.
      let scraped: number[][] = [];
      await eventually(async () => {
        scraped = await rawSamples('up{job="otel-collector"}', downAt - 30, Date.now() / 1000);
        const ts = scraped.flat();
        return ts.some((t) => t < downAt) && ts.some((t) => t > upAt)
          ? undefined
          : `up{job="otel-collector"}: ${ts.filter((t) => t < downAt).length} samples before the outage, ${ts.filter((t) => t > upAt).length} after`;
      }, 30_000);
      const end = Date.now() / 1000;
      const scrapedGap = Math.max(...scraped.map((ts) => maxGap(ts, downAt - 30, end)));
      expect(scrapedGap).toBeGreaterThan(PROMETHEUS_DOWN_MS / 1000 - 10);
      console.log(
        `pipeline-faults: Prometheus down ${(upAt - downAt).toFixed(0)} s; metrics queue peaked at ` +
          `${peak} requests (first seen ${queued}); largest gap in pushed series ` +
          `${Math.max(...pushedGaps).toFixed(1)} s, in scraped series ${scrapedGap.toFixed(1)} s`,
      );
    },
    PROMETHEUS_DOWN_MS + 240_000,
  );

  it('Alertmanager down when an alert fires: the notification arrives after it returns, with an absolute runbook link', async () => {
    const am = e2e.stack.alertmanager!;
    const alertname = 'LoreChatHighErrorRate';
    // The setup's single failing turn may have made it pending (few turns in the 5-minute
    // window); the steady healthy load dilutes the ratio. Start from "not pending or firing",
    // as the rule manager holds it now: the ALERTS series would still answer "pending" for
    // the 5-minute lookback after the Prometheus restart of the case above (its last sample
    // before the restart), which cost this case over 3 minutes of waiting.
    const quietSince = Date.now();
    const active = async () =>
      (await e2e.stack.activeAlerts()).filter((a) => a.labels.alertname === alertname);
    await eventually(
      async () =>
        (await active()).length === 0
          ? undefined
          : `${alertname} still pending or firing before the test`,
      240_000,
      1_000,
    );
    console.log(
      `pipeline-faults: ${alertname} not firing after ${((Date.now() - quietSince) / 1000).toFixed(0)} s`,
    );
    const errorsBefore = await e2e.stack.query('sum(prometheus_notifications_errors_total)');
    expect(composeProbe('alertmanager', am.url), 'compose health check, Alertmanager up').toBe(0);
    const downAt = Date.now();
    await am.process.stop(30_000);
    const seenBefore = webhook.payloads.length;
    expect(
      composeProbe('alertmanager', am.url),
      'compose health check, Alertmanager down',
    ).not.toBe(0);
    /** Firing notifications of the alert that started while Alertmanager was down. */
    const arrived = (): WebhookAlert[] =>
      webhook.payloads
        .slice(seenBefore)
        .flatMap((p) => p.alerts)
        .filter(
          (a) =>
            a.labels.alertname === alertname &&
            a.status === 'firing' &&
            Date.parse(a.startsAt) >= downAt - 1_000,
        );
    let backAt = 0;
    // Failing turns push the 5-minute error ratio far above 5 %, and keep coming until the
    // notification arrived: otherwise the steady healthy load dilutes the ratio and the alert
    // may resolve before Prometheus re-sends it (every 1m) to the returned Alertmanager.
    const stopFailing = new AbortController();
    const failing = e2e.app.load({
      concurrency: 1,
      requests: 1_000_000,
      durationMs: 300_000,
      failShare: 0.5,
      threads: 2,
      signal: stopFailing.signal,
    });
    try {
      await eventually(
        async () =>
          (await active()).some((a) => a.state === 'firing')
            ? undefined
            : `${alertname} not firing in Prometheus`,
        90_000,
        1_000,
      );
      // Prometheus tried to send and counted the failures (nothing silent).
      await eventually(async () => {
        const [now] = await e2e.stack.query('sum(prometheus_notifications_errors_total)');
        const was = Number(errorsBefore[0]?.value[1] ?? 0);
        return Number(now?.value[1] ?? 0) > was ? undefined : 'no failed notification counted';
      }, 90_000);
      expect(webhook.payloads.length, 'nothing can arrive while Alertmanager is down').toBe(
        seenBefore,
      );

      backAt = Date.now();
      await restart(am.process, `${am.url}/-/ready`);
      await eventually(
        () =>
          arrived().length > 0
            ? undefined
            : `no ${alertname} notification ${Math.round((Date.now() - backAt) / 1000)} s after Alertmanager returned`,
        120_000,
      );
    } finally {
      stopFailing.abort();
      await failing.catch(() => undefined);
    }
    const [alert] = arrived();
    // Absolute link: the configured base (the harness: this checkout's docs as a file: URL).
    const base = prometheusEnv().LORECHAT_RUNBOOK_BASE_URL;
    expect(alert?.annotations.runbook_url).toBe(
      `${base}/troubleshooting.md#${alertname.toLowerCase()}`,
    );
    expect(alert?.labels.runbook_base_url, 'the base label is dropped before Alertmanager').toBe(
      undefined,
    );
    // The page receiver's chat post renders it (templates/lorechat.tmpl).
    expect(JSON.stringify(webhook.chatPosts)).toContain(
      `${base}/troubleshooting.md#${alertname.toLowerCase()}`,
    );
    console.log(
      `pipeline-faults: ${alertname} delivered ${((Date.now() - backAt) / 1000).toFixed(0)} s after Alertmanager returned`,
    );
  }, 540_000);

  it('queue storage unwritable under load: the Collector keeps running, counts the drops, OtelCollectorEnqueueFailed fires', async () => {
    const c = e2e.stack.collector!;
    const old = e2e.collector;
    await old.stop(30_000);
    const dir = join(e2e.dir, 'file_storage-limited');
    mkdirSync(dir, { recursive: true });
    // RLIMIT_FSIZE 256 KiB: the queue's bbolt files cannot grow past it (EFBIG, like ENOSPC).
    const proc = new ManagedProcess(
      'collector-limited',
      'bash',
      ['-c', 'ulimit -f 256 && exec "$0" "$@"', old.command, ...old.args],
      join(e2e.dir, 'collector-limited.log'),
      { ...process.env, ...c.env, FILE_STORAGE_DIR: dir },
    );
    extra.push(proc);
    await waitUntilReady(c.health, proc, 60_000);

    let dropped = 0;
    await eventually(async () => {
      dropped =
        (await collectorMetric(
          c.metrics,
          'otelcol_exporter_enqueue_failed_metric_points_total',
          {},
        )) +
        (await collectorMetric(c.metrics, 'otelcol_exporter_enqueue_failed_spans_total', {})) +
        (await collectorMetric(c.metrics, 'otelcol_exporter_enqueue_failed_log_records_total', {}));
      return dropped > 0 ? undefined : 'no enqueue failure counted yet';
    }, 90_000);
    await eventually(
      async () =>
        (
          await e2e.stack.query(
            'ALERTS{alertname="OtelCollectorEnqueueFailed",alertstate="firing"}',
          )
        ).length > 0
          ? undefined
          : 'OtelCollectorEnqueueFailed not firing in Prometheus',
      90_000,
      1_000,
    );
    // The cause is the storage: the queue's writes fail with EFBIG ("file too large").
    expect(proc.tail(400)).toMatch(/file too large/i);
    // Still running and healthy.
    expect(proc.running, proc.tail()).toBe(true);
    expect((await fetch(c.health)).ok).toBe(true);
    console.log(`pipeline-faults: unwritable queue storage: ${dropped} items dropped and counted`);
  }, 240_000);
});
