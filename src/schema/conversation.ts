import type { Migration } from "./migrate";

/**
 * A Conversation facet's own SQLite (Think keeps its messages there too).
 * Migration 1 may meet a session whose channel row was written before
 * migrations existed, hence IF NOT EXISTS (src/schema/assistant.ts explains).
 */
export const CONVERSATION_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "initial: the session's channel",
    up(sql) {
      // One row: the channel the session belongs to (src/channels/email/conversation-turn.ts).
      sql.exec(`CREATE TABLE IF NOT EXISTS steward_channel (id INTEGER PRIMARY KEY CHECK (id = 1), channel TEXT NOT NULL)`);
    }
  }
];
