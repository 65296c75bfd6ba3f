import { jsonSchema, tool } from "ai";
import type { ToolSet } from "ai";
import type { JSONSchema7, JSONValue } from "@ai-sdk/provider";
import type { DynamicToolView } from "./registry";
import { isMcpOutput, untrustedMcpOutput } from "../connectors/connectors";

/**
 * A session's tools for this user's extensions and MCP servers, rebuilt each
 * turn from what the Assistant offers (turnContext). Each call goes back to
 * the Assistant, which runs it only if it is still enabled (or connected);
 * the gate has judged it before (beforeToolCall), as for every tool.
 */
export function dynamicSessionTools(views: readonly DynamicToolView[], run: (name: string, input: unknown) => Promise<unknown>): ToolSet {
  const tools: ToolSet = {};
  for (const view of views) {
    tools[view.name] = tool({
      description: view.description,
      inputSchema: jsonSchema<Record<string, unknown>>(view.inputSchema as JSONSchema7),
      execute: async (input) => run(view.name, input),
      // An MCP server's result reaches the model fenced as untrusted data (src/connectors); extensions are
      // code the owner enabled, their results are not marked.
      ...(view.mcpServer !== undefined && { toModelOutput: mcpModelOutput(view.mcpServer) })
    });
  }
  return tools;
}

/** Anything else (a refusal from the gate, not the server's words) goes to the model as it is. */
function mcpModelOutput(server: string): (options: { output: unknown }) => { type: "json"; value: JSONValue } {
  return ({ output }) => ({ type: "json", value: isMcpOutput(output) ? untrustedMcpOutput(server, output) : ((output ?? null) as JSONValue) });
}
