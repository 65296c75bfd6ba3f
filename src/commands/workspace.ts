import { commandError, toolCall, usageError } from "./types";
import type { Command } from "./types";

export const WORKSPACE_ROOT = "/workspace";

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

/** Tier 0: the workspace. */
export const workspaceCommands: Command[] = [
  {
    name: "ls",
    usage: "/ls [path]",
    summary: "list a workspace folder (tier 0)",
    parse(_rest, arg) {
      const path = workspacePath(arg);
      if (typeof path !== "string") return commandError(this.name, path.error);
      return toolCall(this.name, "ls", { path });
    }
  },
  {
    name: "cat",
    usage: "/cat <path>",
    summary: "show a workspace file (tier 0)",
    parse(_rest, arg) {
      if (!arg) return usageError(this);
      const path = workspacePath(arg);
      if (typeof path !== "string") return commandError(this.name, path.error);
      return toolCall(this.name, "read", { path });
    }
  },
  {
    name: "write",
    usage: "/write <path> <content>",
    summary: "write a file; everything after the path (including new lines) is the content (tier 0)",
    parse(rest) {
      const split = /^(\S+)(?:[ \t]*\n|[ \t]+|$)([\s\S]*)$/.exec(rest.replace(/^[ \t]+/, ""));
      if (!split || !split[1]) return usageError(this);
      const path = workspacePath(split[1]);
      if (typeof path !== "string") return commandError(this.name, path.error);
      if (path === WORKSPACE_ROOT) return commandError(this.name, "/write needs a file path");
      return toolCall(this.name, "write", { path, content: split[2] ?? "" });
    }
  }
];
