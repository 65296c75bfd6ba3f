import type { UIMessage } from "ai";
import type { Session } from "@cloudflare/think";
import type { BranchPoint, CompactedSpan } from "../shared/memory";

/**
 * What the web app shows beyond Think's active, compacted path: the messages
 * behind a compaction summary, and the other versions of an edited message.
 *
 * Think 0.23 stores a tree (agents/sessions) but has no API to choose which
 * branch is active: the active leaf is always the newest row. So:
 *  - editing appends the new text as a sibling of the old message (a real
 *    branch; the old one and everything after it stay stored), then runs a
 *    turn on it;
 *  - switching to another version appends a copy of that version's path
 *    under the same parent, marked `stewardCopyOf`, so it becomes the newest
 *    path; versions are grouped by what they are copies of, so switching back
 *    and forth does not add versions. The cost is duplicate rows per switch.
 * Parent links are read from Sessions' documented message table
 * (cf_agents_session_messages); nothing is written to it directly.
 */

export interface TranscriptHost {
  readonly session: Session;
  readonly sql: SqlStorage;
  /** The active path as Think holds it (a compaction summary in place of older messages). */
  readonly messages: UIMessage[];
  readonly busy: boolean;
  /** Appends linearly under `parentId` and broadcasts (Think's addMessages). */
  addMessages(messages: UIMessage[], parentId: string | null): Promise<void>;
  /** Runs `apply` inside the turn queue, then a model turn on the active path (Think's saveMessages). */
  runTurnAfter(apply: () => Promise<void>): void;
}

const COPY_OF = "stewardCopyOf";
/** Most messages returned behind one summary; the oldest beyond this are left out (they stay stored). */
export const MAX_SPAN_MESSAGES = 1_000;

export async function compactedSpans(host: TranscriptHost): Promise<CompactedSpan[]> {
  const overlays = host.messages.filter((m) => m.id.startsWith("compaction_"));
  if (overlays.length === 0) return [];
  const compactions = await host.session.getCompactions();
  const spans: CompactedSpan[] = [];
  for (const overlay of overlays) {
    const record = compactions.find((c) => `compaction_${c.id}` === overlay.id);
    if (!record) continue;
    const ids = pathBetween(host, record.fromMessageId, record.toMessageId).slice(-MAX_SPAN_MESSAGES);
    const messages: unknown[] = [];
    for (const id of ids) {
      const message = await host.session.getMessage(id);
      if (message) messages.push(message);
    }
    spans.push({ overlayId: overlay.id, summary: record.summary, messages });
  }
  return spans;
}

/** The versions of each user message on the active path that has more than one. */
export function branchPoints(host: TranscriptHost): BranchPoint[] {
  const points: BranchPoint[] = [];
  for (const message of host.messages) {
    if (message.role !== "user" || message.id.startsWith("compaction_")) continue;
    const siblings = userSiblings(host, message.id);
    if (siblings.length < 2) continue;
    const groups = groupVersions(siblings);
    const activeKey = copyOf(message) ?? message.id;
    points.push({
      messageId: message.id,
      versions: groups.map((g) => g.key),
      active: Math.max(
        0,
        groups.findIndex((g) => g.key === activeKey)
      )
    });
  }
  return points;
}

export async function editAndResend(host: TranscriptHost, messageId: string, text: string): Promise<string> {
  const clean = text.trim();
  if (!clean) throw new Error("the edited message is empty");
  requireIdle(host);
  const original = host.messages.find((m) => m.id === messageId);
  if (!original || original.role !== "user") throw new Error("only a message of yours in the chat shown can be edited");
  const parentId = parentOf(host, messageId);
  const edited: UIMessage = { id: crypto.randomUUID(), role: "user", parts: [{ type: "text", text: clean }] };
  // The append happens inside the turn queue, so it cannot land in the middle of another turn.
  host.runTurnAfter(async () => {
    await host.session.appendMessage(edited, { parentId });
  });
  return edited.id;
}

/** Makes `version` (a key from BranchPoint.versions) the active branch at `messageId`'s position. */
export async function switchBranch(host: TranscriptHost, messageId: string, version: string): Promise<void> {
  requireIdle(host);
  const current = host.messages.find((m) => m.id === messageId);
  if (!current || current.role !== "user") throw new Error("no such message in the chat shown");
  const group = groupVersions(userSiblings(host, messageId)).find((g) => g.key === version);
  if (!group) throw new Error("no such version of this message");
  if (group.key === (copyOf(current) ?? current.id)) return;
  // The newest row of that version, then its newest path down to a leaf.
  const start = group.ids.at(-1);
  if (!start) return;
  const leaf = newestLeafUnder(host, start);
  const path = await host.session.getHistory({ leafId: leaf });
  const from = path.findIndex((m) => m.id === start);
  const suffix = from >= 0 ? path.slice(from) : [];
  const copies: UIMessage[] = suffix.map((m) => ({
    ...(m as UIMessage),
    id: crypto.randomUUID(),
    metadata: { ...(isRecord(m.metadata) ? m.metadata : {}), [COPY_OF]: copyOf(m as UIMessage) ?? m.id }
  }));
  if (copies.length) await host.addMessages(copies, parentOf(host, messageId));
}

function requireIdle(host: TranscriptHost): void {
  if (host.busy) throw new Error("a reply is still running; wait for it (or stop it) first");
}

function copyOf(message: { metadata?: unknown }): string | undefined {
  const value = isRecord(message.metadata) ? message.metadata[COPY_OF] : undefined;
  return typeof value === "string" ? value : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

type Row = { id: string; content: string; role: string };

function parentOf(host: TranscriptHost, id: string): string | null {
  const row = host.sql
    .exec<{ parent_id: string | null }>(`SELECT parent_id FROM cf_agents_session_messages WHERE session_id = ? AND id = ?`, host.session.sessionId, id)
    .toArray()[0];
  if (!row) throw new Error(`no stored message ${id}`);
  return row.parent_id;
}

/** User messages sharing `id`'s parent, oldest first (metadata read for the copy marker). */
function userSiblings(host: TranscriptHost, id: string): Array<{ id: string; copyOf?: string }> {
  const parent = parentOf(host, id);
  return host.sql
    .exec<Row>(`SELECT id, role, content FROM cf_agents_session_messages WHERE session_id = ? AND parent_id IS ? ORDER BY seq`, host.session.sessionId, parent)
    .toArray()
    .filter((r) => r.role === "user" && !r.id.startsWith("compaction_"))
    .map((r) => ({ id: r.id, copyOf: copyOf(parseMessage(r.content)) }));
}

function parseMessage(content: string): { metadata?: unknown } {
  try {
    return JSON.parse(content) as { metadata?: unknown };
  } catch {
    return {}; // a message split across rows: its first slice is not JSON; treat it as an original
  }
}

function groupVersions(siblings: Array<{ id: string; copyOf?: string }>): Array<{ key: string; ids: string[] }> {
  const groups: Array<{ key: string; ids: string[] }> = [];
  for (const sibling of siblings) {
    const key = sibling.copyOf ?? sibling.id;
    const group = groups.find((g) => g.key === key);
    if (group) group.ids.push(sibling.id);
    else groups.push({ key, ids: [sibling.id] });
  }
  return groups;
}

function newestLeafUnder(host: TranscriptHost, id: string): string {
  let current = id;
  for (let depth = 0; depth < 10_000; depth++) {
    const child = host.sql
      .exec<{ id: string }>(
        `SELECT id FROM cf_agents_session_messages WHERE session_id = ? AND parent_id = ? ORDER BY seq DESC LIMIT 1`,
        host.session.sessionId,
        current
      )
      .toArray()[0];
    if (!child) return current;
    current = child.id;
  }
  return current;
}

/** Ids from `from` to `to` along parent links (walking up from `to`), root → leaf order. */
function pathBetween(host: TranscriptHost, from: string, to: string): string[] {
  const rows = host.sql
    .exec<{ id: string }>(
      `WITH RECURSIVE up(id, parent_id, depth) AS (
         SELECT id, parent_id, 0 FROM cf_agents_session_messages WHERE session_id = ? AND id = ?
         UNION ALL
         SELECT m.id, m.parent_id, up.depth + 1 FROM cf_agents_session_messages m JOIN up ON m.id = up.parent_id
         WHERE m.session_id = ? AND up.id != ? AND up.depth < 20000
       ) SELECT id FROM up ORDER BY depth DESC`,
      host.session.sessionId,
      to,
      host.session.sessionId,
      from
    )
    .toArray();
  return rows.map((r) => r.id).filter((id) => !id.startsWith("compaction_"));
}
