export const SUBAGENT_NAMES = ["researcher"] as const;
export type SubagentName = (typeof SUBAGENT_NAMES)[number];
