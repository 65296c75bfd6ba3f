/**
 * Memory and history search as the web app sees them (Settings → Memory, the
 * search box). Pure types and limits: the server's stores are in src/memory.
 */

export interface MemoryEntry {
  id: number;
  text: string;
  /** "owner" when written in Settings; otherwise the session the model wrote it from. */
  source: string;
  createdAt: number;
  updatedAt: number;
}

/** Every entry rides in every prompt, so memory stays small. */
export const MEMORY_LIMITS = { entries: 100, entryChars: 300, totalChars: 6_000 } as const;

export interface HistoryHit {
  session: string;
  /** The session's title now (or "(deleted)" never: deleted sessions leave the index). */
  title: string;
  channel: string;
  messageId: string;
  role: string;
  at: number;
  /** The matching text with the hits between « and ». */
  snippet: string;
}

/** The Conversation's branch view: one row per user message on the active path that has other versions. */
export interface BranchPoint {
  /** The user message on the active path. */
  messageId: string;
  /** The versions of this message in order, the active one included (their ids). */
  versions: string[];
  /** Position of the active one in `versions`. */
  active: number;
}

/** A compaction summary the model sees in place of older messages, with what it stands for. */
export interface CompactedSpan {
  /** The id of the summary message in the chat (`compaction_…`). */
  overlayId: string;
  summary: string;
  messages: unknown[];
}
