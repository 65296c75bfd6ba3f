import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Assistant } from "../../src/assistant/assistant";
import { SessionCatalog } from "../../src/assistant/sessions";
import { SettingsStore } from "../../src/assistant/settings";
import { AuditLog } from "../../src/ladder/audit";
import { JobLedger } from "../../src/ladder/jobs";
import { EmailLedger } from "../../src/channels/email/ledger";
import { EmailSettingsStore } from "../../src/channels/email/settings";
import { readChannel } from "../../src/channels/email/conversation-turn";
import { TaskStore } from "../../src/schedules/store";
import { ReplyApprovals } from "../../src/channels/email/reply-approval";
import { UsageMeter } from "../../src/limits/usage";
import { UsageStore } from "../../src/model/usage";
import { MemoryStore } from "../../src/memory/store";
import { HistoryIndex } from "../../src/memory/history-index";
import { ApprovalLedger } from "../../src/gate/approvals";
import { migrateAssistant, migrateConversation, migrateDirectory } from "../../src/schema";
import { MIGRATIONS_TABLE, appliedMigrations } from "../../src/schema/migrate";
import { ASSISTANT_MIGRATIONS } from "../../src/schema/assistant";
import { ExtensionRegistry } from "../../src/extensions/registry";
import { bundledExtensions } from "../../src/extensions/bundled";
import { assistantFor } from "../helpers/agent";
import { HELD_RAW, MAIN_CONVERSATION_DDL, MAIN_DIRECTORY_DDL, T0, insertMainAssistantRows, mainAssistantDdl } from "./main-schema";
import { tableNames, withEmptyStorage } from "./scratch";

type Snapshot = Record<string, Record<string, unknown>[]>;
type Shape = Record<string, { columns: string[]; indexes: string[] }>;

async function inFreshAssistant<T>(fn: (storage: DurableObjectStorage) => T): Promise<T> {
  const stub = await assistantFor(`schema-upgrade-${crypto.randomUUID()}`);
  return runInDurableObject(stub as unknown as DurableObjectStub<Assistant>, (_instance, state) => fn(state.storage));
}

/**
 * Turns a fresh Assistant's database into one main left behind: none of our
 * tables (its constructor has just migrated them), no record of migrations,
 * then main's own DDL and rows. Synchronous, so nothing of the agent's can
 * run in between.
 */
function writeMainDatabase(sql: SqlStorage, options: { outboxProviderId: boolean }): void {
  // IF EXISTS: dropping the FTS5 index drops its shadow tables (listed after it) with it.
  for (const table of tableNames(sql, "steward\\_%")) sql.exec(`DROP TABLE IF EXISTS ${table}`);
  expect(tableNames(sql, "steward\\_%")).toEqual([]);
  for (const ddl of mainAssistantDdl(options)) sql.exec(ddl);
  insertMainAssistantRows(sql, options);
}

/** Tables main never had (migration 2 creates them empty; its checks are below). */
const SINCE_MAIN = /^steward_(memory|history)/;

/** Every row of every steward table main had, BLOBs as byte arrays so they compare by content. */
function snapshot(sql: SqlStorage): Snapshot {
  const out: Snapshot = {};
  for (const table of tableNames(sql, "steward\\_%")) {
    if (table === MIGRATIONS_TABLE || SINCE_MAIN.test(table)) continue;
    out[table] = sql
      .exec<Record<string, SqlStorageValue>>(`SELECT * FROM ${table} ORDER BY rowid`)
      .toArray()
      .map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v instanceof ArrayBuffer ? [...new Uint8Array(v)] : v])));
  }
  return out;
}

/** Columns (by name: ALTER TABLE appends, so positions may differ) and indexes of each steward table. */
function shape(sql: SqlStorage): Shape {
  const out: Shape = {};
  for (const table of tableNames(sql, "steward\\_%")) {
    if (table === MIGRATIONS_TABLE) continue;
    const columns = sql
      .exec<{ name: string; type: string; notnull: number; dflt_value: string | null; pk: number }>(`PRAGMA table_info(${table})`)
      .toArray()
      .map((c) => `${c.name} ${c.type} notnull=${c.notnull} default=${String(c.dflt_value)} pk=${c.pk}`)
      .sort();
    const indexes = sql
      .exec<{ name: string; sql: string | null }>(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? ORDER BY name`, table)
      .toArray()
      .map((i) => `${i.name}: ${i.sql ?? "(automatic)"}`);
    out[table] = { columns, indexes };
  }
  return out;
}

describe("upgrading a database written by main (before src/schema)", () => {
  for (const outboxProviderId of [false, true]) {
    const era = outboxProviderId ? "main" : "main before outbox provider ids";
    it(`opens an Assistant database from ${era} with every row intact`, async () => {
      const fresh = await inFreshAssistant((storage) => shape(storage.sql));
      // 16 tables from main, + reply approvals (migration 2), + turn counts (migration 3), + the tool-call
      // journal and its undo images (migration 4), + memory: steward_memory, steward_history, its FTS5 index
      // and the index's 4 shadow tables (migration 5), + API tasks and events (6), + model usage and failures (7),
      // + the owner's extension decisions (8), + push subscriptions, kinds and outbox (10).
      expect(Object.keys(fresh)).toHaveLength(35);

      await inFreshAssistant(async (storage) => {
        const { sql } = storage;
        writeMainDatabase(sql, { outboxProviderId });
        const before = snapshot(sql);
        expect(Object.values(before).every((rows) => rows.length > 0)).toBe(true);

        expect(migrateAssistant(storage)).toEqual(ASSISTANT_MIGRATIONS.map((m) => m.version));
        expect(appliedMigrations(storage).map((m) => [m.version, m.name])).toEqual(ASSISTANT_MIGRATIONS.map((m) => [m.version, m.name]));

        // Same rows; the old outbox gains provider_id with its default; the new tables start empty.
        const after = snapshot(sql);
        const expected: Snapshot = {
          ...structuredClone(before),
          steward_email_reply_approval: [],
          steward_usage_turn: [],
          steward_extension_decision: [],
          steward_push_kind: [],
          steward_push_outbox: [],
          steward_push_subscription: []
        };
        if (!outboxProviderId) for (const row of expected.steward_email_outbox ?? []) row.provider_id = "";
        // Migration 2 adds the tool-call journal's tables, empty.
        expected.steward_journal = [];
        expected.steward_journal_undo = [];
        // Migration 2: main's sessions keep their titles (0: not a placeholder an automatic title replaces).
        for (const row of expected.steward_session ?? []) row.auto_title = 0;
        // Migrations 6 (task API) and 7 (model usage) only add tables: they start empty.
        for (const table of ["steward_api_task", "steward_api_event", "steward_usage", "steward_model_failure"]) expected[table] = [];
        // Migration 9: an approval asked before reasons were kept has none ("").
        for (const row of expected.steward_approvals ?? []) row.reason = "";
        expect(after).toEqual(expected);
        // Same tables, columns and indexes as a database that never knew main.
        expect(shape(sql)).toEqual(fresh);

        // What the stores read back.
        const sessions = new SessionCatalog(sql);
        expect(sessions.get("s-web")).toEqual({
          id: "s-web",
          title: "Trip planning",
          channel: "web",
          createdAt: T0,
          updatedAt: T0 + 5,
          preview: "Book the train"
        });
        expect(sessions.list(new Set(["s-web", "s-mail"])).map((s) => s.id)).toEqual(["s-web", "s-mail"]);
        expect(new SettingsStore(sql).all()).toEqual({ timeZone: "Europe/Lisbon" });
        expect(new AuditLog(sql, "u").recent(10).map((r) => [r.tool, r.tier, r.outcome, r.approved])).toEqual([
          ["run_shell", 4, "error", true],
          ["run_code", 1, "ok", null]
        ]);
        expect(new JobLedger(sql).get("job-b")).toMatchObject({ status: "running", input: `{"command":"sleep 9"}` });
        expect(new EmailSettingsStore(sql).all("agent@agents.steward.test")).toEqual({
          address: "agent@agents.steward.test",
          ownerAddresses: ["me@example.com"],
          allowedSenders: ["@example.org"],
          unknownSenders: "hold",
          allowedRecipients: ["bob@example.net"],
          sendLimitPerHour: 7
        });
        const ledger = new EmailLedger(sql);
        expect(ledger.seen("<in-1@example.com>")).toBe(true);
        expect(ledger.threadSession(["<out-1@agents.steward.test>"])).toBe("s-mail");
        expect(ledger.hasPending("email-turn-1")).toBe(true);
        expect(ledger.held()).toEqual([
          { id: 1, messageId: "<held-1@example.com>", sender: "stranger@example.com", subject: "hello", receivedAt: T0 + 2, bytes: HELD_RAW.length }
        ]);
        expect(ledger.outbound("reply:<in-1@example.com>")).toEqual({
          key: "reply:<in-1@example.com>",
          to: "me@example.com",
          subject: "Re: invoice",
          messageId: "<out-1@agents.steward.test>",
          providerMessageId: outboxProviderId ? "provider-1" : "",
          status: "sent",
          detail: "",
          at: T0 + 4
        });
        const tasks = new TaskStore(sql);
        expect(tasks.task("task-1")).toMatchObject({ title: "Morning brief", spec: { kind: "daily", time: "08:00" }, sessionId: "s-web" });
        expect(tasks.run("run-1")).toMatchObject({ status: "done", result: "All quiet.", delivered: "web" });
        expect(tasks.notifications(true, 10).map((n) => n.id)).toEqual(["note-1"]);
        // Tables whose stores another change is rewriting: checked by SELECT in the snapshot above.
        expect(after.steward_tier_permission).toEqual([
          { tier: 1, permission: "ask" },
          { tier: 4, permission: "deny" }
        ]);

        // And the store writes work on the upgraded tables (AUTOINCREMENT continues).
        ledger.hold("<held-2@example.com>", "x@example.com", "again", new Uint8Array([1, 2, 3]));
        expect(ledger.held().map((h) => h.id)).toEqual([1, 2]);
        ledger.recordSend({ key: "k2", to: "me@example.com", subject: "s", messageId: "<m2@x>", providerMessageId: "p2", status: "sent", detail: "" });
        expect(ledger.outbound("k2")?.providerMessageId).toBe("p2");

        // Migrations 2 and 3: their stores work on the upgraded database.
        const replies = new ReplyApprovals(sql);
        await replies.park("<in-1@example.com>", "s-mail", { to: "stranger@example.com", subject: "Re: hi", text: "hello" }, {});
        expect(replies.waiting()).toMatchObject([{ id: 1, to: "stranger@example.com", status: "awaiting" }]);
        const usageRows = new UsageStore(sql);
        const usage = new UsageMeter(
          sql,
          () => T0,
          (day) => usageRows.tokensOn(day)
        );
        expect(usage.admit({ turnsPerMinute: 1, tokensPerDay: 10 }, { continuation: false, command: false })).toBeNull();
        usageRows.record({ turn: "t", session: "s-web", channel: "web", model: "m", inputTokens: 2, outputTokens: 1, fallbackFrom: [] }, T0);
        expect(usage.view({ turnsPerMinute: 1, tokensPerDay: 10 })).toMatchObject({ turnsLastMinute: 1, tokensToday: 3 });
        // Migration 2: sessions from main keep their titles (no automatic title replaces them);
        // memory and the history index start empty and work.
        expect(sessions.wantsTitle("s-web")).toBe(false);
        expect(sessions.setAutoTitle("s-web", "Something else")).toBe(false);
        expect(new MemoryStore(sql).add("prefers metric units", "owner")).toMatchObject({ id: 1, text: "prefers metric units" });
        const index = new HistoryIndex(sql);
        index.add("s-web", [{ messageId: "m1", role: "user", at: T0, text: "Book the train to Porto" }]);
        expect(index.search("porto", 5).map((h) => h.messageId)).toEqual(["m1"]);

        // Migration 4: the extension registry records the owner's decision on the upgraded database.
        const registry = new ExtensionRegistry(
          sql,
          { readdir: () => Promise.reject(new Error("none")), readFile: () => Promise.reject(new Error("none")) },
          () => bundledExtensions({})
        );
        expect((await registry.views("k1")).find((e) => e.name === "tabular")?.state).toBe("enabled");
        await registry.disable("k1", "tabular");
        expect((await registry.views("k1")).find((e) => e.name === "tabular")?.state).toBe("disabled");

        // Migration 4: an approval keeps its reason; main's row has none.
        const approvals = new ApprovalLedger(sql);
        approvals.record("s-web", "call-new", "run_code", "d".repeat(64), "why it asked");
        expect(approvals.reasons("s-web")).toEqual({ "call-new": "why it asked" });

        // The next start-up does nothing.
        expect(migrateAssistant(storage)).toEqual([]);
      });
    });
  }

  it("keeps a Conversation's channel row", async () => {
    await withEmptyStorage((storage) => {
      for (const ddl of MAIN_CONVERSATION_DDL) storage.sql.exec(ddl);
      storage.sql.exec(`INSERT INTO steward_channel (id, channel) VALUES (1, 'email')`);
      // 2: voice calls' per-turn timings (src/voice/store.ts), a new empty table.
      expect(migrateConversation(storage)).toEqual([1, 2]);
      expect(readChannel(storage.sql)).toBe("email");
      expect(appliedMigrations(storage).map((m) => m.version)).toEqual([1, 2]);
      expect(storage.sql.exec(`SELECT COUNT(*) AS n FROM steward_call_turns`).one().n).toBe(0);
    });
  });

  it("creates a Conversation's channel table that main had not created yet", async () => {
    await withEmptyStorage((storage) => {
      expect(migrateConversation(storage)).toEqual([1, 2]);
      expect(readChannel(storage.sql)).toBeNull();
    });
  });

  it("keeps the EmailDirectory's key and addresses", async () => {
    const stub = env.EMAIL_DIRECTORY.get(env.EMAIL_DIRECTORY.idFromName(`schema-directory-${crypto.randomUUID()}`));
    const secret = crypto.getRandomValues(new Uint8Array(32));
    await runInDurableObject(stub, async (directory, state) => {
      const { sql } = state.storage;
      for (const table of ["address", "address_key", "vapid_key", MIGRATIONS_TABLE]) sql.exec(`DROP TABLE ${table}`);
      for (const ddl of MAIN_DIRECTORY_DDL) sql.exec(ddl);
      sql.exec(`INSERT INTO address_key (id, secret) VALUES (1, ?)`, secret);
      sql.exec(`INSERT INTO address (local, user_id, created_at) VALUES ('abc123', 'user-1', ?)`, T0);

      expect(migrateDirectory(state.storage)).toEqual([1, 2]);
      expect(directory.userFor("abc123")).toBe("user-1");
      expect(await directory.addressFor("user-1")).toBe("abc123");
      const stored = sql.exec<{ secret: ArrayBuffer }>(`SELECT secret FROM address_key WHERE id = 1`).one().secret;
      expect([...new Uint8Array(stored)]).toEqual([...secret]);
    });
  });

  it("records migration 1 in a database the new code created from scratch", async () => {
    const versions = await inFreshAssistant((storage) => appliedMigrations(storage).map((m) => m.version));
    expect(versions).toEqual(ASSISTANT_MIGRATIONS.map((m) => m.version));
  });
});
