import type { Migration } from "./migrate";

/**
 * The Assistant's own SQLite (one per user): every table its stores read.
 * Migration 1 is the schema the stores used to create themselves; it runs on
 * databases those stores already wrote (tables present, no migrations table),
 * so it alone uses IF NOT EXISTS and adds the outbox column only if missing.
 * Later migrations are plain: they run exactly once, after 1.
 */
export const ASSISTANT_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "initial: sessions, settings, ladder, email, scheduled tasks",
    up(sql) {
      // src/assistant/sessions.ts, settings.ts
      sql.exec(`CREATE TABLE IF NOT EXISTS steward_session (
      id TEXT PRIMARY KEY,
      title TEXT NOT NULL,
      channel TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      preview TEXT NOT NULL DEFAULT ''
    )`);
      sql.exec(`CREATE TABLE IF NOT EXISTS steward_setting (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);

      // src/ladder: audit, policy, approvals, sites, jobs
      sql.exec(`CREATE TABLE IF NOT EXISTS steward_audit (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      at INTEGER NOT NULL,
      session TEXT NOT NULL,
      turn TEXT NOT NULL,
      tier INTEGER,
      tool TEXT NOT NULL,
      input_digest TEXT NOT NULL,
      outcome TEXT NOT NULL,
      duration_ms INTEGER NOT NULL,
      bytes_out INTEGER NOT NULL,
      approved INTEGER,
      detail TEXT NOT NULL DEFAULT ''
    )`);
      sql.exec(`CREATE TABLE IF NOT EXISTS steward_tier_permission (
      tier INTEGER PRIMARY KEY,
      permission TEXT NOT NULL
    )`);
      sql.exec(`CREATE TABLE IF NOT EXISTS steward_approvals (
      tool_call_id TEXT PRIMARY KEY,
      session TEXT NOT NULL,
      tool TEXT NOT NULL,
      digest TEXT NOT NULL,
      requested_at INTEGER NOT NULL
    )`);
      sql.exec(`CREATE TABLE IF NOT EXISTS steward_site_approval (site TEXT PRIMARY KEY, approved_at INTEGER NOT NULL)`);
      sql.exec(`CREATE TABLE IF NOT EXISTS steward_jobs (
      key TEXT PRIMARY KEY,
      base_key TEXT NOT NULL,
      kind TEXT NOT NULL,
      input TEXT NOT NULL,
      status TEXT NOT NULL,
      result TEXT,
      delivered INTEGER NOT NULL DEFAULT 0,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    )`);
      sql.exec(`CREATE INDEX IF NOT EXISTS steward_jobs_base ON steward_jobs (base_key, created_at)`);

      // src/channels/email: settings and ledger
      sql.exec(`CREATE TABLE IF NOT EXISTS steward_email_list (kind TEXT NOT NULL, entry TEXT NOT NULL, added_at INTEGER NOT NULL, PRIMARY KEY (kind, entry))`);
      sql.exec(`CREATE TABLE IF NOT EXISTS steward_email_option (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
      sql.exec(`CREATE TABLE IF NOT EXISTS steward_email_message (
      message_id TEXT PRIMARY KEY,
      session TEXT,
      direction TEXT NOT NULL,
      sender TEXT NOT NULL,
      subject TEXT NOT NULL,
      status TEXT NOT NULL,
      detail TEXT NOT NULL DEFAULT '',
      at INTEGER NOT NULL
    )`);
      sql.exec(`CREATE TABLE IF NOT EXISTS steward_email_held (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      message_id TEXT NOT NULL UNIQUE,
      sender TEXT NOT NULL,
      subject TEXT NOT NULL,
      raw BLOB NOT NULL,
      at INTEGER NOT NULL
    )`);
      // Email turns started but not yet answered, keyed by the turn's user message id.
      sql.exec(`CREATE TABLE IF NOT EXISTS steward_email_pending (
      turn_id TEXT PRIMARY KEY,
      message_id TEXT NOT NULL,
      session TEXT NOT NULL,
      job TEXT NOT NULL,
      at INTEGER NOT NULL
    )`);
      sql.exec(`CREATE TABLE IF NOT EXISTS steward_email_outbox (
      key TEXT PRIMARY KEY,
      recipient TEXT NOT NULL,
      subject TEXT NOT NULL,
      message_id TEXT NOT NULL,
      provider_id TEXT NOT NULL DEFAULT '',
      status TEXT NOT NULL,
      detail TEXT NOT NULL DEFAULT '',
      at INTEGER NOT NULL
    )`);
      // Outboxes created before provider ids were recorded lack the column.
      if (!columnsOf(sql, "steward_email_outbox").includes("provider_id")) {
        sql.exec(`ALTER TABLE steward_email_outbox ADD COLUMN provider_id TEXT NOT NULL DEFAULT ''`);
      }

      // src/schedules/store.ts
      sql.exec(`CREATE TABLE IF NOT EXISTS steward_task (
      id TEXT PRIMARY KEY, title TEXT NOT NULL, prompt TEXT NOT NULL, spec TEXT NOT NULL, zone TEXT NOT NULL,
      deliver TEXT NOT NULL, quiet INTEGER NOT NULL, status TEXT NOT NULL, session_id TEXT, anchor INTEGER NOT NULL,
      next_run_at INTEGER, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, created_by TEXT NOT NULL)`);
      sql.exec(`CREATE TABLE IF NOT EXISTS steward_task_run (
      id TEXT PRIMARY KEY, task_id TEXT NOT NULL, scheduled_for INTEGER NOT NULL, started_at INTEGER NOT NULL,
      attempt INTEGER NOT NULL, status TEXT NOT NULL, manual INTEGER NOT NULL, late_ms INTEGER NOT NULL,
      missed INTEGER NOT NULL, retry_at INTEGER, submission_id TEXT, result TEXT, error TEXT, finished_at INTEGER,
      delivered TEXT, watch_at INTEGER)`);
      sql.exec(`CREATE INDEX IF NOT EXISTS steward_task_run_task ON steward_task_run (task_id, scheduled_for)`);
      sql.exec(`CREATE TABLE IF NOT EXISTS steward_notification (
      id TEXT PRIMARY KEY, task_id TEXT NOT NULL, run_id TEXT NOT NULL, session_id TEXT, title TEXT NOT NULL,
      body TEXT NOT NULL, created_at INTEGER NOT NULL, read_at INTEGER)`);
    }
  },
  {
    version: 2,
    name: "email replies to non-owners wait for the owner's approval",
    up(sql) {
      // src/channels/email/reply-approval.ts: one row per parked reply (one per inbound message),
      // bound to the digest of exactly what would be sent.
      sql.exec(`CREATE TABLE steward_email_reply_approval (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      message_id TEXT NOT NULL UNIQUE,
      session TEXT NOT NULL,
      recipient TEXT NOT NULL,
      subject TEXT NOT NULL,
      text TEXT NOT NULL,
      digest TEXT NOT NULL,
      job TEXT NOT NULL,
      status TEXT NOT NULL,
      detail TEXT NOT NULL DEFAULT '',
      requested_at INTEGER NOT NULL,
      decided_at INTEGER
    )`);
    }
  },
  {
    version: 3,
    name: "per-user turn and model token limits",
    up(sql) {
      // src/limits/usage.ts: when each turn started (a sliding minute) and model tokens per UTC day.
      sql.exec(`CREATE TABLE steward_usage_turn (id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL)`);
      sql.exec(`CREATE INDEX steward_usage_turn_at ON steward_usage_turn (at)`);
      sql.exec(`CREATE TABLE steward_usage_tokens (day TEXT PRIMARY KEY, tokens INTEGER NOT NULL)`);
    }
  },
  {
    version: 4,
    name: "an approval keeps the reason the gate asked",
    up(sql) {
      // src/gate/approvals.ts: decide()'s own words (an email chat, a task, a tier set to ask), shown on the card.
      sql.exec(`ALTER TABLE steward_approvals ADD COLUMN reason TEXT NOT NULL DEFAULT ''`);
    }
  },
  {
    version: 5,
    name: "web push: subscriptions, the kinds the owner opted into, a once-only outbox",
    up(sql) {
      // src/push/outbox.ts: each browser the owner turned notifications on in (its endpoint and keys).
      sql.exec(`CREATE TABLE steward_push_subscription (
      endpoint TEXT PRIMARY KEY,
      p256dh TEXT NOT NULL,
      auth TEXT NOT NULL,
      created_at INTEGER NOT NULL
    )`);
      sql.exec(`CREATE TABLE steward_push_kind (kind TEXT PRIMARY KEY, enabled INTEGER NOT NULL)`);
      // One row per event (a task result, an approval, an answered email): sent once, whatever retries happen.
      sql.exec(`CREATE TABLE steward_push_outbox (
      event_id TEXT PRIMARY KEY,
      kind TEXT NOT NULL,
      title TEXT NOT NULL,
      body TEXT NOT NULL,
      url TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      sent_at INTEGER,
      detail TEXT NOT NULL DEFAULT ''
    )`);
    }
  }
];

function columnsOf(sql: SqlStorage, table: string): string[] {
  return sql
    .exec<{ name: string }>(`PRAGMA table_info(${table})`)
    .toArray()
    .map((c) => c.name);
}
