import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { ConfigError, type LoreChatConfig, type Provider } from '../config.js';
import { HashingEmbeddings } from '../vectorstore/hashing-embeddings.js';
import { OfflineChatModel } from './offline-chat-model.js';
import { LLM_ROLES, type LlmRole } from './roles.js';

/** One chat model per LLM call of a turn. Roles sharing a model name share one instance. */
export type ChatModels = Readonly<Record<LlmRole, BaseChatModel>>;

type Env = Readonly<Record<string, string | undefined>>;

/** Fails early, naming what is missing, when a real provider is chosen without credentials. */
export function checkCredentials(provider: Provider, env: Env = process.env): void {
  if (provider === 'openai' && !env.OPENAI_API_KEY) {
    throw new ConfigError('LORECHAT_LLM_PROVIDER=openai needs OPENAI_API_KEY');
  }
  if (provider === 'bedrock') {
    const hasKeys = Boolean(env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY);
    const hasProfile = Boolean(
      env.AWS_PROFILE ||
      env.AWS_WEB_IDENTITY_TOKEN_FILE ||
      env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI,
    );
    if (!hasKeys && !hasProfile) {
      throw new ConfigError(
        'LORECHAT_LLM_PROVIDER=bedrock needs AWS credentials (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE or a web identity)',
      );
    }
  }
}

/** Builds the chat models. Provider SDKs are imported only when chosen. */
export async function createChatModels(
  config: LoreChatConfig,
  env: Env = process.env,
): Promise<ChatModels> {
  checkCredentials(config.provider, env);
  const byName = new Map<string, BaseChatModel>();
  const models = {} as Record<LlmRole, BaseChatModel>;
  for (const role of LLM_ROLES) {
    const name = config.models[role];
    let model = byName.get(name);
    if (!model) {
      model = await createChatModel(config, name);
      byName.set(name, model);
    }
    models[role] = model;
  }
  return models;
}

async function createChatModel(config: LoreChatConfig, model: string): Promise<BaseChatModel> {
  switch (config.provider) {
    case 'offline':
      return new OfflineChatModel({
        model,
        latencyMs: config.offlineLatencyMs,
        jitter: config.offlineJitter,
        failureRate: config.offlineFailureRate,
      });
    case 'openai': {
      const { ChatOpenAI } = await import('@langchain/openai');
      return new ChatOpenAI({ model, streamUsage: true, maxRetries: 2 });
    }
    case 'bedrock': {
      const { ChatBedrockConverse } = await import('@langchain/aws');
      return new ChatBedrockConverse({ model, region: config.awsRegion, maxRetries: 2 });
    }
  }
}

export async function createEmbeddings(
  config: LoreChatConfig,
  env: Env = process.env,
): Promise<EmbeddingsInterface> {
  checkCredentials(config.embeddingsProvider, env);
  switch (config.embeddingsProvider) {
    case 'offline':
      return new HashingEmbeddings();
    case 'openai': {
      const { OpenAIEmbeddings } = await import('@langchain/openai');
      return new OpenAIEmbeddings({ model: config.embeddingsModel });
    }
    case 'bedrock': {
      const { BedrockEmbeddings } = await import('@langchain/aws');
      return new BedrockEmbeddings({ model: config.embeddingsModel, region: config.awsRegion });
    }
  }
}
