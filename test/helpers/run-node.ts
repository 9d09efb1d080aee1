/**
 * Runs Node.js subprocesses for the register tests: a clean environment (no inherited
 * `OTEL_*` / `LORECHAT_*`), captured output, a hard timeout, and helpers to wait for a line.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');

export interface NodeRun {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  /** Resolves when the process ended. */
  readonly done: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
}

export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('OTEL_') || k.startsWith('LORECHAT_') || k === 'NODE_OPTIONS') continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

export function startNode(
  args: readonly string[],
  options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {},
): NodeRun {
  const child = spawn(process.execPath, args, {
    cwd: options.cwd ?? ROOT,
    env: cleanEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const run: NodeRun = {
    child,
    stdout: '',
    stderr: '',
    done: undefined as never,
    waitForOutput: async (pattern, timeoutMs = 30_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const m = (run.stdout + run.stderr).match(pattern);
        if (m) return m;
        if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
          throw new Error(
            `no output matching ${pattern} (exit ${child.exitCode}, signal ${child.signalCode})\n` +
              `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`,
          );
        }
        await new Promise((r) => setTimeout(r, 25));
      }
    },
  };
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (run.stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (run.stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
  (run as { done: NodeRun['done'] }).done = once(child, 'close').then(([code, signal]) => {
    clearTimeout(timer);
    return { code: code as number | null, signal: signal as NodeJS.Signals | null };
  });
  return run;
}

/** Runs to completion. */
export async function runNode(
  args: readonly string[],
  options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {},
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  const run = startNode(args, options);
  const result = await run.done;
  return { ...result, stdout: run.stdout, stderr: run.stderr };
}

/** A port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise((r) => server.close(r));
  return port;
}
