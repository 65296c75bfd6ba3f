/**
 * A frozen copy of what main (before src/schema existed) wrote: each store's
 * own CREATE TABLE, run in its constructor, and rows shaped as its code
 * inserted them. Never update this file to follow the migrations: it is the
 * past that the upgrade test must keep opening.
 */

/** The Assistant's tables. `outboxProviderId: false` is main before the outbox recorded provider ids. */
export function mainAssistantDdl(options: { outboxProviderId: boolean }): string[] {
  return [
    // src/assistant/sessions.ts
    `CREATE TABLE IF NOT EXISTS steward_session (
      id TEXT PRIMARY KEY,
      title TEXT NOT NULL,
      channel TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      preview TEXT NOT NULL DEFAULT ''
    )`,
    // src/assistant/settings.ts
    `CREATE TABLE IF NOT EXISTS steward_setting (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
    // src/ladder/audit.ts
    `CREATE TABLE IF NOT EXISTS steward_audit (
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
    )`,
    // src/ladder/policy.ts
    `CREATE TABLE IF NOT EXISTS steward_tier_permission (
      tier INTEGER PRIMARY KEY,
      permission TEXT NOT NULL
    )`,
    // src/ladder/approvals.ts
    `CREATE TABLE IF NOT EXISTS steward_approvals (
      tool_call_id TEXT PRIMARY KEY,
      session TEXT NOT NULL,
      tool TEXT NOT NULL,
      digest TEXT NOT NULL,
      requested_at INTEGER NOT NULL
    )`,
    // src/ladder/sites.ts
    `CREATE TABLE IF NOT EXISTS steward_site_approval (site TEXT PRIMARY KEY, approved_at INTEGER NOT NULL)`,
    // src/ladder/jobs.ts
    `CREATE TABLE IF NOT EXISTS steward_jobs (
      key TEXT PRIMARY KEY,
      base_key TEXT NOT NULL,
      kind TEXT NOT NULL,
      input TEXT NOT NULL,
      status TEXT NOT NULL,
      result TEXT,
      delivered INTEGER NOT NULL DEFAULT 0,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    )`,
    `CREATE INDEX IF NOT EXISTS steward_jobs_base ON steward_jobs (base_key, created_at)`,
    // src/channels/email/settings.ts
    `CREATE TABLE IF NOT EXISTS steward_email_list (kind TEXT NOT NULL, entry TEXT NOT NULL, added_at INTEGER NOT NULL, PRIMARY KEY (kind, entry))`,
    `CREATE TABLE IF NOT EXISTS steward_email_option (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
    // src/channels/email/ledger.ts
    `CREATE TABLE IF NOT EXISTS steward_email_message (
      message_id TEXT PRIMARY KEY,
      session TEXT,
      direction TEXT NOT NULL,
      sender TEXT NOT NULL,
      subject TEXT NOT NULL,
      status TEXT NOT NULL,
      detail TEXT NOT NULL DEFAULT '',
      at INTEGER NOT NULL
    )`,
    `CREATE TABLE IF NOT EXISTS steward_email_held (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      message_id TEXT NOT NULL UNIQUE,
      sender TEXT NOT NULL,
      subject TEXT NOT NULL,
      raw BLOB NOT NULL,
      at INTEGER NOT NULL
    )`,
    `CREATE TABLE IF NOT EXISTS steward_email_pending (
      turn_id TEXT PRIMARY KEY,
      message_id TEXT NOT NULL,
      session TEXT NOT NULL,
      job TEXT NOT NULL,
      at INTEGER NOT NULL
    )`,
    options.outboxProviderId
      ? `CREATE TABLE IF NOT EXISTS steward_email_outbox (
      key TEXT PRIMARY KEY,
      recipient TEXT NOT NULL,
      subject TEXT NOT NULL,
      message_id TEXT NOT NULL,
      provider_id TEXT NOT NULL DEFAULT '',
      status TEXT NOT NULL,
      detail TEXT NOT NULL DEFAULT '',
      at INTEGER NOT NULL
    )`
      : `CREATE TABLE IF NOT EXISTS steward_email_outbox (
      key TEXT PRIMARY KEY,
      recipient TEXT NOT NULL,
      subject TEXT NOT NULL,
      message_id TEXT NOT NULL,
      status TEXT NOT NULL,
      detail TEXT NOT NULL DEFAULT '',
      at INTEGER NOT NULL
    )`,
    // src/schedules/store.ts
    `CREATE TABLE IF NOT EXISTS steward_task (
      id TEXT PRIMARY KEY, title TEXT NOT NULL, prompt TEXT NOT NULL, spec TEXT NOT NULL, zone TEXT NOT NULL,
      deliver TEXT NOT NULL, quiet INTEGER NOT NULL, status TEXT NOT NULL, session_id TEXT, anchor INTEGER NOT NULL,
      next_run_at INTEGER, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, created_by TEXT NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS steward_task_run (
      id TEXT PRIMARY KEY, task_id TEXT NOT NULL, scheduled_for INTEGER NOT NULL, started_at INTEGER NOT NULL,
      attempt INTEGER NOT NULL, status TEXT NOT NULL, manual INTEGER NOT NULL, late_ms INTEGER NOT NULL,
      missed INTEGER NOT NULL, retry_at INTEGER, submission_id TEXT, result TEXT, error TEXT, finished_at INTEGER,
      delivered TEXT, watch_at INTEGER)`,
    `CREATE INDEX IF NOT EXISTS steward_task_run_task ON steward_task_run (task_id, scheduled_for)`,
    `CREATE TABLE IF NOT EXISTS steward_notification (
      id TEXT PRIMARY KEY, task_id TEXT NOT NULL, run_id TEXT NOT NULL, session_id TEXT, title TEXT NOT NULL,
      body TEXT NOT NULL, created_at INTEGER NOT NULL, read_at INTEGER)`
  ];
}

export const T0 = 1_760_000_000_000;
export const HELD_RAW = new TextEncoder().encode("From: stranger@example.com\r\nSubject: hello\r\n\r\nHi.\r\n");

/** One or more representative rows per table, as main's stores wrote them. */
export function insertMainAssistantRows(sql: SqlStorage, options: { outboxProviderId: boolean }): void {
  sql.exec(
    `INSERT INTO steward_session (id, title, channel, created_at, updated_at, preview) VALUES (?, ?, ?, ?, ?, ?)`,
    "s-web",
    "Trip planning",
    "web",
    T0,
    T0 + 5,
    "Book the train"
  );
  sql.exec(`INSERT INTO steward_session (id, title, channel, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`, "s-mail", "Re: invoice", "email", T0 + 1, T0 + 1);
  sql.exec(`INSERT INTO steward_setting (key, value) VALUES ('timeZone', 'Europe/Lisbon')`);

  sql.exec(
    `INSERT INTO steward_audit (at, session, turn, tier, tool, input_digest, outcome, duration_ms, bytes_out, approved, detail)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    T0,
    "s-web",
    "turn-1",
    1,
    "run_code",
    "d1",
    "ok",
    12,
    34,
    null,
    "printed 2"
  );
  sql.exec(
    `INSERT INTO steward_audit (at, session, turn, tier, tool, input_digest, outcome, duration_ms, bytes_out, approved)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    T0 + 1,
    "s-web",
    "turn-2",
    4,
    "run_shell",
    "d2",
    "error",
    900,
    0,
    1
  );
  sql.exec(`INSERT INTO steward_tier_permission (tier, permission) VALUES (1, 'ask'), (4, 'deny')`);
  sql.exec(
    `INSERT INTO steward_approvals (tool_call_id, session, tool, digest, requested_at) VALUES (?, ?, ?, ?, ?)`,
    "call-1",
    "s-web",
    "browser",
    "digest-1",
    T0
  );
  sql.exec(`INSERT INTO steward_site_approval (site, approved_at) VALUES ('https://example.com', ?)`, T0);
  sql.exec(
    `INSERT INTO steward_jobs (key, base_key, kind, input, status, result, delivered, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    "job-a",
    "job-a",
    "shell",
    `{"command":"ls"}`,
    "done",
    `{"exitCode":0}`,
    1,
    T0,
    T0 + 2
  );
  sql.exec(
    `INSERT INTO steward_jobs (key, base_key, kind, input, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    "job-b",
    "job-b",
    "shell",
    `{"command":"sleep 9"}`,
    "running",
    T0 + 3,
    T0 + 3
  );

  sql.exec(
    `INSERT INTO steward_email_list (kind, entry, added_at) VALUES ('owner', 'me@example.com', ?), ('sender', '@example.org', ?), ('recipient', 'bob@example.net', ?)`,
    T0,
    T0,
    T0
  );
  sql.exec(`INSERT INTO steward_email_option (key, value) VALUES ('unknownSenders', 'hold'), ('sendLimitPerHour', '7')`);
  sql.exec(
    `INSERT INTO steward_email_message (message_id, session, direction, sender, subject, status, detail, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    "<in-1@example.com>",
    "s-mail",
    "in",
    "me@example.com",
    "invoice",
    "replied",
    "",
    T0
  );
  sql.exec(
    `INSERT INTO steward_email_message (message_id, session, direction, sender, subject, status, at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    "<out-1@agents.steward.test>",
    "s-mail",
    "out",
    "me@example.com",
    "Re: invoice",
    "accepted",
    T0 + 1
  );
  sql.exec(
    `INSERT INTO steward_email_held (message_id, sender, subject, raw, at) VALUES (?, ?, ?, ?, ?)`,
    "<held-1@example.com>",
    "stranger@example.com",
    "hello",
    HELD_RAW,
    T0 + 2
  );
  sql.exec(
    `INSERT INTO steward_email_pending (turn_id, message_id, session, job, at) VALUES (?, ?, ?, ?, ?)`,
    "email-turn-1",
    "<in-1@example.com>",
    "s-mail",
    `{"to":"me@example.com"}`,
    T0 + 3
  );
  if (options.outboxProviderId) {
    sql.exec(
      `INSERT INTO steward_email_outbox (key, recipient, subject, message_id, provider_id, status, detail, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      "reply:<in-1@example.com>",
      "me@example.com",
      "Re: invoice",
      "<out-1@agents.steward.test>",
      "provider-1",
      "sent",
      "",
      T0 + 4
    );
  } else {
    sql.exec(
      `INSERT INTO steward_email_outbox (key, recipient, subject, message_id, status, detail, at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      "reply:<in-1@example.com>",
      "me@example.com",
      "Re: invoice",
      "<out-1@agents.steward.test>",
      "sent",
      "",
      T0 + 4
    );
  }

  sql.exec(
    `INSERT INTO steward_task (id, title, prompt, spec, zone, deliver, quiet, status, session_id, anchor, next_run_at, created_at, updated_at, created_by)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    "task-1",
    "Morning brief",
    "Summarise my inbox",
    `{"kind":"daily","time":"08:00"}`,
    "Europe/Lisbon",
    "web",
    0,
    "active",
    "s-web",
    T0,
    T0 + 86_400_000,
    T0,
    T0,
    "web"
  );
  sql.exec(
    `INSERT INTO steward_task_run (id, task_id, scheduled_for, started_at, attempt, status, manual, late_ms, missed, retry_at, submission_id, result, error, finished_at, delivered, watch_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    "run-1",
    "task-1",
    T0,
    T0 + 10,
    1,
    "done",
    0,
    10,
    0,
    null,
    "sub-1",
    "All quiet.",
    null,
    T0 + 20,
    "web",
    null
  );
  sql.exec(
    `INSERT INTO steward_notification (id, task_id, run_id, session_id, title, body, created_at, read_at) VALUES (?, ?, ?, ?, ?, ?, ?, NULL)`,
    "note-1",
    "task-1",
    "run-1",
    "s-web",
    "Morning brief",
    "All quiet.",
    T0 + 20
  );
}

/** src/channels/email/conversation-turn.ts: created on first read or write of a session's channel. */
export const MAIN_CONVERSATION_DDL = [`CREATE TABLE IF NOT EXISTS steward_channel (id INTEGER PRIMARY KEY CHECK (id = 1), channel TEXT NOT NULL)`];

/** src/channels/email/directory.ts: created in the EmailDirectory's constructor. */
export const MAIN_DIRECTORY_DDL = [
  `CREATE TABLE IF NOT EXISTS address_key (id INTEGER PRIMARY KEY CHECK (id = 1), secret BLOB NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS address (local TEXT PRIMARY KEY, user_id TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL)`
];
