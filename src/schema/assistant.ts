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
      // src/limits/usage.ts: when each turn started (a sliding minute); tokens come from steward_usage (migration 7).
      sql.exec(`CREATE TABLE steward_usage_turn (id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL)`);
      sql.exec(`CREATE INDEX steward_usage_turn_at ON steward_usage_turn (at)`);
    }
  },
  {
    version: 4,
    name: "tool-call journal: one committed result per call, undo images of uncommitted runs",
    up(sql) {
      // src/ladder/journal.ts: a row per journaled execution; `key` is the call's idempotency key.
      sql.exec(`CREATE TABLE steward_journal (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      key TEXT NOT NULL,
      session TEXT NOT NULL,
      turn TEXT NOT NULL,
      tool_call_id TEXT NOT NULL,
      tool TEXT NOT NULL,
      input_digest TEXT NOT NULL,
      status TEXT NOT NULL,
      result TEXT,
      audited INTEGER NOT NULL DEFAULT 0,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    )`);
      sql.exec(`CREATE INDEX steward_journal_key ON steward_journal (key, id)`);
      sql.exec(`CREATE INDEX steward_journal_call ON steward_journal (session, tool_call_id)`);
      // What each path looked like before a running execution first touched it (deleted at commit).
      sql.exec(`CREATE TABLE steward_journal_undo (
      journal_id INTEGER NOT NULL,
      path TEXT NOT NULL,
      part INTEGER NOT NULL DEFAULT 0,
      kind TEXT NOT NULL,
      mode INTEGER NOT NULL DEFAULT 0,
      target TEXT NOT NULL DEFAULT '',
      content BLOB,
      PRIMARY KEY (journal_id, path, part)
    )`);
    }
  },
  {
    version: 5,
    name: "memory: owner facts, the history search index, automatic titles",
    up(sql) {
      // src/memory/store.ts: what the agent keeps about its owner, shared by every session.
      sql.exec(`CREATE TABLE steward_memory (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      text TEXT NOT NULL,
      source TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    )`);
      // src/memory/history-index.ts: one row per message of every session; the FTS5 table
      // indexes its text (external content, kept in step by the triggers below).
      sql.exec(`CREATE TABLE steward_history (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      session TEXT NOT NULL,
      message_id TEXT NOT NULL,
      role TEXT NOT NULL,
      at INTEGER NOT NULL,
      text TEXT NOT NULL,
      UNIQUE (session, message_id)
    )`);
      sql.exec(`CREATE VIRTUAL TABLE steward_history_fts USING fts5(
      text, content='steward_history', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
    )`);
      sql.exec(`CREATE TRIGGER steward_history_ai AFTER INSERT ON steward_history BEGIN
      INSERT INTO steward_history_fts (rowid, text) VALUES (new.id, new.text);
    END`);
      sql.exec(`CREATE TRIGGER steward_history_ad AFTER DELETE ON steward_history BEGIN
      INSERT INTO steward_history_fts (steward_history_fts, rowid, text) VALUES ('delete', old.id, old.text);
    END`);
      sql.exec(`CREATE TRIGGER steward_history_au AFTER UPDATE OF text ON steward_history BEGIN
      INSERT INTO steward_history_fts (steward_history_fts, rowid, text) VALUES ('delete', old.id, old.text);
      INSERT INTO steward_history_fts (rowid, text) VALUES (new.id, new.text);
    END`);
      // src/assistant/sessions.ts: 1 while the title is a placeholder the first exchange may
      // replace; a rename sets 0. Existing sessions keep the title they have.
      sql.exec(`ALTER TABLE steward_session ADD COLUMN auto_title INTEGER NOT NULL DEFAULT 0`);
    }
  },
  {
    version: 6,
    name: "task API: tasks and their progress events",
    up(sql) {
      // src/api/store.ts. idempotency_key is UNIQUE so the same key can never make a second task.
      sql.exec(`CREATE TABLE steward_api_task (
      id TEXT PRIMARY KEY,
      session TEXT NOT NULL,
      idempotency_key TEXT UNIQUE,
      request_digest TEXT NOT NULL,
      prompt TEXT NOT NULL,
      status TEXT NOT NULL,
      submission_id TEXT,
      answer TEXT,
      error TEXT,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      finished_at INTEGER
    )`);
      sql.exec(`CREATE INDEX steward_api_task_status ON steward_api_task (status, created_at)`);
      // Server-Sent Events per task; seq is the SSE id (Last-Event-ID resumes after it).
      sql.exec(`CREATE TABLE steward_api_event (
      task_id TEXT NOT NULL,
      seq INTEGER NOT NULL,
      type TEXT NOT NULL,
      data TEXT NOT NULL,
      at INTEGER NOT NULL,
      PRIMARY KEY (task_id, seq)
    )`);
    }
  },
  {
    version: 7,
    name: "model usage per turn and recent model failures",
    up(sql) {
      // src/model/usage.ts: one row per turn and answering model (a turn's steps add up).
      sql.exec(`CREATE TABLE steward_usage (
      turn TEXT NOT NULL,
      model TEXT NOT NULL,
      day TEXT NOT NULL,
      session TEXT NOT NULL,
      channel TEXT NOT NULL,
      input_tokens INTEGER NOT NULL,
      output_tokens INTEGER NOT NULL,
      steps INTEGER NOT NULL,
      fallback_from TEXT NOT NULL DEFAULT '',
      at INTEGER NOT NULL,
      PRIMARY KEY (turn, model)
    )`);
      sql.exec(`CREATE INDEX steward_usage_day ON steward_usage (day)`);
      // Models that failed before any output (kept short: the health view shows the recent ones).
      sql.exec(`CREATE TABLE steward_model_failure (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      at INTEGER NOT NULL,
      model TEXT NOT NULL,
      error TEXT NOT NULL
    )`);
    }
  },
  {
    version: 8,
    name: "the owner's decisions about extensions",
    up(sql) {
      // src/extensions/registry.ts: one row per extension the owner enabled or turned off; a written
      // extension runs only while its files' digest equals the enabled one.
      sql.exec(`CREATE TABLE steward_extension_decision (
      name TEXT PRIMARY KEY,
      source TEXT NOT NULL,
      digest TEXT NOT NULL,
      enabled INTEGER NOT NULL,
      decided_at INTEGER NOT NULL
    )`);
    }
  },
  {
    version: 9,
    name: "an approval keeps the reason the gate asked",
    up(sql) {
      // src/gate/approvals.ts: decide()'s own words (an email chat, a task, a tier set to ask), shown on the card.
      sql.exec(`ALTER TABLE steward_approvals ADD COLUMN reason TEXT NOT NULL DEFAULT ''`);
    }
  },
  {
    version: 10,
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
