/**
 * How a session reaches its agent. The channel decides how far a session's
 * text is trusted (src/gate/decide.ts): only a web session is the owner,
 * signed in, typing now (or speaking in a web call). A phone call is only a
 * caller ID, which can be spoofed: it is treated like email. "api" sessions
 * run tasks a program submitted (src/api); "mcp" is the owner's own MCP
 * client asking through /mcp (src/mcp): both unattended, like a scheduled task.
 */
export const CHANNELS = ["web", "email", "voice", "phone", "schedule", "api", "mcp"] as const;
export type Channel = (typeof CHANNELS)[number];

export function isChannel(value: unknown): value is Channel {
  return CHANNELS.some((c) => c === value);
}

/** Sub-agents are offered tools too, by name (src/subagents). */
export const SUBAGENT_NAMES = ["researcher", "mail_reader"] as const;
export type SubagentName = (typeof SUBAGENT_NAMES)[number];

/** Who is offered a tool: a session on a channel, or a sub-agent. */
export type Offeree = Channel | SubagentName;
