import type { Migration } from "./migrate";

/**
 * The EmailDirectory's SQLite (one instance for the whole deployment).
 * Migration 1 may meet the tables already created before migrations existed,
 * hence IF NOT EXISTS (src/schema/assistant.ts explains).
 */
export const DIRECTORY_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "initial: address key and addresses",
    up(sql) {
      sql.exec(`CREATE TABLE IF NOT EXISTS address_key (id INTEGER PRIMARY KEY CHECK (id = 1), secret BLOB NOT NULL)`);
      sql.exec(`CREATE TABLE IF NOT EXISTS address (local TEXT PRIMARY KEY, user_id TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL)`);
    }
  },
  {
    version: 2,
    name: "the deployment's VAPID key pair for web push, when no VAPID vars are set",
    up(sql) {
      // src/push/keys.ts: generated on first use; the Worker-wide identity push services see.
      sql.exec(`CREATE TABLE vapid_key (id INTEGER PRIMARY KEY CHECK (id = 1), public_key TEXT NOT NULL, private_key TEXT NOT NULL)`);
    }
  }
];
