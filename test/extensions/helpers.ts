import type { UIMessage } from "ai";
import { assistantFor } from "../helpers/agent";
import { storedMessages } from "../helpers/session";

export type ToolPart = { type: string; toolCallId: string; state: string; input: unknown; output?: unknown; errorText?: string };

/** A fresh user (an Access subject) and their Assistant. */
export async function freshUser(prefix: string) {
  const sub = `${prefix}-${crypto.randomUUID()}`;
  const user = `access:${sub}`;
  return { sub, user, assistant: await assistantFor(user) };
}

export function base64(text: string): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(text)));
}

/** Writes a workspace file as the owner's upload does. */
export async function putFile(user: string, path: string, text: string): Promise<void> {
  await (await assistantFor(user)).uploadFile(path, base64(text));
}

export async function toolParts(user: string, session: string, tool?: string): Promise<ToolPart[]> {
  const messages: UIMessage[] = await storedMessages(user, session);
  return messages.flatMap((m) => m.parts).filter((p) => p.type.startsWith("tool-") && (!tool || p.type === `tool-${tool}`)) as unknown as ToolPart[];
}

/** An extension written into the workspace the way the agent would (files under .agents/extensions/<name>/). */
export async function writeExtension(user: string, name: string, manifest: Record<string, unknown>, code: string): Promise<void> {
  await putFile(user, `/workspace/.agents/extensions/${name}/manifest.json`, JSON.stringify(manifest, null, 2));
  await putFile(user, `/workspace/.agents/extensions/${name}/extension.js`, code);
}
