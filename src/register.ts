/**
 * Side-effect entry: `node --require lorechat-otel/register app.cjs` or
 * `node --import lorechat-otel/register app.mjs`. Registers the ESM loader hook (no loader
 * flags needed), starts the SDK from the environment and flushes telemetry when the process
 * ends. Silent unless `OTEL_LOG_LEVEL` asks for diagnostics; never throws into the app.
 */
import { diag, DiagConsoleLogger } from '@opentelemetry/api';
import { diagLogLevelFromString } from '@opentelemetry/core';
import { pathToFileURL } from 'node:url';
import { loadConfig } from './config.js';
import { startLoreChatTelemetry } from './sdk.js';
import { instrumentedModuleNames, registerEsmHook } from './util/esm-hook.js';
import { installProcessHooks } from './util/process-hooks.js';

function moduleUrl(): string {
  // The CommonJS build has `__filename` and no `import.meta`; the ES module build the reverse.
  return typeof __filename === 'string' ? pathToFileURL(__filename).href : import.meta.url;
}

function main(): void {
  const logLevel = process.env.OTEL_LOG_LEVEL;
  if (logLevel !== undefined && logLevel !== '') {
    diag.setLogger(new DiagConsoleLogger(), { logLevel: diagLogLevelFromString(logLevel) });
  }
  try {
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
