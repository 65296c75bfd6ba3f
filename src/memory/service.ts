import { errorText } from "../shared/error-text";
import type { HistoryHit, MemoryEntry } from "../shared/memory";
import type { ToolResult } from "../shared/tool-result";
import { wholeNumber } from "../util/whole-number";
import { HistoryIndex } from "./history-index";
import type { IndexedMessage } from "./history-index";
import { MemoryStore } from "./store";

/** What the Assistant lends the memory service: its SQLite and its session list. */
export interface MemoryHost {
  sql: SqlStorage;
  /** Title and channel of an existing session; undefined for one that is gone. */
  sessionInfo(id: string): { title: string; channel: string } | undefined;
}

export const MAX_SEARCH_RESULTS = 50;

/**
 * The Assistant's side of src/memory: the owner's memory (Settings and the
 * remember/forget tools) and the search index over every session. The
 * Assistant's "Memory" section only forwards to this.
 */
export class MemoryService {
  readonly store: MemoryStore;
  readonly index: HistoryIndex;

  constructor(private readonly host: MemoryHost) {
    this.store = new MemoryStore(host.sql);
    this.index = new HistoryIndex(host.sql);
  }

  /** Best matches first, only in sessions that still exist (the index drops a session when it is deleted). */
  search(query: unknown, limit: unknown = 20): HistoryHit[] {
    if (typeof query !== "string") throw new Error("query must be a string");
    if (query.length > 500) throw new Error("query must be at most 500 characters");
    const max = wholeNumber(limit, "limit", MAX_SEARCH_RESULTS);
    // Ask for more than shown: a hit in a session deleted mid-way is skipped, not counted.
    return this.index
      .search(query, max * 2)
      .flatMap((hit) => {
        const info = this.host.sessionInfo(hit.session);
        return info ? [{ ...hit, title: info.title, channel: info.channel }] : [];
      })
      .slice(0, max);
  }

  indexTurn(session: string, messages: readonly IndexedMessage[]): void {
    this.index.add(session, messages);
  }

  // The tools' side: failures come back as { error } (a throw across RPC is logged as uncaught).

  remember(text: string, session: string): ToolResult<MemoryEntry> {
    return attempt(() => this.store.add(text, session));
  }

  forget(id: number): ToolResult<MemoryEntry> {
    return attempt(() => this.store.remove(id));
  }

  searchForTool(query: string, limit: number): ToolResult<HistoryHit[]> {
    return attempt(() => this.search(query, limit));
  }
}

function attempt<T>(fn: () => T): ToolResult<T> {
  try {
    return fn();
  } catch (error) {
    return { error: errorText(error) };
  }
}
