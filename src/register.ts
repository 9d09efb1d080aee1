/**
 * Side-effect entry: `node --require lorechat-otel/register app.cjs` or
 * `node --import lorechat-otel/register app.mjs`. Registers the ESM loader hook (no loader
 * flags needed), starts the telemetry from the environment and flushes it when the process
 * ends. Silent unless `OTEL_LOG_LEVEL` asks for diagnostics (on stderr); never throws into
 * the app.
 *
 * Once per process: the CommonJS and the ES module builds are different module instances
 * (`--require` in `NODE_OPTIONS` plus `--import` on the command line loads both), so the
 * guard is a global symbol, not module state. With `OTEL_SDK_DISABLED=true` nothing at all
 * happens: no hook, no port, no file, no summary.
 */
import { diag } from '@opentelemetry/api';
import { getBooleanFromEnv } from '@opentelemetry/core';
import { loadConfig } from './config.js';
import { startLoreChatTelemetry } from './sdk.js';
import { installDiagLogger } from './util/diagnostics.js';
import { instrumentedModuleNames, registerEsmHook } from './util/esm-hook.js';
import { moduleUrl } from './util/lazy-require.js';
import { installProcessHooks } from './util/process-hooks.js';

const LOADED = Symbol.for('lorechat-otel.register');

function main(): void {
  const g = globalThis as { [LOADED]?: true };
  if (g[LOADED]) return;
  g[LOADED] = true;
  if (getBooleanFromEnv('OTEL_SDK_DISABLED')) return;
  try {
    installDiagLogger();
    const config = loadConfig();
    const telemetry = startLoreChatTelemetry(config);
    registerEsmHook(instrumentedModuleNames(telemetry.instrumentations), moduleUrl());
    installProcessHooks(telemetry);
    diag.info(`lorechat-otel: telemetry started (${config.mode} mode)`);
  } catch (err) {
    diag.error('lorechat-otel: telemetry could not start; the app runs uninstrumented', err);
  }
}

main();
