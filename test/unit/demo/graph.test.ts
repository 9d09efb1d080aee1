import { describe, expect, it } from 'vitest';
import type { BaseMessage } from '@langchain/core/messages';
import { FakeListChatModel } from '@langchain/core/utils/testing';
import { createLoreChatApp } from '../../../demo/app.js';
import { OfflineChatModel } from '../../../demo/llm/offline-chat-model.js';
import type { ChatModels } from '../../../demo/llm/providers.js';
import { roleFromPrompt, type LlmRole } from '../../../demo/llm/roles.js';
import { GRAPH_NAME } from '../../../demo/graph/build-graph.js';
import type { CallbackManagerForLLMRun } from '@langchain/core/callbacks/manager';

/** Counts calls per role and the most calls in flight at once. */
class TrackingModel extends OfflineChatModel {
  calls: Partial<Record<LlmRole, number>> = {};
  active = 0;
  maxActive = 0;
  override async _generate(
    m: BaseMessage[],
    o: this['ParsedCallOptions'],
    r?: CallbackManagerForLLMRun,
  ) {
    const role = roleFromPrompt(m.map((x) => x.text).join('\n'));
    if (role) this.calls[role] = (this.calls[role] ?? 0) + 1;
    this.active += 1;
    this.maxActive = Math.max(this.maxActive, this.active);
    try {
      return await super._generate(m, o, r);
    } finally {
      this.active -= 1;
    }
  }
}

function allRoles(model: OfflineChatModel): ChatModels {
  return { decompose: model, evaluate: model, answer: model, combine: model, respond: model };
}

describe('LoreChat graph', () => {
  it('is compiled with the graph name and the four nodes', async () => {
    const app = await createLoreChatApp({ env: {} });
    expect(app.graph.name).toBe(GRAPH_NAME);
    const nodes = Object.keys(app.graph.nodes).filter((n) => !n.startsWith('__'));
    expect(nodes).toEqual(['decompose', 'process', 'combine', 'respond']);
  });

  it('answers a simple question through one subquery, with sources and the persona voice', async () => {
    const model = new TrackingModel();
    const app = await createLoreChatApp({ env: {}, models: allRoles(model) });
    const reply = await app.chat({
      threadId: 't-simple',
      message: 'Who founded Emberfall?',
      persona: 'scribe',
    });
    expect(reply.complexity).toBe('simple');
    expect(reply.subqueries).toEqual([
      { text: 'Who founded Emberfall?', status: 'answered', refinementCount: 0 },
    ]);
    expect(reply.answer).toContain('Queen Ysolde the Kindler founded the city in the year 212');
    expect(reply.sources.map((s) => s.id)).toContain('emberfall');
    // One subquery: combine passes the answer through without an LLM call (respond streams,
    // so it does not go through _generate).
    expect(model.calls).toEqual({ decompose: 1, evaluate: 1, answer: 1 });
  });

  it('processes several subqueries in parallel branches and merges them with one combine call', async () => {
    const model = new TrackingModel({ latencyMs: 60, jitter: 0 });
    const app = await createLoreChatApp({ env: {}, models: allRoles(model) });
    const reply = await app.chat({
      threadId: 't-multi',
      message: 'Who founded Emberfall and what is the Hollow Crown? Also who was Tamsin Reed',
    });
    expect(reply.subqueries.map((s) => s.text)).toEqual([
      'Who founded Emberfall?',
      'What is the Hollow Crown?',
      'Who was Tamsin Reed?',
    ]);
    expect(reply.complexity).toBe('moderate');
    expect(model.calls.evaluate).toBe(3);
    expect(model.calls.answer).toBe(3);
    expect(model.calls.combine).toBe(1);
    expect(model.maxActive).toBe(3);
    expect(reply.sources.map((s) => s.id)).toEqual(
      expect.arrayContaining(['emberfall', 'hollow-crown', 'tamsin-reed']),
    );
  });

  it('refines the query when the documents are not relevant, then answers', async () => {
    const app = await createLoreChatApp({ env: {} });
    const reply = await app.chat({
      threadId: 't-refine',
      message: 'Which dragons sleep under Saltmarrow harbour?',
    });
    expect(reply.subqueries[0]).toMatchObject({ refinementCount: 1, status: 'answered' });
    const state = await app.graph.getState({ configurable: { thread_id: 't-refine' } });
    const [sq] = (state.values as { subqueries: { searchQuery: string; text: string }[] })
      .subqueries;
    expect(sq!.searchQuery).not.toBe(sq!.text);
    expect(sq!.searchQuery).toContain('Saltmarrow');
  });

  it('stops refining at maxRefinements and says the archive has no answer', async () => {
    const offline = new OfflineChatModel();
    const evaluate = new FakeListChatModel({
      responses: [1, 2, 3, 4, 5].map((i) =>
        JSON.stringify({ relevant: false, score: 0, refined_query: `attempt ${i}` }),
      ),
    });
    const app = await createLoreChatApp({
      env: {},
      config: { maxRefinements: 2 },
      models: { ...allRoles(offline), evaluate },
    });
    const reply = await app.chat({ threadId: 't-bound', message: 'What is a zorblax quuxite?' });
    expect(reply.subqueries[0]).toMatchObject({ refinementCount: 2, status: 'unanswered' });
    expect(reply.sources).toEqual([]);
    expect(reply.answer).toContain('The archive holds no record');
  });

  it('falls back to the combined answer when the respond LLM call fails', async () => {
    const app = await createLoreChatApp({ env: {} });
    const reply = await app.chat({
      threadId: 't-fallback',
      message: 'Who was Tamsin Reed?',
      control: { fail: 'respond' },
    });
    const state = await app.graph.getState({ configurable: { thread_id: 't-fallback' } });
    const combined = (state.values as { combinedAnswer: string }).combinedAnswer;
    expect(combined).toContain('Tamsin Reed');
    expect(reply.answer).toBe(combined);
  });

  it('fails the turn when decompose fails (no silent success)', async () => {
    const app = await createLoreChatApp({ env: {} });
    await expect(
      app.chat({ threadId: 't-fail', message: 'Who was Tamsin Reed?', control: { fail: true } }),
    ).rejects.toThrow(/injected failure in decompose/);
  });

  it('keeps history per thread in the checkpointer', async () => {
    const app = await createLoreChatApp({ env: {} });
    await app.chat({ threadId: 'a', message: 'Who founded Emberfall?' });
    await app.chat({ threadId: 'a', message: 'What is the Hollow Crown?' });
    await app.chat({ threadId: 'b', message: 'What are the mistcallers?' });
    const count = async (thread: string) =>
      (
        (await app.graph.getState({ configurable: { thread_id: thread } })).values as {
          messages: unknown[];
        }
      ).messages.length;
    expect(await count('a')).toBe(4);
    expect(await count('b')).toBe(2);
  });

  it('forgets the least recently used threads beyond maxThreads', async () => {
    const app = await createLoreChatApp({ env: {}, config: { maxThreads: 2 } });
    for (const t of ['t1', 't2', 't3'])
      await app.chat({ threadId: t, message: 'What are the mistcallers?' });
    const has = async (t: string) =>
      (await app.graph.getState({ configurable: { thread_id: t } })).values as unknown;
    expect(await has('t1')).toEqual({});
    expect(await has('t3')).toHaveProperty('messages');
  });

  it('streams the respond tokens and ends with the same answer', async () => {
    const app = await createLoreChatApp({ env: {} });
    let tokens = '';
    let done: { answer: string; sources: unknown[] } | undefined;
    for await (const event of app.chatStream({
      threadId: 's',
      message: 'What is starsteel?',
      persona: 'adventurer',
    })) {
      if (event.type === 'token') tokens += event.text;
      else done = event;
    }
    expect(tokens.length).toBeGreaterThan(20);
    expect(done?.answer).toBe(tokens.trim());
    expect(done?.sources.length).toBeGreaterThan(0);
  });

  it('counts added and updated documents on upsert', async () => {
    const app = await createLoreChatApp({ env: {}, corpus: [] });
    const doc = { id: 'moths', title: 'Moths', text: 'Glasswing moths glow.' };
    expect(await app.upsertDocuments([doc])).toMatchObject({
      added: 1,
      updated: 0,
      ids: ['moths'],
    });
    expect(
      await app.upsertDocuments([
        { ...doc, text: 'They glow blue.' },
        { id: 'x', title: 'X', text: 'y' },
      ]),
    ).toMatchObject({
      added: 1,
      updated: 1,
    });
    expect(app.store.size).toBe(2);
  });
});
