import type { Migration } from "./migrate";

/** The PhoneDirectory's SQLite (one instance): owners' phone numbers and the one-time media-stream tokens. */
export const PHONE_DIRECTORY_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "initial: phone numbers and stream tokens",
    up(sql) {
      // E.164 numbers an owner added in Settings; a number belongs to one user at most.
      sql.exec(`CREATE TABLE phone_number (number TEXT PRIMARY KEY, user_id TEXT NOT NULL, added_at INTEGER NOT NULL)`);
      sql.exec(`CREATE INDEX phone_number_user ON phone_number (user_id)`);
      // One per answered call: binds the media stream to the webhook that answered it; used once.
      sql.exec(`CREATE TABLE phone_token (token TEXT PRIMARY KEY, user_id TEXT NOT NULL, session TEXT NOT NULL, expires_at INTEGER NOT NULL, used_at INTEGER)`);
    }
  }
];
