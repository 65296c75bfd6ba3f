export const SUBAGENT_NAMES = ["researcher", "mail_reader"] as const;
export type SubagentName = (typeof SUBAGENT_NAMES)[number];
