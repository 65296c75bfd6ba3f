import { routeAgentEmail } from "agents";
import type { Identity } from "../../auth";
import type { Assistant } from "../../assistant/assistant";
import { emailDomain, isLocalPart, splitAddress } from "./address";
import { emailDirectory } from "./directory";
import { errorText } from "../../shared/error-text";

/**
 * The Worker's email() entry: the recipient address alone picks the agent,
 * through the directory. Nothing in the message (headers, sub-addresses)
 * can name an agent; an unknown address is rejected with the reason.
 */
export async function handleEmail(message: ForwardableEmailMessage, env: Env): Promise<void> {
  await routeAgentEmail(message, env, {
    resolver: async (email, env) => {
      const userId = await userForAddress(email.to, env);
      return userId ? { agentName: "Assistant", agentId: userId } : null;
    },
    onNoRoute: (email) => email.setReject(`unknown recipient ${email.to}: no Steward agent has this address`)
  });
}

export async function userForAddress(address: string, env: Env): Promise<string | null> {
  const parts = splitAddress(address);
  if (!parts || parts.domain !== emailDomain(env) || !isLocalPart(parts.local)) return null;
  return emailDirectory(env).userFor(parts.local);
}

// Verified addresses already passed to an Assistant by this isolate.
const noted = new Set<string>();

/**
 * The signed-in identity's own address is a verified owner address: the
 * Access email claim, or DEV_USER_EMAIL for the local dev user.
 */
export async function noteOwnerEmail(assistant: DurableObjectStub<Assistant>, identity: Identity, env: Env): Promise<void> {
  const address = identity.email ?? (identity.source === "dev" ? env.DEV_USER_EMAIL?.trim() : undefined);
  if (!address) return;
  const key = `${identity.id}\n${address}`;
  if (noted.has(key)) return;
  try {
    await assistant.noteOwnerEmail(address);
    noted.add(key);
  } catch (error) {
    // An address we cannot use must never block signing in to the web app.
    console.warn(`email: not noting ${JSON.stringify(address)} as an owner address: ${errorText(error)}`);
  }
}
