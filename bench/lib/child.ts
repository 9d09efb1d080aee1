/** Runs a workload child process with a clean telemetry environment and collects its output. */
import { spawn } from 'node:child_process';

/** Environment without any inherited OTEL_* / LORECHAT_* settings, plus `extra`. */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('OTEL_') || k.startsWith('LORECHAT_') || k === 'NODE_OPTIONS') continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

export interface ChildOutput {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runChild(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<ChildOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Spans / log records the SDK reported dropping (`diag` warnings at level warn). */
export function droppedFromDiag(stderr: string): { spans: number; logRecords: number } {
  let spans = 0;
  let logRecords = 0;
  for (const m of stderr.matchAll(/Dropped (\d+) spans/g)) spans += Number(m[1]);
  for (const m of stderr.matchAll(/Dropped (\d+) log records?/g)) logRecords += Number(m[1]);
  return { spans, logRecords };
}
