import { jsonSchema, tool } from "ai";
import type { ToolSet } from "ai";
import type { JSONSchema7 } from "@ai-sdk/provider";
import type { DynamicToolView } from "./registry";

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
      execute: async (input) => run(view.name, input)
    });
  }
  return tools;
}
