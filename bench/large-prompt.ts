/**
 * `npm run bench -- large-prompt [--calls 40] [--prompt-kb 1024]`: heap that the chat-model
 * instrumentation keeps for calls with 1 MB prompts, content capture off and on. Each
 * configuration makes `--calls` calls with a distinct 1 MB prompt to a model that answers at
 * once; the finished spans and the log records are kept (as an export queue holds them) and
 * the heap after a full GC is compared with the heap before. What the prompts themselves
 * occupy is freed after each call, so what remains is what telemetry retains per call:
 * bounded by `contentMaxLength` when capture is on. Written to bench/results/large-prompt.json.
 * The command re-runs itself under `node --expose-gc` when it was started without it.
 */
import * as chatModels from '@langchain/core/language_models/chat_models';
import { AIMessage, HumanMessage } from '@langchain/core/messages';
import type { ChatResult } from '@langchain/core/outputs';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  InMemoryLogRecordExporter,
  LoggerProvider,
  SimpleLogRecordProcessor,
} from '@opentelemetry/sdk-logs';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { LangChainChatModelInstrumentation } from '../src/instrumentations/index.js';
import { DEFAULT_CONTENT_MAX_LENGTH } from '../src/instrumentations/types.js';
import { round } from './lib/stats.js';
import { writeJson } from './lib/write.js';

/** Target: telemetry retains at most this many bytes per call, content capture on or off. */
export const RETAINED_PER_CALL_TARGET_BYTES = 64 * 1024;

class EchoChatModel extends chatModels.BaseChatModel {
  _llmType(): string {
    return 'echo';
  }
  _generate(): Promise<ChatResult> {
    const message = new AIMessage({ content: 'ok' });
    return Promise.resolve({ generations: [{ text: 'ok', message }] });
  }
}

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) throw new Error('run with node --expose-gc');
  collect();
  collect();
}

async function measure(calls: number, promptBytes: number, capture: boolean | undefined) {
  const spans = new InMemorySpanExporter();
  const logs = new InMemoryLogRecordExporter();
  const inst = new LangChainChatModelInstrumentation({
    enabled: false,
    ...(capture === undefined ? {} : { captureMessageContent: capture }),
  });
  inst.setTracerProvider(
    new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] }),
  );
  inst.setMeterProvider(new MeterProvider());
  inst.setLoggerProvider(
    new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter: logs })] }),
  );
  if (capture !== undefined) {
    inst.enable();
    inst.manuallyInstrument(chatModels);
  }
  const model = new EchoChatModel({});
  await model.invoke([new HumanMessage('warm up')]);
  spans.reset();
  logs.reset();
  gc();
  const before = process.memoryUsage().heapUsed;
  const cpu = process.cpuUsage();
  for (let i = 0; i < calls; i++) {
    // A distinct prompt each call, so nothing is shared between them.
    const prompt = `${i} `.padEnd(promptBytes, 'lore ');
    await model.invoke([new HumanMessage(prompt)]);
  }
  const used = process.cpuUsage(cpu);
  gc();
  const retained = process.memoryUsage().heapUsed - before;
  const kept = {
    spans: spans.getFinishedSpans().length,
    logRecords: logs.getFinishedLogRecords().length,
  };
  if (capture !== undefined) {
    inst.manuallyUninstrument(chatModels);
    inst.disable();
  }
  return {
    retainedBytes: retained,
    retainedPerCallBytes: Math.round(retained / calls),
    // Building each 1 MB prompt is in every configuration's figure alike.
    cpuPerCallUs: Math.round((used.user + used.system) / calls),
    kept,
  };
}

export async function largePromptCommand(args: string[], root: string): Promise<void> {
  if ((globalThis as { gc?: unknown }).gc === undefined) {
    const r = spawnSync(
      process.execPath,
      ['--expose-gc', process.argv[1]!, 'large-prompt', ...args],
      {
        stdio: 'inherit',
      },
    );
    if (r.status !== 0) throw new Error(`large-prompt exited with ${r.status ?? r.signal}`);
    return;
  }
  const { values } = parseArgs({
    args,
    options: {
      calls: { type: 'string', default: '40' },
      'prompt-kb': { type: 'string', default: '1024' },
    },
  });
  const calls = Number(values.calls);
  const promptBytes = Number(values['prompt-kb']) * 1024;
  if (!Number.isInteger(calls) || calls <= 0 || !Number.isInteger(promptBytes) || promptBytes <= 0)
    throw new Error('--calls and --prompt-kb must be positive integers');
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const plain = await measure(calls, promptBytes, undefined);
  const off = await measure(calls, promptBytes, false);
  const on = await measure(calls, promptBytes, true);
  if (off.kept.spans !== calls || on.kept.spans !== calls || plain.kept.spans !== 0) {
    throw new Error(
      `unexpected spans kept: plain ${plain.kept.spans}, off ${off.kept.spans}, on ${on.kept.spans}`,
    );
  }
  const result = {
    command: `npm run bench -- large-prompt --calls ${calls} --prompt-kb ${promptBytes / 1024}`,
    calls,
    promptBytes,
    contentMaxLength: DEFAULT_CONTENT_MAX_LENGTH,
    node: process.version,
    uninstrumented: plain,
    captureOff: off,
    captureOn: on,
    targetPerCallBytes: RETAINED_PER_CALL_TARGET_BYTES,
    met:
      off.retainedPerCallBytes <= RETAINED_PER_CALL_TARGET_BYTES &&
      on.retainedPerCallBytes <= RETAINED_PER_CALL_TARGET_BYTES,
    cpuPerCallUs: {
      uninstrumented: plain.cpuPerCallUs,
      captureOff: off.cpuPerCallUs,
      captureOn: on.cpuPerCallUs,
    },
    retainedPerCallKiB: {
      uninstrumented: round(plain.retainedPerCallBytes / 1024, 1),
      captureOff: round(off.retainedPerCallBytes / 1024, 1),
      captureOn: round(on.retainedPerCallBytes / 1024, 1),
    },
  };
  await writeJson(resolve(root, 'bench/results/large-prompt.json'), result);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
