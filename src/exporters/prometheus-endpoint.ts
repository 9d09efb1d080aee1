/**
 * The embedded default's Prometheus scrape endpoint: `@opentelemetry/exporter-prometheus`
 * as the metric reader, served by our own HTTP server so that we choose the interface
 * (127.0.0.1 by default), can use port 0, learn the port actually bound, and `unref()` the
 * server: a scrape endpoint must never keep an app alive that has finished its work.
 */
import { diag } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export const METRICS_PATH = '/metrics';

export class PrometheusEndpoint {
  readonly reader: PrometheusExporter;
  private readonly host: string;
  private readonly port: number;
  private server: Server | undefined;
  private boundUrl: string | undefined;

  constructor(options: { host: string; port: number }) {
    this.host = options.host;
    this.port = options.port;
    this.reader = new PrometheusExporter({ preventServerStart: true, endpoint: METRICS_PATH });
  }

  /** The scrape URL once listening. */
  get url(): string | undefined {
    return this.boundUrl;
  }

  /** Starts listening; resolves with the scrape URL, rejects when the port is taken. */
  start(): Promise<string> {
    if (this.server) return Promise.resolve(this.boundUrl ?? '');
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method === 'GET' && path === METRICS_PATH) {
        this.reader.getMetricsRequestHandler(req, res);
      } else {
        res.statusCode = 404;
        res.end('not found: scrape ' + METRICS_PATH + '\n');
      }
    });
    this.server = server;
    return new Promise<string>((resolve, reject) => {
      server.once('error', (err) => {
        this.server = undefined;
        reject(err);
      });
      server.listen(this.port, this.host, () => {
        server.unref();
        const { port } = server.address() as AddressInfo;
        const host = this.host.includes(':') ? `[${this.host}]` : this.host;
        this.boundUrl = `http://${host}:${port}${METRICS_PATH}`;
        diag.debug(`lorechat-otel: Prometheus endpoint on ${this.boundUrl}`);
        resolve(this.boundUrl);
      });
    });
  }

  stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return Promise.resolve();
    return new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}
