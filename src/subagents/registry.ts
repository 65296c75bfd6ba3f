import type { DynamicAgentClass } from "agents";
import type { Think } from "@cloudflare/think";
import { MailReader } from "./mail-reader";
import { Researcher } from "./researcher";
import type { SubagentName } from "./names";

export { SUBAGENT_NAMES } from "./names";
export type { SubagentName } from "./names";

/** Every sub-agent answers `runTask(task)`; each class must also be in vitest.config.ts additionalExports. */
export type SubagentClass = DynamicAgentClass<Think<Env> & { runTask(task: string): Promise<string> }>;

export const SUBAGENTS: Record<SubagentName, { cls: SubagentClass }> = {
  researcher: { cls: Researcher },
  mail_reader: { cls: MailReader }
};
