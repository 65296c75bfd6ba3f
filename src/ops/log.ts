/**
 * One structured JSON line per operation, for operators (Workers Logs /
 * `wrangler tail`): who, where, what kind, how it ended, how long. Never
 * message text, prompts, tool input or secrets: the fields are fixed here so
 * a call site cannot add them by accident.
 */
export type OpsKind = "turn" | "model_call" | "tool_call" | "email" | "task_run" | "api_task" | "model_fallback";

export interface OpsLine {
  kind: OpsKind;
  /** The user's id (the Assistant's name). */
  user: string;
  session?: string;
  /** Tier of a tool call; the channel of a turn. */
  tier?: number | null;
  channel?: string;
  /** ok, error, blocked, done, failed, cancelled, waiting_approval… */
  outcome: string;
  durationMs?: number;
  /** The tool's name, the model's label, the task's id: identifiers, never content. */
  name?: string;
}

/** Only these keys reach the log, whatever the caller passed. */
const KEYS = ["kind", "user", "session", "tier", "channel", "outcome", "durationMs", "name"] as const;

export function opsLog(line: OpsLine): void {
  const out: Record<string, unknown> = { steward: "ops", at: new Date().toISOString() };
  for (const key of KEYS) if (line[key] !== undefined) out[key] = line[key];
  console.log(JSON.stringify(out));
}
