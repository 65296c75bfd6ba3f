import { z } from "zod";
import { parseFallbacks } from "./fallback";

/**
 * Which model Steward calls, read from Worker vars/secrets and validated once.
 * An unset MODEL_PROVIDER means "no model": the offline command model answers.
 */
const nonEmpty = (name: string, what: string) =>
  z
    .string({ error: `${name} is required (${what})` })
    .trim()
    .min(1, `${name} is required (${what})`);

const workersAi = z.object({
  MODEL_PROVIDER: z.literal("workers-ai"),
  MODEL: nonEmpty("MODEL", "a Workers AI model id, e.g. @cf/moonshotai/kimi-k2.7-code"),
  AI_GATEWAY_ID: z.string().trim().min(1).optional()
});

const gateway = z.object({
  MODEL_PROVIDER: z.literal("gateway"),
  MODEL: nonEmpty("MODEL", "a provider/model slug, e.g. workers-ai/@cf/moonshotai/kimi-k2.7-code or openai/gpt-5-mini"),
  CF_ACCOUNT_ID: nonEmpty("CF_ACCOUNT_ID", "your Cloudflare account id"),
  AI_GATEWAY_ID: nonEmpty("AI_GATEWAY_ID", "the AI Gateway's name"),
  CF_AIG_TOKEN: z.string().trim().min(1).optional(),
  MODEL_API_KEY: z.string().trim().min(1).optional()
});

const openai = z.object({
  MODEL_PROVIDER: z.literal("openai"),
  MODEL: nonEmpty("MODEL", "the model name the server expects, e.g. llama3.2"),
  MODEL_BASE_URL: z.url({
    protocol: /^https?$/,
    error: "MODEL_BASE_URL must be an http(s) URL, e.g. http://127.0.0.1:11434/v1"
  }),
  MODEL_API_KEY: z.string().trim().min(1).optional()
});

export const modelConfigSchema = z.discriminatedUnion("MODEL_PROVIDER", [workersAi, gateway, openai], {
  error: (issue) =>
    issue.code === "invalid_union"
      ? `MODEL_PROVIDER must be one of workers-ai, gateway, openai (or empty for none); got "${String(issue.input && (issue.input as Record<string, unknown>).MODEL_PROVIDER)}"`
      : undefined
});

export type ModelConfig = z.infer<typeof modelConfigSchema>;

export type ModelConfigResult = { ok: true; config: ModelConfig | null } | { ok: false; error: string };

type ModelEnv = Pick<Env, "MODEL_PROVIDER" | "MODEL" | "AI_GATEWAY_ID" | "CF_ACCOUNT_ID" | "CF_AIG_TOKEN" | "MODEL_BASE_URL" | "MODEL_API_KEY">;

/**
 * MODEL_FALLBACKS ("provider:model,…", src/model/fallback.ts), each checked
 * like the primary: a fallback shares the primary's account, gateway, base
 * URL and key settings, and only its provider and model differ.
 */
export function readFallbackConfigs(env: ModelEnv & { MODEL_FALLBACKS?: string }): { ok: true; configs: ModelConfig[] } | { ok: false; error: string } {
  const parsed = parseFallbacks(env.MODEL_FALLBACKS);
  if (!parsed.ok) return { ok: false, error: `Model configuration: ${parsed.error}` };
  const configs: ModelConfig[] = [];
  for (const { provider, model } of parsed.list) {
    const result = readModelConfig({ ...env, MODEL_PROVIDER: provider, MODEL: model });
    if (!result.ok) return { ok: false, error: `${result.error} (for the MODEL_FALLBACKS entry ${provider}:${model})` };
    if (result.config) configs.push(result.config);
  }
  return { ok: true, configs };
}

export function readModelConfig(env: ModelEnv): ModelConfigResult {
  const provider = env.MODEL_PROVIDER?.trim();
  if (!provider || provider === "none") return { ok: true, config: null };
  const keys = ["MODEL", "AI_GATEWAY_ID", "CF_ACCOUNT_ID", "CF_AIG_TOKEN", "MODEL_BASE_URL", "MODEL_API_KEY"] as const;
  // wrangler vars are often declared empty; treat "" as unset.
  const settings = Object.fromEntries(keys.map((k) => [k, env[k]?.trim() ? env[k] : undefined]));
  const parsed = modelConfigSchema.safeParse({ ...settings, MODEL_PROVIDER: provider });
  if (parsed.success) return { ok: true, config: parsed.data };
  const first = parsed.error.issues[0];
  return { ok: false, error: `Model configuration: ${first?.message ?? "invalid"}` };
}
