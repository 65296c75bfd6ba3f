import { getSandbox } from "@cloudflare/sandbox";
import { ContainerSandbox } from "./container";
import { ProcessSandbox } from "./process";
import type { SandboxBackend } from "./backend";

export type { SandboxBackend, SandboxExecOptions, SandboxExecResult, SyncedFile } from "./backend";

/** How long a user's idle container stays up before it sleeps (SANDBOX_SLEEP_AFTER overrides). */
const DEFAULT_SLEEP_AFTER = "10m";

/**
 * Picks tier 4's backend from configuration:
 *   SANDBOX_BACKEND=container  the `Sandbox` Durable Object binding (production)
 *   SANDBOX_BACKEND=process    SANDBOX_URL + SANDBOX_TOKEN (scripts/sandbox-server.mjs)
 *   SANDBOX_BACKEND=off        tier 4 is off (a deploy without Docker)
 * Returns a reason instead when tier 4 is not configured.
 */
export function sandboxBackend(env: Env): SandboxBackend | { unavailable: string } {
  const kind = (env.SANDBOX_BACKEND ?? "").trim();
  if (kind === "container") {
    const ns = env.Sandbox;
    if (!ns) return { unavailable: "SANDBOX_BACKEND is container but the Worker has no `Sandbox` Durable Object binding (see README: Tier 4)" };
    // One container per user, named by the user's id (never shared), created on first use.
    const sleepAfter = env.SANDBOX_SLEEP_AFTER || DEFAULT_SLEEP_AFTER;
    return new ContainerSandbox((user) => getSandbox(ns, user, { sleepAfter }));
  }
  if (kind === "process") {
    if (!env.SANDBOX_URL || !env.SANDBOX_TOKEN)
      return { unavailable: "SANDBOX_BACKEND is process but SANDBOX_URL or SANDBOX_TOKEN is not set; `npm run dev` sets both" };
    return new ProcessSandbox(env.SANDBOX_URL, env.SANDBOX_TOKEN);
  }
  // A deployment without Docker (scripts/deploy.mjs leaves the container out).
  if (kind === "off") return { unavailable: "tier 4 (the Linux sandbox) is off in this deployment (SANDBOX_BACKEND=off)" };
  if (kind === "") return { unavailable: "no sandbox is configured: set SANDBOX_BACKEND to container (production) or process (local; `npm run dev` does it)" };
  return { unavailable: `SANDBOX_BACKEND must be container or process; got ${JSON.stringify(kind)}` };
}
