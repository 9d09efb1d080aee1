import { describe, expect, it } from 'vitest';
import type { AIMessageChunk } from '@langchain/core/messages';
import { HumanMessage } from '@langchain/core/messages';
import { Annotation, END, START, StateGraph } from '@langchain/langgraph';
import { OfflineChatModel, OfflineModelError } from '../../../demo/llm/offline-chat-model.js';
import { decomposePrompt, evaluatePrompt, respondPrompt } from '../../../demo/graph/prompts.js';
import {
  CONFIGURABLE_FAIL_KEY,
  CONFIGURABLE_LATENCY_KEY,
} from '../../../demo/llm/request-control.js';

const respondMessages = respondPrompt(
  'Who founded Emberfall?',
  'Queen Ysolde the Kindler founded Emberfall in the year 212.',
  'scribe',
  [],
);

async function collect(model: OfflineChatModel, messages = respondMessages) {
  const chunks: AIMessageChunk[] = [];
  for await (const chunk of await model.stream(messages)) chunks.push(chunk);
  return chunks;
}

describe('OfflineChatModel', () => {
  it('reports token usage on invoke in usage_metadata and in llmOutput.tokenUsage', async () => {
    const model = new OfflineChatModel();
    const reply = await model.invoke(respondMessages);
    const usage = reply.usage_metadata!;
    expect(usage.input_tokens).toBeGreaterThan(20);
    expect(usage.output_tokens).toBeGreaterThan(5);
    expect(usage.total_tokens).toBe(usage.input_tokens + usage.output_tokens);
    const result = await model.generate([respondMessages]);
    expect(result.llmOutput?.tokenUsage).toEqual({
      promptTokens: usage.input_tokens,
      completionTokens: usage.output_tokens,
      totalTokens: usage.total_tokens,
    });
    expect(reply.response_metadata.model_name).toBe('lorechat-offline-1');
  });

  it('streams several chunks whose text equals the invoke reply, usage on the final chunk', async () => {
    const model = new OfflineChatModel();
    const chunks = await collect(model);
    const text = chunks.map((c) => c.text).join('');
    expect(chunks.length).toBeGreaterThan(5);
    expect(text).toBe((await model.invoke(respondMessages)).text);
    expect(chunks.slice(0, -1).every((c) => c.usage_metadata === undefined)).toBe(true);
    const last = chunks.at(-1)!;
    expect(last.text).toBe('');
    expect(last.usage_metadata?.output_tokens).toBeGreaterThan(5);
    const merged = chunks.reduce((a, b) => a.concat(b));
    expect(merged.usage_metadata?.total_tokens).toBe(last.usage_metadata?.total_tokens);
  });

  it('is deterministic for the same prompt and writes the persona voice around the answer', async () => {
    const a = await new OfflineChatModel().invoke(respondMessages);
    const b = await new OfflineChatModel().invoke(respondMessages);
    expect(a.text).toBe(b.text);
    expect(a.text).toContain('Queen Ysolde the Kindler founded Emberfall in the year 212.');
    expect(a.text).not.toBe('Queen Ysolde the Kindler founded Emberfall in the year 212.');
  });

  it('answers decompose and evaluate prompts with valid JSON', async () => {
    const model = new OfflineChatModel();
    const plan = JSON.parse(
      (
        await model.invoke(
          decomposePrompt('Who founded Emberfall and what is the Hollow Crown?', []),
        )
      ).text,
    ) as { complexity: string; subqueries: string[] };
    expect(plan.subqueries).toEqual(['Who founded Emberfall?', 'What is the Hollow Crown?']);
    expect(plan.complexity).toBe('moderate');
    const verdict = JSON.parse(
      (
        await model.invoke(
          evaluatePrompt('What is the Hollow Crown?', [
            {
              title: 'The Hollow Crown',
              text: 'The Hollow Crown is a circlet of blackened silver.',
            },
          ]),
        )
      ).text,
    ) as { relevant: boolean; score: number };
    expect(verdict.relevant).toBe(true);
    expect(verdict.score).toBe(1);
  });

  it('waits for the configured latency', async () => {
    const model = new OfflineChatModel({ latencyMs: 120, jitter: 0 });
    const t0 = performance.now();
    await model.invoke('hello');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(110);
  });

  it('fails with OfflineModelError at the configured failure rate', async () => {
    const always = new OfflineChatModel({ failureRate: 1 });
    await expect(always.invoke('hello')).rejects.toBeInstanceOf(OfflineModelError);
    await expect(collect(always)).rejects.toThrow(/injected failure in respond/);
    const never = new OfflineChatModel({ failureRate: 0.5, random: () => 0.9 });
    await expect(never.invoke('hello')).resolves.toBeDefined();
  });

  it('takes per-request control from configurable, for invoke and stream, and by role', async () => {
    const model = new OfflineChatModel();
    const failRespond = { configurable: { [CONFIGURABLE_FAIL_KEY]: 'respond' } };
    await expect(model.invoke(respondMessages, failRespond)).rejects.toThrow(OfflineModelError);
    await expect(model.invoke(decomposePrompt('Who?', []), failRespond)).resolves.toBeDefined();
    const stream = model.stream(respondMessages, failRespond);
    await expect(
      (async () => {
        for await (const _ of await stream) void _;
      })(),
    ).rejects.toThrow(OfflineModelError);
    const t0 = performance.now();
    await model.invoke('hi', { configurable: { [CONFIGURABLE_LATENCY_KEY]: 100 } });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(70);
  });

  it('inherits the control from the graph config when a node calls it without passing config', async () => {
    const model = new OfflineChatModel();
    const graph = new StateGraph(Annotation.Root({ reply: Annotation<string>() }))
      .addNode('talk', async () => ({ reply: (await model.invoke([new HumanMessage('hi')])).text }))
      .addEdge(START, 'talk')
      .addEdge('talk', END)
      .compile();
    await expect(
      graph.invoke({}, { configurable: { [CONFIGURABLE_FAIL_KEY]: true } }),
    ).rejects.toThrow(OfflineModelError);
    expect((await graph.invoke({})).reply).toContain('hi');
  });

  it('rejects invalid parameters with a clear message', () => {
    expect(() => new OfflineChatModel({ failureRate: 2 })).toThrow(
      /failureRate must be between 0 and 1/,
    );
    expect(() => new OfflineChatModel({ latencyMs: -1 })).toThrow(/latencyMs/);
  });
});
