import { commandError, toolCall, usageError } from "../commands/types";
import type { Command } from "../commands/types";
import { EXTENSION_TOOL_PREFIX, MCP_TOOL_PREFIX } from "../shared/tool-facts";

/**
 * `/tool <name> [json]`: calls one of this user's extension or MCP tools
 * without a model (offline, and for tests). It is an ordinary tool call, so
 * the gate judges it like any other; there is no command that enables,
 * loads or changes an extension or a connection.
 */
export const dynamicToolCommands: Command[] = [
  {
    name: "tool",
    usage: "/tool <ext_…|mcp_…> [json input]",
    summary: "call an extension or MCP tool (tier 1 or 3, by its permissions)",
    parse(_rest, arg) {
      const match = /^(\S+)\s*([\s\S]*)$/.exec(arg);
      if (!match) return usageError(this);
      const [, name = "", json = ""] = match;
      if (!name.startsWith(EXTENSION_TOOL_PREFIX) && !name.startsWith(MCP_TOOL_PREFIX)) {
        return commandError(
          this.name,
          `/tool calls extension (ext_…) and MCP (mcp_…) tools; ${name} is neither. Settings → Extensions and Connections list them.`
        );
      }
      if (!json.trim()) return toolCall(this.name, name, {});
      let input: unknown;
      try {
        input = JSON.parse(json);
      } catch {
        return commandError(this.name, 'the input must be a JSON object, e.g. /tool ext_tabular_summarise {"path":"/workspace/a.csv"}');
      }
      if (typeof input !== "object" || input === null || Array.isArray(input)) return commandError(this.name, "the input must be a JSON object");
      return toolCall(this.name, name, input as Record<string, unknown>);
    }
  }
];
