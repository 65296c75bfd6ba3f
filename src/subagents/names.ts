export { SUBAGENT_NAMES } from "../shared/channel";
export type { SubagentName } from "../shared/channel";
