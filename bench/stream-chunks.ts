/**
 * `npm run bench -- stream-chunks [--chunks 2000] [--rounds 21]`: what the chat-model
 * instrumentation adds per chunk of a streamed answer. A chat model that streams `--chunks`
 * chunks at once (no I/O, so the stream machinery and the instrumentation are what is
 * measured) is consumed with `model.stream()`, instrumented and uninstrumented in alternating
 * order round by round in one process, with spans, metrics and log events recorded by the SDK
 * (in-memory span exporter, log records processed and dropped). CPU time of each stream;
 * the result is the median difference per chunk, written to bench/results/stream-chunks.json.
 */
import * as chatModels from '@langchain/core/language_models/chat_models';
import { AIMessageChunk, type BaseMessage, HumanMessage } from '@langchain/core/messages';
import { ChatGenerationChunk, type ChatResult } from '@langchain/core/outputs';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { LangChainChatModelInstrumentation } from '../src/instrumentations/index.js';
import { median, round } from './lib/stats.js';
import { writeJson } from './lib/write.js';

/** Target: at most this many µs of CPU added per streamed chunk. */
export const PER_CHUNK_TARGET_US = 5;

class ChunkyChatModel extends chatModels.BaseChatModel {
  constructor(private readonly chunks: number) {
    super({});
  }
  _llmType(): string {
    return 'chunky';
  }
  _generate(): Promise<ChatResult> {
    return Promise.reject(new Error('stream only'));
  }
  override async *_streamResponseChunks(
    _messages: BaseMessage[],
  ): AsyncGenerator<ChatGenerationChunk> {
    for (let i = 0; i < this.chunks; i++) {
      const text = i === 0 ? 'word' : ' word';
      yield new ChatGenerationChunk({ text, message: new AIMessageChunk({ content: text }) });
    }
    await Promise.resolve();
  }
}

export async function streamChunksCommand(args: string[], root: string): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      chunks: { type: 'string', default: '2000' },
      rounds: { type: 'string', default: '21' },
    },
  });
  const chunks = Number(values.chunks);
  const rounds = Number(values.rounds);
  if (!Number.isInteger(chunks) || chunks <= 0 || !Number.isInteger(rounds) || rounds <= 0)
    throw new Error('--chunks and --rounds must be positive integers');
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const exporter = new InMemorySpanExporter();
  const inst = new LangChainChatModelInstrumentation({ enabled: false });
  inst.setTracerProvider(
    new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }),
  );
  inst.setMeterProvider(new MeterProvider());
  inst.setLoggerProvider(
    new LoggerProvider({
      processors: [
        { onEmit: () => undefined, forceFlush: async () => {}, shutdown: async () => {} },
      ],
    }),
  );
  inst.enable();
  inst.manuallyInstrument(chatModels);

  const model = new ChunkyChatModel(chunks);
  const input = [new HumanMessage('tell me a long story')];
  const cpu: Record<'plain' | 'ours', number[]> = { plain: [], ours: [] };
  const once = async (variant: 'plain' | 'ours'): Promise<void> => {
    if (variant === 'ours') inst.enable();
    else inst.disable();
    const c0 = process.cpuUsage();
    let n = 0;
    for await (const _ of await model.stream(input)) n++;
    const c = process.cpuUsage(c0);
    if (n !== chunks) throw new Error(`streamed ${n} chunks, expected ${chunks}`);
    cpu[variant].push(c.user + c.system);
    const spans = exporter.getFinishedSpans().length;
    if (spans !== (variant === 'ours' ? 1 : 0)) {
      throw new Error(`${variant}: ${spans} chat spans for one stream`);
    }
    exporter.reset();
  };
  await once('plain');
  await once('ours');
  for (let r = 0; r < rounds; r++) {
    process.stderr.write(`stream-chunks: round ${r + 1}/${rounds}\n`);
    for (const v of r % 2 === 0 ? (['plain', 'ours'] as const) : (['ours', 'plain'] as const))
      await once(v);
  }
  inst.disable();
  const perChunk = (v: 'plain' | 'ours') => median(cpu[v]) / chunks;
  const added = perChunk('ours') - perChunk('plain');
  const result = {
    command: `npm run bench -- stream-chunks --chunks ${chunks} --rounds ${rounds}`,
    chunks,
    rounds,
    node: process.version,
    cpuPerChunkUs: { plain: round(perChunk('plain'), 2), ours: round(perChunk('ours'), 2) },
    addedPerChunkUs: round(added, 2),
    targetUs: PER_CHUNK_TARGET_US,
    met: added <= PER_CHUNK_TARGET_US,
  };
  await writeJson(resolve(root, 'bench/results/stream-chunks.json'), result);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
