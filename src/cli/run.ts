/**
 * The `lorechat-otel` command line: analyze, trends, patterns, recommend, report.
 * Exit codes: 0 ok, 1 runtime/backend error, 2 usage error, 3 no data in the range.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type AnalyzeResult, analyze } from '../analysis/analyze.js';
import {
  AnalysisError,
  EXIT_OK,
  EXIT_RUNTIME,
  EXIT_USAGE,
  type ExitCode,
  UsageError,
} from '../analysis/errors.js';
import { INDICATORS, indicator } from '../analysis/indicators.js';
import { type PatternsResult, patterns } from '../analysis/patterns.js';
import { type RecommendResult, recommend } from '../analysis/recommend.js';
import { chartOptions, collectReport, renderReport } from '../analysis/report.js';
import { openSource } from '../analysis/sources/select.js';
import type { TelemetrySource, TimeWindow } from '../analysis/sources/types.js';
import { type TrendResult, trends } from '../analysis/trends.js';
import { formatDuration, parseDuration, parseTime } from '../analysis/time.js';
import { num, pct, table, withUnit } from './format.js';

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly now: () => number;
}

export const USAGE = `Usage: lorechat-otel <command> [options]

Commands:
  analyze                 requests, response times, error rates, tokens, popular queries
  trends <metric>         current value, change vs previous window, trend and forecast
  patterns                usage peaks (30d), error patterns (7d), performance anomalies (24h)
  recommend               optimisation recommendations with the numbers behind them
  report --out FILE       one self-contained HTML report with charts

Sources (flags win over the environment):
  --prometheus URL        Prometheus HTTP API (env PROMETHEUS_URL)
  --loki URL              Loki query API (env LOKI_URL)
  --loki-selector SEL     LogQL stream selector (default {service_name="lorechat"})
  --files DIR             the embedded default's OTLP-JSON files (env LORECHAT_OTEL_OUTPUT_DIR;
                          default .lorechat/telemetry when it exists)

Common options:
  --from TIME --to TIME   now, now-7d, 2025-01-31T12:00:00Z or Unix seconds
                          (default: the last 24h; with files only, the time span of the files)
  --json                  machine-readable output on stdout
  --quiet                 no progress on stderr
  --timeout DURATION      per backend request (default 60s)
  -h, --help

Command options:
  analyze   --top N               popular queries shown (default 10)
  trends    --window DURATION     default 7d; --step DURATION (default window/48)
  patterns  --step DURATION       step of the 24h anomaly series (default 5m, finer with less data)
  report    --out FILE            default report.html

Metrics for trends: ${INDICATORS.map((i) => i.id).join(', ')}

Exit codes: 0 ok, 1 runtime or backend error, 2 usage error, 3 no data in the range.
`;

const COMMANDS = ['analyze', 'trends', 'patterns', 'recommend', 'report'] as const;
type Command = (typeof COMMANDS)[number];

const OPTIONS = {
  prometheus: { type: 'string' },
  loki: { type: 'string' },
  'loki-selector': { type: 'string' },
  files: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean' },
  timeout: { type: 'string' },
  top: { type: 'string' },
  window: { type: 'string' },
  step: { type: 'string' },
  out: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<
  typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>
>['values'];

function parse(argv: readonly string[]) {
  try {
    return parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

async function resolveWindow(
  values: Values,
  source: TelemetrySource,
  now: number,
): Promise<TimeWindow> {
  const extent = await source.extent();
  const end = values.to !== undefined ? parseTime(values.to, now) : (extent?.end ?? now);
  // Files: start just before the first data point so that it falls inside (start, end].
  const start =
    values.from !== undefined
      ? parseTime(values.from, now)
      : extent && values.to === undefined
        ? extent.start - 1
        : end - 86_400_000;
  if (!(start < end)) {
    throw new UsageError(
      `empty range: --from (${new Date(start).toISOString()}) must be before --to (${new Date(end).toISOString()})`,
    );
  }
  return { start, end };
}

function printAnalyze(r: AnalyzeResult): string {
  let out = `LoreChat analysis ${r.from} to ${r.to}\nsource: ${r.source} (figures from ${r.basis})\n\n`;
  out += table(
    ['measure', 'value'],
    [
      ['total requests', num(r.totalRequests, 0)],
      ['failed requests', num(r.failedRequests, 0)],
      ['error rate', pct(r.errorRate)],
      ['avg response time', `${num(r.avgResponseTimeSeconds)} s`],
      ['p95 response time', `${num(r.p95ResponseTimeSeconds)} s`],
      ['total tokens', num(r.totalTokens, 0)],
    ],
  );
  out += '\nerror rate by component\n';
  out += table(
    ['component', 'operations', 'errors', 'rate'],
    r.errorsByComponent.map((c) => [
      c.component,
      num(c.operations, 0),
      num(c.errors, 0),
      pct(c.rate),
    ]),
  );
  out += '\nerrors by type\n';
  out += table(
    ['component', 'error type', 'errors', 'rate'],
    r.errorsByType.map((t) => [t.component, t.errorType, num(t.errors, 0), pct(t.rate)]),
  );
  out += '\ntoken usage\n';
  out += table(
    ['model', 'type', 'tokens'],
    r.tokenUsage.map((t) => [t.model, t.type, num(t.tokens, 0)]),
  );
  out += '\npopular queries (by fingerprint)\n';
  out +=
    r.popularQueries === null
      ? '  (needs an event source: --loki or --files)\n'
      : table(
          ['fingerprint', 'count', 'share', 'query'],
          r.popularQueries.map((q) => [
            q.fingerprint,
            num(q.count, 0),
            pct(q.share),
            q.query ?? '',
          ]),
        );
  for (const n of r.notes) out += `\nnote: ${n}`;
  return out + (r.notes.length > 0 ? '\n' : '');
}

function printTrend(r: TrendResult): string {
  const u = (v: number | null) => withUnit(v, r.unit);
  const rows: string[][] = [
    ['current (last step)', `${u(r.current)}${r.currentAt ? ` at ${r.currentAt}` : ''}`],
    [`this window (${r.window})`, u(r.windowValue)],
    ['previous window', u(r.previousWindowValue)],
    ['change vs previous', pct(r.changeVsPrevious)],
    [
      'trend (least squares)',
      r.trend
        ? `${r.trend.direction}: ${num(r.trend.slopePerHour, 6)} ${r.unit}/h, ${pct(r.trend.relativeChange)} over the window, R² ${num(r.trend.r2, 3)}, ${r.trend.points} steps`
        : 'n/a (needs 2 steps with data)',
    ],
    [
      'forecast (next step)',
      r.forecast
        ? `${u(r.forecast.value)} at ${r.forecast.at} (95 %: ${u(r.forecast.low)} .. ${u(r.forecast.high)})`
        : 'n/a',
    ],
    ['forecast method', r.forecast?.method ?? 'n/a'],
  ];
  return `${r.metric}: ${r.description}\n${r.from} to ${r.to}, step ${r.step}\n\n${table(['measure', 'value'], rows)}`;
}

function printPatterns(r: PatternsResult): string {
  let out = `patterns up to ${r.to}\nsource: ${r.source}\n\n`;
  out += table(
    ['type', 'pattern', 'score'],
    r.patterns.map((p) => [p.type, p.description, `${p.scoreName} ${num(p.score, 3)}`]),
  );
  if (r.usage) {
    out += `\nusage profile (UTC; ${r.usage.activeDays} active days, ${r.usage.activeWeeks} active weeks)\n`;
    out += table(
      ['hour', 'mean requests', 'peak confidence'],
      r.usage.hourOfDay
        .map((v, h) => [String(h).padStart(2, '0'), num(v, 2), num(r.usage?.hourConfidence[h], 2)])
        .filter((row) => row[1] !== '0'),
    );
  }
  for (const a of r.performance) {
    out += `\n${a.metric}: ${a.series.length} steps of ${a.step}, mean ${num(a.mean)}, std ${num(a.stddev)}, ${a.anomalies.length} beyond 2 sigma\n`;
  }
  for (const n of r.notes) out += `\nnote: ${n}`;
  return out + (r.notes.length > 0 ? '\n' : '');
}

function printRecommend(r: RecommendResult): string {
  let out = `recommendations ${r.from} to ${r.to}\nsource: ${r.source}\n\n`;
  out += table(
    ['measurement', 'value'],
    Object.entries(r.measurements).map(([k, v]) => [k, num(v, 4)]),
  );
  out += '\n';
  if (r.recommendations.length === 0) return out + 'No rule triggered: nothing to recommend.\n';
  for (const rec of r.recommendations)
    out += `[${rec.severity}] ${rec.title}\n  ${rec.finding}\n  -> ${rec.action}\n\n`;
  return out;
}

async function execute(
  command: Command,
  values: Values,
  positionals: string[],
  io: CliIo,
): Promise<void> {
  const progress = values.quiet ? () => {} : (m: string) => io.stderr(`… ${m}\n`);
  const timeoutMs = values.timeout !== undefined ? parseDuration(values.timeout) : undefined;
  // Validate the command's own arguments before touching any backend.
  const metric = command === 'trends' ? indicator(positionals[0] ?? '') : undefined;
  if (command === 'trends' && positionals[0] === undefined)
    throw new UsageError(`trends needs a metric: ${INDICATORS.map((i) => i.id).join(', ')}`);
  if (command !== 'trends' && positionals.length > 0)
    throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const window = values.window !== undefined ? parseDuration(values.window) : 7 * 86_400_000;
  const step = values.step !== undefined ? parseDuration(values.step) : undefined;
  const top = values.top !== undefined ? Number(values.top) : 10;
  if (!Number.isInteger(top) || top < 1)
    throw new UsageError(`bad --top "${values.top}": a positive integer`);

  const now = io.now();
  const source = await openSource(
    {
      prometheus: values.prometheus,
      loki: values.loki,
      files: values.files,
      lokiSelector: values['loki-selector'],
      timeoutMs,
      progress,
    },
    io.env,
  );
  progress(`source: ${source.describe()}`);
  const emit = (result: unknown, text: string) =>
    io.stdout(values.json ? `${JSON.stringify(result, null, 2)}\n` : text);
  const needMetrics = () => {
    if (!source.metrics)
      throw new UsageError(`${command} needs metrics: give --prometheus URL or --files DIR`);
    return source.metrics;
  };

  switch (command) {
    case 'analyze': {
      const r = await analyze(source, await resolveWindow(values, source, now), { top, progress });
      emit(r, printAnalyze(r));
      return;
    }
    case 'trends': {
      const reader = needMetrics();
      const extent = await source.extent();
      const end = values.to !== undefined ? parseTime(values.to, now) : (extent?.end ?? now);
      const r = await trends(reader, metric as NonNullable<typeof metric>, {
        end,
        window,
        step,
        progress,
      });
      emit(r, printTrend(r));
      return;
    }
    case 'patterns': {
      const extent = await source.extent();
      const end = values.to !== undefined ? parseTime(values.to, now) : (extent?.end ?? now);
      const r = await patterns(source, { end, extent, performanceStep: step, progress });
      emit(r, printPatterns(r));
      return;
    }
    case 'recommend': {
      const reader = needMetrics();
      const r = await recommend(reader, await resolveWindow(values, source, now), {
        source: source.describe(),
        progress,
      });
      emit(r, printRecommend(r));
      return;
    }
    case 'report': {
      const out = resolve(values.out ?? 'report.html');
      const data = await collectReport(source, await resolveWindow(values, source, now), {
        progress,
        now,
      });
      const html = await renderReport(data);
      await mkdir(dirname(out), { recursive: true });
      await writeFile(out, html);
      emit(
        {
          out,
          bytes: Buffer.byteLength(html),
          charts: Object.keys(chartOptions(data)),
          recommendations: data.recommendations?.recommendations.length ?? 0,
          notes: data.notes,
        },
        `report written to ${out} (${formatDuration(Date.parse(data.to) - Date.parse(data.from))} of telemetry, ${data.recommendations?.recommendations.length ?? 0} recommendations)\n`,
      );
      return;
    }
  }
}

/** Runs the CLI and returns its exit code; never throws. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  try {
    const { values, positionals } = parse(argv);
    const [command, ...rest] = positionals;
    if (values.help || command === 'help') {
      io.stdout(USAGE);
      return EXIT_OK;
    }
    if (command === undefined) {
      io.stderr(USAGE);
      return EXIT_USAGE;
    }
    if (!(COMMANDS as readonly string[]).includes(command)) {
      throw new UsageError(`unknown command "${command}"; commands: ${COMMANDS.join(', ')}`);
    }
    await execute(command as Command, values, rest, io);
    return EXIT_OK;
  } catch (err) {
    if (err instanceof AnalysisError) {
      io.stderr(`lorechat-otel: ${err.message}\n`);
      if (err.exitCode === EXIT_USAGE) io.stderr('run "lorechat-otel --help" for usage\n');
      return err.exitCode;
    }
    io.stderr(`lorechat-otel: ${(err as Error).stack ?? String(err)}\n`);
    return EXIT_RUNTIME;
  }
}
