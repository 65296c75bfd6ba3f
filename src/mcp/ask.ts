import type { EmailTurnOutcome } from "../channels/email/conversation-turn";
import type { SessionSummary } from "../shared/views";
import type { McpAskOutcome } from "./tools";

/** What ask_agent needs from the Assistant. */
export interface McpAskHost {
  createChannelSession(title: string, channel: "mcp"): Promise<string>;
  session(id: string): SessionSummary | undefined;
  /** One turn in a session (the Conversation's generic turn runner, shared with email). */
  runTurn(session: string, input: { id: string; text: string }): Promise<EmailTurnOutcome>;
}

/**
 * One ask from the owner's MCP client: a turn in an "mcp" session (a new one,
 * or one it started before). Only sessions of the mcp channel may be
 * continued, so a client cannot speak into a web, email or schedule chat.
 */
export async function mcpAsk(host: McpAskHost, text: string, session: string | null): Promise<McpAskOutcome> {
  let id = session;
  if (id === null) {
    id = await host.createChannelSession(`MCP: ${text.replace(/\s+/g, " ").slice(0, 60)}`, "mcp");
  } else if (host.session(id)?.channel !== "mcp") {
    // A value, not a throw: a throw across RPC is logged as an uncaught exception.
    return { session: id, status: "refused", text: `no MCP session with id ${JSON.stringify(id)}; leave session out to start one`, pendingApprovals: [] };
  }
  const outcome = await host.runTurn(id, { id: `mcp-${crypto.randomUUID()}`, text });
  return { session: id, status: outcome.status, text: outcome.text, pendingApprovals: outcome.pendingApprovals };
}
