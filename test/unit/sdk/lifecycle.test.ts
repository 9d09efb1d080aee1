/**
 * The pieces behind the process life cycle, without subprocesses: the OTLP/HTTP export
 * queue (batches, confirms, drops, spills), the spool (bounded, claimed, replayed, kept when
 * the endpoint is down), the sender against a real local HTTP server (retry on 503, no
 * retry on 400, every socket unreferenced), and the stderr diagnostics.
 */
import { DiagLogLevel } from '@opentelemetry/api';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type OtlpCodec,
  OtlpExportQueue,
  OtlpHttpSender,
  type SendOutcome,
} from '../../../src/exporters/otlp-http.js';
import { Spool } from '../../../src/exporters/spool.js';
import { parseLogLevel, StderrDiagLogger } from '../../../src/util/diagnostics.js';

interface Item {
  readonly n: number;
  readonly resource: { asyncAttributesPending?: boolean };
}

const codec: OtlpCodec<Item> = {
  signal: 'traces',
  encode: (items) => new TextEncoder().encode(JSON.stringify(items.map((i) => i.n))),
  jsonLine: (items) => JSON.stringify({ resourceSpans: items.map((i) => i.n) }),
  resources: (items) => items.map((i) => i.resource),
};

const item = (n: number): Item => ({ n, resource: {} });

/** A sender whose answers the test controls. */
function fakeSender(): {
  sent: number[][];
  next: Array<(o: SendOutcome) => void>;
  send: (body: Uint8Array) => Promise<SendOutcome>;
} {
  const state = {
    sent: [] as number[][],
    next: [] as Array<(o: SendOutcome) => void>,
    send: (body: Uint8Array): Promise<SendOutcome> => {
      state.sent.push(JSON.parse(new TextDecoder().decode(body)) as number[]);
      return new Promise<SendOutcome>((resolve) => state.next.push(resolve));
    },
  };
  return state;
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setImmediate(r));
}

describe('OtlpExportQueue', () => {
  it('sends full batches one at a time and keeps the batch in flight until it is confirmed', async () => {
    const sender = fakeSender();
    const queue = new OtlpExportQueue(codec, sender, {
      maxQueueSize: 100,
      maxBatchSize: 2,
      scheduledDelayMillis: 60_000,
    });
    for (let n = 1; n <= 5; n++) queue.add(item(n));
    await until(() => sender.sent.length === 1);
    expect(sender.sent).toEqual([[1, 2]]);
    expect(queue.pending).toBe(5); // 2 in flight + 3 buffered
    sender.next.shift()?.('sent');
    await until(() => sender.sent.length === 2);
    expect(sender.sent[1]).toEqual([3, 4]);
    expect(queue.pending).toBe(3);
  });

  it('drops new items beyond maxQueueSize and counts them', () => {
    const queue = new OtlpExportQueue(codec, fakeSender(), {
      maxQueueSize: 3,
      maxBatchSize: 10,
      scheduledDelayMillis: 60_000,
    });
    for (let n = 1; n <= 5; n++) queue.add(item(n));
    expect(queue.pending).toBe(3);
    expect(queue.dropped).toBe(2);
  });

  it('drains what is in flight and buffered as OTLP-JSON lines, in order, batch by batch', async () => {
    const sender = fakeSender();
    const queue = new OtlpExportQueue(codec, sender, {
      maxQueueSize: 100,
      maxBatchSize: 2,
      scheduledDelayMillis: 60_000,
    });
    for (let n = 1; n <= 5; n++) queue.add(item(n));
    await until(() => sender.sent.length === 1);
    expect(queue.drainAsJsonLines()).toEqual([
      '{"resourceSpans":[1,2]}',
      '{"resourceSpans":[3,4]}',
      '{"resourceSpans":[5]}',
    ]);
    expect(queue.pending).toBe(0);
  });

  it('its batch timer never holds the event loop', () => {
    const spy = vi.spyOn(globalThis, 'setTimeout');
    try {
      const queue = new OtlpExportQueue(codec, fakeSender(), {
        maxQueueSize: 10,
        maxBatchSize: 10,
        scheduledDelayMillis: 60_000,
      });
      queue.add(item(1));
      const timer = spy.mock.results.at(-1)?.value as NodeJS.Timeout;
      expect(timer.hasRef()).toBe(false);
      clearTimeout(timer);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('Spool', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lorechat-spool-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const spillable = (lines: string[]): { signal: 'traces'; drainAsJsonLines: () => string[] } => ({
    signal: 'traces',
    drainAsJsonLines: () => lines,
  });

  it('never grows beyond maxBytes: what does not fit is dropped', () => {
    const spool = new Spool({ dir, maxBytes: 25 });
    expect(spool.writeSync([spillable(['a'.repeat(10), 'b'.repeat(10), 'c'.repeat(10)])])).toBe(2);
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^traces-\d+-\d+\.jsonl$/);
    expect(readFileSync(join(dir, files[0] ?? ''), 'utf8')).toBe(
      `${'a'.repeat(10)}\n${'b'.repeat(10)}\n`,
    );
    // 22 of 25 bytes used: a 2-byte line fits, a 5-byte one does not.
    expect(spool.writeSync([spillable(['dddd'])])).toBe(0);
    expect(spool.writeSync([spillable(['d'])])).toBe(1);
  });

  it('replays line by line, removes what was sent and keeps the rest when the endpoint is down', async () => {
    const spool = new Spool({ dir, maxBytes: 1_000_000 });
    spool.writeSync([spillable(['one', 'two', 'three'])]);
    const seen: string[] = [];
    const sent = await spool.replay((signal, line) => {
      const text = new TextDecoder().decode(line);
      seen.push(`${signal}:${text}`);
      return Promise.resolve(text === 'two' ? 'retryable' : 'sent');
    });
    expect(sent).toBe(1);
    expect(seen).toEqual(['traces:one', 'traces:two']);
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    expect(readFileSync(join(dir, files[0] ?? ''), 'utf8')).toBe('two\nthree\n');

    // Next start, endpoint back: everything left is sent and the spool is empty.
    const again: string[] = [];
    await spool.replay((_signal, line) => {
      again.push(new TextDecoder().decode(line));
      return Promise.resolve('sent');
    });
    expect(again).toEqual(['two', 'three']);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a file claimed by a live process is left alone; one claimed by a dead process is taken over', async () => {
    const spool = new Spool({ dir, maxBytes: 1_000_000 });
    spool.writeSync([spillable(['x'])]);
    const [name] = readdirSync(dir);
    const { renameSync } = await import('node:fs');
    // A claim by a process that no longer exists (pid 2^22 + 1 is above Linux's pid_max).
    renameSync(join(dir, name ?? ''), join(dir, `${name ?? ''}.sending-4194305`));
    const seen: string[] = [];
    await spool.replay((_s, line) => {
      seen.push(new TextDecoder().decode(line));
      return Promise.resolve('sent');
    });
    expect(seen).toEqual(['x']);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('OtlpHttpSender against a local server', () => {
  let server: Server;
  let url: string;
  const statuses: number[] = [];
  const sockets: Socket[] = [];
  const bodies: string[] = [];
  beforeEach(async () => {
    statuses.length = 0;
    bodies.length = 0;
    server = createServer((req: IncomingMessage, res) => {
      sockets.push(req.socket);
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (d: string) => (body += d));
      req.on('end', () => {
        bodies.push(body);
        res.statusCode = statuses.shift() ?? 200;
        res.setHeader('retry-after', '0');
        res.end();
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    vi.stubEnv('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', `${url}/v1/traces`);
    vi.stubEnv('OTEL_EXPORTER_OTLP_TIMEOUT', '5000');
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('retries a 503 (Retry-After honoured) and succeeds', async () => {
    statuses.push(503, 503);
    const sender = new OtlpHttpSender('traces', 'json');
    expect(sender.url).toBe(`${url}/v1/traces`);
    expect(await sender.send(new TextEncoder().encode('{"resourceSpans":[]}'))).toBe('sent');
    expect(bodies).toEqual(Array(3).fill('{"resourceSpans":[]}'));
  });

  it('does not retry a 400: the payload is refused for good', async () => {
    statuses.push(400);
    const sender = new OtlpHttpSender('traces', 'protobuf');
    expect(await sender.send(new Uint8Array([1, 2, 3]))).toBe('rejected');
    expect(bodies).toHaveLength(1);
  });

  it('keeps no referenced handle: the client socket is unreferenced while the request runs', async () => {
    let clientRefed: boolean | undefined;
    server.removeAllListeners('request');
    server.on('request', (_req: IncomingMessage, res) => {
      // The request is in flight: the client side must not hold the event loop.
      const info = process.getActiveResourcesInfo();
      clientRefed = info.filter((t) => t === 'TCPSocketWrap').length > 1;
      res.end();
    });
    const sender = new OtlpHttpSender('traces', 'protobuf');
    expect(await sender.send(new Uint8Array([1]))).toBe('sent');
    // Only the server side of the connection is a referenced socket.
    expect(clientRefed).toBe(false);
  });
});

describe('diagnostics', () => {
  it('parses OTEL_LOG_LEVEL case-insensitively and flags invalid values', () => {
    expect(parseLogLevel('debug')).toBe(DiagLogLevel.DEBUG);
    expect(parseLogLevel(' WARN ')).toBe(DiagLogLevel.WARN);
    expect(parseLogLevel('')).toBeUndefined();
    expect(parseLogLevel(undefined)).toBeUndefined();
    expect(parseLogLevel('loud')).toBe('invalid');
  });

  it('writes to stderr, never stdout; below its level only the second-SDK warning passes, once per signal', () => {
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      const logger = new StderrDiagLogger(DiagLogLevel.NONE);
      logger.info('not shown');
      logger.error('not shown either');
      logger.error('Error: @opentelemetry/api: Attempted duplicate registration of API: trace');
      logger.error('Error: @opentelemetry/api: Attempted duplicate registration of API: trace');
      logger.error('Error: @opentelemetry/api: Attempted duplicate registration of API: metrics');
      expect(out).not.toHaveBeenCalled();
      const lines = err.mock.calls.map((c) => String(c[0]));
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(/registers its own OpenTelemetry trace provider/);
      expect(lines[1]).toMatch(/registers its own OpenTelemetry metrics provider/);

      err.mockClear();
      const verbose = new StderrDiagLogger(DiagLogLevel.INFO);
      verbose.info('started');
      verbose.debug('hidden');
      expect(err.mock.calls.map((c) => String(c[0]))).toEqual(['info started\n']);
    } finally {
      err.mockRestore();
      out.mockRestore();
    }
  });
});
