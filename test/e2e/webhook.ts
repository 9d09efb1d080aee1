/**
 * An HTTP server standing in for Alertmanager's receivers: records every webhook payload
 * (Alertmanager webhook format v4) and every chat (Slack-compatible) post, on 127.0.0.1.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface WebhookAlert {
  readonly status: 'firing' | 'resolved';
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly startsAt: string;
  readonly endsAt: string;
}

export interface WebhookPayload {
  readonly version: string;
  readonly status: 'firing' | 'resolved';
  readonly receiver: string;
  readonly groupLabels: Record<string, string>;
  readonly commonLabels: Record<string, string>;
  readonly alerts: readonly WebhookAlert[];
}

export class AlertWebhook {
  readonly payloads: WebhookPayload[] = [];
  readonly chatPosts: unknown[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<AlertWebhook> {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const hook = new AlertWebhook(server, `http://127.0.0.1:${port}`);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
          if (req.url === '/alerts') hook.payloads.push(body as WebhookPayload);
          else if (req.url === '/chat') hook.chatPosts.push(body);
          res.writeHead(req.url === '/alerts' || req.url === '/chat' ? 200 : 404).end();
        } catch {
          res.writeHead(400).end();
        }
      });
    });
    return hook;
  }

  get alertsUrl(): string {
    return `${this.url}/alerts`;
  }

  get chatUrl(): string {
    return `${this.url}/chat`;
  }

  /** Every alert notification for `alertname`, flattened, in arrival order. */
  notifications(alertname: string): Array<WebhookAlert & { receiver: string }> {
    return this.payloads.flatMap((p) =>
      p.alerts
        .filter((a) => a.labels.alertname === alertname)
        .map((a) => ({ ...a, receiver: p.receiver })),
    );
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
