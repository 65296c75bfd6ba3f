/**
 * Titles and previews for a user's sessions. The facet registry decides which
 * sessions exist; this table only decorates them, so the two cannot disagree
 * about existence.
 */
import type { Channel } from "../shared/channel";
import type { SessionSummary } from "../shared/views";

export type { SessionSummary } from "../shared/views";

export type { Channel } from "../shared/channel";

const MAX_TITLE = 120;

export class SessionCatalog {
  constructor(private readonly sql: SqlStorage) {}

  validTitle(title: unknown): string {
    if (title === undefined || title === null) return `Chat ${new Date().toISOString().slice(0, 19).replace("T", " ")}`;
    if (typeof title !== "string") throw new Error("title must be a string");
    const trimmed = title.trim();
    if (!trimmed) throw new Error("title must not be empty");
    if (trimmed.length > MAX_TITLE) throw new Error(`title must be at most ${MAX_TITLE} characters`);
    return trimmed;
  }

  /** `autoTitle`: the title is a placeholder the first exchange replaces (src/memory/titles.ts). */
  add(id: string, title: string, channel: Channel, autoTitle = false): SessionSummary {
    const now = Date.now();
    this.sql.exec(
      `INSERT INTO steward_session (id, title, channel, created_at, updated_at, auto_title) VALUES (?, ?, ?, ?, ?, ?)`,
      id,
      title,
      channel,
      now,
      now,
      autoTitle ? 1 : 0
    );
    return { id, title, channel, createdAt: now, updatedAt: now, preview: "" };
  }

  rename(id: string, title: string): SessionSummary {
    // The owner's name wins: an automatic title never replaces it.
    this.sql.exec(`UPDATE steward_session SET title = ?, auto_title = 0 WHERE id = ?`, title, id);
    const row = this.get(id);
    if (!row) throw new Error(`no session with id ${id}`);
    return row;
  }

  /** Whether the session still has a placeholder title. */
  wantsTitle(id: string): boolean {
    return this.sql.exec<{ auto_title: number }>(`SELECT auto_title FROM steward_session WHERE id = ?`, id).toArray()[0]?.auto_title === 1;
  }

  /** Sets an automatic title unless the owner has renamed the session meanwhile; true if it was set. */
  setAutoTitle(id: string, title: string): boolean {
    return this.sql.exec(`UPDATE steward_session SET title = ?, auto_title = 0 WHERE id = ? AND auto_title = 1`, title, id).rowsWritten > 0;
  }

  touch(id: string, preview: string): void {
    this.sql.exec(`UPDATE steward_session SET updated_at = ?, preview = ? WHERE id = ?`, Date.now(), preview.slice(0, 160), id);
  }

  /** A repaired preview: the chat keeps its place in the list (updated_at is unchanged). */
  setPreview(id: string, preview: string): void {
    this.sql.exec(`UPDATE steward_session SET preview = ? WHERE id = ? AND preview = ''`, preview.slice(0, 160), id);
  }

  /** Sessions whose preview was recorded empty (turns that ended without text, before previews read the whole chat). */
  withoutPreview(limit: number): string[] {
    return this.sql
      .exec<{ id: string }>(`SELECT id FROM steward_session WHERE preview = '' ORDER BY updated_at DESC LIMIT ?`, limit)
      .toArray()
      .map((r) => r.id);
  }

  remove(id: string): void {
    this.sql.exec(`DELETE FROM steward_session WHERE id = ?`, id);
  }

  get(id: string): SessionSummary | undefined {
    return this.rows(`SELECT * FROM steward_session WHERE id = ?`, id)[0];
  }

  list(existing: Set<string>): SessionSummary[] {
    return this.rows(`SELECT * FROM steward_session ORDER BY updated_at DESC`).filter((s) => existing.has(s.id));
  }

  private rows(query: string, ...bindings: SqlStorageValue[]): SessionSummary[] {
    return this.sql
      .exec<Record<string, SqlStorageValue>>(query, ...bindings)
      .toArray()
      .map((r) => ({
        id: String(r.id),
        title: String(r.title),
        channel: String(r.channel) as Channel,
        createdAt: Number(r.created_at),
        updatedAt: Number(r.updated_at),
        preview: String(r.preview)
      }));
  }
}
