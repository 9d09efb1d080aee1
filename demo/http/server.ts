import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LoreChatApp } from '../app.js';
import {
  HttpError,
  validateAgentResumeBody,
  validateChatBody,
  validateDocumentsBody,
} from './validation.js';

export interface StartServerOptions {
  app: LoreChatApp;
  /** @default 8080; 0 picks a free port */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** Largest accepted request body. @default 1 MiB */
  maxBodyBytes?: number;
  /** How long close() waits for in-flight requests before cutting connections. @default 10000 */
  shutdownTimeoutMs?: number;
}

export interface ServerHandle {
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  /** Requests being handled right now. */
  inFlight(): number;
  /** Stops accepting, lets in-flight requests finish (bounded), then closes. Idempotent. */
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse, signal: AbortSignal) => Promise<void>;

export async function startServer(options: StartServerOptions): Promise<ServerHandle> {
  const { app } = options;
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? 10_000;
  let active = 0;
  let closing: Promise<void> | undefined;
  const idleWaiters: (() => void)[] = [];

  const routes: Record<string, Partial<Record<string, Handler>>> = {
    '/healthz': {
      GET: (_req, res) => {
        sendJson(res, closing ? 503 : 200, {
          status: closing ? 'shutting_down' : 'ok',
          documents: app.store.size,
          provider: app.config.provider,
        });
        return Promise.resolve();
      },
    },
    '/chat': {
      POST: async (req, res, signal) => {
        const body = validateChatBody(await readJson(req, maxBodyBytes), req.headers);
        const result = await app.chat({ ...body, signal });
        sendJson(res, 200, {
          answer: result.answer,
          sources: result.sources,
          thread_id: result.threadId,
          persona: result.persona,
          complexity: result.complexity,
          subqueries: result.subqueries,
          usage: result.usage,
        });
      },
    },
    '/chat/stream': {
      POST: async (req, res, signal) => {
        const body = validateChatBody(await readJson(req, maxBodyBytes), req.headers);
        res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache',
          'x-accel-buffering': 'no',
        });
        try {
          for await (const event of app.chatStream({ ...body, signal })) {
            if (event.type === 'token') {
              writeEvent(res, 'token', { text: event.text });
            } else {
              const { type: _type, threadId, ...rest } = event;
              writeEvent(res, 'done', { ...rest, thread_id: threadId });
            }
          }
        } catch (error) {
          const { status, code, message } = classify(error);
          writeEvent(res, 'error', { error: code, message, status });
        }
        res.end();
      },
    },
    // The agent path: tools, and a human approval step (`awaiting_approval`) resumed below.
    '/agent': {
      POST: async (req, res, signal) => {
        const body = validateChatBody(await readJson(req, maxBodyBytes), req.headers);
        const result = await app.agentChat({
          threadId: body.threadId,
          message: body.message,
          signal,
        });
        sendJson(res, 200, { ...result, thread_id: body.threadId });
      },
    },
    '/agent/resume': {
      POST: async (req, res, signal) => {
        const body = validateAgentResumeBody(await readJson(req, maxBodyBytes));
        const result = await app.resumeAgent({ ...body, signal });
        sendJson(res, 200, { ...result, thread_id: body.threadId });
      },
    },
    '/documents': {
      POST: async (req, res) => {
        const documents = validateDocumentsBody(await readJson(req, maxBodyBytes));
        const result = await app.upsertDocuments(documents);
        sendJson(res, 200, { ...result, total: app.store.size });
      },
    },
  };

  const server = createServer((req, res) => {
    active += 1;
    const controller = new AbortController();
    // A client that goes away cancels its graph run.
    res.on('close', () => {
      if (!res.writableFinished) controller.abort(new Error('client closed the connection'));
      active -= 1;
      if (active === 0) idleWaiters.splice(0).forEach((wake) => wake());
    });
    handle(req, res, controller.signal).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const { status, code, message, headers } = classify(error);
      // After a refused body the rest of it is not read: close the connection.
      if (status === 413) res.setHeader('connection', 'close');
      sendJson(res, status, { error: code, message }, headers);
      if (status === 413 || status === 415) req.resume();
    });
  });

  async function handle(
    req: IncomingMessage,
    res: ServerResponse,
    signal: AbortSignal,
  ): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const route = routes[path];
    if (!route) throw new HttpError(404, 'not_found', `no route ${path}`);
    const method = req.method ?? 'GET';
    const handler = route[method];
    if (!handler) {
      const allow = Object.keys(route).join(', ');
      throw new HttpError(
        405,
        'method_not_allowed',
        `${method} ${path} is not allowed; use ${allow}`,
        {
          allow,
        },
      );
    }
    if (closing) throw new HttpError(503, 'shutting_down', 'the server is shutting down');
    if (method === 'POST') {
      const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (type !== 'application/json') {
        throw new HttpError(
          415,
          'unsupported_media_type',
          `content-type must be application/json, got ${type || 'none'}`,
        );
      }
    }
    await handler(req, res, signal);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  function close(): Promise<void> {
    closing ??= (async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const idle =
        active === 0
          ? Promise.resolve()
          : new Promise<void>((resolve) => idleWaiters.push(resolve));
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, shutdownTimeoutMs);
        timer.unref();
      });
      await Promise.race([idle, timeout]);
      clearTimeout(timer);
      server.closeAllConnections();
      await closed;
    })();
    return closing;
  }

  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    server,
    inFlight: () => active,
    close,
  };
}

async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    throw new HttpError(
      413,
      'payload_too_large',
      `the body has ${declared} bytes; the limit is ${limit}`,
    );
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) {
      throw new HttpError(413, 'payload_too_large', `the body is larger than ${limit} bytes`);
    }
    chunks.push(buf);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') throw new HttpError(400, 'invalid_json', 'the request body is empty');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new HttpError(
      400,
      'invalid_json',
      `the body is not valid JSON: ${(error as Error).message}`,
    );
  }
}

function classify(error: unknown): {
  status: number;
  code: string;
  message: string;
  headers: Record<string, string>;
} {
  if (error instanceof HttpError) {
    return {
      status: error.status,
      code: error.code,
      message: error.message,
      headers: error.headers,
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  const name = error instanceof Error ? error.name : '';
  if (name === 'NothingToResumeError') {
    return { status: 409, code: 'nothing_to_resume', message, headers: {} };
  }
  const status = (error as { status?: unknown } | undefined)?.status;
  // Provider errors (the offline model's injected failures, OpenAI/Bedrock HTTP errors) are
  // upstream failures: 502, so dashboards can tell them from bugs in the app (500).
  if (typeof status === 'number' || /Model|OpenAI|Bedrock|Throttl/i.test(name)) {
    return { status: 502, code: 'llm_error', message, headers: {} };
  }
  if (name === 'AbortError' || /abort/i.test(message)) {
    return { status: 499, code: 'client_closed', message, headers: {} };
  }
  return { status: 500, code: 'internal_error', message, headers: {} };
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
  });
  res.end(payload);
}

function writeEvent(res: ServerResponse, event: string, data: unknown): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}
