/**
 * Slash commands: a deterministic way to drive the agent's tools without a
 * model. A command becomes an ordinary tool call (see src/model/command-model.ts),
 * so it runs through Think's loop with the same permissions and audit as a call
 * a model chose.
 */

export type ParsedCommand =
  | { kind: "tool"; command: string; toolName: string; input: Record<string, unknown> }
  | { kind: "reply"; command: string; text: string }
  | { kind: "error"; command: string; text: string };

export interface CommandSpec {
  name: string;
  usage: string;
  summary: string;
}

export const COMMANDS: readonly CommandSpec[] = [
  { name: "help", usage: "/help", summary: "list commands" },
  { name: "ls", usage: "/ls [path]", summary: "list a workspace folder (tier 0)" },
  { name: "cat", usage: "/cat <path>", summary: "show a workspace file (tier 0)" },
  {
    name: "write",
    usage: "/write <path> <content>",
    summary: "write a file; everything after the path (including new lines) is the content (tier 0)"
  },
  { name: "run", usage: "/run <js>", summary: "run JavaScript in an isolate with no network (tier 1)" },
  { name: "tiers", usage: "/tiers", summary: "show the execution ladder and your permissions" },
  { name: "audit", usage: "/audit [n]", summary: "show your last n tool executions (default 10)" }
];

export const WORKSPACE_ROOT = "/workspace";

export function helpText(): string {
  const width = Math.max(...COMMANDS.map((c) => c.usage.length));
  return [
    "Commands:",
    ...COMMANDS.map((c) => `  ${c.usage.padEnd(width)}  ${c.summary}`)
  ].join("\n");
}

/** Relative paths are taken from the workspace root; `..` may not escape it. */
export function workspacePath(raw: string): string | { error: string } {
  const trimmed = raw.trim();
  if (trimmed === "" || trimmed === "." || trimmed === "/") return WORKSPACE_ROOT;
  const absolute = trimmed.startsWith("/") ? trimmed : `${WORKSPACE_ROOT}/${trimmed}`;
  const parts: string[] = [];
  for (const segment of absolute.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") {
      if (parts.length === 0) return { error: `path escapes the root: ${raw}` };
      parts.pop();
      continue;
    }
    parts.push(segment);
  }
  const normalized = `/${parts.join("/")}`;
  if (normalized !== WORKSPACE_ROOT && !normalized.startsWith(`${WORKSPACE_ROOT}/`)) {
    return { error: `paths live under ${WORKSPACE_ROOT}: ${raw}` };
  }
  return normalized;
}

/** Returns null when the text is not a slash command. */
export function parseCommand(text: string): ParsedCommand | null {
  const match = /^\/([a-z]+)(?:[ \t]+|\n|$)([\s\S]*)$/.exec(text.trimStart());
  if (!match) return null;
  const command = match[1] ?? "";
  const rest = match[2] ?? "";
  const arg = rest.trim();

  switch (command) {
    case "help":
      return { kind: "reply", command, text: helpText() };
    case "ls": {
      const path = workspacePath(arg);
      if (typeof path !== "string") return { kind: "error", command, text: path.error };
      return { kind: "tool", command, toolName: "ls", input: { path } };
    }
    case "cat": {
      if (!arg) return usageError(command);
      const path = workspacePath(arg);
      if (typeof path !== "string") return { kind: "error", command, text: path.error };
      return { kind: "tool", command, toolName: "read", input: { path } };
    }
    case "write": {
      const split = /^(\S+)(?:[ \t]*\n|[ \t]+|$)([\s\S]*)$/.exec(rest.replace(/^[ \t]+/, ""));
      if (!split || !split[1]) return usageError(command);
      const path = workspacePath(split[1]);
      if (typeof path !== "string") return { kind: "error", command, text: path.error };
      if (path === WORKSPACE_ROOT) return { kind: "error", command, text: "/write needs a file path" };
      return { kind: "tool", command, toolName: "write", input: { path, content: split[2] ?? "" } };
    }
    case "run":
      if (!arg) return usageError(command);
      return { kind: "tool", command, toolName: "run_code", input: { code: arg } };
    case "tiers":
      return { kind: "tool", command, toolName: "show_tiers", input: {} };
    case "audit": {
      if (!arg) return { kind: "tool", command, toolName: "show_audit", input: { limit: 10 } };
      const n = Number(arg);
      if (!Number.isInteger(n) || n < 1 || n > 500) {
        return { kind: "error", command, text: "/audit takes a whole number from 1 to 500" };
      }
      return { kind: "tool", command, toolName: "show_audit", input: { limit: n } };
    }
    default:
      return { kind: "error", command, text: `Unknown command /${command}.\n${helpText()}` };
  }
}

function usageError(command: string): ParsedCommand {
  const spec = COMMANDS.find((c) => c.name === command);
  return { kind: "error", command, text: `Usage: ${spec?.usage ?? `/${command}`}` };
}
