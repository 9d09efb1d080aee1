/**
 * The embedded default's Prometheus scrape endpoint: `@opentelemetry/exporter-prometheus`
 * as the metric reader and serializer, served by our own HTTP server so that we choose the
 * interface (127.0.0.1 by default), can use port 0, learn the port actually bound, and
 * `unref()` the server: a scrape endpoint must never keep an app alive that has finished.
 *
 * Metric names get the unit suffixes the Collector's Prometheus translation adds
 * (`chat.response_time` in `s` -> `chat_response_time_seconds`), which the JS exporter does
 * not: the same dashboards, rules and catalogue names then work on both paths.
 */
import { diag } from '@opentelemetry/api';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { DataPointType, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** UCUM units and the words the Collector's Prometheus translator appends for them. */
const UNIT_WORDS: Readonly<Record<string, string>> = {
  d: 'days',
  h: 'hours',
  min: 'minutes',
  s: 'seconds',
  ms: 'milliseconds',
  us: 'microseconds',
  ns: 'nanoseconds',
  By: 'bytes',
  KiBy: 'kibibytes',
  MiBy: 'mebibytes',
  GiBy: 'gibibytes',
  KBy: 'kilobytes',
  MBy: 'megabytes',
  GBy: 'gigabytes',
  bit: 'bits',
  Hz: 'hertz',
  '%': 'percent',
};

/** Denominators are singular: `By/s` -> `bytes_per_second`. */
const PER_UNIT_WORDS: Readonly<Record<string, string>> = {
  s: 'second',
  m: 'minute',
  min: 'minute',
  h: 'hour',
  d: 'day',
  w: 'week',
  mo: 'month',
  y: 'year',
};

/** The unit part of a Prometheus name for an OpenTelemetry unit ('' when none is added). */
export function prometheusUnitSuffix(unit: string, isGauge: boolean): string {
  const u = unit.replace(/\{[^}]*\}/g, '').trim();
  if (u === '') return '';
  if (u === '1') return isGauge ? 'ratio' : '';
  const [num, per] = u.split('/');
  const a = UNIT_WORDS[num ?? ''] ?? num ?? '';
  if (per === undefined) return a;
  const b = PER_UNIT_WORDS[per] ?? per;
  return a === '' ? `per_${b}` : `${a}_per_${b}`;
}

/** The Prometheus base name (before `_total` / `_bucket`) of an OpenTelemetry metric. */
export function prometheusBaseName(name: string, unit: string, isGauge: boolean): string {
  const base = name.replace(/[^a-zA-Z0-9_:]/g, '_').replace(/_+/g, '_');
  const suffix = prometheusUnitSuffix(unit, isGauge).replace(/[^a-zA-Z0-9_:]/g, '_');
  const withoutTotal = base.endsWith('_total') ? base.slice(0, -'_total'.length) : base;
  const named =
    suffix === '' || withoutTotal.endsWith(`_${suffix}`)
      ? withoutTotal
      : `${withoutTotal}_${suffix}`;
  return base.endsWith('_total') ? `${named}_total` : named;
}

function withPrometheusNames(rm: ResourceMetrics): ResourceMetrics {
  return {
    ...rm,
    scopeMetrics: rm.scopeMetrics.map((sm) => ({
      ...sm,
      metrics: sm.metrics.map((m) => ({
        ...m,
        descriptor: {
          ...m.descriptor,
          name: prometheusBaseName(
            m.descriptor.name,
            m.descriptor.unit,
            m.dataPointType === DataPointType.GAUGE ||
              (m.dataPointType === DataPointType.SUM && !m.isMonotonic),
          ),
        },
      })),
    })),
  };
}

export const METRICS_PATH = '/metrics';

export class PrometheusEndpoint {
  readonly reader: PrometheusExporter;
  private readonly serializer = new PrometheusSerializer();
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
        this.respond(res);
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

  private respond(res: ServerResponse): void {
    this.reader.collect().then(
      ({ resourceMetrics, errors }) => {
        if (errors.length > 0) diag.error('lorechat-otel: metric collection errors', ...errors);
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
        res.end(this.serializer.serialize(withPrometheusNames(resourceMetrics)));
      },
      (err: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`# failed to collect metrics: ${String(err)}\n`);
      },
    );
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
