/**
 * The `lorechat-otel` command line: analyze, trends, patterns, recommend, report.
 * Exit codes: 0 ok, 1 runtime/backend error, 2 usage error, 3 no data in the range.
 */
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type AnalyzeResult, analyze, inputNote } from '../analysis/analyze.js';
import {
  AnalysisError,
  EXIT_NO_DATA,
  EXIT_OK,
  EXIT_RUNTIME,
  EXIT_USAGE,
  type ExitCode,
  NoDataError,
  UsageError,
} from '../analysis/errors.js';
import { type Evidence, describeEvidence, plural } from '../analysis/evidence.js';
import { INDICATORS, indicator } from '../analysis/indicators.js';
import { type PatternsResult, patterns } from '../analysis/patterns.js';
import { type RecommendResult, recommend } from '../analysis/recommend.js';
import { chartOptions, collectReport, renderReport } from '../analysis/report.js';
import { openSource } from '../analysis/sources/select.js';
import type { InputReport, TelemetrySource, TimeWindow } from '../analysis/sources/types.js';
import { type TrendResult, trends } from '../analysis/trends.js';
import { formatDuration, parseDuration, parseTime } from '../analysis/time.js';
import { loadPrices, type PriceTable } from '../cost/prices.js';
import { DEFAULT_PRICE_TABLE } from '../cost/default-prices.js';
import { num, pct, table, usd, withUnit } from './format.js';

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly now: () => number;
}

const SOURCES_HELP = `Sources (flags win over the environment):
  --prometheus URL        Prometheus HTTP API (env PROMETHEUS_URL)
  --loki URL              Loki query API (env LOKI_URL)
  --loki-selector SEL     LogQL stream selector (default {service_name="lorechat"})
  --files DIR             the embedded default's OTLP-JSON files, .gz rotations included
                          (env LORECHAT_OTEL_OUTPUT_DIR; default .lorechat/telemetry when it exists)`;

const COMMON_HELP = `Common options:
  --from TIME --to TIME   now, now-7d, 2025-01-31T12:00:00Z or Unix seconds
                          (default: the last 24h; with files only, the time span of the files)
  --json                  one JSON object on stdout (also when there is no data)
  --quiet                 no progress on stderr
  --timeout DURATION      per backend request (default 60s)
  -h, --help              help (of a command: lorechat-otel <command> --help)
  --version               the package version`;

const EXIT_HELP = `Exit codes: 0 ok, 1 runtime or backend error, 2 usage error, 3 no data in the range.`;

export const USAGE = `Usage: lorechat-otel <command> [options]

Commands:
  analyze                 requests, response times, error rates, tokens, popular queries
  trends <metric>         current value, change vs previous window, trend and forecast
  patterns                usage peaks (30d), error patterns (7d), performance anomalies (24h)
  recommend               optimisation recommendations with the numbers behind them
  report                  one self-contained HTML report with charts

${SOURCES_HELP}

${COMMON_HELP}

Metrics for trends: ${INDICATORS.map((i) => i.id).join(', ')}

Every figure states the data it rests on (time span, sample count); below the documented
minimums it is withheld with the reason.

${EXIT_HELP}
Run "lorechat-otel <command> --help" for a command's options and examples.
`;

const COMMANDS = ['analyze', 'trends', 'patterns', 'recommend', 'report'] as const;
type Command = (typeof COMMANDS)[number];

const COMMAND_HELP: Readonly<
  Record<Command, { synopsis: string; text: string; options: readonly string[] }>
> = {
  analyze: {
    synopsis:
      'lorechat-otel analyze [--top N] [--price-overrides FILE] [source] [--from TIME --to TIME]',
    text: `Requests, failed requests, error rate, average and p95 response time (p95 withheld below
20 turns), error rate by component and error type, token usage, cost per model and per turn
(the cost rules' price table; models without a price listed as unpriced, never as 0 USD),
popular queries.

Options:
  --top N                 popular queries shown (default 10)
  --price-overrides FILE  your prices (the price table's shape; they win model by model, as
                          with scripts/gen-cost-rules.ts --overrides FILE)

Examples:
  lorechat-otel analyze                                    # .lorechat/telemetry, its whole span
  lorechat-otel analyze --prometheus http://localhost:9090 --loki http://localhost:3100 --from now-24h
  lorechat-otel analyze --files ./telemetry --json | jq .p95ResponseTimeSeconds`,
    options: ['top', 'price-overrides'],
  },
  trends: {
    synopsis:
      'lorechat-otel trends <metric> [--window DURATION] [--step DURATION] [source] [--to TIME]',
    text: `Current value, the window against the previous window, least-squares trend and a forecast of
the next step with its 95 % prediction interval. The step is never shorter than the interval
at which the data were exported.

Metrics: ${INDICATORS.map((i) => i.id).join(', ')}

Options:
  --window DURATION       default 7d
  --step DURATION         default window/48, at least the export interval

Examples:
  lorechat-otel trends response_time_p95 --window 7d --prometheus http://localhost:9090
  lorechat-otel trends throughput --window 1h --step 1m
  lorechat-otel trends memory_max --json`,
    options: ['window', 'step'],
  },
  patterns: {
    synopsis: 'lorechat-otel patterns [--step DURATION] [source] [--to TIME]',
    text: `Usage peaks by hour of day and weekday (30 days, confidence >= 0.8), components and error types
failing above 5 % (7 days, at least 20 operations), response-time anomalies beyond 2 standard
deviations (24 hours, at least 8 steps).

Options:
  --step DURATION         step of the 24h anomaly series (default 5m, finer with less data)

Examples:
  lorechat-otel patterns --prometheus http://localhost:9090
  lorechat-otel patterns --files ./telemetry --json`,
    options: ['step'],
  },
  recommend: {
    synopsis: 'lorechat-otel recommend [source] [--from TIME --to TIME]',
    text: `The plan's optimisation rules (vector search > 0.5 s, memory growth > 10 %, tokens > 1000 per
minute) and the alerting thresholds, each with the numbers and the data behind it. Per-minute
rules need at least a minute of data.

Examples:
  lorechat-otel recommend --from now-7d --prometheus http://localhost:9090
  lorechat-otel recommend --json`,
    options: [],
  },
  report: {
    synopsis: 'lorechat-otel report [--out FILE] [source] [--from TIME --to TIME]',
    text: `One self-contained HTML file (charts inlined, no network): summary, recommendations, response
time, memory over time, errors, tokens, trends, patterns, popular queries. Sections without
enough data say why instead of drawing an empty chart.

Options:
  --out FILE              default report.html

Examples:
  lorechat-otel report --out .lorechat/report.html
  lorechat-otel report --prometheus http://localhost:9090 --loki http://localhost:3100 --from now-7d`,
    options: ['out'],
  },
};

function commandHelp(command: Command): string {
  const h = COMMAND_HELP[command];
  return `Usage: ${h.synopsis}\n\n${h.text}\n\n${SOURCES_HELP}\n\n${COMMON_HELP}\n\n${EXIT_HELP}\n`;
}

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
  'price-overrides': { type: 'string' },
  window: { type: 'string' },
  step: { type: 'string' },
  out: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;

/** Options only some commands take. */
const COMMAND_OPTIONS: readonly string[] = ['top', 'price-overrides', 'window', 'step', 'out'];

type Values = ReturnType<
  typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>
>['values'];

/** parseArgs's errors, rephrased (its own text suggests `--` for unknown options). */
function parse(argv: readonly string[]) {
  try {
    return parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    const e = err as Error & { code?: string };
    const option = /'(-{1,2}[^'\s]+)/.exec(e.message)?.[1];
    if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION')
      throw new UsageError(`unknown option ${option ?? e.message}`);
    if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const name = /--([a-z-]+)/.exec(e.message)?.[1];
      const def = name ? (OPTIONS as Record<string, { type: string }>)[name] : undefined;
      throw new UsageError(
        def?.type === 'boolean'
          ? `option --${name} takes no value`
          : `option --${name ?? '?'} needs a value`,
      );
    }
    throw new UsageError(e.message);
  }
}

/** The package's version, from the package.json next to the code (src/ or dist/). */
export function packageVersion(): string {
  const here = typeof __filename === 'string' ? __filename : fileURLToPath(import.meta.url);
  for (let dir = dirname(here), i = 0; i < 5; i++, dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'lorechat-otel' && pkg.version) return pkg.version;
    } catch {
      // Not here; one level up.
    }
  }
  return 'unknown';
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

/** A figure, or "withheld: reason" when the evidence is too thin. */
function figure(text: string, ev: Evidence | undefined): string {
  return ev?.withheld ? `withheld: ${ev.withheld}` : text;
}

const basedOn = (ev: Evidence | undefined) => (ev ? describeEvidence(ev) : '');

function inputBlock(input: InputReport | null | undefined): string {
  if (!input || input.unusableLines === 0) return '';
  const lines = input.problems.map((p) => `  ${p.file}:${p.line}: ${p.reason}`);
  const more = input.unusableLines - input.problems.length;
  return `\nunusable input (${plural(input.unusableLines, 'line')}, left out of every figure)\n${lines.join('\n')}${more > 0 ? `\n  ... and ${more} more` : ''}\n`;
}

function printAnalyze(r: AnalyzeResult): string {
  const e = r.evidence;
  let out = `LoreChat analysis ${r.from} to ${r.to}\nsource: ${r.source} (figures from ${r.basis}${r.responseTimeBasis && r.responseTimeBasis !== r.basis ? `; response times from ${r.responseTimeBasis}` : ''})\n\n`;
  out += table(
    ['measure', 'value', 'based on'],
    [
      ['total requests', num(r.totalRequests, 0), basedOn(e.requests)],
      ['failed requests', num(r.failedRequests, 0), basedOn(e.requests)],
      ['error rate', figure(pct(r.errorRate), e.errorRate), basedOn(e.errorRate)],
      [
        'avg response time',
        figure(`${num(r.avgResponseTimeSeconds)} s`, e.avgResponseTime),
        basedOn(e.avgResponseTime),
      ],
      [
        'p95 response time',
        figure(`${num(r.p95ResponseTimeSeconds)} s`, e.p95ResponseTime),
        basedOn(e.p95ResponseTime),
      ],
      [
        'min / max response time',
        r.maxResponseTimeSeconds === null
          ? 'n/a'
          : `${num(r.minResponseTimeSeconds)} s / ${num(r.maxResponseTimeSeconds)} s`,
        basedOn(e.avgResponseTime),
      ],
      ['total tokens', figure(num(r.totalTokens, 0), e.tokens), basedOn(e.tokens)],
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
  out += costBlock(r.cost);
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
  out += inputBlock(r.input);
  for (const n of r.notes) out += `\nnote: ${n}`;
  return out + (r.notes.length > 0 ? '\n' : '');
}

function printTrend(r: TrendResult): string {
  const u = (v: number | null) => withUnit(v, r.unit);
  const e = r.evidence;
  const rows: string[][] = [
    [
      'current (last step)',
      figure(`${u(r.current)}${r.currentAt ? ` at ${r.currentAt}` : ''}`, e.current),
      basedOn(e.current),
    ],
    [`this window (${r.window})`, figure(u(r.windowValue), e.window), basedOn(e.window)],
    [
      'previous window',
      figure(u(r.previousWindowValue), e.previousWindow),
      basedOn(e.previousWindow),
    ],
    ['change vs previous', pct(r.changeVsPrevious), ''],
    [
      'trend (least squares)',
      figure(
        r.trend
          ? `${r.trend.direction}: ${num(r.trend.slopePerHour, 6)} ${r.unit}/h, ${pct(r.trend.relativeChange)} over the window, R² ${num(r.trend.r2, 3)}`
          : 'n/a',
        e.trend,
      ),
      basedOn(e.trend),
    ],
    [
      'forecast (next step)',
      figure(
        r.forecast
          ? `${u(r.forecast.value)} at ${r.forecast.at} (95 %: ${u(r.forecast.low)} .. ${u(r.forecast.high)})`
          : 'n/a',
        e.forecast,
      ),
      basedOn(e.forecast),
    ],
    ['forecast method', r.forecast?.method ?? 'n/a', ''],
  ];
  let out = `${r.metric}: ${r.description}\n${r.from} to ${r.to}, step ${r.step}\n\n${table(['measure', 'value', 'based on'], rows)}`;
  for (const n of r.notes) out += `\nnote: ${n}`;
  return out + (r.notes.length > 0 ? '\n' : '');
}

function printPatterns(r: PatternsResult): string {
  let out = `patterns up to ${r.to}\nsource: ${r.source}\n\n`;
  out += table(
    ['type', 'pattern', 'score', 'based on'],
    r.patterns.map((p) => [
      p.type,
      p.description,
      `${p.scoreName} ${num(p.score, 3)}`,
      basedOn(p.evidence),
    ]),
  );
  if (r.usage && r.usage.activeDays > 0) {
    out += `\nusage profile (UTC; ${plural(r.usage.activeDays, 'active day')}, ${plural(r.usage.activeWeeks, 'active week')})\n`;
    out += table(
      ['hour', 'mean requests', 'peak confidence'],
      r.usage.hourOfDay
        .map((v, h) => [String(h).padStart(2, '0'), num(v, 2), num(r.usage?.hourConfidence[h], 2)])
        .filter((row) => row[1] !== '0'),
    );
  }
  for (const a of r.performance) {
    out += `\n${a.metric}: ${plural(a.series.length, 'step')} of ${a.step}, mean ${num(a.mean)}, std ${num(a.stddev)}, ${a.evidence?.withheld ? `anomalies withheld: ${a.evidence.withheld}` : `${a.anomalies.length} beyond 2 sigma`}\n`;
  }
  for (const n of r.notes) out += `\nnote: ${n}`;
  return out + (r.notes.length > 0 ? '\n' : '');
}

function printRecommend(r: RecommendResult): string {
  let out = `recommendations ${r.from} to ${r.to}\nsource: ${r.source}\n\n`;
  out += table(
    ['measurement', 'value', 'based on'],
    Object.entries(r.measurements).map(([k, v]) => [
      k,
      figure(num(v, 4), r.evidence[k]),
      basedOn(r.evidence[k]),
    ]),
  );
  out += '\n';
  if (r.recommendations.length === 0) return out + 'No rule triggered: nothing to recommend.\n';
  for (const rec of r.recommendations)
    out += `[${rec.severity}] ${rec.title}\n  ${rec.finding} (${basedOn(rec.evidence)})\n  -> ${rec.action}\n\n`;
  return out;
}

function costBlock(c: AnalyzeResult['cost']): string {
  if (c === null) return '\ncost\n  (no token counts in range)\n';
  let out = `\ncost (prices: ${c.priceTable})\n`;
  out += table(
    ['model', 'input', 'output', 'cache read', 'cache write', 'cost'],
    c.models.map((m) => [
      m.model,
      num(m.input, 0),
      num(m.output, 0),
      num(m.cacheRead, 0),
      num(m.cacheWrite, 0),
      m.usd === null ? 'unpriced' : usd(m.usd),
    ]),
  );
  const unpricedTokens = `${num(c.unpricedTokens, 0)} tokens of ${c.unpricedModels.join(', ')}`;
  if (c.totalUsd === null) {
    out += `  total: unknown (no model has a price: ${unpricedTokens})\n`;
  } else {
    const unpriced =
      c.unpricedModels.length > 0 ? ` (priced models only: ${unpricedTokens} have no price)` : '';
    out += `  total: ${usd(c.totalUsd)}${unpriced}\n`;
  }
  out += `  per turn: ${c.perTurnUsd === null ? 'unknown' : usd(c.perTurnUsd)} over ${plural(c.turns, 'turn')}\n`;
  return out;
}

async function execute(
  command: Command,
  values: Values,
  positionals: string[],
  io: CliIo,
): Promise<unknown> {
  const progress = values.quiet ? () => {} : (m: string) => io.stderr(`… ${m}\n`);
  // Validate the command's own arguments before touching any backend.
  for (const o of COMMAND_OPTIONS) {
    if (
      (values as Record<string, unknown>)[o] !== undefined &&
      !COMMAND_HELP[command].options.includes(o)
    ) {
      throw new UsageError(
        `${command} takes no --${o} (it is an option of ${COMMANDS.filter((c) => COMMAND_HELP[c].options.includes(o)).join(', ')})`,
      );
    }
  }
  if (command === 'trends' && positionals[0] === undefined)
    throw new UsageError(
      `trends needs a metric, one of: ${INDICATORS.map((i) => i.id).join(', ')}`,
    );
  const metric = command === 'trends' ? indicator(positionals[0] ?? '') : undefined;
  const extra = command === 'trends' ? positionals.slice(1) : positionals;
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  const timeoutMs = values.timeout !== undefined ? parseDuration(values.timeout) : undefined;
  const window = values.window !== undefined ? parseDuration(values.window) : 7 * 86_400_000;
  const step = values.step !== undefined ? parseDuration(values.step) : undefined;
  const top = values.top !== undefined ? Number(values.top) : 10;
  if (!Number.isInteger(top) || top < 1)
    throw new UsageError(`bad --top "${values.top}": a positive integer`);
  const overrides = values['price-overrides'];
  let prices: PriceTable;
  try {
    prices = loadPrices(DEFAULT_PRICE_TABLE, overrides);
  } catch (err) {
    throw new UsageError(`--price-overrides: ${(err as Error).message}`);
  }
  const now = io.now();
  if (values.from !== undefined) parseTime(values.from, now);
  if (values.to !== undefined) parseTime(values.to, now);

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
  const input = (await source.inputReport?.()) ?? null;
  const warnInput = () => {
    // Text output lists them in the result; on stderr too, so that --json users see them.
    if (input && input.unusableLines > 0 && values.json)
      io.stderr(
        `lorechat-otel: warning: ${plural(input.unusableLines, 'unusable line')} in the files (see "input" in the JSON)\n`,
      );
  };
  const emit = (result: Record<string, unknown>, text: string) => {
    warnInput();
    io.stdout(
      values.json
        ? `${JSON.stringify({ ...result, input }, null, 2)}\n`
        : text + inputBlockOnce(result),
    );
    return result;
  };
  const inputBlockOnce = (result: Record<string, unknown>) =>
    'input' in result ? '' : inputBlock(input);
  const needMetrics = () => {
    if (!source.metrics)
      throw new UsageError(`${command} needs metrics: give --prometheus URL or --files DIR`);
    return source.metrics;
  };
  const extent = await source.extent();
  try {
    return await run();
  } catch (err) {
    // "No data" caused by unusable lines says so, with file and line.
    const why = inputNote(input);
    if (err instanceof NoDataError && why) throw new NoDataError(`${err.message}; ${why}`);
    throw err;
  }

  async function run(): Promise<unknown> {
    switch (command) {
      case 'analyze': {
        const r = await analyze(source, await resolveWindow(values, source, now), {
          top,
          progress,
          prices,
          pricesName:
            overrides === undefined
              ? DEFAULT_PRICE_TABLE.dataset
              : `${DEFAULT_PRICE_TABLE.dataset} + ${overrides}`,
        });
        return emit({ ...r }, printAnalyze(r));
      }
      case 'trends': {
        const reader = needMetrics();
        const end = values.to !== undefined ? parseTime(values.to, now) : (extent?.end ?? now);
        const r = await trends(reader, metric as NonNullable<typeof metric>, {
          end,
          window,
          step,
          progress,
          extent,
        });
        return emit({ ...r }, printTrend(r));
      }
      case 'patterns': {
        const end = values.to !== undefined ? parseTime(values.to, now) : (extent?.end ?? now);
        const r = await patterns(source, { end, extent, performanceStep: step, progress });
        return emit({ ...r }, printPatterns(r));
      }
      case 'recommend': {
        const reader = needMetrics();
        const r = await recommend(reader, await resolveWindow(values, source, now), {
          source: source.describe(),
          progress,
          extent,
          ...(source.traces ? { traces: source.traces } : {}),
        });
        return emit({ ...r }, printRecommend(r));
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
        const n = data.recommendations?.recommendations.length ?? 0;
        return emit(
          {
            out,
            bytes: Buffer.byteLength(html),
            charts: Object.keys(chartOptions(data)),
            recommendations: n,
            notes: data.notes,
          },
          `report written to ${out} (${formatDuration(Date.parse(data.to) - Date.parse(data.from))} of telemetry, ${plural(n, 'recommendation')})\n`,
        );
      }
    }
  }
}

/** Runs the CLI and returns its exit code; never throws. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  // Known before parsing, so that even a parse error answers --json with JSON.
  const json = argv.includes('--json');
  let command: string | undefined;
  try {
    const { values, positionals } = parse(argv);
    const [first, ...rest] = positionals;
    command = first;
    if (values.version) {
      io.stdout(
        values.json
          ? `${JSON.stringify({ version: packageVersion() })}\n`
          : `${packageVersion()}\n`,
      );
      return EXIT_OK;
    }
    if (command === 'help') {
      const about = rest[0];
      io.stdout(
        (COMMANDS as readonly string[]).includes(about ?? '')
          ? commandHelp(about as Command)
          : USAGE,
      );
      return EXIT_OK;
    }
    if (values.help) {
      io.stdout(
        (COMMANDS as readonly string[]).includes(command ?? '')
          ? commandHelp(command as Command)
          : USAGE,
      );
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
    const known = err instanceof AnalysisError;
    const message = known ? err.message : ((err as Error).stack ?? String(err));
    const code: ExitCode = known ? err.exitCode : EXIT_RUNTIME;
    if (json) {
      // An empty (or failed) result is still one JSON object that says what happened.
      io.stdout(
        `${JSON.stringify(
          {
            ok: false,
            ...(command !== undefined ? { command } : {}),
            noData: code === EXIT_NO_DATA,
            error: code === EXIT_NO_DATA ? 'no data' : code === EXIT_USAGE ? 'usage' : 'runtime',
            message: known ? err.message : (err as Error).message,
            exitCode: code,
          },
          null,
          2,
        )}\n`,
      );
    }
    io.stderr(`lorechat-otel: ${message}\n`);
    if (code === EXIT_USAGE) {
      const about = (COMMANDS as readonly string[]).includes(command ?? '')
        ? `${command} --help`
        : '--help';
      io.stderr(`run "lorechat-otel ${about}" for usage\n`);
    }
    return code;
  }
}
