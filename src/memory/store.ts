import { isWholeNumber } from "../util/whole-number";
import type { MemoryEntry } from "../shared/memory";
import { MEMORY_LIMITS } from "../shared/memory";

export type { MemoryEntry } from "../shared/memory";

/**
 * What the agent keeps about its owner across sessions ("prefers metric
 * units", "manager is Ana"): rows in the user's Assistant, read into every
 * session's prompt (src/memory/context.ts). Small on purpose: every entry is
 * in every prompt, so the limits below bound what memory costs each turn.
 */
export class MemoryStore {
  constructor(private readonly sql: SqlStorage) {}

  list(): MemoryEntry[] {
    return this.sql
      .exec<{ id: number; text: string; source: string; created_at: number; updated_at: number }>(
        `SELECT id, text, source, created_at, updated_at FROM steward_memory ORDER BY id`
      )
      .toArray()
      .map((r) => ({ id: r.id, text: r.text, source: r.source, createdAt: r.created_at, updatedAt: r.updated_at }));
  }

  /** `source`: "owner" (the web app's settings) or the session id the model wrote it from. */
  add(text: unknown, source: string): MemoryEntry {
    const clean = validText(text);
    const entries = this.list();
    if (entries.length >= MEMORY_LIMITS.entries) {
      throw new Error(`memory is full: ${MEMORY_LIMITS.entries} entries at most; forget or merge one first`);
    }
    const duplicate = entries.find((e) => e.text.toLowerCase() === clean.toLowerCase());
    if (duplicate) return duplicate;
    checkTotal(entries, clean.length);
    const now = Date.now();
    const row = this.sql
      .exec<{ id: number }>(`INSERT INTO steward_memory (text, source, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id`, clean, source, now, now)
      .one();
    return { id: row.id, text: clean, source, createdAt: now, updatedAt: now };
  }

  update(id: unknown, text: unknown): MemoryEntry {
    const entry = this.require(id);
    const clean = validText(text);
    checkTotal(
      this.list().filter((e) => e.id !== entry.id),
      clean.length
    );
    const now = Date.now();
    this.sql.exec(`UPDATE steward_memory SET text = ?, updated_at = ? WHERE id = ?`, clean, now, entry.id);
    return { ...entry, text: clean, updatedAt: now };
  }

  remove(id: unknown): MemoryEntry {
    const entry = this.require(id);
    this.sql.exec(`DELETE FROM steward_memory WHERE id = ?`, entry.id);
    return entry;
  }

  /** The block every session's prompt carries; "" with nothing remembered. */
  promptText(): string {
    return this.list()
      .map((e) => `- [${e.id}] ${e.text}`)
      .join("\n");
  }

  private require(id: unknown): MemoryEntry {
    if (!isWholeNumber(id, 1, Number.MAX_SAFE_INTEGER)) throw new Error("memory id must be a whole number (see the [n] before each entry)");
    const entry = this.list().find((e) => e.id === id);
    if (!entry) throw new Error(`no memory entry with id ${id}`);
    return entry;
  }
}

function validText(text: unknown): string {
  if (typeof text !== "string") throw new Error("memory text must be a string");
  // One line per entry: the prompt lists them one per line.
  const clean = text.replace(/\s+/g, " ").trim();
  if (!clean) throw new Error("memory text must not be empty");
  if (clean.length > MEMORY_LIMITS.entryChars) {
    throw new Error(`memory entry too long: ${clean.length} characters (limit ${MEMORY_LIMITS.entryChars}); keep one short fact per entry`);
  }
  return clean;
}

function checkTotal(others: MemoryEntry[], adding: number): void {
  const total = others.reduce((sum, e) => sum + e.text.length, 0) + adding;
  if (total > MEMORY_LIMITS.totalChars) {
    throw new Error(`memory is full: ${total} characters would exceed the limit of ${MEMORY_LIMITS.totalChars}; forget or shorten entries first`);
  }
}
