import { toolFailure } from "../shared/tool-result";

/**
 * Plain-language text for a tool result, as the command model shows it.
 * `output` is what the model sees (a tool's model-facing output), so strings
 * and objects both occur.
 */
export function renderToolResult(toolName: string, output: unknown, isError: boolean): string {
  if (isError) return `Error: ${asText(output)}`;
  if (typeof output === "string") return output === "" ? "(empty)" : output;
  if (!isRecord(output)) return asText(output);
  // A reported failure: `{ error }` is shown as an error; the text of `{ ok: false, text }` already says what went wrong.
  const failure = toolFailure(output);
  if (failure !== null) return typeof output.error === "string" ? `Error: ${failure}` : failure || asText(output);
  if (typeof output.text === "string") return output.text;

  switch (toolName) {
    case "write":
      return `Wrote ${String(output.bytesWritten)} bytes to ${String(output.path)}.`;
    case "read":
      return typeof output.content === "string" ? output.content || "(empty file)" : asText(output);
    case "ls":
      return renderListing(output);
    default:
      return asText(output);
  }
}

function renderListing(output: Record<string, unknown>): string {
  const entries = Array.isArray(output.entries) ? output.entries : [];
  if (entries.length === 0) return `${String(output.path)} is empty.`;
  const lines = entries.filter(isRecord).map((e) => {
    const name = `${String(e.name)}${e.isDirectory ? "/" : ""}`;
    return e.isDirectory ? name : `${name}  ${String(e.size)} B`;
  });
  const more = output.nextOffset !== undefined ? `\n… more (offset ${String(output.nextOffset)})` : "";
  return `${String(output.path)}:\n${lines.join("\n")}${more}`;
}

function asText(value: unknown): string {
  if (typeof value === "string") return value;
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
