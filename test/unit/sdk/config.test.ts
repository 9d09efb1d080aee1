import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import { resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULTS,
  hasOtlpDestination,
  loadConfig,
  OTLP_DESTINATION_ENV_VARS,
  parseBoolean,
  parseInteger,
  readEnv,
} from '../../../src/config.js';

let warnings: string[] = [];
const logger: DiagLogger = {
  error: () => {},
  warn: (message: string) => void warnings.push(message),
  info: () => {},
  debug: () => {},
  verbose: () => {},
};

beforeEach(() => {
  warnings = [];
  diag.setLogger(logger, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
});
afterEach(() => diag.disable());

describe('loadConfig', () => {
  it('export queues: larger defaults than the SDK, the OTEL_B*_MAX_QUEUE_SIZE variables win, bad values warn', () => {
    expect(loadConfig({}, {})).toMatchObject({ spanQueueSize: 16_384, logQueueSize: 32_768 });
    expect(
      loadConfig({}, { OTEL_BSP_MAX_QUEUE_SIZE: '2048', OTEL_BLRP_MAX_QUEUE_SIZE: '100000' }),
    ).toMatchObject({ spanQueueSize: 2048, logQueueSize: 100_000 });
    expect(warnings).toEqual([]);
    expect(
      loadConfig({}, { OTEL_BSP_MAX_QUEUE_SIZE: '0', OTEL_BLRP_MAX_QUEUE_SIZE: 'lots' }),
    ).toMatchObject({ spanQueueSize: 16_384, logQueueSize: 32_768 });
    expect(warnings.join('\n')).toMatch(/OTEL_BSP_MAX_QUEUE_SIZE="0"/);
    expect(warnings.join('\n')).toMatch(/OTEL_BLRP_MAX_QUEUE_SIZE="lots"/);
  });

  it('uses the documented defaults and the embedded mode when no OTLP destination is set', () => {
    const c = loadConfig({}, {});
    expect(c).toMatchObject({
      requestedMode: 'auto',
      mode: 'embedded',
      outputDir: resolve(DEFAULTS.outputDir),
      prometheusPort: 9464,
      prometheusHost: '127.0.0.1',
      fileMaxBytes: 50 * 1024 * 1024,
      fileMaxFiles: 3,
      summary: true,
      jsonStdout: false,
      shutdownTimeoutMs: 5000,
      runtimeMetrics: true,
      llmMetrics: true,
      captureMessageContent: false,
      emitEvents: true,
      spanEvents: false,
      eventsMinSeverity: 'debug',
    });
    expect(Object.isFrozen(c)).toBe(true);
    expect(warnings).toEqual([]);
  });

  it.each(OTLP_DESTINATION_ENV_VARS)('auto mode exports over OTLP when %s is set', (name) => {
    const c = loadConfig(
      {},
      { [name]: name.endsWith('EXPORTER') ? 'otlp' : 'http://127.0.0.1:4318' },
    );
    expect(c.mode).toBe('otlp');
    expect(c.summary).toBe(false);
  });

  it('explicit modes win over the environment', () => {
    expect(
      loadConfig({}, { LORECHAT_OTEL_MODE: 'embedded', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x' })
        .mode,
    ).toBe('embedded');
    expect(loadConfig({}, { LORECHAT_OTEL_MODE: 'OTLP' }).mode).toBe('otlp');
  });

  it('reads every LORECHAT_OTEL_* variable and the GenAI content switch', () => {
    const c = loadConfig(
      {},
      {
        LORECHAT_OTEL_OUTPUT_DIR: '/tmp/x',
        LORECHAT_OTEL_PROMETHEUS_PORT: '0',
        LORECHAT_OTEL_PROMETHEUS_HOST: '0.0.0.0',
        LORECHAT_OTEL_FILE_MAX_BYTES: '2048',
        LORECHAT_OTEL_FILE_MAX_FILES: '1',
        LORECHAT_OTEL_SUMMARY: 'false',
        LORECHAT_OTEL_JSON_STDOUT: 'yes',
        LORECHAT_OTEL_SHUTDOWN_TIMEOUT_MS: '1500',
        LORECHAT_OTEL_RUNTIME_METRICS: '0',
        LORECHAT_OTEL_LLM_METRICS: 'off',
        LORECHAT_OTEL_CONTENT_MAX_LENGTH: '64',
        LORECHAT_OTEL_SESSION_WINDOW_MS: '60000',
        LORECHAT_OTEL_EVENTS: 'false',
        LORECHAT_OTEL_EVENTS_MIN_SEVERITY: 'INFO',
        OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'TRUE',
      },
    );
    expect(c).toMatchObject({
      outputDir: '/tmp/x',
      prometheusPort: 0,
      prometheusHost: '0.0.0.0',
      fileMaxBytes: 2048,
      fileMaxFiles: 1,
      summary: false,
      jsonStdout: true,
      shutdownTimeoutMs: 1500,
      runtimeMetrics: false,
      llmMetrics: false,
      contentMaxLength: 64,
      sessionWindowMs: 60000,
      emitEvents: false,
      spanEvents: true,
      eventsMinSeverity: 'info',
      captureMessageContent: 'SPAN_AND_EVENT',
    });
    expect(warnings).toEqual([]);
  });
  it('reads the content switch in its newer form too, and ignores a bad value with a warning', () => {
    expect(
      loadConfig({}, { OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'span_only' })
        .captureMessageContent,
    ).toBe('SPAN_ONLY');
    expect(
      loadConfig({}, { OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'sometimes' })
        .captureMessageContent,
    ).toBe(false);
  });

  it('records span events only when asked or when the events are not log records', () => {
    expect(loadConfig({}, {}).spanEvents).toBe(false);
    expect(loadConfig({}, { LORECHAT_OTEL_SPAN_EVENTS: 'true' })).toMatchObject({
      emitEvents: true,
      spanEvents: true,
    });
    expect(
      loadConfig({}, { LORECHAT_OTEL_EVENTS: 'false', LORECHAT_OTEL_SPAN_EVENTS: 'false' }),
    ).toMatchObject({ emitEvents: false, spanEvents: false });
    expect(
      loadConfig({ spanEvents: true }, { LORECHAT_OTEL_SPAN_EVENTS: 'false' }).spanEvents,
    ).toBe(true);
  });

  it('warns about bad values, naming variable and expectation, and keeps the defaults', () => {
    const c = loadConfig(
      {},
      {
        LORECHAT_OTEL_MODE: 'cloud',
        LORECHAT_OTEL_PROMETHEUS_PORT: '70000',
        LORECHAT_OTEL_SHUTDOWN_TIMEOUT_MS: '-5',
        LORECHAT_OTEL_SUMMARY: 'maybe',
        LORECHAT_OTEL_CONTENT_MAX_LENGTH: '12abc',
        LORECHAT_OTEL_EVENTS_MIN_SEVERITY: 'verbose',
      },
    );
    expect(c).toMatchObject({
      eventsMinSeverity: 'debug',
      requestedMode: 'auto',
      prometheusPort: 9464,
      shutdownTimeoutMs: 5000,
      summary: true,
      contentMaxLength: DEFAULTS.contentMaxLength,
    });
    expect(warnings).toHaveLength(6);
    expect(warnings.join('\n')).toMatch(
      /LORECHAT_OTEL_EVENTS_MIN_SEVERITY="verbose".*one of debug, info, warn, error/,
    );
    expect(warnings[0]).toMatch(/LORECHAT_OTEL_MODE="cloud".*one of auto, otlp, embedded/);
    expect(warnings.join('\n')).toMatch(
      /LORECHAT_OTEL_PROMETHEUS_PORT="70000".*integer from 0 to 65535/,
    );
    expect(warnings.join('\n')).toMatch(/LORECHAT_OTEL_SUMMARY="maybe".*true or false/);
  });

  it('options passed in code win over the environment', () => {
    const c = loadConfig(
      { prometheusPort: 1234, summary: false },
      { LORECHAT_OTEL_PROMETHEUS_PORT: '99' },
    );
    expect(c.prometheusPort).toBe(1234);
    expect(c.summary).toBe(false);
  });
});

describe('readEnv', () => {
  it('treats unset and blank values as unset, without warning', () => {
    expect(readEnv({ A: '   ' }, 'A', parseBoolean)).toBeUndefined();
    expect(readEnv({}, 'A', parseInteger(0, 1))).toBeUndefined();
    expect(warnings).toEqual([]);
  });
});

describe('hasOtlpDestination', () => {
  it('ignores empty values', () => {
    expect(hasOtlpDestination({ OTEL_EXPORTER_OTLP_ENDPOINT: ' ' })).toBe(false);
    expect(hasOtlpDestination({ OTEL_SERVICE_NAME: 'x' })).toBe(false);
  });
});
