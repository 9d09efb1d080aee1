import { describe, expect, it } from 'vitest';
import { ChatOpenAI, OpenAIEmbeddings } from '@langchain/openai';
import { ChatBedrockConverse } from '@langchain/aws';
import { ConfigError, loadConfig } from '../../../demo/config.js';
import { createChatModels, createEmbeddings } from '../../../demo/llm/providers.js';
import { OfflineChatModel } from '../../../demo/llm/offline-chat-model.js';
import { HashingEmbeddings } from '../../../demo/vectorstore/hashing-embeddings.js';
import { parseControlHeaders, parseControlOptions } from '../../../demo/llm/request-control.js';

describe('configuration', () => {
  it('defaults to the offline provider with one offline model for every role', async () => {
    const config = loadConfig({});
    expect(config.provider).toBe('offline');
    expect(config).toMatchObject({
      retrievalK: 4,
      maxRefinements: 2,
      embeddingsProvider: 'offline',
    });
    const models = await createChatModels(config, {});
    expect(models.decompose).toBeInstanceOf(OfflineChatModel);
    expect(models.respond).toBe(models.decompose);
    expect(await createEmbeddings(config, {})).toBeInstanceOf(HashingEmbeddings);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('chooses a model per role: LORECHAT_MODEL_<ROLE>, then LORECHAT_MODEL, then the provider default', () => {
    const config = loadConfig({
      LORECHAT_LLM_PROVIDER: 'openai',
      LORECHAT_MODEL: 'gpt-4.1-mini',
      LORECHAT_MODEL_RESPOND: 'gpt-4.1',
    });
    expect(config.models).toEqual({
      decompose: 'gpt-4.1-mini',
      evaluate: 'gpt-4.1-mini',
      answer: 'gpt-4.1-mini',
      combine: 'gpt-4.1-mini',
      respond: 'gpt-4.1',
    });
    expect(loadConfig({ LORECHAT_LLM_PROVIDER: 'bedrock' }).models.respond).toMatch(/anthropic/);
  });

  it('constructs OpenAI models (one instance per distinct model) and embeddings when a key is set', async () => {
    const env = { OPENAI_API_KEY: 'sk-test-not-used' };
    const config = loadConfig({
      LORECHAT_LLM_PROVIDER: 'openai',
      LORECHAT_MODEL_RESPOND: 'gpt-4o',
    });
    const models = await createChatModels(config, env);
    expect(models.decompose).toBeInstanceOf(ChatOpenAI);
    expect((models.decompose as ChatOpenAI).model).toBe('gpt-4o-mini');
    expect((models.respond as ChatOpenAI).model).toBe('gpt-4o');
    expect(models.evaluate).toBe(models.decompose);
    expect(await createEmbeddings(config, env)).toBeInstanceOf(OpenAIEmbeddings);
  });

  it('constructs Bedrock models in the configured region', async () => {
    const env = { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'not-used' };
    const config = loadConfig({ LORECHAT_LLM_PROVIDER: 'bedrock', AWS_REGION: 'eu-west-1' });
    const models = await createChatModels(config, env);
    expect(models.answer).toBeInstanceOf(ChatBedrockConverse);
    expect((models.answer as ChatBedrockConverse).region).toBe('eu-west-1');
  });

  it('fails early, naming the variable, without credentials or on bad values', async () => {
    await expect(
      createChatModels(loadConfig({ LORECHAT_LLM_PROVIDER: 'openai' }), {}),
    ).rejects.toThrow(/needs OPENAI_API_KEY/);
    await expect(
      createChatModels(loadConfig({ LORECHAT_LLM_PROVIDER: 'bedrock' }), {}),
    ).rejects.toThrow(/needs AWS credentials/);
    expect(() => loadConfig({ LORECHAT_LLM_PROVIDER: 'gpt' })).toThrow(ConfigError);
    expect(() => loadConfig({ LORECHAT_OFFLINE_FAILURE_RATE: '2' })).toThrow(
      /LORECHAT_OFFLINE_FAILURE_RATE=2/,
    );
    expect(() => loadConfig({ LORECHAT_RETRIEVAL_K: '2.5' })).toThrow(/must be an integer/);
  });
});

describe('per-request control parsing', () => {
  it('reads headers and body options, rejecting bad values', () => {
    expect(
      parseControlHeaders({ 'x-lorechat-latency-ms': '250', 'x-lorechat-fail': 'respond' }),
    ).toEqual({
      latencyMs: 250,
      fail: 'respond',
    });
    expect(parseControlOptions({ fail: true })).toEqual({ fail: true });
    expect(() => parseControlOptions({ latencyMs: 1e9 })).toThrow(/at most/);
    expect(() => parseControlOptions({ slow: true })).toThrow(/unknown option "slow"/);
    expect(() => parseControlHeaders({ 'x-lorechat-latency-ms': 'abc' })).toThrow(
      /must be a number/,
    );
  });
});
