/**
 * Proof 4, live: the load generator makes chat responses slow (p95 above 2 s) and then failing
 * (above 5 %); the shipped alert rules fire in Prometheus, the shipped Alertmanager routes
 * deliver them to a webhook receiver in this test, and both resolve when the load is healthy.
 *
 * Timing overlay (scripts/backends/overlay.mjs, `timeScale: 60`, tests only): rule group
 * intervals and alert `for` durations are divided by 60 (`for: 5m` -> 5 s, recording groups
 * every 1 s), Alertmanager's group_wait/group_interval/repeat_interval likewise (page route:
 * group_wait 10 s -> 167 ms, group_interval 5m -> 5 s). Expressions, thresholds and the rate
 * windows ([5m]) are exactly the shipped ones, so the load must really move the 5-minute
 * ratios: firing needs enough slow/failing turns, resolving enough healthy ones to dilute
 * them below the threshold. promtool tests the shipped files (prometheus/tests).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { E2E, eventually } from '../e2e/harness.js';
import { AlertWebhook } from '../e2e/webhook.js';

const TIME_SCALE = 60;
let e2e: E2E;
let webhook: AlertWebhook;

beforeAll(async () => {
  webhook = await AlertWebhook.start();
  e2e = await E2E.start({
    alertmanager: true,
    stack: { webhookUrl: webhook.alertsUrl, chatUrl: webhook.chatUrl, timeScale: TIME_SCALE },
  });
  // Prometheus rate() cannot see the increase INTO a series' first sample (OTLP start times
  // are not ingested as zero samples), so whatever lands in a new series' first export is
  // invisible to the 5-minute ratios. Create the series first -- a few turns and one failing
  // turn (this also creates the chat error counter) -- wait until Prometheus has them, and
  // only then send the baseline the ratios are computed from. 1 failure in ~70 turns (1.5 %)
  // is below every threshold.
  await e2e.app.load({ concurrency: 2, requests: 6, threads: 2 });
  await e2e.app.load({ concurrency: 1, requests: 1, failShare: 1, threads: 1 });
  await e2e.stack.waitForQuery('chat_response_time_seconds_count', { timeoutMs: 30_000 });
  await e2e.stack.waitForQuery('lorechat_errors_total{component="chat"}', { timeoutMs: 30_000 });
  await e2e.app.load({ concurrency: 4, requests: 60, threads: 8 });
  await e2e.stack.waitForQuery('lorechat:chat_response_time_seconds:p95_5m < 2', {
    timeoutMs: 60_000,
  });
}, 180_000);

afterAll(async () => {
  await e2e?.stop();
  await webhook?.close();
});

async function firing(alertname: string): Promise<boolean> {
  return (await e2e.stack.query(`ALERTS{alertname="${alertname}",alertstate="firing"}`)).length > 0;
}

/** Healthy turns in chunks until `done()` (the 5-minute windows must dilute the bad turns). */
async function healthyLoadUntil(
  done: () => Promise<boolean> | boolean,
  timeoutMs: number,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let turns = 0;
  while (!(await done())) {
    if (Date.now() > deadline)
      throw new Error(`not done after ${turns} healthy turns in ${timeoutMs} ms`);
    const s = await e2e.app.load({ concurrency: 4, requests: 150, threads: 8 });
    turns += s.completed;
  }
  return turns;
}

function expectDelivered(alertname: string, status: 'firing' | 'resolved'): void {
  const mine = webhook.notifications(alertname).filter((a) => a.status === status);
  expect(mine.length, `${status} notification for ${alertname}`).toBeGreaterThan(0);
  for (const a of mine) {
    expect(a.labels).toMatchObject({ alertname, severity: 'critical', component: 'chat' });
    expect(a.receiver).toBe('page');
    expect(a.annotations.runbook_url).toContain(alertname.toLowerCase());
  }
}

describe('alerts fire, are delivered and resolve (shipped rules and routes, time-scaled overlay)', () => {
  it('no chat alert fires while the load is healthy', async () => {
    expect(await firing('LoreChatHighResponseTime')).toBe(false);
    expect(await firing('LoreChatHighErrorRate')).toBe(false);
    // (LoreChatAppDown may have fired before the app's first export: no chat alert may.)
    expect(
      webhook.payloads.flatMap((p) => p.alerts).filter((a) => a.labels.component === 'chat'),
    ).toEqual([]);
  });

  it('LoreChatHighResponseTime fires when chat p95 goes above 2 s and pages the webhook (critical, component chat)', async () => {
    const slow = await e2e.app.load({
      concurrency: 4,
      requests: 12,
      slowShare: 1,
      slowMs: 1000,
      threads: 4,
    });
    expect(slow.okLatencyMs?.p50, 'slow turns took longer than 2 s').toBeGreaterThan(2000);
    await eventually(
      async () =>
        (await firing('LoreChatHighResponseTime')) ? undefined : 'not firing in Prometheus',
      90_000,
      1_000,
    );
    const [p95] = await e2e.stack.query('lorechat:chat_response_time_seconds:p95_5m');
    expect(Number(p95?.value[1])).toBeGreaterThan(2);
    await eventually(
      () =>
        webhook.notifications('LoreChatHighResponseTime').some((a) => a.status === 'firing')
          ? undefined
          : 'no firing webhook yet',
      60_000,
    );
    expectDelivered('LoreChatHighResponseTime', 'firing');
    expect(webhook.chatPosts.length, 'the page route also posts to chat').toBeGreaterThan(0);
  });

  it('LoreChatHighResponseTime resolves, with a resolved notification, once responses are fast again', async () => {
    const turns = await healthyLoadUntil(
      async () => !(await firing('LoreChatHighResponseTime')),
      180_000,
    );
    expect(turns).toBeGreaterThan(0);
    await eventually(
      () =>
        webhook.notifications('LoreChatHighResponseTime').some((a) => a.status === 'resolved')
          ? undefined
          : 'no resolved webhook yet',
      60_000,
    );
    expectDelivered('LoreChatHighResponseTime', 'resolved');
  });

  it('LoreChatHighErrorRate fires when more than 5 % of turns fail and pages the webhook', async () => {
    // One failure first, so that the chat error series exists in Prometheus before the burst:
    // the burst is then an increase of an existing series in every 5-minute window.
    const first = await e2e.app.load({ concurrency: 1, requests: 1, failShare: 1, threads: 1 });
    expect(first.errorsByKind.http_502).toBe(1);
    await eventually(
      async () =>
        (await e2e.stack.query('lorechat_errors_total{component="chat"}')).length > 0
          ? undefined
          : 'no chat error series in Prometheus yet',
      30_000,
      500,
    );
    // Enough failures to lift the 5-minute error ratio over 5 % of everything sent so far.
    const [ops] = await e2e.stack.query(
      'sum(increase(lorechat_operations_total{component="chat"}[5m]))',
    );
    const failures = Math.ceil(Number(ops?.value[1] ?? 0) * 0.08) + 10;
    const failing = await e2e.app.load({
      concurrency: 4,
      requests: failures,
      failShare: 1,
      threads: 4,
    });
    expect(failing.errorsByKind.http_502).toBe(failures);
    // Failures keep coming while we wait (a few every 10 s, all failing, so the ratio only
    // rises): the alert must see them in every window, not one burst at a window's edge. The
    // message on timeout carries what Prometheus saw.
    let checks = 0;
    await eventually(
      async () => {
        if (await firing('LoreChatHighErrorRate')) return undefined;
        if (++checks % 10 === 0) {
          await e2e.app.load({ concurrency: 2, requests: 10, failShare: 1, threads: 2 });
        }
        const value = async (q: string) => (await e2e.stack.query(q))[0]?.value[1] ?? 'none';
        return (
          `not firing in Prometheus: ratio ${await value('lorechat:chat_errors:ratio_rate5m')}, ` +
          `errors/s ${await value('sum(rate(lorechat_errors_total{component="chat"}[5m]))')}, ` +
          `turns/s ${await value('sum(rate(lorechat_operations_total{component="chat"}[5m]))')}, ` +
          `alert ${await value('count(ALERTS{alertname="LoreChatHighErrorRate"})')} ` +
          `(${failures} failures sent after ${String(ops?.value[1] ?? 0)} turns in 5 min)`
        );
      },
      90_000,
      1_000,
    );
    const [ratio] = await e2e.stack.query('lorechat:chat_errors:ratio_rate5m');
    expect(Number(ratio?.value[1])).toBeGreaterThan(0.05);
    await eventually(
      () =>
        webhook.notifications('LoreChatHighErrorRate').some((a) => a.status === 'firing')
          ? undefined
          : 'no firing webhook yet',
      60_000,
    );
    expectDelivered('LoreChatHighErrorRate', 'firing');
  });

  it('LoreChatHighErrorRate resolves, with a resolved notification, once turns succeed again', async () => {
    await healthyLoadUntil(async () => !(await firing('LoreChatHighErrorRate')), 240_000);
    await eventually(
      () =>
        webhook.notifications('LoreChatHighErrorRate').some((a) => a.status === 'resolved')
          ? undefined
          : 'no resolved webhook yet',
      60_000,
    );
    expectDelivered('LoreChatHighErrorRate', 'resolved');
  });
});
