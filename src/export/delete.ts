import { getSandbox } from "@cloudflare/sandbox";
import { errorText } from "../shared/error-text";

/** What the owner types in Settings to delete their agent: a deliberate act, not a click. */
export const DELETE_CONFIRMATION = "delete my agent";

/**
 * Removes what the agent has outside its own Durable Object: its sandbox
 * (tier 4: the user's container, or the local sandbox server's directory).
 * Best effort with a reason: a sandbox that cannot be reached now keeps no
 * workspace of its own between runs except its copy, which a later run
 * overwrites; the answer says what happened.
 */
export async function forgetSandbox(env: Env, user: string): Promise<string> {
  const kind = (env.SANDBOX_BACKEND ?? "").trim();
  try {
    if (kind === "container" && env.Sandbox) {
      await getSandbox(env.Sandbox, user).destroy();
      return "sandbox container destroyed";
    }
    if (kind === "process" && env.SANDBOX_URL && env.SANDBOX_TOKEN) {
      const response = await fetch(new URL(`/users?${new URLSearchParams({ user })}`, env.SANDBOX_URL), {
        method: "DELETE",
        headers: { authorization: `Bearer ${env.SANDBOX_TOKEN}` }
      });
      return response.ok ? "sandbox directory removed" : `sandbox not removed: HTTP ${response.status}`;
    }
    return "no sandbox configured";
  } catch (error) {
    return `sandbox not removed: ${errorText(error)}`;
  }
}
