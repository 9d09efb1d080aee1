/**
 * The shipped alertmanager.yml in a running Alertmanager (loopback, overlay: secret files point
 * at this test's webhook): every inhibition case of alertmanager/tests/routes.yaml, and a
 * critical alert actually delivered to the webhook receiver.
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT, startStack, type Stack } from '../helpers/stack.js';

interface InhibitionCase {
  name: string;
  source: Record<string, string>;
  target: Record<string, string>;
  inhibited: boolean;
}

interface WebhookPayload {
  receiver: string;
  status: string;
  alerts: Array<{ labels: Record<string, string>; status: string }>;
}

const cases = (
  parse(readFileSync(join(REPO_ROOT, 'alertmanager/tests/routes.yaml'), 'utf8')) as {
    inhibitions?: InhibitionCase[];
  }
).inhibitions;

let stack: Stack;
let webhook: Server;
const received: WebhookPayload[] = [];
const chat: Array<{ text?: string; attachments?: Array<{ title?: string; text?: string }> }> = [];

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

beforeAll(async () => {
  webhook = createServer((req, res) => {
    void body(req).then((text) => {
      if (req.method === 'POST' && req.url === '/alerts') {
        received.push(JSON.parse(text) as WebhookPayload);
      } else if (req.method === 'POST' && req.url === '/chat') {
        chat.push(JSON.parse(text) as (typeof chat)[number]);
      }
      res.writeHead(200).end();
    });
  });
  webhook.listen(0, '127.0.0.1');
  await once(webhook, 'listening');
  const { port } = webhook.address() as AddressInfo;
  stack = await startStack({
    alertmanager: true,
    webhookUrl: `http://127.0.0.1:${port}/alerts`,
    chatUrl: `http://127.0.0.1:${port}/chat`,
  });
});

afterAll(async () => {
  await stack?.stop();
  webhook?.close();
});

async function postAlerts(
  alerts: Array<Record<string, string>>,
  { resolved = false } = {},
): Promise<void> {
  const now = Date.now();
  const response = await fetch(`${stack.alertmanager!.url}/api/v2/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(
      alerts.map((labels) => ({
        labels,
        annotations: { summary: 'pipeline-alertmanager test' },
        startsAt: new Date(now - 60_000).toISOString(),
        endsAt: new Date(resolved ? now - 1_000 : now + 10 * 60_000).toISOString(),
      })),
    ),
  });
  expect(response.status, await response.text()).toBe(200);
}

interface ApiAlert {
  labels: Record<string, string>;
  status: { state: string; inhibitedBy: string[] };
}

async function alertState(labels: Record<string, string>): Promise<ApiAlert | undefined> {
  const url = new URL('/api/v2/alerts', stack.alertmanager!.url);
  for (const [k, v] of Object.entries(labels)) url.searchParams.append('filter', `${k}="${v}"`);
  const alerts = (await (await fetch(url)).json()) as ApiAlert[];
  return alerts.find((a) => Object.entries(labels).every(([k, v]) => a.labels[k] === v));
}

describe('inhibition (alertmanager/tests/routes.yaml, running Alertmanager)', () => {
  it('routes.yaml lists inhibition cases', () => {
    expect(cases?.length ?? 0).toBeGreaterThan(0);
  });

  it.each((cases ?? []).map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    await postAlerts([c.source, c.target]);
    try {
      // The inhibitor sees a new source alert asynchronously: poll until the state settles.
      const deadline = Date.now() + 10_000;
      let state: ApiAlert | undefined;
      for (;;) {
        state = await alertState(c.target);
        const inhibited = (state?.status.inhibitedBy.length ?? 0) > 0;
        if (state && (inhibited === c.inhibited || Date.now() > deadline)) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(state, 'target alert not found in Alertmanager').toBeDefined();
      expect(state.status.inhibitedBy.length > 0, JSON.stringify(state.status)).toBe(c.inhibited);
      if (!c.inhibited) {
        // A negative case must not pass merely because the inhibitor had no time to act.
        await new Promise((r) => setTimeout(r, 1_000));
        expect((await alertState(c.target))!.status.inhibitedBy).toEqual([]);
      }
    } finally {
      await postAlerts([c.source, c.target], { resolved: true });
    }
  });
});

describe('notification delivery', () => {
  it('a critical alert reaches the webhook through the `page` receiver', async () => {
    const labels = { alertname: 'PipelineTestDelivery', severity: 'critical', component: 'test' };
    await postAlerts([labels]);
    // The page route waits group_wait (10 s in alertmanager.yml) before the first notification.
    const deadline = Date.now() + 30_000;
    let hit: WebhookPayload | undefined;
    while (!hit && Date.now() < deadline) {
      hit = received.find((p) => p.alerts.some((a) => a.labels.alertname === labels.alertname));
      if (!hit) await new Promise((r) => setTimeout(r, 250));
    }
    expect(hit, `no webhook call within 30 s; got ${JSON.stringify(received)}`).toBeDefined();
    expect(hit!.receiver).toBe('page');
    expect(hit!.status).toBe('firing');
    // The page receiver also posts to chat, rendered with alertmanager/templates/*.tmpl.
    while (chat.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    const message = JSON.stringify(chat);
    expect(message).toContain(labels.alertname);
    expect(message).not.toMatch(/template: .* error|<no value>/);
  }, 60_000);
});
