import type { UIMessage } from "ai";
import type { FileListing, SessionSummary } from "../shared/views";
import { zip } from "./zip";
import type { ZipEntry } from "./zip";

/**
 * "Your data" as one zip: everything the user's agent keeps, in files a
 * person can open.
 *
 *   README.txt               what is where
 *   chats/index.json         the chat list (titles, channels, previews)
 *   chats/<id>.json          each chat with all its messages (tool calls and results included)
 *   workspace/…              every workspace file, as it is
 *   data/<table>.json        every row of every table of the agent's own database: tasks, runs,
 *                            notifications, the audit log, settings, permissions, email lists and
 *                            ledgers, approvals, usage, push subscriptions (BLOBs as base64)
 *
 * Steward keeps no separate long-term memory; what the agent remembers is in
 * the chats and the workspace, both exported.
 */
export interface ArchiveHost {
  user: string;
  sessions(): SessionSummary[];
  messages(sessionId: string): Promise<UIMessage[]>;
  listFiles(): Promise<FileListing>;
  readFile(path: string): Promise<Uint8Array | null>;
  sql: SqlStorage;
  now: Date;
}

/** The agent's own tables (steward_*), and the Agents SDK's schedule rows. */
const TABLE_PATTERN = /^(steward_|cf_agents_schedules$)/;

export async function exportArchive(host: ArchiveHost): Promise<{ bytes: Uint8Array; files: number }> {
  const entries: ZipEntry[] = [];
  const json = (name: string, value: unknown) =>
    entries.push({ name, bytes: new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`), modified: host.now });

  const sessions = host.sessions();
  json("chats/index.json", sessions);
  for (const session of sessions) json(`chats/${session.id}.json`, { ...session, messages: await host.messages(session.id) });

  const listing = await host.listFiles();
  let files = 0;
  for (const entry of listing.entries) {
    if (entry.type !== "file") continue;
    const bytes = await host.readFile(entry.path);
    if (!bytes) continue;
    entries.push({ name: `workspace/${entry.path.replace(/^\/workspace\//, "")}`, bytes, modified: new Date(entry.mtime || host.now.getTime()) });
    files++;
  }

  const tables = host.sql
    .exec<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)
    .toArray()
    .map((t) => t.name)
    .filter((name) => TABLE_PATTERN.test(name));
  for (const table of tables) {
    const rows = host.sql
      .exec<Record<string, SqlStorageValue>>(`SELECT * FROM "${table.replace(/"/g, '""')}"`)
      .toArray()
      .map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v instanceof ArrayBuffer ? { base64: base64(new Uint8Array(v)) } : v])));
    json(`data/${table}.json`, rows);
  }

  entries.unshift({
    name: "README.txt",
    modified: host.now,
    bytes: new TextEncoder().encode(
      [
        `Steward export for ${host.user}, made ${host.now.toISOString()}.`,
        "",
        `chats/index.json    the chat list (${sessions.length} chats)`,
        "chats/<id>.json     each chat with all its messages",
        `workspace/          the workspace files (${files}${listing.truncated ? ", the listing stopped at its limit" : ""})`,
        `data/<table>.json   every row of the agent's own tables (${tables.length}): tasks, runs, notifications, audit log, settings, email, approvals, usage`,
        ""
      ].join("\n")
    )
  });
  return { bytes: await zip(entries), files };
}

function base64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
