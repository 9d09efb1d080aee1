/**
 * `--import` set-up of the floor: the SDK and exporters ours builds (`startLoreChatTelemetry`
 * with no instrumentation of ours; the Node.js runtime and process metrics stay, as ours has
 * them), and after each turn the telemetry ours produced for that turn, replayed straight
 * through the OpenTelemetry API from the plan the capture run wrote (`BENCH_FLOOR_PLAN`).
 * See lib/floor-plan.ts.
 */
import { readFileSync } from 'node:fs';
import { loadConfig } from '../../src/config.js';
import { startLoreChatTelemetry } from '../../src/sdk.js';
import { createReplayer, type FloorPlan, setTurnHook } from '../lib/floor-plan.js';

const file = process.env.BENCH_FLOOR_PLAN;
if (!file) throw new Error('floor: set BENCH_FLOOR_PLAN to the plan the capture run wrote');
const plan = JSON.parse(readFileSync(file, 'utf8')) as FloorPlan;

const telemetry = startLoreChatTelemetry(loadConfig(), { instrumentations: [] });
const replay = createReplayer(plan);
setTurnHook({ end: replay });

process.once('beforeExit', () => {
  void telemetry.shutdown();
});
