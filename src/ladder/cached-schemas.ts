import { asSchema } from "ai";
import type { ToolSet } from "ai";

/**
 * The same tools with each input schema wrapped once as an AI SDK schema.
 * Handed a zod schema, the SDK wraps it anew and converts it to JSON Schema
 * on every model call; a wrapped one keeps its JSON Schema after the first.
 */
export function withCachedSchemas(tools: ToolSet): ToolSet {
  return Object.fromEntries(Object.entries(tools).map(([name, tool]) => [name, { ...tool, inputSchema: asSchema(tool.inputSchema) }])) as ToolSet;
}
