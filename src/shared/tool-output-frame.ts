/**
 * A running tool's output so far, sent to the chat's sockets while a tier 4
 * command runs (never stored: the tool's result is the record). Each frame
 * carries the tails whole, so the newest frame is all the card needs.
 */
export const TOOL_OUTPUT_FRAME = "steward_tool_output";

export interface ToolOutputFrame {
  type: typeof TOOL_OUTPUT_FRAME;
  toolCallId: string;
  stdout: string;
  stderr: string;
  /** Earlier output was dropped to keep the frame small. */
  truncated: boolean;
}

export function isToolOutputFrame(value: unknown): value is ToolOutputFrame {
  if (typeof value !== "object" || value === null) return false;
  const frame = value as Record<string, unknown>;
  return (
    frame.type === TOOL_OUTPUT_FRAME &&
    typeof frame.toolCallId === "string" &&
    typeof frame.stdout === "string" &&
    typeof frame.stderr === "string" &&
    typeof frame.truncated === "boolean"
  );
}
