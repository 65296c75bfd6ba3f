import type { Health } from "../api/routes";
import { readModelConfig } from "../model/config";
import { fallbackProblem } from "../model/fallback";
import { sandboxBackend } from "../ladder/sandbox";

/** Model failures this recent count as degradations. */
export const RECENT_FAILURE_MS = 60 * 60_000;

export interface ModelFailure {
  at: number;
  model: string;
  error: string;
}

/**
 * What is degraded for this deployment and user, for the owner's
 * /api/health: each with the fix. Probes are cheap (one sandbox health GET
 * with a short time-out); nothing here reveals a secret's value.
 */
export async function health(env: Env, recentFailures: readonly ModelFailure[]): Promise<Health> {
  const out: Health["degradations"] = [];
  const model = readModelConfig(env);
  if (!model.ok) out.push({ area: "model", problem: model.error, fix: "Fix the model settings (npm run check-config lists them)" });
  else if (!model.config) out.push({ area: "model", problem: "no model configured: only slash commands answer", fix: "Set MODEL_PROVIDER and MODEL" });
  const fallback = fallbackProblem(env.MODEL_FALLBACKS);
  if (fallback) out.push({ area: "model", problem: fallback, fix: "Fix MODEL_FALLBACKS (provider:model, comma separated)" });
  for (const failure of recentFailures) {
    out.push({
      area: "model",
      problem: `${failure.model} failed at ${new Date(failure.at).toISOString()}: ${failure.error}`,
      fix: "Check the provider's status; MODEL_FALLBACKS adds models to try"
    });
  }
  if (!env.BROWSER)
    out.push({
      area: "tier 3",
      problem: "no browser binding: browsing is off",
      fix: 'Add "browser": { "binding": "BROWSER" } to wrangler.jsonc (Browser Run)'
    });
  const sandbox = await sandboxProblem(env);
  if (sandbox)
    out.push({ area: "tier 4", problem: sandbox, fix: 'See README "Tier 4": the container (SANDBOX_BACKEND=container) or the local sandbox server' });
  // Speech (voice sessions) runs on Workers AI models: without the AI binding there is none.
  if (!env.AI) out.push({ area: "speech", problem: "speech is not configured (no AI binding)", fix: 'Add "ai": { "binding": "AI" } to wrangler.jsonc' });
  if (env.EMAIL_DOMAIN?.trim() && !env.EMAIL)
    out.push({ area: "email", problem: "EMAIL_DOMAIN is set but there is no send_email binding", fix: 'Add "send_email": [{ "name": "EMAIL" }]' });
  return { ok: out.length === 0, degradations: out };
}

async function sandboxProblem(env: Env): Promise<string | null> {
  const backend = sandboxBackend(env);
  if ("unavailable" in backend) return backend.unavailable;
  // The container starts on demand (probing it would start one); the local process server is probed.
  if (env.SANDBOX_BACKEND?.trim() !== "process" || !env.SANDBOX_URL) return null;
  try {
    const res = await fetch(new URL("/health", env.SANDBOX_URL), { signal: AbortSignal.timeout(2_000) });
    return res.ok ? null : `the sandbox server answered ${res.status}`;
  } catch {
    return `the sandbox server at ${new URL(env.SANDBOX_URL).host} is unreachable`;
  }
}
