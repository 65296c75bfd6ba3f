import type { UIMessage } from "ai";
import { clientToolsSchema, uiMessageSchema, uiPartSchema } from "./frame-schemas";
import type { ChatInputContext } from "./frame-schemas";

/** What a repaired message says where nothing readable was left of it. */
export const UNREADABLE_TEXT = "[this message could not be read and was removed]";

export interface RepairHost {
  readonly name: string;
  readonly messages: UIMessage[];
  addMessages(messages: UIMessage[], options: { mode: "upsert"; broadcast: false }): Promise<void>;
}

/**
 * A stored message a turn can use again, or null when it is fine as it is.
 * Chats from before input validation may hold a message with an unknown role
 * or unreadable parts, which made every later turn fail: the role becomes
 * "user" (only a client could have sent it) and unreadable parts are dropped.
 */
export function repairedMessage(message: UIMessage): UIMessage | null {
  if (uiMessageSchema.safeParse(message).success) return null;
  const raw = message as unknown as { role?: unknown; parts?: unknown; metadata?: unknown };
  const role = raw.role === "assistant" || raw.role === "system" ? raw.role : "user";
  const parts = (Array.isArray(raw.parts) ? raw.parts : []).filter((part) => uiPartSchema.safeParse(part).success) as UIMessage["parts"];
  return {
    id: message.id,
    role,
    parts: parts.length ? parts : [{ type: "text", text: UNREADABLE_TEXT }],
    ...(raw.metadata === undefined ? {} : { metadata: raw.metadata })
  };
}

/** Repairs a conversation's stored messages and client tools on start; logs one line if it changed anything. */
export async function repairStoredInputs(host: RepairHost, context: ChatInputContext): Promise<void> {
  const repaired = host.messages.map(repairedMessage).filter((m): m is UIMessage => m !== null);
  if (repaired.length) await host.addMessages(repaired, { mode: "upsert", broadcast: false });
  const droppedTools = dropInvalidClientTools(host, context);
  if (repaired.length || droppedTools) {
    const what = [repaired.length ? `${repaired.length} stored message(s)` : "", droppedTools ? "the stored client tools" : ""].filter(Boolean);
    console.warn(`[steward] conversation ${host.name}: repaired ${what.join(" and ")} that predate input validation`);
  }
}

/**
 * Think keeps the last request's client tools (`_lastClientTools`, persisted
 * by `_persistClientTools`) and offers them on every later turn; it has no
 * public way to reset them short of clearing the chat. The cast reaches
 * those two members; if a Think upgrade renames them this does nothing.
 */
function dropInvalidClientTools(host: RepairHost, context: ChatInputContext): boolean {
  const think = host as unknown as { _lastClientTools?: unknown; _persistClientTools?: () => void };
  const tools = think._lastClientTools;
  if (tools === undefined || typeof think._persistClientTools !== "function") return false;
  const parsed = clientToolsSchema.safeParse(tools);
  const server = context.serverTools();
  if (parsed.success && parsed.data.every((tool) => !server.has(tool.name))) return false;
  think._lastClientTools = undefined;
  think._persistClientTools();
  return true;
}
