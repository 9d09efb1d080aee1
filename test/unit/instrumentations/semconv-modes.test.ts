/**
 * Both generations of the GenAI conventions from the chat-model instrumentation: v1.41.0 by
 * default, the latest names under `OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental`
 * (or the `genAiSemconv` option), with cache and reasoning tokens from `usage_metadata`.
 */
import * as chatModels from '@langchain/core/language_models/chat_models';
import type { BaseMessage } from '@langchain/core/messages';
import { AIMessage, AIMessageChunk } from '@langchain/core/messages';
import { ChatGenerationChunk, type ChatResult } from '@langchain/core/outputs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { METRICS, metricsForMode } from '../../../src/catalogue/index.js';
import { LangChainChatModelInstrumentation } from '../../../src/instrumentations/index.js';
import * as s from '../../../src/semconv.js';
import {
  resolveGenAiSemconvMode,
  semconvModeFromOptIn,
} from '../../../src/telemetry/semconv-mode.js';
import { TestChatModel } from './fixtures.js';
import { countOf, createHarness, pointsWith, sumOf } from './harness.js';

const h = createHarness();
const inst = new LangChainChatModelInstrumentation({ enabled: false });
const savedOptIn = process.env.OTEL_SEMCONV_STABILITY_OPT_IN;

beforeAll(() => {
  h.attach(inst);
  inst.enable();
  inst.manuallyInstrument(chatModels);
});
afterAll(() => {
  inst.manuallyUninstrument(chatModels);
  inst.disable();
});
beforeEach(() => {
  delete process.env.OTEL_SEMCONV_STABILITY_OPT_IN;
  inst.setConfig({});
  h.reset();
});
afterEach(() => {
  if (savedOptIn === undefined) delete process.env.OTEL_SEMCONV_STABILITY_OPT_IN;
  else process.env.OTEL_SEMCONV_STABILITY_OPT_IN = savedOptIn;
});

/** Usage as an OpenAI/Anthropic model reports it through LangChain: cache and reasoning details. */
const USAGE = {
  input_tokens: 1200,
  output_tokens: 300,
  total_tokens: 1500,
  input_token_details: { cache_read: 1000, cache_creation: 150 },
  output_token_details: { reasoning: 120 },
};

class CachingModel extends TestChatModel {
  override async _generate(): Promise<ChatResult> {
    const message = new AIMessage({
      content: 'The dragon sleeps.',
      id: 'resp-cache',
      usage_metadata: USAGE,
      response_metadata: { model_name: `${this.model}-2025`, finish_reason: 'stop' },
    });
    return Promise.resolve({ generations: [{ text: 'The dragon sleeps.', message }] });
  }

  /** Three chunks; usage only on the last one (OpenAI's `stream_options.include_usage`). */
  override async *_streamResponseChunks(
    _messages: BaseMessage[],
  ): AsyncGenerator<ChatGenerationChunk> {
    const words = ['The', ' dragon', ' sleeps.'];
    for (const [i, text] of words.entries()) {
      const last = i === words.length - 1;
      await Promise.resolve();
      yield new ChatGenerationChunk({
        text,
        message: new AIMessageChunk({
          content: text,
          id: 'stream-cache',
          usage_metadata: last ? USAGE : undefined,
          response_metadata: last ? { model_name: `${this.model}-2025` } : {},
        }),
      });
    }
  }
}

const LATEST_ONLY = METRICS.filter((m) => 'generation' in m && m.generation === 'latest').map(
  (m) => m.name,
);
const V141_ONLY = METRICS.filter((m) => 'generation' in m && m.generation === 'v1.41').map(
  (m) => m.name,
);

async function recordedNames(): Promise<string[]> {
  return (await h.metrics()).filter((m) => m.dataPoints.length > 0).map((m) => m.descriptor.name);
}

describe('OTEL_SEMCONV_STABILITY_OPT_IN parsing', () => {
  it('selects latest only for gen_ai_latest_experimental in the comma-separated list', () => {
    expect(semconvModeFromOptIn(undefined)).toBe('v1.41');
    expect(semconvModeFromOptIn('')).toBe('v1.41');
    expect(semconvModeFromOptIn('http,database')).toBe('v1.41');
    expect(semconvModeFromOptIn('gen_ai_latest_experimental_x')).toBe('v1.41');
    expect(semconvModeFromOptIn('http/dup, gen_ai_latest_experimental ')).toBe('latest');
  });

  it('lets the option override the environment and ignores a bad option', () => {
    const env = { OTEL_SEMCONV_STABILITY_OPT_IN: 'gen_ai_latest_experimental' };
    expect(resolveGenAiSemconvMode(undefined, env)).toBe('latest');
    expect(resolveGenAiSemconvMode('v1.41', env)).toBe('v1.41');
    expect(resolveGenAiSemconvMode('newest', env)).toBe('latest');
    expect(resolveGenAiSemconvMode(undefined, {})).toBe('v1.41');
  });

  it('splits the catalogue into the two generations, sharing the rest', () => {
    expect(LATEST_ONLY).toEqual(
      expect.arrayContaining([
        s.METRIC_GEN_AI_CLIENT_INFERENCE_DURATION,
        s.METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_INPUT_TOKENS,
        s.METRIC_GEN_AI_INVOKE_WORKFLOW_DURATION,
      ]),
    );
    expect(V141_ONLY).toEqual([
      s.METRIC_GEN_AI_CLIENT_TOKEN_USAGE,
      s.METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK,
    ]);
    const both = metricsForMode('latest').filter((m) =>
      metricsForMode('v1.41').some((o) => o.name === m.name),
    );
    expect(both.map((m) => m.name)).toContain(s.METRIC_LLM_TOKEN_USAGE);
    expect(both.length + LATEST_ONLY.length + V141_ONLY.length).toBe(METRICS.length);
  });
});

describe('default mode (v1.41.0)', () => {
  it('emits only the v1.41 metrics and the cache_creation span attribute', async () => {
    await new CachingModel({ model: 'cache-model' }).invoke('Where does the dragon sleep?');
    const names = await recordedNames();
    expect(names).toEqual(
      expect.arrayContaining([
        s.METRIC_GEN_AI_CLIENT_OPERATION_DURATION,
        s.METRIC_GEN_AI_CLIENT_TOKEN_USAGE,
        s.METRIC_LLM_TOKEN_USAGE,
      ]),
    );
    for (const n of LATEST_ONLY) expect(names).not.toContain(n);
    const span = h.spanNamed('chat cache-model');
    expect(span.attributes).toMatchObject({
      [s.ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 1200,
      [s.ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS]: 1000,
      [s.ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS]: 150,
      [s.ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS]: 120,
    });
    expect(span.attributes[s.ATTR_GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS]).toBeUndefined();
  });
});

describe('latest mode (gen_ai_latest_experimental)', () => {
  it('emits inference duration and the five usage counters, none of the v1.41 names', async () => {
    process.env.OTEL_SEMCONV_STABILITY_OPT_IN = 'gen_ai_latest_experimental';
    inst.setConfig({});
    await new CachingModel({ model: 'latest-model' }).invoke('Where does the dragon sleep?');
    // Instruments are cumulative across tests: look at this test's model only.
    const mine = { [s.ATTR_GEN_AI_REQUEST_MODEL]: 'latest-model' };
    for (const n of [...V141_ONLY, s.METRIC_GEN_AI_CLIENT_OPERATION_DURATION])
      expect(pointsWith(await h.metric(n), mine)).toEqual([]);
    const attrs = {
      [s.ATTR_GEN_AI_OPERATION_NAME]: 'chat',
      [s.ATTR_GEN_AI_REQUEST_MODEL]: 'latest-model',
      [s.ATTR_GEN_AI_RESPONSE_MODEL]: 'latest-model-2025',
      [s.ATTR_GEN_AI_TOKEN_MODALITY]: 'unknown',
    };
    const expected: [string, number][] = [
      [s.METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_INPUT_TOKENS, 1200],
      [s.METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_OUTPUT_TOKENS, 300],
      [s.METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_CACHE_READ_INPUT_TOKENS, 1000],
      [s.METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_CACHE_WRITE_INPUT_TOKENS, 150],
      [s.METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_REASONING_OUTPUT_TOKENS, 120],
    ];
    for (const [name, value] of expected) expect(sumOf(await h.metric(name), attrs)).toBe(value);
    const duration = await h.metric(s.METRIC_GEN_AI_CLIENT_INFERENCE_DURATION);
    expect(countOf(duration, mine)).toBe(1);
    expect(
      sumOf(await h.metric(s.METRIC_GEN_AI_CLIENT_INFERENCE_OPERATION_INPUT_TOKENS), mine),
    ).toBe(1200);
    // The plan's own counter is kept in both modes (its model label is the response model).
    expect(
      sumOf(await h.metric(s.METRIC_LLM_TOKEN_USAGE), {
        model: 'latest-model-2025',
        type: 'input',
      }),
    ).toBe(1200);
    const span = h.spanNamed('chat latest-model');
    expect(span.attributes[s.ATTR_GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS]).toBe(150);
    expect(span.attributes[s.ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS]).toBeUndefined();
  });

  it('counts streamed usage once and records time to first chunk under gen_ai.client.inference', async () => {
    inst.setConfig({ genAiSemconv: 'latest' });
    const model = new CachingModel({ model: 'stream-model' });
    for await (const _chunk of await model.stream('Where does the dragon sleep?')) void _chunk;
    const m = { [s.ATTR_GEN_AI_REQUEST_MODEL]: 'stream-model' };
    expect(sumOf(await h.metric(s.METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_INPUT_TOKENS), m)).toBe(
      1200,
    );
    expect(
      sumOf(await h.metric(s.METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_CACHE_READ_INPUT_TOKENS), m),
    ).toBe(1000);
    expect(countOf(await h.metric(s.METRIC_GEN_AI_CLIENT_INFERENCE_TIME_TO_FIRST_CHUNK), m)).toBe(
      1,
    );
    expect(await h.metric(s.METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK)).toSatisfy(
      (m: { dataPoints: unknown[] } | undefined) => m === undefined || m.dataPoints.length === 0,
    );
    expect(
      h.spanNamed('chat stream-model').attributes[s.ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS],
    ).toBe(120);
  });

  it('a failed inference records its duration with error.type and zero usage counters', async () => {
    inst.setConfig({ genAiSemconv: 'latest' });
    const model = new TestChatModel({ model: 'broken-model', failWith: new TypeError('boom') });
    await expect(model.invoke('hi')).rejects.toThrow('boom');
    const duration = await h.metric(s.METRIC_GEN_AI_CLIENT_INFERENCE_DURATION);
    expect(countOf(duration, { [s.ATTR_ERROR_TYPE]: 'TypeError' })).toBe(1);
    const m = { [s.ATTR_GEN_AI_REQUEST_MODEL]: 'broken-model' };
    for (const name of [
      s.METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_INPUT_TOKENS,
      s.METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_OUTPUT_TOKENS,
    ]) {
      const metric = await h.metric(name);
      expect(countOf(metric, { ...m, [s.ATTR_GEN_AI_TOKEN_MODALITY]: 'unknown' })).toBe(1);
      expect(sumOf(metric, m)).toBe(0);
    }
  });
});
