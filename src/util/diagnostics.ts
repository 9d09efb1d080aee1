/**
 * Diagnostics go to stderr only, never to the app's stdout. `DiagConsoleLogger` (what the
 * SDK installs for `OTEL_LOG_LEVEL`) prints `info`, `debug` and `verbose` with
 * `console.info` / `console.debug`, i.e. on stdout, and `diagLogLevelFromString` turns an
 * invalid level into INFO; both would mix our lines into an app's output.
 *
 * A few conditions are worth a line on stderr even without `OTEL_LOG_LEVEL` (they lose a
 * user's telemetry silently otherwise): the embedded Prometheus port taken, a second
 * OpenTelemetry SDK registering its providers after ours, an invalid `OTEL_LOG_LEVEL`.
 */
import { type DiagLogger, DiagLogLevel, diag } from '@opentelemetry/api';

const LEVELS: Readonly<Record<string, DiagLogLevel>> = {
  NONE: DiagLogLevel.NONE,
  ERROR: DiagLogLevel.ERROR,
  WARN: DiagLogLevel.WARN,
  INFO: DiagLogLevel.INFO,
  DEBUG: DiagLogLevel.DEBUG,
  VERBOSE: DiagLogLevel.VERBOSE,
  ALL: DiagLogLevel.ALL,
};

/** Writes one line to stderr, prefixed; never throws. */
export function warnOnStderr(message: string): void {
  try {
    process.stderr.write(`lorechat-otel: warning: ${message}\n`);
  } catch {
    // stderr closed: nothing else to do
  }
}

/** `OTEL_LOG_LEVEL` as a level; `undefined` when unset; `'invalid'` when it does not parse. */
export function parseLogLevel(raw: string | undefined): DiagLogLevel | undefined | 'invalid' {
  const v = raw?.trim().toUpperCase();
  if (v === undefined || v === '') return undefined;
  return LEVELS[v] ?? 'invalid';
}

function format(message: string, args: unknown[]): string {
  const rest = args.map((a) =>
    a instanceof Error ? (a.stack ?? a.message) : typeof a === 'string' ? a : safeJson(a),
  );
  return [message, ...rest].join(' ');
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

const DUPLICATE =
  /duplicate registration of API: (\w+)|Registration of version \S+ for (\w+) does not match/;

const SECOND_SDK_HELP =
  'the app registers its own OpenTelemetry %s provider after lorechat-otel; the first ' +
  'registration stays, so that SDK exports nothing. Either drop the lorechat-otel preload ' +
  'and add its instrumentations to your SDK, or drop your SDK (see "Use it with your own ' +
  'OpenTelemetry SDK" in the README).';

/**
 * A diag logger on stderr. Below `level` it stays silent, except for the second-SDK warning
 * (the API reports a refused global registration as a diag error), which always prints once
 * per signal.
 */
export class StderrDiagLogger implements DiagLogger {
  private readonly warned = new Set<string>();
  constructor(private readonly level: DiagLogLevel) {}

  private write(at: DiagLogLevel, name: string, message: string, args: unknown[]): void {
    if (at > this.level && at !== DiagLogLevel.ERROR) return;
    const text = format(message, args);
    const dup = DUPLICATE.exec(text);
    if (dup) {
      const signal = dup[1] ?? dup[2] ?? 'trace';
      if (!this.warned.has(signal)) {
        this.warned.add(signal);
        warnOnStderr(SECOND_SDK_HELP.replace('%s', signal));
      }
      if (this.level < DiagLogLevel.DEBUG) return;
    }
    if (at > this.level) return;
    try {
      process.stderr.write(`${name} ${text}\n`);
    } catch {
      // stderr closed
    }
  }

  error(message: string, ...args: unknown[]): void {
    this.write(DiagLogLevel.ERROR, 'error', message, args);
  }
  warn(message: string, ...args: unknown[]): void {
    this.write(DiagLogLevel.WARN, 'warn', message, args);
  }
  info(message: string, ...args: unknown[]): void {
    this.write(DiagLogLevel.INFO, 'info', message, args);
  }
  debug(message: string, ...args: unknown[]): void {
    this.write(DiagLogLevel.DEBUG, 'debug', message, args);
  }
  verbose(message: string, ...args: unknown[]): void {
    this.write(DiagLogLevel.VERBOSE, 'verbose', message, args);
  }
}

/**
 * Installs the stderr logger for `OTEL_LOG_LEVEL` (default: nothing but the warnings above).
 * An invalid value is reported once and ignored.
 */
export function installDiagLogger(raw: string | undefined = process.env.OTEL_LOG_LEVEL): void {
  const parsed = parseLogLevel(raw);
  if (parsed === 'invalid') {
    warnOnStderr(
      `ignoring OTEL_LOG_LEVEL=${JSON.stringify(raw)}: expected one of ${Object.keys(LEVELS).join(', ')}`,
    );
  }
  const level = parsed === undefined || parsed === 'invalid' ? DiagLogLevel.NONE : parsed;
  // Errors always reach the logger, which filters them itself (the second-SDK warning is one).
  diag.setLogger(new StderrDiagLogger(level), {
    logLevel: Math.max(level, DiagLogLevel.ERROR),
    suppressOverrideMessage: true,
  });
}
