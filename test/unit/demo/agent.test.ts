import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { NothingToResumeError } from '../../../demo/agent/lore-agent.js';
import { createLoreChatApp, type LoreChatApp } from '../../../demo/app.js';
import { startServer, type ServerHandle } from '../../../demo/http/server.js';

let app: LoreChatApp;
let server: ServerHandle;
beforeAll(async () => {
  app = await createLoreChatApp({ env: {} });
  server = await startServer({ app, port: 0 });
});
afterAll(async () => {
  await server.close();
});

async function post(
  path: string,
  body: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(new URL(path, server.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe('agent path', () => {
  it('answers from its tools: the lore lookup succeeds, the omens of a known topic too', async () => {
    const result = await app.agentChat({
      threadId: 'agent-known',
      message: 'Tell me about Emberfall',
    });
    expect(result.status).toBe('done');
    expect(result.tools).toEqual([
      { name: 'lore_lookup', status: 'success' },
      { name: 'read_omens', status: 'success' },
    ]);
    if (result.status === 'done') expect(result.answer).toMatch(/Emberfall/);
  });

  it('reports a failing tool (no omens for an unknown topic) and still answers', async () => {
    const result = await app.agentChat({ threadId: 'agent-unknown', message: 'zzyzx quorble' });
    expect(result.status).toBe('done');
    expect(result.tools).toContainEqual({ name: 'read_omens', status: 'error' });
    if (result.status === 'done') expect(result.answer).toMatch(/read_omens failed/);
  });

  it('stops for approval when asked for a copy, and finishes when approved over HTTP', async () => {
    const first = await post('/agent', {
      thread_id: 'agent-copy',
      message: 'Make a copy of the Emberfall records',
    });
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ status: 'awaiting_approval', thread_id: 'agent-copy' });
    expect(String(first.json.question)).toMatch(/copy the archive/);
    const resumed = await post('/agent/resume', { thread_id: 'agent-copy', decision: 'approve' });
    expect(resumed.status).toBe(200);
    expect(resumed.json).toMatchObject({ status: 'done' });
    expect(String(resumed.json.answer)).toMatch(/scribe is copying/);
  });

  it('refuses a resume with nothing waiting (409) and a bad decision (400)', async () => {
    await expect(
      app.resumeAgent({ threadId: 'agent-none', decision: 'deny' }),
    ).rejects.toBeInstanceOf(NothingToResumeError);
    expect(
      (await post('/agent/resume', { thread_id: 'agent-none', decision: 'approve' })).status,
    ).toBe(409);
    expect(
      (await post('/agent/resume', { thread_id: 'agent-none', decision: 'maybe' })).json,
    ).toMatchObject({
      error: 'invalid_decision',
    });
  });
});
