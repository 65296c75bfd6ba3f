import { tierOfTool } from "../../ladder/tiers";

/**
 * The email-session rule: a session that started from mail carries untrusted
 * text, so every tool call that can change anything waits for the owner's
 * approval in the web app, whatever the mail says. Only tools known to be
 * read-only run freely; anything else (including tools added later) is gated.
 */
const READ_ONLY_TOOLS = new Set(["read", "ls", "find", "grep", "show_tiers", "show_audit", "activate_skill", "read_skill_resource"]);
/** Sub-agents with no side-effect tools. */
const READ_ONLY_SUBAGENTS = new Set(["researcher", "mail_reader"]);

export function emailNeedsApproval(toolName: string, input?: unknown): boolean {
  if ((tierOfTool(toolName) ?? 0) >= 3) return true;
  if (toolName === "delegate") {
    const agent = typeof input === "object" && input !== null ? (input as { agent?: unknown }).agent : undefined;
    return !(typeof agent === "string" && READ_ONLY_SUBAGENTS.has(agent));
  }
  return !READ_ONLY_TOOLS.has(toolName);
}
