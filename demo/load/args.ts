import { parseArgs } from 'node:util';
import { LoadOptionsError, type LoadOptions } from './run-load.js';

export const LOAD_USAGE = `Usage: npm run load -- [options]

  --url <url>            LoreChat base URL (default http://127.0.0.1:8080)
  --concurrency <n>      requests in flight at once (default 8)
  --requests <n>         stop after n requests (default 200)
  --duration <time>      stop after this long, e.g. 90s, 2m, 500ms (default 60s)
  --slow-share <0..1>    share of requests made slow (default 0)
  --slow-ms <ms>         injected latency per LLM call of a slow request (default 3000)
  --fail-share <0..1>    share of requests made to fail (default 0)
  --max-error-share <0..1>
                         exit 1 when more than this share of completed requests failed, or
                         when none completed (default: the --fail-share, i.e. only the
                         injected failures are acceptable)
  --threads <n>          distinct conversations to spread requests over (default 50)
  --timeout <time>       per-request timeout (default 120s)
  --stream               use POST /chat/stream instead of POST /chat
  --agent-share <0..1>   share of requests sent to the tool-using agent (POST /agent) instead
                         (default 0); a fifth of them hit a failing tool (handled, not errors)
  --json                 print the summary as JSON on stdout
  --allow-remote         allow a non-loopback URL
  -h, --help             this text

The run stops at --requests or --duration, whichever comes first; requests already in
flight are awaited. Slow and failing requests use the offline model's per-request control.

Exit codes: 0 the failures stayed within the accepted share, 1 they did not (or nothing
completed), 2 bad options.`;

export interface LoadCli {
  options: LoadOptions;
  /** Largest share of failed requests the run accepts (`--max-error-share`, default --fail-share). */
  maxErrorShare: number;
  json: boolean;
  help: boolean;
}

/** Parses "90s", "2m", "500ms", "1h" or a bare number of seconds into ms. */
export function parseDuration(text: string, name = 'duration'): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m)
    throw new LoadOptionsError(`--${name} must look like 500ms, 90s, 2m or 1h, got "${text}"`);
  const value = Number(m[1]);
  const unit = m[2] ?? 's';
  const ms = value * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit as 'ms' | 's' | 'm' | 'h'];
  if (ms <= 0) throw new LoadOptionsError(`--${name} must be positive, got "${text}"`);
  return ms;
}

function number(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) {
    throw new LoadOptionsError(`--${name} must be a number, got "${text}"`);
  }
  return n;
}

export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(?:\.\d{1,3}){3}$/.test(h);
}

export function parseLoadArgs(argv: readonly string[]): LoadCli {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        url: { type: 'string', default: 'http://127.0.0.1:8080' },
        concurrency: { type: 'string' },
        requests: { type: 'string' },
        duration: { type: 'string' },
        'slow-share': { type: 'string' },
        'slow-ms': { type: 'string' },
        'fail-share': { type: 'string' },
        'max-error-share': { type: 'string' },
        threads: { type: 'string' },
        timeout: { type: 'string' },
        stream: { type: 'boolean', default: false },
        'agent-share': { type: 'string' },
        json: { type: 'boolean', default: false },
        'allow-remote': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new LoadOptionsError((error as Error).message);
  }
  const v = parsed.values;
  let url: URL;
  try {
    url = new URL(v.url);
  } catch {
    throw new LoadOptionsError(`--url "${v.url}" is not a valid URL`);
  }
  if (!isLoopbackHost(url.hostname) && !v['allow-remote']) {
    throw new LoadOptionsError(
      `refusing to send load to ${url.hostname}: not a loopback address (pass --allow-remote if you mean it)`,
    );
  }
  const options: LoadOptions = { url: v.url, stream: v.stream };
  const set = <K extends keyof LoadOptions>(key: K, value: LoadOptions[K] | undefined) => {
    if (value !== undefined) options[key] = value;
  };
  set('concurrency', number(v.concurrency, 'concurrency'));
  set('requests', number(v.requests, 'requests'));
  set('durationMs', v.duration === undefined ? undefined : parseDuration(v.duration));
  set('slowShare', number(v['slow-share'], 'slow-share'));
  set('slowMs', number(v['slow-ms'], 'slow-ms'));
  set('failShare', number(v['fail-share'], 'fail-share'));
  set('agentShare', number(v['agent-share'], 'agent-share'));
  set('threads', number(v.threads, 'threads'));
  set('timeoutMs', v.timeout === undefined ? undefined : parseDuration(v.timeout, 'timeout'));
  const maxErrorShare = number(v['max-error-share'], 'max-error-share') ?? options.failShare ?? 0;
  if (maxErrorShare < 0 || maxErrorShare > 1) {
    throw new LoadOptionsError(`--max-error-share must be between 0 and 1, got ${maxErrorShare}`);
  }
  return { options, maxErrorShare, json: v.json, help: v.help };
}
