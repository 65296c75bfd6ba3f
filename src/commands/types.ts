/** What a slash command turns into: a tool call, a direct reply, or an error for the user. */
export type ParsedCommand =
  | { kind: "tool"; command: string; toolName: string; input: Record<string, unknown> }
  | { kind: "reply"; command: string; text: string }
  | { kind: "error"; command: string; text: string };

export interface Command {
  name: string;
  usage: string;
  summary: string;
  /**
   * `rest` is the raw text after the command name (new lines kept);
   * `arg` is the same, trimmed.
   */
  parse(rest: string, arg: string): ParsedCommand;
}

export function usageError(command: Pick<Command, "name" | "usage">): ParsedCommand {
  return { kind: "error", command: command.name, text: `Usage: ${command.usage}` };
}

export function toolCall(command: string, toolName: string, input: Record<string, unknown>): ParsedCommand {
  return { kind: "tool", command, toolName, input };
}

export function commandError(command: string, text: string): ParsedCommand {
  return { kind: "error", command, text };
}
