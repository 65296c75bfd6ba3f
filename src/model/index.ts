import type { LanguageModelV4 } from "@ai-sdk/provider";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { createWorkersAI } from "workers-ai-provider";
import { CommandModel, NO_MODEL_REPLY } from "./command-model";
import { readFallbackConfigs, readModelConfig } from "./config";
import type { ModelConfig } from "./config";
import { FallbackModel } from "./fallback";
import type { ModelCandidate, UsageSink } from "./fallback";
import type { ModelStatus } from "../shared/views";

export type { ModelStatus } from "../shared/views";

/** Who a model call is for; AI Gateway logs it so spend is visible per user. */
export interface ModelCallMeta {
  user: string;
  channel: string;
  session: string;
}

/**
 * Test seam: the model is the one dependency tests cannot run for real, so a
 * test may install a scripted LanguageModelV4 here. Production never sets it.
 */
export const modelOverride: { current?: (meta: ModelCallMeta) => LanguageModelV4 | LanguageModelV4[] } = {};

export function modelStatus(env: Env): ModelStatus {
  if (modelOverride.current) return { configured: true, provider: "override", model: "scripted" };
  const result = readModelConfig(env);
  if (!result.ok) return { configured: false, provider: env.MODEL_PROVIDER ?? "", model: env.MODEL ?? "", error: result.error };
  if (!result.config) return { configured: false, provider: "none", model: "commands" };
  return { configured: true, provider: result.config.MODEL_PROVIDER, model: result.config.MODEL };
}

/**
 * The model for a turn: slash commands always first, then the configured
 * model and its fallbacks (MODEL_FALLBACKS), each call's usage reported to `usage`.
 */
export function chatModel(env: Env, meta: ModelCallMeta, usage?: UsageSink): LanguageModelV4 {
  if (modelOverride.current) {
    const models = [modelOverride.current(meta)].flat();
    return new CommandModel(
      new FallbackModel(
        models.map((model) => ({ label: `${model.provider}:${model.modelId}`, model })),
        usage
      )
    );
  }
  const result = readModelConfig(env);
  if (!result.ok) return new CommandModel(undefined, `${result.error}\n\n${NO_MODEL_REPLY}`);
  if (!result.config) return new CommandModel();
  const fallbacks = readFallbackConfigs(env);
  if (!fallbacks.ok) return new CommandModel(undefined, `${fallbacks.error}\n\n${NO_MODEL_REPLY}`);
  const candidates: ModelCandidate[] = [result.config, ...fallbacks.configs].map((config) => ({
    label: `${config.MODEL_PROVIDER}:${config.MODEL}`,
    model: configuredModel(env, config, meta)
  }));
  return new CommandModel(new FallbackModel(candidates, usage));
}

function configuredModel(env: Env, config: ModelConfig, meta: ModelCallMeta): LanguageModelV4 {
  const metadata = { user: meta.user, channel: meta.channel, session: meta.session };
  switch (config.MODEL_PROVIDER) {
    case "workers-ai": {
      if (!env.AI) throw new Error('MODEL_PROVIDER=workers-ai needs the AI binding: add "ai": { "binding": "AI" } to wrangler.jsonc');
      const gateway = config.AI_GATEWAY_ID ? { id: config.AI_GATEWAY_ID, metadata } : undefined;
      return createWorkersAI({ binding: env.AI, gateway })(config.MODEL) as LanguageModelV4;
    }
    case "gateway": {
      const headers: Record<string, string> = { "cf-aig-metadata": JSON.stringify(metadata) };
      if (config.CF_AIG_TOKEN) headers["cf-aig-authorization"] = `Bearer ${config.CF_AIG_TOKEN}`;
      return createOpenAICompatible({
        name: "ai-gateway",
        baseURL: `https://gateway.ai.cloudflare.com/v1/${encodeURIComponent(config.CF_ACCOUNT_ID)}/${encodeURIComponent(config.AI_GATEWAY_ID)}/compat`,
        apiKey: config.MODEL_API_KEY ?? config.CF_AIG_TOKEN,
        headers
      }).chatModel(config.MODEL);
    }
    case "openai":
      return createOpenAICompatible({
        name: "openai-compatible",
        baseURL: config.MODEL_BASE_URL,
        apiKey: config.MODEL_API_KEY
      }).chatModel(config.MODEL);
  }
}
