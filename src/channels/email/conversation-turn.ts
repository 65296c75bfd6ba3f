import type { Think } from "@cloudflare/think";
import type { UIMessage } from "ai";
import { isChannel } from "../../shared/channel";
import type { Channel } from "../../shared/channel";
import { messageText } from "../../shared/message-text";

/**
 * The Conversation side of an email: which channel a session belongs to
 * (kept in the session's own SQLite, so its gate holds for web turns too;
 * table in src/schema/conversation.ts), and running one email as a turn.
 */
export function readChannel(sql: SqlStorage): Channel | null {
  const value = sql.exec<{ channel: string }>(`SELECT channel FROM steward_channel WHERE id = 1`).toArray()[0]?.channel;
  return isChannel(value) ? value : null;
}

export function writeChannel(sql: SqlStorage, channel: Channel): void {
  if (!isChannel(channel)) throw new Error(`unknown channel ${JSON.stringify(channel)}`);
  sql.exec(`INSERT INTO steward_channel (id, channel) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET channel = excluded.channel`, channel);
}

export interface EmailTurnOutcome {
  status: "completed" | "error" | "skipped" | "aborted";
  text: string;
  /** Tools waiting for the owner's approval. */
  pendingApprovals: string[];
  error?: string;
}

/**
 * Runs the email's message as a turn. The message id is derived from the
 * Message-ID, so a recovery can tell whether the turn already began.
 */
export async function runEmailTurn(agent: Think<Env>, input: { id: string; text: string }): Promise<EmailTurnOutcome> {
  const message: UIMessage = { id: input.id, role: "user", parts: [{ type: "text", text: input.text }] };
  const result = await agent.runTurn({ input: message });
  const error = "error" in result && result.error ? String(result.error) : undefined;
  return { ...outcomeOf(result.status, result.message as UIMessage | undefined), ...(error ? { error } : {}) };
}

/** After a turn in an email session: the id of the user message it answered, if that was an email. */
export function answeredEmailTurn(messages: UIMessage[], answerId: string): string | null {
  const index = messages.findIndex((m) => m.id === answerId);
  for (let i = index - 1; i >= 0; i--) {
    const message = messages[i];
    if (message?.role === "user") return message.id.startsWith("email-") ? message.id : null;
  }
  return null;
}

export function outcomeOf(status: EmailTurnOutcome["status"], message: UIMessage | undefined): EmailTurnOutcome {
  const parts = message?.parts ?? [];
  const text = messageText(parts).trim();
  const pendingApprovals = parts
    .filter((p) => p.type.startsWith("tool-") && (p as { state?: string }).state === "approval-requested")
    .map((p) => p.type.slice("tool-".length));
  return { status, text, pendingApprovals };
}
