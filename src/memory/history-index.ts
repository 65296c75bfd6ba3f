/**
 * One full-text index over every session's messages (web, email, voice,
 * schedule), in the user's Assistant. Think's own `session.search` covers one
 * conversation's SQLite; searching all of them would wake every facet, so
 * each turn's text is copied here once when the turn completes
 * (Conversation.onChatResponse → Assistant.recordTurn). Per-user storage is
 * what keeps one user's search away from another's text.
 */

export interface IndexedMessage {
  messageId: string;
  role: string;
  at: number;
  text: string;
}

export interface IndexHit {
  session: string;
  messageId: string;
  role: string;
  at: number;
  snippet: string;
}

/** Longest text indexed per message: enough to find it; the session keeps all of it. */
export const MAX_INDEXED_CHARS = 20_000;
const MAX_TERMS = 12;

export class HistoryIndex {
  constructor(private readonly sql: SqlStorage) {}

  /** Adds or refreshes messages of a session (idempotent by message id; unchanged text writes nothing). */
  add(session: string, messages: readonly IndexedMessage[]): number {
    let written = 0;
    for (const m of messages) {
      const text = m.text.trim().slice(0, MAX_INDEXED_CHARS);
      if (!text) continue;
      written +=
        this.sql.exec(
          `INSERT INTO steward_history (session, message_id, role, at, text) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (session, message_id) DO UPDATE SET text = excluded.text WHERE text != excluded.text`,
          session,
          m.messageId,
          m.role,
          m.at,
          text
        ).rowsWritten > 0
          ? 1
          : 0;
    }
    return written;
  }

  /** A deleted session's text leaves the index with it. */
  removeSession(session: string): void {
    this.sql.exec(`DELETE FROM steward_history WHERE session = ?`, session);
  }

  count(): number {
    return this.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM steward_history`).one().n;
  }

  /** Best matches first; every word must occur (as a word or a word's start). */
  search(query: string, limit: number): IndexHit[] {
    const match = ftsQuery(query);
    if (!match) return [];
    return this.sql
      .exec<{ session: string; message_id: string; role: string; at: number; snippet: string }>(
        `SELECT h.session, h.message_id, h.role, h.at,
                snippet(steward_history_fts, 0, '«', '»', '…', 16) AS snippet
         FROM steward_history_fts JOIN steward_history h ON h.id = steward_history_fts.rowid
         WHERE steward_history_fts MATCH ? ORDER BY rank LIMIT ?`,
        match,
        limit
      )
      .toArray()
      .map((r) => ({ session: r.session, messageId: r.message_id, role: r.role, at: r.at, snippet: r.snippet }));
  }
}

/**
 * The user's words as an FTS5 query: each word quoted (so FTS operators and
 * punctuation in the input mean nothing) and matched as a prefix. Null when
 * the input has no words.
 */
export function ftsQuery(query: string): string | null {
  const words = query.match(/[\p{L}\p{N}_]+/gu)?.slice(0, MAX_TERMS) ?? [];
  if (words.length === 0) return null;
  return words.map((w) => `"${w}"*`).join(" ");
}
