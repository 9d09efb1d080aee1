/**
 * The person-facing local stack (scripts/backends/stack.sh up|status|down): one command starts
 * Collector, Prometheus, Alertmanager and the Tempo/Loki recorder and prints their URLs, data
 * flows through them, and one command stops everything and cleans up.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/stack.js';

const stateDir = join(mkdtempSync(join(tmpdir(), 'lorechat-local-stack-')), 'stack');
const env = { ...process.env, LORECHAT_STACK_DIR: stateDir };

function stack(command: 'up' | 'down' | 'status'): { code: number | null; out: string } {
  const r = spawnSync('bash', ['scripts/backends/stack.sh', command], {
    cwd: REPO_ROOT,
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

interface State {
  urls: Record<string, string>;
  recordedDir: string;
  processes: Array<{ name: string; pid: number }>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

let state: State | undefined;
afterAll(() => {
  // Whatever happened above, leave nothing running.
  if (existsSync(join(stateDir, 'state.json'))) stack('down');
  rmSync(join(stateDir, '..'), { recursive: true, force: true });
});

describe('scripts/backends/stack.sh', () => {
  it('`up` starts the stack and prints the Prometheus and Alertmanager URLs', () => {
    const r = stack('up');
    expect(r.code, r.out).toBe(0);
    state = JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8')) as State;
    expect(r.out).toContain(`Prometheus     ${state.urls.prometheus}`);
    expect(r.out).toContain(`Alertmanager   ${state.urls.alertmanager}`);
    expect(state.processes.map((p) => p.name).sort()).toEqual([
      'alertmanager',
      'collector',
      'otlp-recorder',
      'prometheus',
    ]);
    for (const p of state.processes) expect(alive(p.pid), p.name).toBe(true);
  });

  it('`status` reports every process running', () => {
    const r = stack('status');
    expect(r.code, r.out).toBe(0);
    expect(r.out).not.toContain('STOPPED');
  });

  it('traces sent to the Collector reach the Tempo stand-in; Prometheus and Alertmanager answer', async () => {
    const s = state!;
    const now = BigInt(Date.now()) * 1_000_000n;
    const response = await fetch(`${s.urls.otlpHttp}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        resourceSpans: [
          {
            resource: {
              attributes: [{ key: 'service.name', value: { stringValue: 'stack-test' } }],
            },
            scopeSpans: [
              {
                scope: { name: 'stack-test' },
                spans: [
                  {
                    traceId: '5b8efff798038103d269b633813fc60c',
                    spanId: 'eee19b7ec3c1b174',
                    name: 'invoke_workflow stack-test',
                    kind: 1,
                    startTimeUnixNano: String(now),
                    endTimeUnixNano: String(now + 1_000_000n),
                  },
                ],
              },
            ],
          },
        ],
      }),
    });
    expect(response.status).toBe(200);
    const file = join(s.recordedDir, 'traces.jsonl');
    const deadline = Date.now() + 20_000;
    while (!existsSync(file) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    expect(readFileSync(file, 'utf8')).toContain('invoke_workflow stack-test');
    expect((await fetch(`${s.urls.prometheus}/-/ready`)).status).toBe(200);
    expect((await fetch(`${s.urls.alertmanager}/api/v2/status`)).status).toBe(200);
  });

  it('`down` stops every process and removes the state', () => {
    const r = stack('down');
    expect(r.code, r.out).toBe(0);
    for (const p of state!.processes) expect(alive(p.pid), p.name).toBe(false);
    expect(existsSync(stateDir)).toBe(false);
    expect(stack('status').code).not.toBe(0);
  });
});
