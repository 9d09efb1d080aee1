/** The LoreChat HTTP server (dist/demo/server.js) as a child process, with or without us. */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cleanEnv } from './child.js';

export interface AppServer {
  readonly url: string;
  readonly pid: number;
  /** Everything it printed on stderr so far (diagnostics, SDK drop warnings). */
  stderr(): string;
  /** SIGTERM (the server finishes in-flight requests), SIGKILL after 15 s. */
  stop(): Promise<void>;
}

export async function startAppServer(o: {
  root: string;
  instrumented: boolean;
  env: Record<string, string>;
}): Promise<AppServer> {
  const args = [
    ...(o.instrumented
      ? ['--import', pathToFileURL(join(o.root, 'dist', 'register.js')).href]
      : []),
    join(o.root, 'dist', 'demo', 'server.js'),
  ];
  const child: ChildProcess = spawn(process.execPath, args, {
    env: cleanEnv({ PORT: '0', HOST: '127.0.0.1', LORECHAT_OFFLINE_LATENCY_MS: '0', ...o.env }),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = once(child, 'exit');
  const deadline = Date.now() + 30_000;
  let url: string | undefined;
  while (url === undefined) {
    url = /LoreChat listening on (http:\/\/\S+)/.exec(stderr)?.[1];
    if (url !== undefined) break;
    if (child.exitCode !== null) throw new Error(`app server exited early:\n${stderr}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`app server did not start within 30 s:\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    pid: child.pid!,
    stderr: () => stderr,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
