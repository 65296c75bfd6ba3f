import { digestInput } from "../ladder/audit";

/**
 * Approvals bound to the exact call. When a call pauses for the owner, the
 * SHA-256 of (tool, canonical input) is recorded under its tool call id; when
 * it is about to run, the call in hand must have the same digest. A transcript
 * edited between "asked" and "approved" (a tampered client, a replay) cannot
 * run something other than what the owner saw. The record lives in the
 * user's Assistant, so it survives reloads and restarts like the pending
 * approval itself (which Think keeps in the stored message).
 */
export type ApprovalCheck = { ok: true } | { ok: false; missing: boolean; reason: string };

export class ApprovalLedger {
  constructor(private readonly sql: SqlStorage) {}

  /** First digest wins: asking again for the same call id cannot rebind it (nor change the reason shown). */
  record(session: string, toolCallId: string, tool: string, digest: string, reason: string): void {
    this.sql.exec(
      `INSERT OR IGNORE INTO steward_approvals (tool_call_id, session, tool, digest, requested_at, reason) VALUES (?, ?, ?, ?, ?, ?)`,
      toolCallId,
      session,
      tool,
      digest,
      Date.now(),
      reason
    );
  }

  /** Why each of a session's calls asked, by tool call id (rows from before reasons were kept say ""). */
  reasons(session: string): Record<string, string> {
    const rows = this.sql
      .exec<{ tool_call_id: string; reason: string }>(`SELECT tool_call_id, reason FROM steward_approvals WHERE session = ?`, session)
      .toArray();
    return Object.fromEntries(rows.filter((r) => r.reason).map((r) => [r.tool_call_id, r.reason]));
  }

  check(session: string, toolCallId: string, tool: string, digest: string): ApprovalCheck {
    const row = this.sql
      .exec<{ session: string; tool: string; digest: string }>(`SELECT session, tool, digest FROM steward_approvals WHERE tool_call_id = ?`, toolCallId)
      .toArray()[0];
    if (!row) return { ok: false, missing: true, reason: `${tool} needs the owner's approval and none is on record for this call, so it did not run.` };
    if (row.session !== session || row.tool !== tool || row.digest !== digest) {
      return {
        ok: false,
        missing: false,
        reason: `This ${tool} call differs from the one the owner approved (its arguments changed after approval), so it did not run. Ask again with the exact call.`
      };
    }
    return { ok: true };
  }
}

/** The digest an approval is bound to. */
export function callDigest(tool: string, input: unknown): Promise<string> {
  return digestInput({ tool, input });
}
