import { request as httpRequest, Agent } from 'node:http';
import { PERSONA_IDS } from '../personas.js';

export interface LoadOptions {
  /** Base URL of the LoreChat HTTP API. */
  url: string;
  /** Requests in flight at once. @default 8 */
  concurrency?: number;
  /** Stop after this many requests. @default 200 */
  requests?: number;
  /** Stop after this long (ms); in-flight requests are awaited. @default 60000 */
  durationMs?: number;
  /** Share of requests made slow (0..1). @default 0 */
  slowShare?: number;
  /** Injected LLM latency of slow requests (ms per LLM call). @default 3000 */
  slowMs?: number;
  /** Share of requests made to fail (0..1). @default 0 */
  failShare?: number;
  /** Distinct conversations (thread ids) the requests are spread over. @default 50 */
  threads?: number;
  /** Per-request timeout (ms). @default 120000 */
  timeoutMs?: number;
  /** Use POST /chat/stream instead of POST /chat. @default false */
  stream?: boolean;
  /**
   * Share of requests sent to the agent path (POST /agent) instead (0..1); a fifth of those ask
   * about a topic the agent's omens tool fails on. @default 0
   */
  agentShare?: number;
  /** Thread id prefix. @default 'load-<random>' */
  threadPrefix?: string;
  /** Called about once a second with the running totals. */
  onProgress?: (progress: LoadProgress) => void;
  /** Stops the run early (in-flight requests are aborted). */
  signal?: AbortSignal;
}

export interface LoadProgress {
  elapsedMs: number;
  sent: number;
  completed: number;
  ok: number;
  errors: number;
  inFlight: number;
  throughput: number;
  p95Ms: number | undefined;
}

export interface LatencySummary {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export interface LoadSummary {
  url: string;
  durationMs: number;
  /** Why the run ended: request count reached, duration elapsed, or aborted. */
  stoppedBy: 'requests' | 'duration' | 'aborted';
  sent: number;
  completed: number;
  ok: number;
  errors: number;
  /** Errors by kind: `http_<status>`, `timeout`, `connection`, `stream_error`. */
  errorsByKind: Record<string, number>;
  injected: { slow: number; fail: number; agent: number };
  /** Completed requests per second. */
  throughput: number;
  /** Latency of all completed requests, ms. */
  latencyMs: LatencySummary | null;
  /** Latency of successful requests only, ms. */
  okLatencyMs: LatencySummary | null;
  threads: number;
  /**
   * Tokens the successful chat requests used, by model, as the server reported them in each
   * response's `usage` (failed requests report none).
   */
  tokens: Record<string, { input: number; output: number }>;
}

/** Agent questions: the last is a topic the augurs never wrote about (its omens tool fails). */
const AGENT_QUESTIONS = [
  'What do the augurs say about Emberfall?',
  'Tell me about the Hollow Crown',
  'What of the river folk?',
  'Who was Tamsin Reed?',
  'What do the augurs say about Xelthar?',
];

const QUESTIONS = [
  'Who founded Emberfall?',
  'What is the Hollow Crown?',
  'Who founded Emberfall and what is the Hollow Crown?',
  'How did the War of Cinders end?',
  'Where do the river folk live and what are the river songs?',
  'What happened to the Drowned Library?',
  'Who was Tamsin Reed?',
  'What is starsteel and who can forge it?',
  'Tell me about the Battle of the Nine Bridges',
  'What guards the Keening Pass? Who founded the Order of the Grey Lantern?',
  'What is the Pact of Embers and what happens if the Hearth flame goes out?',
  'Who is the Thornmother and what did she foretell?',
  'What do tidewrights need for their magic?',
  'What are the mistcallers?',
  'Who rules Emberfall today?',
  'What is the Ledger of Names and who saved its index?',
  'What grows in the Ashfields?',
  'What is a glass dragon of the southern sea?',
] as const;

/**
 * Spreads `share × n` marked requests evenly over the indexes 0..n-1 (deterministic, so a
 * share is honoured exactly over any run length rather than only on average).
 */
export function isMarked(index: number, share: number, phase = 0): boolean {
  if (share <= 0) return false;
  if (share >= 1) return true;
  const shifted = index + phase;
  return Math.floor((shifted + 1) * share) > Math.floor(shifted * share);
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))]!;
}

function summarize(latencies: readonly number[]): LatencySummary | null {
  if (latencies.length === 0) return null;
  const sorted = [...latencies].sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted.at(-1)!),
    mean: round(sorted.reduce((a, b) => a + b, 0) / sorted.length),
  };
}

export class LoadOptionsError extends Error {
  override readonly name = 'LoadOptionsError';
}

function checkOptions(
  o: LoadOptions,
): Required<Omit<LoadOptions, 'onProgress' | 'signal' | 'threadPrefix'>> {
  const r = {
    url: o.url,
    concurrency: o.concurrency ?? 8,
    requests: o.requests ?? 200,
    durationMs: o.durationMs ?? 60_000,
    slowShare: o.slowShare ?? 0,
    slowMs: o.slowMs ?? 3000,
    failShare: o.failShare ?? 0,
    threads: o.threads ?? 50,
    timeoutMs: o.timeoutMs ?? 120_000,
    stream: o.stream ?? false,
    agentShare: o.agentShare ?? 0,
  };
  let parsed: URL;
  try {
    parsed = new URL(r.url);
  } catch {
    throw new LoadOptionsError(`url "${r.url}" is not a valid URL`);
  }
  if (parsed.protocol !== 'http:')
    throw new LoadOptionsError(`url must be http://, got ${parsed.protocol}`);
  const int = (name: string, v: number, min: number, max: number) => {
    if (!Number.isInteger(v) || v < min || v > max) {
      throw new LoadOptionsError(`${name} must be an integer in [${min}, ${max}], got ${v}`);
    }
  };
  const share = (name: string, v: number) => {
    if (!Number.isFinite(v) || v < 0 || v > 1)
      throw new LoadOptionsError(`${name} must be in [0, 1], got ${v}`);
  };
  int('concurrency', r.concurrency, 1, 1000);
  int('requests', r.requests, 1, 10_000_000);
  int('threads', r.threads, 1, 1_000_000);
  if (!Number.isFinite(r.durationMs) || r.durationMs <= 0) {
    throw new LoadOptionsError(`duration must be positive, got ${r.durationMs} ms`);
  }
  int('slowMs', r.slowMs, 0, 60_000);
  int('timeoutMs', r.timeoutMs, 1, 3_600_000);
  share('slowShare', r.slowShare);
  share('failShare', r.failShare);
  share('agentShare', r.agentShare);
  return r;
}

/**
 * Sends chat requests to a LoreChat server from `concurrency` workers until `requests` have
 * been sent or `durationMs` has elapsed, whichever comes first, and summarises the outcome.
 */
export async function runLoad(options: LoadOptions): Promise<LoadSummary> {
  const o = checkOptions(options);
  const base = new URL(o.url);
  const path = `${base.pathname.replace(/\/$/, '')}${o.stream ? '/chat/stream' : '/chat'}`;
  const prefix = options.threadPrefix ?? `load-${globalThis.crypto.randomUUID().slice(0, 8)}`;
  const agent = new Agent({ keepAlive: true, maxSockets: o.concurrency });
  const started = performance.now();
  const deadline = started + o.durationMs;
  const stopController = new AbortController();
  const onAbort = () => stopController.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const durationTimer = setTimeout(() => stopController.abort(), o.durationMs);

  let sent = 0;
  let ok = 0;
  let inFlight = 0;
  const latencies: number[] = [];
  const okLatencies: number[] = [];
  const errorsByKind: Record<string, number> = {};
  const injected = { slow: 0, fail: 0, agent: 0 };
  const tokens: LoadSummary['tokens'] = {};
  const agentPath = `${base.pathname.replace(/\/$/, '')}/agent`;

  const progressTimer = options.onProgress
    ? setInterval(() => {
        const elapsedMs = performance.now() - started;
        const sorted = [...latencies].sort((a, b) => a - b);
        options.onProgress?.({
          elapsedMs,
          sent,
          completed: latencies.length,
          ok,
          errors: latencies.length - ok,
          inFlight,
          throughput: latencies.length / (elapsedMs / 1000),
          p95Ms: sorted.length > 0 ? percentile(sorted, 95) : undefined,
        });
      }, 1000)
    : undefined;

  async function worker(): Promise<void> {
    while (sent < o.requests && !stopController.signal.aborted && performance.now() < deadline) {
      const index = sent++;
      // Agent requests use their own phase; injected slowness and failures apply to the
      // chat path only (the agent's offline model takes no per-request control).
      const toAgent = isMarked(index, o.agentShare, 104_729);
      const fail = !toAgent && isMarked(index, o.failShare);
      // Slow requests are picked from the others with a different phase, so both shares hold.
      const slow = !toAgent && !fail && isMarked(index, o.slowShare, 7919);
      if (fail) injected.fail += 1;
      if (slow) injected.slow += 1;
      if (toAgent) injected.agent += 1;
      const body = JSON.stringify(
        toAgent
          ? {
              thread_id: `${prefix}-agent-${index % o.threads}`,
              message: AGENT_QUESTIONS[injected.agent % AGENT_QUESTIONS.length],
            }
          : {
              thread_id: `${prefix}-${index % o.threads}`,
              message: QUESTIONS[index % QUESTIONS.length],
              persona: PERSONA_IDS[index % PERSONA_IDS.length],
              ...(fail || slow ? { options: fail ? { fail: true } : { latencyMs: o.slowMs } } : {}),
            },
      );
      inFlight += 1;
      const t0 = performance.now();
      const { outcome, usage } = await send(
        base,
        toAgent ? agentPath : path,
        body,
        agent,
        o.timeoutMs,
        o.stream && !toAgent,
        options.signal,
      );
      const ms = performance.now() - t0;
      inFlight -= 1;
      if (outcome === 'aborted') break;
      latencies.push(ms);
      if (outcome === 'ok') {
        ok += 1;
        okLatencies.push(ms);
        for (const [model, u] of Object.entries(usage ?? {})) {
          const t = (tokens[model] ??= { input: 0, output: 0 });
          t.input += u.input_tokens ?? 0;
          t.output += u.output_tokens ?? 0;
        }
      } else {
        errorsByKind[outcome] = (errorsByKind[outcome] ?? 0) + 1;
      }
    }
  }

  try {
    await Promise.all(Array.from({ length: o.concurrency }, () => worker()));
  } finally {
    clearTimeout(durationTimer);
    if (progressTimer) clearInterval(progressTimer);
    options.signal?.removeEventListener('abort', onAbort);
    agent.destroy();
  }
  const durationMs = performance.now() - started;
  const completed = latencies.length;
  return {
    url: o.url,
    durationMs: Math.round(durationMs),
    stoppedBy: options.signal?.aborted ? 'aborted' : sent >= o.requests ? 'requests' : 'duration',
    sent,
    completed,
    ok,
    errors: completed - ok,
    errorsByKind,
    injected,
    throughput: Math.round((completed / (durationMs / 1000)) * 100) / 100,
    latencyMs: summarize(latencies),
    okLatencyMs: summarize(okLatencies),
    threads: Math.min(o.threads, sent),
    tokens,
  };
}

type Outcome = 'ok' | 'timeout' | 'connection' | 'stream_error' | 'aborted' | `http_${number}`;
type Usage = Record<string, { input_tokens?: number; output_tokens?: number }>;

/** The `usage` of a chat answer: the JSON body, or the stream's `done` event. */
function usageOf(text: string, stream: boolean): Usage | undefined {
  try {
    const json = stream ? /^event: done\r?\ndata: (.*)$/m.exec(text)?.[1] : text;
    if (json === undefined) return undefined;
    const usage = (JSON.parse(json) as { usage?: unknown }).usage;
    return usage !== null && typeof usage === 'object' ? (usage as Usage) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One request. When the run's duration ends, requests in flight are awaited (not aborted),
 * so the summary counts every request that was sent; only an external abort cancels them.
 */
function send(
  base: URL,
  path: string,
  body: string,
  agent: Agent,
  timeoutMs: number,
  stream: boolean,
  external: AbortSignal | undefined,
): Promise<{ outcome: Outcome; usage?: Usage }> {
  return new Promise((done) => {
    const resolve = (outcome: Outcome, usage?: Usage) => done({ outcome, usage });
    if (external?.aborted) {
      resolve('aborted');
      return;
    }
    const req = httpRequest(
      {
        protocol: base.protocol,
        hostname: base.hostname.replace(/^\[|\]$/g, ''),
        port: base.port || 80,
        path,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status !== 200) resolve(`http_${status}`);
          else if (stream && !/^event: done$/m.test(text)) resolve('stream_error');
          else resolve('ok', usageOf(text, stream));
        });
        res.on('error', () => resolve('connection'));
      },
    );
    req.setTimeout(timeoutMs, () => {
      req.destroy();
      resolve('timeout');
    });
    const onAbort = () => {
      req.destroy();
      resolve('aborted');
    };
    external?.addEventListener('abort', onAbort, { once: true });
    req.on('close', () => external?.removeEventListener('abort', onAbort));
    req.on('error', () => resolve('connection'));
    req.end(body);
  });
}
