/**
 * How a tool reports a failure without throwing (a throw across RPC is logged
 * as an uncaught exception): `{ ok: false, text }` from tiers 1–3, the text
 * written for the model; `{ error }` from the Assistant's RPCs that serve tools
 * (tier 2 bundling, send_email). Some carry both.
 */
export type ToolFailure = { ok: false; text: string } | { error: string };

/** A tool's output: its own result `T`, or a failure by the convention above. */
export type ToolResult<T> = T | ToolFailure;

/**
 * Why `output` failed by that convention: its `error` when that is a string,
 * else (for `ok: false`) its `text` when that is a string, else "" (failed,
 * reason unknown). null when `output` does not report a failure.
 */
export function toolFailure(output: unknown): string | null {
  if (typeof output !== "object" || output === null || Array.isArray(output)) return null;
  const record = output as Record<string, unknown>;
  if (typeof record.error === "string") return record.error;
  if (record.ok !== false) return null;
  return typeof record.text === "string" ? record.text : "";
}
