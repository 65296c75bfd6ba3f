import type { CallTurnMetrics, CallTurnOutcome } from "../shared/views";

/** The call turns of one session (table in src/schema/conversation.ts), newest last. */
const KEEP = 200;

export function recordCallTurn(sql: SqlStorage, m: CallTurnMetrics): void {
  sql.exec(
    `INSERT INTO steward_call_turns (turn, at, first_text_ms, first_audio_ms, total_ms, outcome) VALUES (?, ?, ?, ?, ?, ?)`,
    m.turn,
    m.at,
    m.firstTextMs ?? null,
    m.firstAudioMs ?? null,
    m.totalMs,
    m.outcome
  );
  sql.exec(`DELETE FROM steward_call_turns WHERE id <= (SELECT MAX(id) FROM steward_call_turns) - ?`, KEEP);
}

export function callTurns(sql: SqlStorage, limit = 50): CallTurnMetrics[] {
  const rows = sql
    .exec<{ turn: string; at: number; first_text_ms: number | null; first_audio_ms: number | null; total_ms: number; outcome: string }>(
      `SELECT turn, at, first_text_ms, first_audio_ms, total_ms, outcome FROM steward_call_turns ORDER BY id DESC LIMIT ?`,
      limit
    )
    .toArray();
  return rows.reverse().map((r) => ({
    turn: r.turn,
    at: r.at,
    ...(r.first_text_ms !== null ? { firstTextMs: r.first_text_ms } : {}),
    ...(r.first_audio_ms !== null ? { firstAudioMs: r.first_audio_ms } : {}),
    totalMs: r.total_ms,
    outcome: r.outcome as CallTurnOutcome
  }));
}
