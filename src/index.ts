/**
 * Programmatic API of lorechat-otel. Most apps need none of it: run them with
 * `node --import lorechat-otel/register` (or `--require`). Use this to start telemetry from
 * code, to add the instrumentations to a `NodeSDK` of your own, or to compose our exporters
 * with yours. Metric, span, event and attribute names are in `lorechat-otel/semconv`.
 *
 * This is the whole public surface: anything not exported here is internal and may change
 * in any release.
 */

// --- Start and stop --------------------------------------------------------------------------
export { buildLoreChatSdk, startLoreChatTelemetry } from './sdk.js';
export type { BuildOptions, EmbeddedFiles, LoreChatSdkParts, LoreChatTelemetry } from './sdk.js';
export type { LoreChatOtelConfig, LoreChatOtelOptions, TelemetryMode } from './config.js';

// --- Instrumentations, for a NodeSDK of your own ---------------------------------------------
export {
  buildLoreChatInstrumentations,
  createLoreChatInstrumentations,
  instrumentVectorStore,
  LangChainChatModelInstrumentation,
  LangChainEmbeddingsInstrumentation,
  LangChainRetrieverInstrumentation,
  LangChainToolInstrumentation,
  LangChainVectorStoreInstrumentation,
  LangGraphInstrumentation,
} from './instrumentations/index.js';
export type {
  LangChainChatModelInstrumentationConfig,
  LangChainEmbeddingsInstrumentationConfig,
  LangChainRetrieverInstrumentationConfig,
  LangChainToolInstrumentationConfig,
  LangChainVectorStoreInstrumentationConfig,
  LangGraphInstrumentationConfig,
  LoreChatInstrumentations,
  LoreChatInstrumentationsConfig,
  LoreChatSharedConfig,
} from './instrumentations/index.js';
export type { EventMinSeverity } from './instrumentations/types.js';

// --- Exporters of the embedded default, to compose with your own -----------------------------
export { JsonStdoutLogRecordExporter } from './exporters/json-stdout.js';
export {
  OtlpJsonFileLogRecordExporter,
  OtlpJsonFileMetricExporter,
  OtlpJsonFileSpanExporter,
} from './exporters/otlp-json-file.js';
export type { RotatingFileOptions } from './exporters/rotating-file.js';
export { PrometheusEndpoint } from './exporters/prometheus-endpoint.js';
