import { stat } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import { DEFAULT_OUTPUT_DIR, FilesSource } from './files.js';
import { LokiEvents } from './loki.js';
import { PrometheusClient, PrometheusSource } from './prometheus.js';
import type {
  EventsReader,
  InputReport,
  MetricsReader,
  Progress,
  TelemetrySource,
  TimeWindow,
  TracesReader,
} from './types.js';

export interface SourceOptions {
  /** `--prometheus`; env `PROMETHEUS_URL`. */
  readonly prometheus?: string;
  /** `--loki`; env `LOKI_URL`. */
  readonly loki?: string;
  /** `--files`; env `LORECHAT_OTEL_OUTPUT_DIR`; default `.lorechat/telemetry` when it exists. */
  readonly files?: string;
  readonly lokiSelector?: string;
  readonly timeoutMs?: number;
  readonly progress?: Progress;
}

class CompositeSource implements TelemetrySource {
  readonly traces: TracesReader | undefined;
  constructor(
    readonly metrics: MetricsReader | undefined,
    readonly events: EventsReader | undefined,
    private readonly files: FilesSource | undefined,
  ) {
    // Exact turn durations only where the metrics come from the same files.
    this.traces = files && metrics === files.metrics ? files.traces : undefined;
  }
  inputReport(): Promise<InputReport | undefined> {
    return this.files ? this.files.inputReport() : Promise.resolve(undefined);
  }
  extent(): Promise<TimeWindow | undefined> {
    // Only a pure files source bounds "now"; a live backend means up to the present.
    return this.files && this.metrics === this.files.metrics
      ? this.files.extent()
      : Promise.resolve(undefined);
  }
  describe(): string {
    const parts = [this.metrics?.description, this.events?.description].filter(
      (d): d is string => d !== undefined,
    );
    return [...new Set(parts)].join(' + ');
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Picks the sources: flags win over the environment (when any source flag is given the
 * environment is ignored); metrics from Prometheus, else files; events from Loki, else files.
 */
export async function openSource(
  flags: SourceOptions,
  env: Readonly<Record<string, string | undefined>>,
): Promise<TelemetrySource> {
  const fromFlags =
    flags.prometheus !== undefined || flags.loki !== undefined || flags.files !== undefined;
  const prometheus = fromFlags ? flags.prometheus : env.PROMETHEUS_URL || undefined;
  const loki = fromFlags ? flags.loki : env.LOKI_URL || undefined;
  let files = fromFlags ? flags.files : env.LORECHAT_OTEL_OUTPUT_DIR || undefined;
  if (!prometheus && !loki && !files && (await isDirectory(DEFAULT_OUTPUT_DIR)))
    files = DEFAULT_OUTPUT_DIR;
  if (!prometheus && !loki && !files) {
    throw new UsageError(
      `no telemetry source: give --prometheus URL and/or --loki URL, or --files DIR (env PROMETHEUS_URL, LOKI_URL, LORECHAT_OTEL_OUTPUT_DIR); ${DEFAULT_OUTPUT_DIR} does not exist here`,
    );
  }
  const fileSource = files
    ? await FilesSource.open(files, { progress: flags.progress })
    : undefined;
  const common = { timeoutMs: flags.timeoutMs, progress: flags.progress };
  let metrics: MetricsReader | undefined = fileSource?.metrics;
  if (prometheus) metrics = new PrometheusSource(new PrometheusClient(prometheus, common)).metrics;
  const events = loki
    ? new LokiEvents(loki, { ...common, selector: flags.lokiSelector })
    : fileSource?.events;
  return new CompositeSource(metrics, events, fileSource);
}
