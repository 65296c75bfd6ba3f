import { Researcher } from "./researcher";
import type { SubagentName } from "./names";

export { SUBAGENT_NAMES } from "./names";
export type { SubagentName } from "./names";

export const SUBAGENTS: Record<SubagentName, { cls: typeof Researcher }> = {
  researcher: { cls: Researcher }
};
