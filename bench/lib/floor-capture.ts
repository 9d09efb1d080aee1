/**
 * The capture run behind the floor variant: ours, in a child process, over every turn of the
 * fixed conversations (twice, keeping the second: warm, as measured turns are), writing the
 * plan the floor replays. See floor-plan.ts.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runChild } from './child.js';
import { CONVERSATION_LENGTH, CONVERSATIONS } from './conversations.js';
import { type FloorPlan, SETUP_KEY } from './floor-plan.js';

export interface CaptureOptions {
  readonly root: string;
  /** The child's environment (the same `OTEL_*` / `LORECHAT_*` as ours gets). */
  readonly env: NodeJS.ProcessEnv;
  readonly childTimeoutMs?: number | undefined;
}

/** Runs the capture and returns the path of the plan it wrote. */
export async function captureFloorPlan(o: CaptureOptions): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lorechat-floor-'));
  const plan = join(dir, 'plan.json');
  const turns = 2 * CONVERSATIONS.length * CONVERSATION_LENGTH;
  const args = [
    '--expose-gc',
    '--import',
    join(o.root, 'dist', 'bench', 'variant-capture.js'),
    join(o.root, 'dist', 'bench', 'workload.js'),
    ...['--turns', String(turns), '--warmup', '0', '--latency-ms', '0', '--concurrency', '1'],
  ];
  const out = await runChild(
    args,
    { ...o.env, BENCH_FLOOR_PLAN_OUT: plan },
    o.childTimeoutMs ?? 300_000,
  );
  if (out.code !== 0) {
    throw new Error(
      `floor capture exited with ${out.code ?? out.signal}:\n${out.stderr.slice(-4000)}`,
    );
  }
  const parsed = JSON.parse(readFileSync(plan, 'utf8')) as FloorPlan;
  const expected = CONVERSATIONS.length * CONVERSATION_LENGTH;
  const captured = Object.keys(parsed.turns).filter((k) => k !== SETUP_KEY).length;
  if (captured !== expected) {
    throw new Error(`floor capture recorded ${captured} of ${expected} distinct turns`);
  }
  return plan;
}
