import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { createLoreChatApp, type LoreChatApp } from '../../../demo/app.js';
import { startServer, type ServerHandle } from '../../../demo/http/server.js';
import { MAX_MESSAGE_CHARS } from '../../../demo/http/validation.js';

let app: LoreChatApp;
let server: ServerHandle;

beforeAll(async () => {
  app = await createLoreChatApp({ env: {} });
  server = await startServer({ app, port: 0, maxBodyBytes: 64 * 1024 });
});
afterAll(async () => {
  await server.close();
});

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: () => Record<string, unknown>;
}

function call(
  method: string,
  path: string,
  body?: string | Buffer,
  headers: Record<string, string> = { 'content-type': 'application/json' },
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, server.url);
    const req = request(url, { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text,
          json: () => JSON.parse(text) as Record<string, unknown>,
        }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

const post = (path: string, body: unknown, headers?: Record<string, string>) =>
  call('POST', path, JSON.stringify(body), headers);

describe('LoreChat HTTP API', () => {
  it('GET /healthz reports ok and the document count', async () => {
    const r = await call('GET', '/healthz');
    expect(r.status).toBe(200);
    expect(r.json()).toMatchObject({
      status: 'ok',
      documents: app.store.size,
      provider: 'offline',
    });
  });

  it('POST /chat answers with answer, sources and thread_id', async () => {
    const r = await post('/chat', {
      thread_id: 'h1',
      message: 'Who founded Emberfall?',
      persona: 'adventurer',
    });
    expect(r.status).toBe(200);
    const body = r.json();
    expect(body.thread_id).toBe('h1');
    expect(body.answer).toEqual(expect.stringContaining('Ysolde'));
    expect(body.sources).toEqual(expect.arrayContaining([{ id: 'emberfall', title: 'Emberfall' }]));
    expect(body.persona).toBe('adventurer');
  });

  it('POST /chat/stream sends token events then a done event', async () => {
    const r = await post('/chat/stream', { thread_id: 'h2', message: 'What is starsteel?' });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toContain('text/event-stream');
    const events = r.text
      .trim()
      .split('\n\n')
      .map((block) => {
        const [eventLine, dataLine] = block.split('\n');
        return {
          event: eventLine!.slice(7),
          data: JSON.parse(dataLine!.slice(6)) as Record<string, unknown>,
        };
      });
    const tokens = events.filter((e) => e.event === 'token');
    expect(tokens.length).toBeGreaterThan(5);
    const done = events.at(-1)!;
    expect(done.event).toBe('done');
    expect(done.data.thread_id).toBe('h2');
    expect(done.data.answer).toBe(
      tokens
        .map((t) => t.data.text)
        .join('')
        .trim(),
    );
  });

  it('POST /documents adds, then updates by id', async () => {
    const doc = {
      id: 'moths',
      title: 'Glasswing Moths',
      text: 'Glasswing moths glow in the caves under Kestrel Keep.',
    };
    const first = await post('/documents', { documents: [doc] });
    expect(first.status).toBe(200);
    expect(first.json()).toMatchObject({ added: 1, updated: 0, ids: ['moths'] });
    const second = await post('/documents', {
      documents: [
        { ...doc, text: 'They glow blue.' },
        { title: 'No id', text: 'Fresh.' },
      ],
    });
    expect(second.json()).toMatchObject({ added: 1, updated: 1, total: app.store.size });
    expect(app.store.getById('moths')?.pageContent).toBe('They glow blue.');
  });

  it('turns an LLM failure into 502 and honours the control headers', async () => {
    const r = await post(
      '/chat',
      { thread_id: 'h3', message: 'Who was Tamsin Reed?' },
      {
        'content-type': 'application/json',
        'x-lorechat-fail': 'true',
      },
    );
    expect(r.status).toBe(502);
    expect(r.json().error).toBe('llm_error');
    expect(r.json().message).toContain('injected failure');
    const viaBody = await post('/chat', {
      thread_id: 'h3',
      message: 'Who was Tamsin Reed?',
      options: { fail: 'decompose' },
    });
    expect(viaBody.status).toBe(502);
    const t0 = performance.now();
    const slow = await post(
      '/chat',
      { thread_id: 'h3', message: 'Who was Tamsin Reed?' },
      {
        'content-type': 'application/json',
        'x-lorechat-latency-ms': '60',
      },
    );
    expect(slow.status).toBe(200);
    expect(performance.now() - t0).toBeGreaterThan(150); // four sequential LLM calls of ~60 ms
  });

  const bad: [string, () => Promise<Reply>, number, string][] = [
    [
      'empty message',
      () => post('/chat', { thread_id: 'x', message: '   ' }),
      400,
      'empty_message',
    ],
    ['missing message', () => post('/chat', { thread_id: 'x' }), 400, 'empty_message'],
    [
      'oversized message',
      () => post('/chat', { thread_id: 'x', message: 'a'.repeat(MAX_MESSAGE_CHARS + 1) }),
      400,
      'message_too_long',
    ],
    [
      'unknown persona',
      () => post('/chat', { thread_id: 'x', message: 'hi', persona: 'bard' }),
      400,
      'unknown_persona',
    ],
    ['missing thread id', () => post('/chat', { message: 'hi' }), 400, 'missing_thread_id'],
    [
      'bad thread id',
      () => post('/chat', { thread_id: 'a b/c', message: 'hi' }),
      400,
      'missing_thread_id',
    ],
    ['malformed JSON', () => call('POST', '/chat', '{"thread_id": "x", '), 400, 'invalid_json'],
    ['JSON that is not an object', () => call('POST', '/chat', '[1,2]'), 400, 'invalid_body'],
    [
      'bad options',
      () => post('/chat', { thread_id: 'x', message: 'hi', options: { latencyMs: -5 } }),
      400,
      'invalid_options',
    ],
    [
      'bad control header',
      () =>
        post(
          '/chat',
          { thread_id: 'x', message: 'hi' },
          { 'content-type': 'application/json', 'x-lorechat-fail': 'maybe' },
        ),
      400,
      'invalid_options',
    ],
    [
      'wrong content type',
      () => call('POST', '/chat', 'hello', { 'content-type': 'text/plain' }),
      415,
      'unsupported_media_type',
    ],
    ['no content type', () => call('POST', '/chat', '{}', {}), 415, 'unsupported_media_type'],
    ['unknown route', () => call('GET', '/nope'), 404, 'not_found'],
    ['wrong method', () => call('GET', '/chat'), 405, 'method_not_allowed'],
    [
      'body too large',
      () => call('POST', '/documents', Buffer.alloc(70 * 1024, 'a')),
      413,
      'payload_too_large',
    ],
    ['empty documents', () => post('/documents', { documents: [] }), 400, 'invalid_documents'],
    [
      'document without text',
      () => post('/documents', { documents: [{ title: 't' }] }),
      400,
      'invalid_documents',
    ],
  ];

  it.each(bad)('rejects %s with a clear JSON error', async (_name, send, status, code) => {
    const r = await send();
    expect(r.status).toBe(status);
    const body = r.json();
    expect(body.error).toBe(code);
    expect(typeof body.message).toBe('string');
    expect((body.message as string).length).toBeGreaterThan(5);
  });

  it('names the allowed methods on 405 and keeps serving after bad input', async () => {
    const r = await call('DELETE', '/documents');
    expect(r.status).toBe(405);
    expect(r.headers.allow).toBe('POST');
    expect((await call('GET', '/healthz')).status).toBe(200);
  });
});

describe('graceful shutdown', () => {
  it('lets an in-flight request finish, then refuses new connections', async () => {
    const slowApp = await createLoreChatApp({
      env: {},
      config: { offlineLatencyMs: 80, offlineJitter: 0 },
    });
    const handle = await startServer({ app: slowApp, port: 0 });
    const url = new URL('/chat', handle.url);
    const inFlight = fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ thread_id: 'g', message: 'Who was Tamsin Reed?' }),
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(handle.inFlight()).toBe(1);
    const closed = handle.close();
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(((await response.json()) as { answer: string }).answer).toContain('Tamsin');
    await closed;
    await expect(fetch(new URL('/healthz', handle.url))).rejects.toThrow();
  });
});
