import type { ToolCallResultContext } from "@cloudflare/think";
import { toolFailure } from "../shared/tool-result";
import { tierOfTool } from "../shared/tool-facts";
import type { Tier } from "../shared/tiers";
import { sha256Hex } from "../util/digest";
import { isWholeNumber } from "../util/whole-number";
import { OUTCOMES } from "../shared/views";
import type { AuditEntry, AuditFilter, AuditRow, Outcome } from "../shared/views";

export { OUTCOMES } from "../shared/views";
export type { AuditEntry, AuditFilter, AuditRow, Outcome } from "../shared/views";

/**
 * One row per tool execution, in the user's own Assistant SQLite. Inputs are
 * stored as a digest, not verbatim: the log proves what ran without becoming a
 * second copy of the user's data.
 */
export class AuditLog {
  constructor(
    private readonly sql: SqlStorage,
    private readonly user: string
  ) {}

  record(entry: AuditEntry): void {
    this.sql.exec(
      `INSERT INTO steward_audit (at, session, turn, tier, tool, input_digest, outcome, duration_ms, bytes_out, approved, detail)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      Date.now(),
      entry.session,
      entry.turn,
      entry.tier,
      entry.tool,
      entry.inputDigest,
      entry.outcome,
      Math.max(0, Math.round(entry.durationMs)),
      entry.bytesOut,
      entry.approved === null ? null : entry.approved ? 1 : 0,
      entry.detail.slice(0, 500)
    );
  }

  /** Newest first. */
  recent(limit: number, filter: AuditFilter = {}): AuditRow[] {
    const n = Math.min(Math.max(1, Math.floor(limit)), 500);
    const { where, bindings } = auditWhere(filter);
    return this.sql
      .exec<Record<string, SqlStorageValue>>(`SELECT * FROM steward_audit ${where} ORDER BY id DESC LIMIT ?`, ...bindings, n)
      .toArray()
      .map((r) => ({
        id: Number(r.id),
        at: Number(r.at),
        user: this.user,
        session: String(r.session),
        turn: String(r.turn),
        tier: r.tier === null ? null : (Number(r.tier) as Tier),
        tool: String(r.tool),
        inputDigest: String(r.input_digest),
        outcome: String(r.outcome) as Outcome,
        durationMs: Number(r.duration_ms),
        bytesOut: Number(r.bytes_out),
        approved: r.approved === null ? null : Number(r.approved) === 1,
        detail: String(r.detail)
      }));
  }
}

function auditWhere(filter: unknown): { where: string; bindings: SqlStorageValue[] } {
  if (filter === undefined || filter === null) return { where: "", bindings: [] };
  if (typeof filter !== "object" || Array.isArray(filter)) throw new Error('filter must be an object like { tier: 1, outcome: "error" }');
  const { tier, outcome } = filter as Record<string, unknown>;
  const clauses: string[] = [];
  const bindings: SqlStorageValue[] = [];
  if (tier === null) clauses.push("tier IS NULL");
  else if (tier !== undefined) {
    if (!isWholeNumber(tier, 0, 4)) throw new Error("filter.tier must be 0–4 or null");
    clauses.push("tier = ?");
    bindings.push(tier);
  }
  if (outcome !== undefined) {
    if (!OUTCOMES.includes(outcome as Outcome)) throw new Error('filter.outcome must be "ok", "error", "blocked" or "interrupted"');
    clauses.push("outcome = ?");
    bindings.push(outcome as Outcome);
  }
  return { where: clauses.length ? `WHERE ${clauses.join(" AND ")}` : "", bindings };
}

/** SHA-256 of the input's canonical JSON (keys sorted), hex. */
export async function digestInput(input: unknown): Promise<string> {
  return sha256Hex(canonicalJson(input));
}

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

export function formatAudit(rows: AuditRow[]): string {
  if (rows.length === 0) return "No tool executions yet.";
  return rows
    .map((r) => {
      const when = new Date(r.at).toISOString().replace("T", " ").slice(0, 19);
      const tier = r.tier === null ? "-" : String(r.tier);
      const approval = r.approved === null ? "" : r.approved ? " approved" : " rejected";
      const detail = r.detail ? ` — ${r.detail}` : "";
      return `#${r.id} ${when} tier ${tier} ${r.tool} ${r.outcome}${approval} ${r.durationMs}ms ${r.bytesOut}B${detail}`;
    })
    .join("\n");
}

/**
 * The audit entry for a finished tool call. `blocked` marks a call a policy
 * refused; a tool that reported a failure (`toolFailure`) counts as an error.
 */
export async function auditEntryFor(
  ctx: ToolCallResultContext,
  session: string,
  turn: string,
  extra: { blocked: boolean; approved: boolean | null }
): Promise<AuditEntry> {
  const output = ctx.success ? ctx.output : ctx.error;
  const outcome: Outcome = extra.blocked ? "blocked" : !ctx.success || toolFailure(ctx.output) !== null ? "error" : "ok";
  return {
    session,
    turn,
    tier: tierOfTool(ctx.toolName),
    tool: ctx.toolName,
    inputDigest: await digestInput(ctx.input),
    outcome,
    durationMs: ctx.durationMs,
    bytesOut: byteLength(output),
    approved: extra.approved,
    detail: outcome === "ok" ? reconciledNote(output) : summary(output),
    call: ctx.toolCallId
  };
}

/** A journaled call answered from the record of an earlier, interrupted execution ran nothing itself. */
function reconciledNote(output: unknown): string {
  const reconciled = typeof output === "object" && output !== null && (output as { reconciled?: unknown }).reconciled === true;
  return reconciled ? "returned the recorded result of an interrupted execution; not run again" : "";
}

function summary(output: unknown): string {
  if (output instanceof Error) return output.message;
  if (typeof output === "string") return output;
  const failure = toolFailure(output);
  if (failure) return failure;
  if (typeof output === "object" && output !== null) {
    const record = output as Record<string, unknown>;
    if (typeof record.text === "string") return record.text;
  }
  return String(output);
}

function byteLength(value: unknown): number {
  if (value === undefined) return 0;
  const text = typeof value === "string" ? value : value instanceof Error ? value.message : (JSON.stringify(value) ?? "");
  return new TextEncoder().encode(text).length;
}
