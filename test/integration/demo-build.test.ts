import { describe, expect, it } from 'vitest';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { once } from 'node:events';

const run = promisify(execFile);
const dist = (name: string) => `dist/demo/${name}`;

describe('built LoreChat demo (run `npm run build` first)', () => {
  it.each(['scripted-demo.js', 'scripted-demo.cjs'])(
    '%s runs the scripted conversation and exits 0',
    async (file) => {
      expect(existsSync(dist(file)), `${dist(file)} is missing: run npm run build`).toBe(true);
      const { stdout } = await run(process.execPath, [dist(file)], {
        timeout: 60_000,
        env: { ...process.env, LORECHAT_LLM_PROVIDER: 'offline' },
      });
      expect(stdout).toContain('turn 4 (streamed)');
      expect(stdout).toContain('documents: added 0, updated 1 (glasswing-moths)');
      expect(stdout).toMatch(/Done in \d+\.\d+ s\./);
    },
  );

  it('server.js serves /healthz and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, [dist('server.js')], {
      env: { ...process.env, PORT: '0', LORECHAT_LLM_PROVIDER: 'offline' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr.on('data', (chunk: string) => {
        stderr += chunk;
        const m = /listening on (http:\/\/\S+)/.exec(stderr);
        if (m?.[1]) resolve(m[1]);
      });
      child.once('exit', (code) => reject(new Error(`server exited early (${code}): ${stderr}`)));
    });
    const health = (await (await fetch(`${url}/healthz`)).json()) as { status: string };
    expect(health.status).toBe('ok');
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
    expect(stderr).toContain('SIGTERM received');
  });
});
