import * as chatModels from '@langchain/core/language_models/chat_models';
import { HumanMessage } from '@langchain/core/messages';
import { ChatOpenAI } from '@langchain/openai';
import { SeverityNumber, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { eventSchemaProblems } from '../../helpers/event-schema.js';

import { LangChainChatModelInstrumentation } from '../../../src/instrumentations/index.js';
import { requestInfo } from '../../../src/instrumentations/chat-models/utils.js';
import type { ChatModelLike } from '../../../src/instrumentations/chat-models/internal-types.js';
import * as s from '../../../src/semconv.js';
import { TestChatModel, textOf } from './fixtures.js';
import { countOf, createHarness, pointsWith, sumOf } from './harness.js';

const h = createHarness();
const inst = new LangChainChatModelInstrumentation({ enabled: false });

beforeAll(() => {
  h.attach(inst);
  inst.enable();
  inst.manuallyInstrument(chatModels);
});
afterAll(() => {
  inst.manuallyUninstrument(chatModels);
  inst.disable();
});
// Every event any test emits matches its catalogue definition (attributes and body).
afterEach(() => {
  const problems = h
    .logRecords()
    .flatMap((l) => eventSchemaProblems(l.eventName, l.attributes, l.body));
  expect(problems).toEqual([]);
});

beforeEach(() => {
  inst.setConfig({});
  h.reset();
});

/** With `disableStreaming`, LangChain's `stream` falls back to `invoke` (nested call). */
class NonStreamingModel extends TestChatModel {
  override disableStreaming = true;
}

describe('chat model calls', () => {
  it('records a chat CLIENT span with request, response and usage attributes', async () => {
    const model = new TestChatModel({ temperature: 0.2, maxTokens: 64 });
    const reply = await model.invoke([new HumanMessage('Where does the dragon sleep?')]);
    expect(reply.content).toBe('The dragon sleeps under the mountain.');
    const span = h.spanNamed('chat lore-test-1');
    expect(span.kind).toBe(SpanKind.CLIENT);
    expect(span.attributes).toMatchObject({
      [s.ATTR_GEN_AI_OPERATION_NAME]: 'chat',
      [s.ATTR_GEN_AI_PROVIDER_NAME]: 'lore-test',
      [s.ATTR_GEN_AI_REQUEST_MODEL]: 'lore-test-1',
      [s.ATTR_GEN_AI_REQUEST_TEMPERATURE]: 0.2,
      [s.ATTR_GEN_AI_REQUEST_MAX_TOKENS]: 64,
      [s.ATTR_GEN_AI_REQUEST_STREAM]: false,
      [s.ATTR_GEN_AI_RESPONSE_MODEL]: 'lore-test-1-2025',
      [s.ATTR_GEN_AI_RESPONSE_ID]: 'resp-123',
      [s.ATTR_GEN_AI_RESPONSE_FINISH_REASONS]: ['stop'],
      [s.ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 5,
      [s.ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: 6,
    });
    expect(span.attributes[s.ATTR_GEN_AI_INPUT_MESSAGES]).toBeUndefined();
    expect(span.attributes[s.ATTR_GEN_AI_OUTPUT_MESSAGES]).toBeUndefined();
    expect(h.eventsOf(span).map((e) => e.name)).toEqual([
      s.EVENT_LLM_REQUEST,
      s.EVENT_LLM_RESPONSE,
    ]);
  });

  it('records token usage and duration metrics with bounded attributes', async () => {
    const model = new TestChatModel({ model: 'metrics-model' });
    await model.invoke('Where does the dragon sleep?');
    const tokens = await h.metric(s.METRIC_LLM_TOKEN_USAGE);
    expect(sumOf(tokens, { model: 'metrics-model-2025', type: 'input' })).toBe(5);
    expect(sumOf(tokens, { model: 'metrics-model-2025', type: 'output' })).toBe(6);
    const semconv = await h.metric(s.METRIC_GEN_AI_CLIENT_TOKEN_USAGE);
    const semconvAttrs = {
      [s.ATTR_GEN_AI_TOKEN_TYPE]: 'output',
      [s.ATTR_GEN_AI_REQUEST_MODEL]: 'metrics-model',
    };
    expect(sumOf(semconv, semconvAttrs)).toBe(6);
    expect(countOf(semconv, semconvAttrs)).toBe(1);
    const duration = await h.metric(s.METRIC_GEN_AI_CLIENT_OPERATION_DURATION);
    expect(countOf(duration, { [s.ATTR_GEN_AI_REQUEST_MODEL]: 'metrics-model' })).toBe(1);
    expect(
      sumOf(await h.metric(s.METRIC_LORECHAT_OPERATIONS), { component: 'llm' }),
    ).toBeGreaterThanOrEqual(1);
  });

  it('switches off LLM metrics with llmMetrics: false but keeps spans and the operations count', async () => {
    inst.setConfig({ llmMetrics: false });
    const before = {
      tokens: sumOf(await h.metric(s.METRIC_LLM_TOKEN_USAGE)),
      duration: countOf(await h.metric(s.METRIC_GEN_AI_CLIENT_OPERATION_DURATION)),
      ops: sumOf(await h.metric(s.METRIC_LORECHAT_OPERATIONS), { component: 'llm' }),
    };
    await new TestChatModel().invoke('hello there');
    expect(sumOf(await h.metric(s.METRIC_LLM_TOKEN_USAGE))).toBe(before.tokens);
    expect(countOf(await h.metric(s.METRIC_GEN_AI_CLIENT_OPERATION_DURATION))).toBe(
      before.duration,
    );
    expect(sumOf(await h.metric(s.METRIC_LORECHAT_OPERATIONS), { component: 'llm' })).toBe(
      before.ops + 1,
    );
    expect(h.spanNamed('chat lore-test-1').attributes[s.ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]).toBe(6);
  });

  it('records a failed call (exception, ERROR status, error.type, llm.error at ERROR) and re-throws the same error', async () => {
    const boom = new RangeError('rate limited');
    await expect(new TestChatModel({ failWith: boom }).invoke('hi')).rejects.toBe(boom);
    const span = h.spanNamed('chat lore-test-1');
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes[s.ATTR_ERROR_TYPE]).toBe('RangeError');
    expect(span.events.some((e) => e.name === 'exception')).toBe(true);
    const log = h.logRecords().find((r) => r.eventName === s.EVENT_LLM_ERROR)!;
    expect(log.severityNumber).toBe(SeverityNumber.ERROR);
    expect((log.body as { context: { error: unknown } }).context.error).toEqual({
      type: 'RangeError',
      message: 'rate limited',
    });
    expect(
      pointsWith(await h.metric(s.METRIC_GEN_AI_CLIENT_OPERATION_DURATION), {
        [s.ATTR_ERROR_TYPE]: 'RangeError',
      }),
    ).toHaveLength(1);
    expect(
      sumOf(await h.metric(s.METRIC_LORECHAT_ERRORS), {
        component: 'llm',
        [s.ATTR_ERROR_TYPE]: 'RangeError',
      }),
    ).toBe(1);
  });

  it.each([
    ['a thrown string', 'plain string', '_OTHER'],
    ['an object without name', { code: 42 }, '_OTHER'],
  ])('survives %s as the error', async (_label, thrown, type) => {
    await expect(new TestChatModel({ failWith: thrown }).invoke('hi')).rejects.toBe(thrown);
    expect(h.spanNamed('chat lore-test-1').attributes[s.ATTR_ERROR_TYPE]).toBe(type);
  });

  it('streams: time to first chunk, usage from chunks, stream flag, one span', async () => {
    const model = new TestChatModel({ chunkDelayMs: 5 });
    let text = '';
    for await (const chunk of await model.stream('Where does the dragon sleep?'))
      text += textOf(chunk.content);
    expect(text).toBe('The dragon sleeps under the mountain.');
    const span = h.spanNamed('chat lore-test-1');
    expect(span.attributes[s.ATTR_GEN_AI_REQUEST_STREAM]).toBe(true);
    expect(span.attributes[s.ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]).toBe(6);
    expect(span.attributes[s.ATTR_GEN_AI_RESPONSE_ID]).toBe('stream-456');
    const ttfc = span.attributes[s.ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK] as number;
    expect(ttfc).toBeGreaterThan(0.003);
    expect(ttfc).toBeLessThan(1);
    expect(
      countOf(await h.metric(s.METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK)),
    ).toBeGreaterThanOrEqual(1);
  });

  it('ends the span when the consumer breaks out of the stream', async () => {
    const model = new TestChatModel({ chunkDelayMs: 1 });
    for await (const _chunk of await model.stream('hi')) break;
    const span = h.spanNamed('chat lore-test-1');
    expect(span.ended).toBe(true);
    expect(span.status.code).not.toBe(SpanStatusCode.ERROR);
    expect(span.attributes[s.ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK]).toBeGreaterThan(0);
  });

  it('ends the span when the stream is aborted', async () => {
    const controller = new AbortController();
    const model = new TestChatModel({ chunkDelayMs: 20 });
    const stream = await model.stream('hi', { signal: controller.signal });
    const consume = (async () => {
      for await (const _chunk of stream) controller.abort();
    })();
    await expect(consume).rejects.toThrow();
    expect(h.spanNamed('chat lore-test-1').ended).toBe(true);
  });

  it('records a stream that falls back to invoke once', async () => {
    const chunks = [];
    for await (const c of await new NonStreamingModel().stream('hi')) chunks.push(c);
    expect(chunks).toHaveLength(1);
    expect(h.finishedSpans().filter((sp) => sp.name.startsWith('chat '))).toHaveLength(1);
  });

  it('captures prompts and answers only when asked, redacted and truncated', async () => {
    inst.setConfig({
      captureMessageContent: true,
      contentMaxLength: 64,
      redact: (t) => t.replaceAll('Smaug', '***'),
    });
    await new TestChatModel().invoke(
      'Tell me about Smaug, the dragon under the Lonely Mountain, and his hoard of gold',
    );
    const span = h.spanNamed('chat lore-test-1');
    const input = span.attributes[s.ATTR_GEN_AI_INPUT_MESSAGES] as string;
    expect(
      JSON.parse(
        input.replace(/…\[truncated\]$/, '"}]').replace(/"content":"[^"]*"\}\]$/, '"content":""}]'),
      ),
    ).toEqual([{ role: 'user', content: '' }]);
    expect(input).toContain('***');
    expect(input).not.toContain('Smaug');
    expect(input.length).toBe(64);
    expect(input.endsWith('…[truncated]')).toBe(true);
    expect(span.attributes[s.ATTR_GEN_AI_OUTPUT_MESSAGES]).toMatch(
      /^\[\{"role":"assistant","content":"The dragon sleeps/,
    );
  });

  it('drops the content when the redact hook throws', async () => {
    inst.setConfig({
      captureMessageContent: true,
      redact: () => {
        throw new Error('bad redactor');
      },
    });
    await expect(new TestChatModel().invoke('secret')).resolves.toBeDefined();
    expect(
      h.spanNamed('chat lore-test-1').attributes[s.ATTR_GEN_AI_INPUT_MESSAGES],
    ).toBeUndefined();
  });
});

describe('provider mapping', () => {
  it('maps LangChain providers onto gen_ai.provider.name', () => {
    const openai = new ChatOpenAI({
      model: 'gpt-4o-mini',
      apiKey: 'sk-test',
      temperature: 0.3,
      topP: 0.9,
    });
    expect(requestInfo(openai as unknown as ChatModelLike, {})).toMatchObject({
      provider: 'openai',
      model: 'gpt-4o-mini',
      temperature: 0.3,
      topP: 0.9,
    });
    const bedrockLike = {
      _llmType: () => 'chat_bedrock_converse',
      getLsParams: () => ({ ls_provider: 'amazon_bedrock', ls_model_name: 'anthropic.claude-3' }),
    };
    expect(requestInfo(bedrockLike as unknown as ChatModelLike, {})).toMatchObject({
      provider: 'aws.bedrock',
      model: 'anthropic.claude-3',
    });
    const odd = {
      _llmType: () => 'my-llm',
      getLsParams: () => {
        throw new Error('nope');
      },
    };
    expect(requestInfo(odd as unknown as ChatModelLike, {})).toMatchObject({
      provider: 'my-llm',
      model: 'my-llm',
    });
  });
});
