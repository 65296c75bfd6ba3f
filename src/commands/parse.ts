/**
 * Slash commands: a deterministic way to drive the agent's tools without a
 * model. A command becomes an ordinary tool call (see src/model/command-model.ts),
 * so it runs through Think's loop with the same permissions and audit as a call
 * a model chose. Each concept keeps its commands next to its code; this file
 * only lists the groups.
 */
import { ladderCommands } from "../ladder/commands";
import { permissionCommands } from "../gate/permission-commands";
import { shellCommands } from "../ladder/shell-commands";
import { workspaceCommands } from "./workspace";
import { scheduleCommands } from "../schedules/commands";
import { dynamicToolCommands } from "../extensions/commands";
import type { Command, ParsedCommand } from "./types";

export type { Command, ParsedCommand } from "./types";
export { WORKSPACE_ROOT, workspacePath } from "./workspace";

const help: Command = {
  name: "help",
  usage: "/help",
  summary: "list commands",
  parse() {
    return { kind: "reply", command: "help", text: helpText() };
  }
};

export const COMMANDS: readonly Command[] = [
  help,
  ...workspaceCommands,
  ...ladderCommands,
  ...shellCommands, // tier 4
  ...permissionCommands, // owner-only; applied by the Conversation, never a tool
  ...scheduleCommands,
  ...dynamicToolCommands // extension and MCP tools, gated like any call
];

export function helpText(): string {
  const width = Math.max(...COMMANDS.map((c) => c.usage.length));
  return ["Commands:", ...COMMANDS.map((c) => `  ${c.usage.padEnd(width)}  ${c.summary}`)].join("\n");
}

/** Returns null when the text is not a slash command. */
export function parseCommand(text: string): ParsedCommand | null {
  const match = /^\/([a-z]+)(?:[ \t]+|\n|$)([\s\S]*)$/.exec(text.trimStart());
  if (!match) return null;
  const name = match[1] ?? "";
  const rest = match[2] ?? "";
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) return { kind: "error", command: name, text: `Unknown command /${name}.\n${helpText()}` };
  return command.parse(rest, rest.trim());
}
