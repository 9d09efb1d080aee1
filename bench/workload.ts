/**
 * One benchmark run of the LoreChat graph, in this process: warm-up, then N chat turns of the
 * fixed conversations, measuring CPU time, wall latency per turn and heap, and finally a flush
 * of whatever telemetry the process has (inside the measured phase, so export cost counts).
 * Prints one `BENCH_RESULT <json>` line. It knows nothing about the variant except, for the
 * Langfuse variant, that callbacks must be passed on each invocation (as Langfuse documents).
 *
 *   node --expose-gc [--import <variant set-up>] dist/bench/workload.js --turns 300 ...
 */
import { logs, metrics, trace } from '@opentelemetry/api';
import { HumanMessage } from '@langchain/core/messages';
import type { BaseCallbackHandler } from '@langchain/core/callbacks/base';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { createLoreChatApp } from '../demo/app.js';
import { OfflineChatModel } from '../demo/llm/offline-chat-model.js';
import { LLM_ROLES, type LlmRole } from '../demo/llm/roles.js';
import { DEFAULT_PERSONA } from '../demo/personas.js';
import { seededRandom } from '../demo/text.js';
import { CONVERSATION_LENGTH, CONVERSATIONS } from './lib/conversations.js';
import { turnHook, turnKey } from './lib/floor-plan.js';
import {
  type MemorySample,
  RESULT_MARKER,
  SAMPLE_MARKER,
  type WorkloadResult,
} from './lib/protocol.js';
import { mean, percentile, round } from './lib/stats.js';

interface WorkloadOptions {
  turns: number;
  warmup: number;
  latencyMs: number;
  jitter: number;
  concurrency: number;
  seed: number;
  callbacks: 'none' | 'langfuse';
  /** Print a memory sample (after a full GC) every this many measured turns; 0: never. */
  sampleEvery: number;
}

function parseOptions(argv: string[]): WorkloadOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      turns: { type: 'string', default: '300' },
      warmup: { type: 'string', default: '60' },
      'latency-ms': { type: 'string', default: '0' },
      jitter: { type: 'string', default: '0.5' },
      concurrency: { type: 'string', default: '1' },
      seed: { type: 'string', default: '42' },
      callbacks: { type: 'string', default: 'none' },
      'sample-every': { type: 'string', default: '0' },
    },
    strict: true,
  });
  const int = (name: string, raw: string, min: number): number => {
    const v = Number(raw);
    if (!Number.isInteger(v) || v < min)
      throw new Error(`--${name} must be an integer >= ${min}, got ${raw}`);
    return v;
  };
  const jitter = Number(values.jitter);
  if (!(jitter >= 0 && jitter <= 1))
    throw new Error(`--jitter must be in [0, 1], got ${values.jitter}`);
  if (values.callbacks !== 'none' && values.callbacks !== 'langfuse') {
    throw new Error(`--callbacks must be none or langfuse, got ${values.callbacks}`);
  }
  return {
    turns: int('turns', values.turns, 1),
    warmup: int('warmup', values.warmup, 0),
    latencyMs: int('latency-ms', values['latency-ms'], 0),
    jitter,
    concurrency: int('concurrency', values.concurrency, 1),
    seed: int('seed', values.seed, 0),
    callbacks: values.callbacks,
    sampleEvery: int('sample-every', values['sample-every'], 0),
  };
}

async function callbackHandlers(
  kind: WorkloadOptions['callbacks'],
): Promise<BaseCallbackHandler[]> {
  if (kind === 'none') return [];
  // One handler for the process, passed on every invocation: the Langfuse LangChain quick start.
  const { CallbackHandler } = await import('@langfuse/langchain');
  return [new CallbackHandler()];
}

interface Flushable {
  forceFlush?: () => Promise<unknown>;
}

/** Flushes the global providers, whichever SDK set them up (no-ops when none did). */
async function flushTelemetry(): Promise<void> {
  const tp = trace.getTracerProvider() as { getDelegate?: () => unknown } & Flushable;
  const providers = [
    (tp.getDelegate?.() ?? tp) as Flushable,
    metrics.getMeterProvider() as Flushable,
    logs.getLoggerProvider() as Flushable,
  ];
  await Promise.all(providers.map((p) => p.forceFlush?.() ?? Promise.resolve()));
}

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) throw new Error('run the workload with node --expose-gc');
  collect();
  collect();
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const random = seededRandom(o.seed);
  const model = new OfflineChatModel({ latencyMs: o.latencyMs, jitter: o.jitter, random });
  const models = Object.fromEntries(LLM_ROLES.map((r) => [r, model])) as Record<
    LlmRole,
    OfflineChatModel
  >;
  const app = await createLoreChatApp({
    config: { provider: 'offline', offlineLatencyMs: o.latencyMs, offlineJitter: o.jitter },
    env: {},
    models,
  });
  const callbacks = await callbackHandlers(o.callbacks);

  let errors = 0;
  const sample = (turn: number) => {
    gc();
    const m = process.memoryUsage();
    const s: MemorySample = { turn, rss: m.rss, heapUsed: m.heapUsed, external: m.external };
    process.stdout.write(`${SAMPLE_MARKER}${JSON.stringify(s)}\n`);
  };
  async function conversation(
    prefix: string,
    index: number,
    turns: number,
    latencies?: number[],
  ): Promise<void> {
    const questions = CONVERSATIONS[index % CONVERSATIONS.length]!;
    const threadId = `${prefix}-${index}`;
    // Set only by the floor and its capture run (bench/lib/floor-plan.ts).
    const hook = turnHook();
    for (let t = 0; t < turns; t++) {
      // A server's turns start from I/O events; back-to-back instant turns would otherwise run
      // as one long microtask chain and starve the exporters' sockets and timers.
      await new Promise<void>((resolve) => setImmediate(resolve));
      const message = questions[t]!;
      const start = performance.now();
      const key = hook ? turnKey(index, t, CONVERSATIONS.length) : '';
      hook?.start?.(key, threadId);
      try {
        await app.graph.invoke(
          {
            messages: [new HumanMessage(message)],
            originalQuery: message,
            threadId,
            persona: DEFAULT_PERSONA,
          },
          { configurable: { thread_id: threadId }, ...(callbacks.length > 0 ? { callbacks } : {}) },
        );
      } catch {
        errors++;
      }
      if (hook?.end) await hook.end(key, threadId);
      if (latencies) {
        latencies.push(performance.now() - start);
        if (o.sampleEvery > 0 && latencies.length % o.sampleEvery === 0) sample(latencies.length);
      }
    }
    await app.deleteThread(threadId);
  }

  /** Runs `total` turns as whole-or-partial conversations, `concurrency` conversations at once. */
  async function run(prefix: string, total: number, latencies?: number[]): Promise<void> {
    const count = Math.ceil(total / CONVERSATION_LENGTH);
    let next = 0;
    const worker = async () => {
      for (let c = next++; c < count; c = next++) {
        const turns = Math.min(CONVERSATION_LENGTH, total - c * CONVERSATION_LENGTH);
        await conversation(prefix, c, turns, latencies);
      }
    };
    await Promise.all(Array.from({ length: Math.min(o.concurrency, count) }, worker));
  }

  if (o.warmup > 0) await run('warmup', o.warmup);
  await flushTelemetry();
  errors = 0;

  gc();
  const before = process.memoryUsage();
  const latencies: number[] = [];
  const elu0 = performance.eventLoopUtilization();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await run('turn', o.turns, latencies);
  await flushTelemetry();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const elu = performance.eventLoopUtilization(elu0);
  gc();
  const after = process.memoryUsage();

  latencies.sort((a, b) => a - b);
  const result: WorkloadResult = {
    turns: o.turns,
    warmupTurns: o.warmup,
    concurrency: o.concurrency,
    modelLatencyMs: o.latencyMs,
    errors,
    cpuUs: cpu.user + cpu.system,
    cpuUserUs: cpu.user,
    cpuSystemUs: cpu.system,
    wallMs: round(wallMs, 1),
    eventLoopActiveUs: Math.round(elu.active * 1000),
    eventLoopUtilization: round(elu.utilization, 4),
    latencyMs: {
      p50: round(percentile(latencies, 50), 3),
      p99: round(percentile(latencies, 99), 3),
      mean: round(mean(latencies), 3),
    },
    heapBefore: before.heapUsed,
    heapAfter: after.heapUsed,
    rssBefore: before.rss,
    rssAfter: after.rss,
  };
  process.stdout.write(`${RESULT_MARKER}${JSON.stringify(result)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `workload: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
