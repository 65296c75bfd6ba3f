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
  },
  {
    version: 2,
    name: "voice calls: timings and outcome of each spoken turn",
    up(sql) {
      // src/voice/store.ts; times in ms from the end of the caller's speech, NULL when never reached.
      sql.exec(
        `CREATE TABLE steward_call_turns (id INTEGER PRIMARY KEY AUTOINCREMENT, turn TEXT NOT NULL, at INTEGER NOT NULL,
          first_text_ms INTEGER, first_audio_ms INTEGER, total_ms INTEGER NOT NULL, outcome TEXT NOT NULL)`
      );
    }
  }
];
