/**
 * Starts the real pipeline programs for tests -- our Collector, Prometheus and Alertmanager --
 * on free 127.0.0.1 ports with the SHIPPED config files plus the documented overlay
 * (scripts/backends/overlay.mjs), waits until each is ready, and tears everything down again
 * (process groups, temp dirs), also when a test fails or the runner exits.
 *
 *   const stack = await startStack({ collector: true, prometheus: true });
 *   afterAll(() => stack.stop());
 *   await stack.waitForQuery('up{job="otel-collector"} == 1');
 *
 * Tempo and Loki do not run here: the Collector's traces/logs exporters point at
 * `tracesEndpoint` / `logsEndpoint` (e.g. an OtlpReceiver from ./otlp-receiver.ts).
 * A missing binary is an error naming it and the provisioning command, never a skip.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backendPaths, requireBackends, type BackendPaths } from '../../scripts/backends/paths.mjs';
import {
  alertmanagerArgs,
  collectorEnv,
  prometheusArgs,
  prometheusEnv,
  writeAlertmanagerOverlay,
  writePrometheusOverlay,
} from '../../scripts/backends/overlay.mjs';

export const REPO_ROOT = backendPaths().repoRoot;
export const COLLECTOR_CONFIG = join(REPO_ROOT, 'otel-collector-config.yaml');

/** The binaries, or an Error naming what is missing and how to provision it. */
export function binaries(): BackendPaths {
  return requireBackends(backendPaths());
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no TCP port assigned');
  return address.port;
}

/** Ports handed out in this process, so that two parallel calls never get the same one. */
const handedOut = new Set<number>();
async function uniquePort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = await freePort();
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('could not find a free port on 127.0.0.1');
}

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a tool (promtool, amtool, the collector's `validate`) to completion. */
export function run(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): RunResult {
  const result = spawnSync(command, args, {
    cwd: options.cwd ?? REPO_ROOT,
    env: options.env ?? process.env,
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 120_000,
  });
  if (result.error) throw new Error(`${command} ${args.join(' ')}: ${result.error.message}`);
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A started program: its own process group, output captured to a log file. */
export class ManagedProcess {
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;
  #exitCode: number | null = null;
  #exitSignal: NodeJS.Signals | null = null;
  #running = true;

  constructor(
    readonly name: string,
    readonly command: string,
    readonly args: readonly string[],
    readonly logFile: string,
    env: NodeJS.ProcessEnv,
  ) {
    const log = createWriteStream(logFile);
    this.#child = spawn(command, args, {
      cwd: REPO_ROOT,
      env,
      // Own process group: stop() signals the group, so nothing the program starts survives.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child.stdout?.pipe(log, { end: false });
    this.#child.stderr?.pipe(log, { end: false });
    this.#exited = new Promise((resolve) => {
      const done = (code: number | null, signal: NodeJS.Signals | null): void => {
        this.#running = false;
        this.#exitCode = code;
        this.#exitSignal = signal;
        live.delete(this);
        log.end();
        resolve();
      };
      this.#child.once('exit', done);
      this.#child.once('error', (error) => {
        log.write(`spawn error: ${error.message}\n`);
        done(null, null);
      });
    });
    live.add(this);
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  get running(): boolean {
    return this.#running;
  }

  /** The last lines of its output, for error messages. */
  tail(lines = 40): string {
    try {
      return readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '(no output)';
    }
  }

  describeExit(): string {
    return this.#exitSignal ? `signal ${this.#exitSignal}` : `exit code ${this.#exitCode}`;
  }

  /** SIGTERM to the group, SIGKILL after graceMs; resolves when the process has exited. */
  async stop(graceMs = 5_000): Promise<void> {
    if (!this.#running) return;
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    await this.#exited;
    clearTimeout(timer);
  }

  signal(signal: NodeJS.Signals): void {
    const pid = this.#child.pid;
    if (pid === undefined || !this.#running) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // The group is already gone.
    }
  }
}

/** Every process started here; killed synchronously if the runner exits without stop(). */
const live = new Set<ManagedProcess>();
process.once('exit', () => {
  for (const p of live) p.signal('SIGKILL');
});

/** Polls url until it answers 2xx; fails early with the program's output if it exits. */
export async function waitUntilReady(
  url: string,
  proc: ManagedProcess,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (!proc.running) {
      throw new Error(
        `${proc.name} exited (${proc.describeExit()}) before ${url} was ready:\n${proc.tail()}`,
      );
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(
    `${proc.name} not ready at ${url} after ${timeoutMs} ms (${last}):\n${proc.tail()}`,
  );
}

export interface StackOptions {
  /** Start our Collector with otel-collector-config.yaml. */
  collector?: boolean;
  /** Start Prometheus with prometheus/prometheus.yml (+ rules). */
  prometheus?: boolean;
  /** Start Alertmanager with alertmanager/alertmanager.yml. */
  alertmanager?: boolean;
  /** Where the Collector sends traces (Tempo's OTLP/HTTP base URL). Default: an unused port. */
  tracesEndpoint?: string;
  /** Where the Collector sends logs (Loki's `/otlp` base URL). Default: an unused port. */
  logsEndpoint?: string;
  /** Where the Collector sends metrics when Prometheus is not started here. */
  metricsEndpoint?: string;
  /** Where Alertmanager's webhook receivers post. Default: an unused port. */
  webhookUrl?: string;
  /** Where Alertmanager's chat (Slack-compatible) receivers post. Default: webhookUrl. */
  chatUrl?: string;
  /** Shorter Prometheus intervals for tests, e.g. '1s' (the overlay's only timing change). */
  scrapeInterval?: string;
  evaluationInterval?: string;
  /**
   * Live alert tests only (documented overlay): rule group intervals, alert `for`s and
   * Alertmanager group_wait/group_interval/repeat_interval divided by this factor.
   */
  timeScale?: number;
  /** Extra environment for the Collector (behaviour switches such as DEPLOYMENT_ENVIRONMENT). */
  collectorEnv?: Record<string, string>;
  /** Keep the temp dir after stop() (for debugging). */
  keepDir?: boolean;
}

export interface CollectorEndpoints {
  /** OTLP/HTTP base URL, e.g. http://127.0.0.1:PORT (append /v1/metrics ...). */
  readonly otlpHttp: string;
  /** OTLP/gRPC host:port. */
  readonly otlpGrpc: string;
  readonly health: string;
  /** Self-telemetry (Prometheus format) URL. */
  readonly metrics: string;
  readonly metricsHostPort: string;
  readonly process: ManagedProcess;
  readonly env: Readonly<Record<string, string>>;
}

export interface PrometheusEndpoints {
  readonly url: string;
  readonly hostPort: string;
  readonly configFile: string;
  readonly process: ManagedProcess;
}

export interface AlertmanagerEndpoints {
  readonly url: string;
  readonly hostPort: string;
  readonly configFile: string;
  readonly process: ManagedProcess;
}

export interface PromSample {
  readonly metric: Record<string, string>;
  readonly value: [number, string];
}

export interface PromSeries {
  readonly metric: Record<string, string>;
  readonly values: Array<[number, string]>;
}

interface PromResponse<T> {
  status: 'success' | 'error';
  data?: { resultType: string; result: T };
  error?: string;
  errorType?: string;
}

export class Stack {
  constructor(
    readonly dir: string,
    readonly paths: BackendPaths,
    readonly collector: CollectorEndpoints | undefined,
    readonly prometheus: PrometheusEndpoints | undefined,
    readonly alertmanager: AlertmanagerEndpoints | undefined,
    readonly processes: readonly ManagedProcess[],
    private readonly keepDir: boolean,
  ) {}

  #requirePrometheus(): PrometheusEndpoints {
    if (!this.prometheus) throw new Error('this stack was started without Prometheus');
    return this.prometheus;
  }

  async #api<T>(path: string, params: Record<string, string>): Promise<T> {
    const url = new URL(path, this.#requirePrometheus().url);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    const body = (await response.json()) as PromResponse<T>;
    if (body.status !== 'success' || body.data === undefined) {
      throw new Error(`Prometheus ${path} ${params.query ?? ''}: ${body.errorType}: ${body.error}`);
    }
    return body.data.result;
  }

  /**
   * The alerts Prometheus's rule manager holds now (`/api/v1/alerts`: pending and firing, as
   * last evaluated). Unlike the `ALERTS` series, it is not answered from samples written before
   * a restart: an instant query returns such a sample for the 5-minute lookback.
   */
  async activeAlerts(): Promise<Array<{ labels: Record<string, string>; state: string }>> {
    const url = new URL('/api/v1/alerts', this.#requirePrometheus().url);
    const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    const body = (await response.json()) as PromResponse<never> & {
      data?: { alerts: Array<{ labels: Record<string, string>; state: string }> };
    };
    if (body.status !== 'success' || body.data === undefined) {
      throw new Error(`Prometheus /api/v1/alerts: ${body.errorType}: ${body.error}`);
    }
    return body.data.alerts;
  }

  /** PromQL instant query (vector result). */
  query(expr: string, time?: Date): Promise<PromSample[]> {
    const params: Record<string, string> = { query: expr };
    if (time) params.time = String(time.getTime() / 1000);
    return this.#api<PromSample[]>('/api/v1/query', params);
  }

  /** PromQL range query (matrix result). */
  queryRange(expr: string, start: Date, end: Date, stepSeconds: number): Promise<PromSeries[]> {
    return this.#api<PromSeries[]>('/api/v1/query_range', {
      query: expr,
      start: String(start.getTime() / 1000),
      end: String(end.getTime() / 1000),
      step: String(stepSeconds),
    });
  }

  /** Series names Prometheus knows (label values of __name__). */
  metricNames(): Promise<string[]> {
    return this.#api<string[]>('/api/v1/label/__name__/values', {});
  }

  /** Polls an instant query until it returns a non-empty result (and `accept` agrees). */
  async waitForQuery(
    expr: string,
    {
      timeoutMs = 30_000,
      accept,
    }: { timeoutMs?: number; accept?: (r: PromSample[]) => boolean } = {},
  ): Promise<PromSample[]> {
    const deadline = Date.now() + timeoutMs;
    let last: PromSample[] = [];
    while (Date.now() < deadline) {
      last = await this.query(expr);
      if (last.length > 0 && (accept === undefined || accept(last))) return last;
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(
      `Prometheus query ${expr} had no accepted result within ${timeoutMs} ms (last: ${JSON.stringify(last)})` +
        (this.collector ? `\ncollector output:\n${this.collector.process.tail(20)}` : ''),
    );
  }

  /** Stops every program (reverse start order) and removes the temp dir. Safe to call twice. */
  async stop(): Promise<void> {
    for (const p of [...this.processes].reverse()) await p.stop();
    if (!this.keepDir) rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Starts the requested programs; on any failure stops what was started and rethrows. */
export async function startStack(options: StackOptions): Promise<Stack> {
  const paths = binaries();
  const dir = mkdtempSync(join(tmpdir(), 'lorechat-stack-'));
  const started: ManagedProcess[] = [];
  const unused = async (): Promise<string> => `http://127.0.0.1:${await uniquePort()}`;
  try {
    let alertmanager: AlertmanagerEndpoints | undefined;
    let prometheus: PrometheusEndpoints | undefined;
    let collector: CollectorEndpoints | undefined;

    const amHostPort = options.alertmanager ? `127.0.0.1:${await uniquePort()}` : undefined;
    const promHostPort = options.prometheus ? `127.0.0.1:${await uniquePort()}` : undefined;
    const col = options.collector
      ? {
          grpc: `127.0.0.1:${await uniquePort()}`,
          http: `127.0.0.1:${await uniquePort()}`,
          health: `127.0.0.1:${await uniquePort()}`,
          metricsPort: await uniquePort(),
        }
      : undefined;

    if (amHostPort) {
      const { configFile } = writeAlertmanagerOverlay({
        outDir: join(dir, 'alertmanager'),
        webhookUrl: options.webhookUrl ?? `${await unused()}/alerts`,
        ...(options.chatUrl ? { slackApiUrl: options.chatUrl } : {}),
        ...(options.timeScale !== undefined ? { timeScale: options.timeScale } : {}),
      });
      const dataDir = join(dir, 'alertmanager', 'data');
      mkdirSync(dataDir, { recursive: true });
      const proc = new ManagedProcess(
        'alertmanager',
        paths.alertmanager,
        alertmanagerArgs({ configFile, dataDir, listen: amHostPort }),
        join(dir, 'alertmanager.log'),
        process.env,
      );
      started.push(proc);
      alertmanager = {
        url: `http://${amHostPort}`,
        hostPort: amHostPort,
        configFile,
        process: proc,
      };
    }

    if (promHostPort) {
      const { configFile } = writePrometheusOverlay({
        outDir: join(dir, 'prometheus'),
        jobTargets: {
          prometheus: [promHostPort],
          ...(col ? { 'otel-collector': [`127.0.0.1:${col.metricsPort}`] } : {}),
          ...(amHostPort ? { alertmanager: [amHostPort] } : {}),
        },
        alertmanagers: amHostPort ? [amHostPort] : [],
        ...(options.scrapeInterval ? { scrapeInterval: options.scrapeInterval } : {}),
        ...(options.evaluationInterval ? { evaluationInterval: options.evaluationInterval } : {}),
        ...(options.timeScale !== undefined ? { timeScale: options.timeScale } : {}),
      });
      const dataDir = join(dir, 'prometheus', 'data');
      const proc = new ManagedProcess(
        'prometheus',
        paths.prometheus,
        prometheusArgs({ configFile, dataDir, listen: promHostPort }),
        join(dir, 'prometheus.log'),
        { ...process.env, ...prometheusEnv() },
      );
      started.push(proc);
      prometheus = {
        url: `http://${promHostPort}`,
        hostPort: promHostPort,
        configFile,
        process: proc,
      };
    }

    if (col) {
      const fileStorageDir = join(dir, 'otelcol', 'file_storage');
      mkdirSync(fileStorageDir, { recursive: true });
      const env = {
        ...collectorEnv({
          otlpGrpc: col.grpc,
          otlpHttp: col.http,
          health: col.health,
          metricsPort: col.metricsPort,
          fileStorageDir,
          prometheusOtlp: promHostPort
            ? `http://${promHostPort}/api/v1/otlp`
            : (options.metricsEndpoint ?? (await unused())),
          tempoOtlp: options.tracesEndpoint ?? (await unused()),
          lokiOtlp: options.logsEndpoint ?? (await unused()),
        }),
        ...options.collectorEnv,
      };
      const proc = new ManagedProcess(
        'collector',
        paths.otelcol,
        [`--config=${COLLECTOR_CONFIG}`],
        join(dir, 'collector.log'),
        { ...process.env, ...env },
      );
      started.push(proc);
      collector = {
        otlpHttp: `http://${col.http}`,
        otlpGrpc: col.grpc,
        health: `http://${col.health}/`,
        metrics: `http://127.0.0.1:${col.metricsPort}/metrics`,
        metricsHostPort: `127.0.0.1:${col.metricsPort}`,
        process: proc,
        env,
      };
    }

    await Promise.all([
      alertmanager && waitUntilReady(`${alertmanager.url}/-/ready`, alertmanager.process),
      prometheus && waitUntilReady(`${prometheus.url}/-/ready`, prometheus.process),
      collector && waitUntilReady(collector.health, collector.process),
    ]);
    return new Stack(
      dir,
      paths,
      collector,
      prometheus,
      alertmanager,
      started,
      options.keepDir ?? false,
    );
  } catch (error) {
    for (const p of started.reverse()) await p.stop(2_000);
    if (!options.keepDir) rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
