/**
 * The public API is small and deliberate: the root export holds what users call, the names
 * live in `./semconv`, and an instrumentation constructed by hand reads the same environment
 * variables as the register entry (options passed in code win).
 */
import * as chatModels from '@langchain/core/language_models/chat_models';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { afterEach, describe, expect, it } from 'vitest';

import * as root from '../../src/index.js';
import * as semconv from '../../src/semconv-entry.js';
import { resolveSharedConfig, SHARED_CONFIG_ENV } from '../../src/telemetry/content.js';
import { ATTR_GEN_AI_INPUT_MESSAGES } from '../../src/semconv.js';
import { TestChatModel } from './instrumentations/fixtures.js';
import { createHarness } from './instrumentations/harness.js';

const ROOT = resolve(import.meta.dirname, '../..');

describe('root export', () => {
  it('holds start/stop, the six instrumentations and the composable exporters, nothing else', () => {
    expect(Object.keys(root).sort()).toEqual(
      [
        'buildLoreChatSdk',
        'startLoreChatTelemetry',
        'buildLoreChatInstrumentations',
        'createLoreChatInstrumentations',
        'instrumentVectorStore',
        'LangGraphInstrumentation',
        'LangChainChatModelInstrumentation',
        'LangChainVectorStoreInstrumentation',
        'LangChainToolInstrumentation',
        'LangChainRetrieverInstrumentation',
        'LangChainEmbeddingsInstrumentation',
        'JsonStdoutLogRecordExporter',
        'OtlpJsonFileSpanExporter',
        'OtlpJsonFileLogRecordExporter',
        'OtlpJsonFileMetricExporter',
        'PrometheusEndpoint',
      ].sort(),
    );
  });

  it('leaves every constant to lorechat-otel/semconv', () => {
    expect(Object.keys(root).filter((k) => /^[A-Z0-9_]+$/.test(k))).toEqual([]);
    expect(semconv.METRIC_CHAT_RESPONSE_TIME).toBe('chat.response_time');
    expect(semconv.ATTR_GEN_AI_CONVERSATION_ID).toBe('gen_ai.conversation.id');
    expect(semconv.METRICS.length).toBeGreaterThan(10);
    expect(semconv.CHAT_RESPONSE_TIME_BUCKETS.length).toBeGreaterThan(3);
    // Nothing of the runtime: no classes or start functions in the constants entry.
    expect(Object.keys(semconv).filter((k) => k in root)).toEqual([]);
  });
});

describe('shared options: code, then environment, then default', () => {
  it('reads each shared option from its environment variable', () => {
    const r = resolveSharedConfig(
      {},
      {
        OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true',
        LORECHAT_OTEL_CONTENT_MAX_LENGTH: '64',
        LORECHAT_OTEL_EVENTS: 'false',
        LORECHAT_OTEL_EVENTS_MIN_SEVERITY: 'warn',
      },
    );
    expect(r).toMatchObject({
      captureMessageContent: true,
      contentMaxLength: 64,
      emitEvents: false,
      spanEvents: true, // follows emitEvents when not set
      eventsMinSeverity: 'warn',
    });
    expect(resolveSharedConfig({}, { LORECHAT_OTEL_SPAN_EVENTS: 'true' }).spanEvents).toBe(true);
  });

  it('lets options passed in code win over the environment', () => {
    const env = {
      OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true',
      LORECHAT_OTEL_CONTENT_MAX_LENGTH: '64',
      LORECHAT_OTEL_EVENTS: 'false',
      LORECHAT_OTEL_SPAN_EVENTS: 'false',
      LORECHAT_OTEL_EVENTS_MIN_SEVERITY: 'warn',
    };
    expect(
      resolveSharedConfig(
        {
          captureMessageContent: false,
          contentMaxLength: 200,
          emitEvents: true,
          spanEvents: true,
          eventsMinSeverity: 'info',
        },
        env,
      ),
    ).toMatchObject({
      captureMessageContent: false,
      contentMaxLength: 200,
      emitEvents: true,
      spanEvents: true,
      eventsMinSeverity: 'info',
    });
  });

  it('falls back to the defaults without variables or with values that do not parse', () => {
    const defaults = {
      captureMessageContent: false,
      contentMaxLength: 1024,
      emitEvents: true,
      spanEvents: false,
      eventsMinSeverity: 'debug',
    };
    expect(resolveSharedConfig(undefined, {})).toMatchObject(defaults);
    expect(
      resolveSharedConfig(undefined, {
        OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'maybe',
        LORECHAT_OTEL_CONTENT_MAX_LENGTH: '-3',
        LORECHAT_OTEL_EVENTS: 'sometimes',
        LORECHAT_OTEL_EVENTS_MIN_SEVERITY: 'loud',
      }),
    ).toMatchObject(defaults);
  });

  it('names one variable per shared option', () => {
    expect(Object.keys(SHARED_CONFIG_ENV).sort()).toEqual(
      [
        'captureMessageContent',
        'contentMaxLength',
        'emitEvents',
        'eventsMinSeverity',
        'spanEvents',
      ].sort(),
    );
  });
});

describe('an instrumentation constructed by hand behaves like the register path', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const name of Object.values(SHARED_CONFIG_ENV)) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });

  const classes = [
    root.LangGraphInstrumentation,
    root.LangChainChatModelInstrumentation,
    root.LangChainVectorStoreInstrumentation,
    root.LangChainToolInstrumentation,
    root.LangChainRetrieverInstrumentation,
    root.LangChainEmbeddingsInstrumentation,
  ];

  it.each(classes.map((c) => [c.name, c] as const))(
    'new %s() reads the shared variables',
    (_name, Class) => {
      process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT = 'true';
      process.env.LORECHAT_OTEL_EVENTS_MIN_SEVERITY = 'info';
      const shared = (i: object) =>
        (i as { _shared: { captureMessageContent: boolean; eventsMinSeverity: string } })._shared;
      const fromEnv = new Class({ enabled: false });
      expect(shared(fromEnv)).toMatchObject({
        captureMessageContent: true,
        eventsMinSeverity: 'info',
      });
      const fromCode = new Class({ enabled: false, captureMessageContent: false });
      expect(shared(fromCode).captureMessageContent).toBe(false);
    },
  );

  it('captures prompts when only the environment variable asks for it', async () => {
    process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT = 'true';
    const h = createHarness();
    const inst = new root.LangChainChatModelInstrumentation({ enabled: false });
    h.attach(inst);
    inst.enable();
    inst.manuallyInstrument(chatModels);
    try {
      await new TestChatModel().invoke('Where does the dragon sleep?');
      const input = h.spanNamed('chat lore-test-1').attributes[ATTR_GEN_AI_INPUT_MESSAGES];
      expect(input).toContain('Where does the dragon sleep?');

      h.reset();
      inst.setConfig({ captureMessageContent: false });
      await new TestChatModel().invoke('Where does the dragon sleep?');
      expect(h.spanNamed('chat lore-test-1').attributes[ATTR_GEN_AI_INPUT_MESSAGES]).toBe(
        undefined,
      );
    } finally {
      inst.manuallyUninstrument(chatModels);
      inst.disable();
    }
  });
});

describe('options documentation', () => {
  it('every option declared here has JSDoc with @default', () => {
    const program = ts.createProgram([join(ROOT, 'src/index.ts')], {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2023,
      strict: true,
      skipLibCheck: true,
    });
    const checker = program.getTypeChecker();
    const index = program.getSourceFile(join(ROOT, 'src/index.ts'))!;
    const exports = checker.getExportsOfModule(checker.getSymbolAtLocation(index)!);
    // The option types a user passes: constructor configs, start/build options.
    const optionTypes = exports.filter(
      (e) =>
        /(Config|Options)$/.test(e.name) &&
        !['LoreChatOtelConfig', 'RotatingFileOptions'].includes(e.name),
    );
    expect(optionTypes.map((e) => e.name).sort()).toContain('LangGraphInstrumentationConfig');
    const missing: string[] = [];
    for (const sym of optionTypes) {
      const type = checker.getDeclaredTypeOfSymbol(
        sym.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(sym) : sym,
      );
      for (const prop of checker.getPropertiesOfType(type)) {
        const decl = prop.declarations?.[0];
        // Only options declared in this package (not InstrumentationConfig's own).
        if (!decl || !decl.getSourceFile().fileName.startsWith(join(ROOT, 'src'))) continue;
        const tags = prop.getJsDocTags(checker).map((t) => t.name);
        if (!tags.includes('default')) missing.push(`${sym.name}.${prop.name}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
