/**
 * Fault injection for the process life cycle: what a Collector (or the machine) can do to an
 * instrumented app, each case run with and without the register entry. The app's stdout
 * and exit status must be identical, and a process that finished its work must exit within
 * the shutdown bound plus a margin, however the endpoint misbehaves: refusing connections,
 * accepting and never answering, answering 503, answering slowly. Hard exits
 * (`process.exit()`, an uncaught exception) keep what was buffered: the embedded files have
 * the last turn, the OTLP spool holds it and the next start sends it.
 *
 * The bound is measured from the app's last line of output to the exit, so start-up and the
 * machine's load do not blur it; the margins are generous (a loaded 2-core machine).
 */
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OtlpReceiver } from '../helpers/otlp-receiver.js';
import { freePort, startNode } from '../helpers/run-node.js';

const APP_ESM = 'test/fixtures/faults/app.mjs';
const APP_CJS = 'test/fixtures/faults/app.cjs';
const REGISTER_ESM = './dist/register.js';
const REGISTER_CJS = './dist/register.cjs';
/** The shutdown bound used here; the default is 5000. */
const BOUND_MS = 2000;
/** Slack for a loaded machine: process teardown, scheduling. */
const MARGIN_MS = 3000;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** From the app's last stdout line to the process's end. */
  exitAfterOutputMs: number;
}

async function run(
  args: readonly string[],
  env: Record<string, string> = {},
  options: { onReady?: (child: ReturnType<typeof startNode>) => Promise<void> } = {},
): Promise<Run> {
  const node = startNode(args, { env, timeoutMs: 90_000 });
  let lastOutput = Date.now();
  node.child.stdout?.on('data', () => (lastOutput = Date.now()));
  if (options.onReady) await options.onReady(node);
  const { code, signal } = await node.done;
  return {
    code,
    signal,
    stdout: node.stdout,
    stderr: node.stderr,
    exitAfterOutputMs: Date.now() - lastOutput,
  };
}

let dir: string;
const sockets = new Set<Socket>();
const servers: Array<Server | HttpServer> = [];

async function listen(server: Server | HttpServer): Promise<string> {
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  servers.push(server);
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

/** Endpoints that misbehave, each on its own port. */
const endpoints: Record<string, string> = {};

beforeAll(async () => {
  if (!existsSync(REGISTER_ESM) || !existsSync(REGISTER_CJS)) {
    throw new Error('dist/register.{js,cjs} missing: run `npm run build` first');
  }
  dir = mkdtempSync(join(tmpdir(), 'lorechat-faults-'));
  endpoints.refusing = `http://127.0.0.1:${await freePort()}`;
  endpoints.silent = await listen(createServer(() => undefined));
  endpoints['5xx'] = await listen(
    createHttpServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(503, { 'content-type': 'text/plain' });
        res.end('unavailable');
      });
    }),
  );
  endpoints.slow = await listen(
    createHttpServer((req, res) => {
      req.resume();
      // Answers long after the bound, one byte at a time.
      const timer = setInterval(() => res.write(' '), 1000);
      timer.unref();
      req.on('close', () => clearInterval(timer));
    }),
  );
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  rmSync(dir, { recursive: true, force: true });
});

function otlpEnv(endpoint: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    LORECHAT_OTEL_SHUTDOWN_TIMEOUT_MS: String(BOUND_MS),
    LORECHAT_OTEL_SPOOL_DIR: join(dir, `spool-${Math.random().toString(36).slice(2)}`),
    ...extra,
  };
}

function embeddedEnv(
  outputDir: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    LORECHAT_OTEL_OUTPUT_DIR: outputDir,
    LORECHAT_OTEL_PROMETHEUS_PORT: '0',
    LORECHAT_OTEL_SHUTDOWN_TIMEOUT_MS: String(BOUND_MS),
    ...extra,
  };
}

function expectSameApp(plain: Run, inst: Run): void {
  expect(inst.stdout, `instrumented stderr:\n${inst.stderr}`).toBe(plain.stdout);
  expect(inst.code).toBe(plain.code);
  expect(inst.signal).toBe(plain.signal);
}

function lines(file: string): Array<Record<string, unknown>> {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

function spanNames(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/"name":"((?:invoke_workflow|invoke_node|chat) [^"]*)"/g)].map(
    (m) => m[1] ?? '',
  );
}

describe('a misbehaving OTLP endpoint cannot hold a finished app', () => {
  for (const fault of ['refusing', 'silent', '5xx', 'slow'] as const) {
    it(`${fault}: same stdout and exit code as without us, exit within the bound`, async () => {
      const plain = await run([APP_ESM]);
      const inst = await run(['--import', REGISTER_ESM, APP_ESM], otlpEnv(endpoints[fault] ?? ''));
      expectSameApp(plain, inst);
      expect(inst.exitAfterOutputMs).toBeLessThan(BOUND_MS + MARGIN_MS);
    });
  }

  it('refusing, CommonJS build over http/json: the same', async () => {
    const plain = await run([APP_CJS]);
    const inst = await run(
      ['--require', REGISTER_CJS, APP_CJS],
      otlpEnv(endpoints.refusing ?? '', { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }),
    );
    expectSameApp(plain, inst);
    expect(inst.exitAfterOutputMs).toBeLessThan(BOUND_MS + MARGIN_MS);
  });

  it("silent, gRPC: the same (the gRPC exporter is the SDK's; past the bound the process ends as its loop would have)", async () => {
    const plain = await run([APP_ESM]);
    const inst = await run(
      ['--import', REGISTER_ESM, APP_ESM],
      otlpEnv(endpoints.silent ?? '', { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }),
    );
    expectSameApp(plain, inst);
    expect(inst.exitAfterOutputMs).toBeLessThan(BOUND_MS + MARGIN_MS);
  });

  it('with the default bound (5 s) and a silent endpoint, an idle app exits within it', async () => {
    const env = otlpEnv(endpoints.silent ?? '');
    delete env.LORECHAT_OTEL_SHUTDOWN_TIMEOUT_MS;
    const inst = await run(['--import', REGISTER_ESM, APP_ESM], env);
    expect(inst.code).toBe(0);
    expect(inst.exitAfterOutputMs).toBeLessThan(5000 + MARGIN_MS);
  });
});

describe('an app that flushes explicitly', () => {
  it('awaiting forceFlush() after each turn (a Collector that answers after 300 ms): the loop is held while it runs, no shutdown starts in between, every turn arrives', async () => {
    // Answers 200 after 300 ms and keeps the JSON bodies: while the app awaits its flush,
    // only our request is pending.
    const bodies: string[] = [];
    const delayed = createHttpServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (d: string) => (body += d));
      req.on('end', () => {
        bodies.push(body);
        setTimeout(() => res.end('{}'), 300);
      });
    });
    const url = await listen(delayed);
    const plain = await run([APP_ESM, '--turns', '3', '--flush']);
    const inst = await run(
      ['--import', REGISTER_ESM, APP_ESM, '--turns', '3', '--flush'],
      otlpEnv(url, { OTEL_LOG_LEVEL: 'warn', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }),
    );
    expectSameApp(plain, inst);
    expect(inst.stderr).not.toMatch(/after (Meter|Tracer|Logger)Provider shutdown/);
    const workflows = bodies.join('\n').match(/"name":"invoke_workflow faults_graph"/g) ?? [];
    expect(workflows).toHaveLength(3);
  });
});

describe('hard exits keep what was buffered', () => {
  it('embedded, process.exit() right after the last turn: exit code 3 kept, the last turn is in the files with host.id', async () => {
    const out = join(dir, 'embedded-exit');
    const plain = await run([APP_ESM, '--end', 'exit']);
    const inst = await run(['--import', REGISTER_ESM, APP_ESM, '--end', 'exit'], embeddedEnv(out));
    expectSameApp(plain, inst);
    expect(plain.code).toBe(3);
    const names = spanNames(join(out, 'traces.jsonl'));
    expect(names.filter((n) => n.startsWith('invoke_workflow'))).toHaveLength(2);
    const logs = readFileSync(join(out, 'logs.jsonl'), 'utf8');
    expect(logs.match(/"eventName":"chat\.complete"/g) ?? []).toHaveLength(2);
    for (const line of readFileSync(join(out, 'traces.jsonl'), 'utf8').trim().split('\n')) {
      expect(line).toContain('"host.id"');
    }
  });

  it('embedded, uncaught exception after the last turn: exit code 1 kept, the last turn is in the files', async () => {
    const out = join(dir, 'embedded-throw');
    const plain = await run([APP_CJS, '--end', 'throw']);
    const inst = await run(
      ['--require', REGISTER_CJS, APP_CJS, '--end', 'throw'],
      embeddedEnv(out),
    );
    expectSameApp(plain, inst);
    expect(plain.code).toBe(1);
    expect(inst.stderr).toContain('fixture: boom');
    const names = spanNames(join(out, 'traces.jsonl'));
    expect(names.filter((n) => n.startsWith('invoke_workflow'))).toHaveLength(2);
  });

  for (const end of ['exit', 'throw'] as const) {
    it(`otlp, ${end === 'exit' ? 'process.exit()' : 'uncaught exception'} with the endpoint down: the spool holds every span, the next start sends it`, async () => {
      const spoolDir = join(dir, `spool-${end}`);
      const env = otlpEnv(endpoints.refusing ?? '', { LORECHAT_OTEL_SPOOL_DIR: spoolDir });
      const plain = await run([APP_ESM, '--end', end]);
      const inst = await run(['--import', REGISTER_ESM, APP_ESM, '--end', end], env);
      expectSameApp(plain, inst);
      const spooled = readdirSync(spoolDir);
      expect(spooled.some((f) => /^traces-\d+-\d+\.jsonl$/.test(f))).toBe(true);
      const traceFile = join(spoolDir, spooled.find((f) => f.startsWith('traces-')) ?? '');
      const spooledSpans = spanNames(traceFile);
      expect(spooledSpans.filter((n) => n.startsWith('invoke_workflow'))).toHaveLength(2);
      expect(lines(traceFile)[0]).toHaveProperty('resourceSpans');

      // The next start, with the Collector back, sends the spool and removes it.
      const receiver = await OtlpReceiver.start();
      try {
        const next = await run(
          ['--import', REGISTER_ESM, APP_ESM, '--turns', '0'],
          otlpEnv(receiver.url, { LORECHAT_OTEL_SPOOL_DIR: spoolDir }),
        );
        expect(next.code).toBe(0);
        const received = receiver.spans().map((s) => s.name);
        expect(received.filter((n) => n.startsWith('invoke_workflow'))).toHaveLength(2);
        expect(received.filter((n) => n.startsWith('chat '))).toHaveLength(2);
        expect(readdirSync(spoolDir).filter((f) => f.startsWith('traces-'))).toEqual([]);
      } finally {
        await receiver.close();
      }
    });
  }

  it('one more production fault: the spool directory cannot be created (read-only or a file in the way); the app still exits its way', async () => {
    const blocker = join(dir, 'not-a-dir');
    writeFileSync(blocker, 'a file where the spool directory should be');
    const plain = await run([APP_ESM, '--end', 'exit']);
    const inst = await run(
      ['--import', REGISTER_ESM, APP_ESM, '--end', 'exit'],
      otlpEnv(endpoints.refusing ?? '', { LORECHAT_OTEL_SPOOL_DIR: join(blocker, 'spool') }),
    );
    expectSameApp(plain, inst);
    expect(inst.stderr).toBe('');
  });

  it('LORECHAT_OTEL_SPOOL=false writes nothing', async () => {
    const spoolDir = join(dir, 'spool-off');
    const inst = await run(
      ['--import', REGISTER_ESM, APP_ESM, '--end', 'exit'],
      otlpEnv(endpoints.refusing ?? '', {
        LORECHAT_OTEL_SPOOL_DIR: spoolDir,
        LORECHAT_OTEL_SPOOL: 'false',
      }),
    );
    expect(inst.code).toBe(3);
    expect(existsSync(spoolDir)).toBe(false);
  });
});

describe('one instance per process, signals as without us', () => {
  const both = ['--require', REGISTER_CJS, '--import', REGISTER_ESM];

  it('--require (CJS build) and --import (ESM build) together: one instance, no Node warning, one summary', async () => {
    const out = join(dir, 'double');
    const plain = await run([APP_ESM]);
    const inst = await run([...both, APP_ESM], embeddedEnv(out));
    expectSameApp(plain, inst);
    expect(inst.stderr).not.toMatch(/Warning|warning/);
    expect(inst.stderr.match(/lorechat-otel summary/g) ?? []).toHaveLength(1);
    expect(
      spanNames(join(out, 'traces.jsonl')).filter((n) => n.startsWith('invoke_workflow')),
    ).toHaveLength(2);
  });

  const waitThenSignal =
    (signal: NodeJS.Signals) =>
    async (node: ReturnType<typeof startNode>): Promise<void> => {
      await node.waitForOutput(/READY/, 60_000);
      node.child.kill(signal);
    };

  it('double load, SIGTERM without an app handler: dies of SIGTERM as without us', async () => {
    const plain = await run([APP_ESM, '--end', 'wait'], {}, { onReady: waitThenSignal('SIGTERM') });
    const inst = await run([...both, APP_ESM, '--end', 'wait'], otlpEnv(endpoints.silent ?? ''), {
      onReady: waitThenSignal('SIGTERM'),
    });
    expectSameApp(plain, inst);
    expect(plain.signal).toBe('SIGTERM');
    expect(inst.exitAfterOutputMs).toBeLessThan(BOUND_MS + MARGIN_MS);
  });

  it("double load, SIGTERM with the app's own handler: the handler runs once and the app exits its way", async () => {
    const args = [APP_ESM, '--end', 'wait', '--handle'];
    const plain = await run(args, {}, { onReady: waitThenSignal('SIGTERM') });
    const inst = await run([...both, ...args], otlpEnv(endpoints.silent ?? ''), {
      onReady: waitThenSignal('SIGTERM'),
    });
    expectSameApp(plain, inst);
    expect(inst.stdout.match(/app: SIGTERM handler/g) ?? []).toHaveLength(1);
    expect(inst.code).toBe(0);
  });
});

describe('standard switches and diagnostics', () => {
  it('OTEL_SDK_DISABLED=true: inert (no port, no files, no summary, nothing on stderr)', async () => {
    const out = join(dir, 'disabled');
    const port = await freePort();
    const refused = (): Promise<boolean> =>
      new Promise((resolve) => {
        const s = connect(port, '127.0.0.1');
        s.once('connect', () => {
          s.destroy();
          resolve(false);
        });
        s.once('error', () => resolve(true));
      });
    let portRefused = false;
    const inst = await run(
      ['--import', REGISTER_ESM, APP_ESM, '--end', 'wait'],
      embeddedEnv(out, { OTEL_SDK_DISABLED: 'true', LORECHAT_OTEL_PROMETHEUS_PORT: String(port) }),
      {
        onReady: async (node) => {
          await node.waitForOutput(/READY/, 60_000);
          portRefused = await refused();
          node.child.kill('SIGTERM');
        },
      },
    );
    expect(inst.signal).toBe('SIGTERM');
    expect(portRefused).toBe(true);
    expect(existsSync(out)).toBe(false);
    expect(inst.stderr).toBe('');
  });

  it('default settings with OTEL_LOG_LEVEL=warn: no warning at start or exit (host.id settled first)', async () => {
    const inst = await run(
      ['--import', REGISTER_ESM, APP_ESM],
      embeddedEnv(join(dir, 'warn'), { OTEL_LOG_LEVEL: 'warn', LORECHAT_OTEL_SUMMARY: 'false' }),
    );
    expect(inst.code).toBe(0);
    expect(inst.stderr).toBe('');
  });

  it('OTEL_LOG_LEVEL=debug prints diagnostics on stderr only; stdout is the app’s', async () => {
    const plain = await run([APP_ESM]);
    const inst = await run(
      ['--import', REGISTER_ESM, APP_ESM],
      embeddedEnv(join(dir, 'debug'), { OTEL_LOG_LEVEL: 'debug' }),
    );
    expectSameApp(plain, inst);
    expect(inst.stderr).toContain('lorechat-otel: telemetry started (embedded mode)');
  });

  it('an invalid OTEL_LOG_LEVEL is ignored with one warning, and the default (quiet) kept', async () => {
    const inst = await run(
      ['--import', REGISTER_ESM, APP_ESM],
      embeddedEnv(join(dir, 'invalid'), { OTEL_LOG_LEVEL: 'loud', LORECHAT_OTEL_SUMMARY: 'false' }),
    );
    expect(inst.code).toBe(0);
    expect(inst.stderr.trim().split('\n')).toEqual([
      expect.stringContaining('ignoring OTEL_LOG_LEVEL="loud"'),
    ]);
  });

  it('the embedded Prometheus port taken: a clear warning naming LORECHAT_OTEL_PROMETHEUS_PORT, the app unchanged', async () => {
    const taken = createServer();
    taken.listen(0, '127.0.0.1');
    await once(taken, 'listening');
    const address = taken.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const plain = await run([APP_ESM]);
      const inst = await run(
        ['--import', REGISTER_ESM, APP_ESM],
        embeddedEnv(join(dir, 'taken'), { LORECHAT_OTEL_PROMETHEUS_PORT: String(port) }),
      );
      expectSameApp(plain, inst);
      expect(inst.stderr).toMatch(/EADDRINUSE.*LORECHAT_OTEL_PROMETHEUS_PORT/s);
    } finally {
      await new Promise((r) => taken.close(r));
    }
  });

  it('a process that recorded nothing prints no summary', async () => {
    const out = join(dir, 'nothing');
    const inst = await run(['--import', REGISTER_ESM, APP_ESM, '--turns', '0'], embeddedEnv(out));
    expect(inst.code).toBe(0);
    expect(inst.stderr).toBe('');
  });

  it('an app that registers its own SDK after ours gets a clear warning on stderr', async () => {
    const inst = await run(
      ['--import', REGISTER_ESM, APP_ESM, '--own-sdk', '--turns', '1'],
      embeddedEnv(join(dir, 'own-sdk'), { LORECHAT_OTEL_SUMMARY: 'false' }),
    );
    expect(inst.code).toBe(0);
    expect(inst.stdout).toContain('own sdk registered: false');
    expect(inst.stderr).toMatch(
      /registers its own OpenTelemetry trace provider after lorechat-otel/,
    );
  });
});
