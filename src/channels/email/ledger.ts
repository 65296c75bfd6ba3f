import type { HeldMail, InboundRecord, InboundStatus } from "../../shared/views";

export type { HeldMail, InboundRecord, InboundStatus } from "../../shared/views";

/**
 * What the inbox has seen and sent, in the user's Assistant SQLite: every
 * Message-ID once (so a redelivery never runs twice), which session each
 * thread belongs to, held mail awaiting review, and the outbox that makes
 * every send happen once and enforces the hourly send limit.
 */
export interface OutboundRecord {
  key: string;
  to: string;
  subject: string;
  messageId: string;
  /** The id the mail service gave the message, when it differs from ours (threads match either). */
  providerMessageId: string;
  status: "sent" | "rate-limited" | "failed";
  detail: string;
  at: number;
}

export class EmailLedger {
  constructor(private readonly sql: SqlStorage) {}

  /** Newest first. */
  recent(limit: number): InboundRecord[] {
    return this.sql
      .exec<Record<string, SqlStorageValue>>(
        `SELECT * FROM steward_email_message ORDER BY at DESC, rowid DESC LIMIT ?`,
        Math.min(Math.max(1, Math.floor(limit)), 500)
      )
      .toArray()
      .map((r) => ({
        messageId: String(r.message_id),
        session: r.session === null ? null : String(r.session),
        direction: String(r.direction) as "in" | "out",
        sender: String(r.sender),
        subject: String(r.subject),
        status: String(r.status) as InboundStatus,
        detail: String(r.detail),
        at: Number(r.at)
      }));
  }

  seen(messageId: string): boolean {
    return this.sql.exec(`SELECT 1 FROM steward_email_message WHERE message_id = ?`, messageId).toArray().length > 0;
  }

  /** Records an inbound message; false if the Message-ID was already recorded. */
  recordInbound(messageId: string, entry: { session: string | null; sender: string; subject: string; status: InboundStatus; detail?: string }): boolean {
    const cursor = this.sql.exec(
      `INSERT OR IGNORE INTO steward_email_message (message_id, session, direction, sender, subject, status, detail, at) VALUES (?, ?, 'in', ?, ?, ?, ?, ?)`,
      messageId,
      entry.session,
      entry.sender,
      entry.subject,
      entry.status,
      entry.detail ?? "",
      Date.now()
    );
    return cursor.rowsWritten > 0;
  }

  recordOutboundId(messageId: string, session: string, sender: string, subject: string): void {
    this.sql.exec(
      `INSERT OR IGNORE INTO steward_email_message (message_id, session, direction, sender, subject, status, at) VALUES (?, ?, 'out', ?, ?, 'replied', ?)`,
      messageId,
      session,
      sender,
      subject,
      Date.now()
    );
  }

  setStatus(messageId: string, status: InboundStatus, detail = ""): void {
    this.sql.exec(`UPDATE steward_email_message SET status = ?, detail = ? WHERE message_id = ? AND direction = 'in'`, status, detail.slice(0, 500), messageId);
  }

  status(messageId: string): { status: InboundStatus; session: string | null; detail: string } | null {
    const row = this.sql
      .exec<{ status: string; session: string | null; detail: string }>(
        `SELECT status, session, detail FROM steward_email_message WHERE message_id = ?`,
        messageId
      )
      .toArray()[0];
    return row ? { status: row.status as InboundStatus, session: row.session, detail: row.detail } : null;
  }

  /** The session of the newest known message this one replies to or references. */
  threadSession(ids: string[]): string | null {
    for (const id of [...ids].reverse()) {
      const row = this.sql
        .exec<{ session: string | null }>(`SELECT session FROM steward_email_message WHERE message_id = ? AND session IS NOT NULL`, id)
        .toArray()[0];
      if (row?.session) return row.session;
    }
    return null;
  }

  addPending(turnId: string, messageId: string, session: string, job: unknown): void {
    this.sql.exec(
      `INSERT OR IGNORE INTO steward_email_pending (turn_id, message_id, session, job, at) VALUES (?, ?, ?, ?, ?)`,
      turnId,
      messageId,
      session,
      JSON.stringify(job),
      Date.now()
    );
  }

  hasPending(turnId: string): boolean {
    return this.sql.exec(`SELECT 1 FROM steward_email_pending WHERE turn_id = ?`, turnId).toArray().length > 0;
  }

  /** Removes and returns the pending job; only the first caller gets it. */
  takePending<T>(turnId: string): T | null {
    const row = this.sql.exec<{ job: string }>(`SELECT job FROM steward_email_pending WHERE turn_id = ?`, turnId).toArray()[0];
    if (!row) return null;
    this.sql.exec(`DELETE FROM steward_email_pending WHERE turn_id = ?`, turnId);
    return JSON.parse(row.job) as T;
  }

  hold(messageId: string, sender: string, subject: string, raw: Uint8Array): void {
    this.sql.exec(
      `INSERT OR IGNORE INTO steward_email_held (message_id, sender, subject, raw, at) VALUES (?, ?, ?, ?, ?)`,
      messageId,
      sender,
      subject,
      raw,
      Date.now()
    );
  }

  held(): HeldMail[] {
    return this.sql
      .exec<{ id: number; message_id: string; sender: string; subject: string; at: number; bytes: number }>(
        `SELECT id, message_id, sender, subject, at, length(raw) AS bytes FROM steward_email_held ORDER BY id`
      )
      .toArray()
      .map((r) => ({ id: Number(r.id), messageId: r.message_id, sender: r.sender, subject: r.subject, receivedAt: Number(r.at), bytes: Number(r.bytes) }));
  }

  takeHeld(id: number): { messageId: string; raw: Uint8Array } | null {
    const row = this.sql.exec<{ message_id: string; raw: ArrayBuffer }>(`SELECT message_id, raw FROM steward_email_held WHERE id = ?`, id).toArray()[0];
    if (!row) return null;
    this.sql.exec(`DELETE FROM steward_email_held WHERE id = ?`, id);
    return { messageId: row.message_id, raw: new Uint8Array(row.raw) };
  }

  outbound(key: string): OutboundRecord | null {
    const row = this.sql.exec<Record<string, SqlStorageValue>>(`SELECT * FROM steward_email_outbox WHERE key = ?`, key).toArray()[0];
    if (!row) return null;
    return {
      key: String(row.key),
      to: String(row.recipient),
      subject: String(row.subject),
      messageId: String(row.message_id),
      providerMessageId: String(row.provider_id),
      status: String(row.status) as OutboundRecord["status"],
      detail: String(row.detail),
      at: Number(row.at)
    };
  }

  recordSend(record: Omit<OutboundRecord, "at">): void {
    this.sql.exec(
      `INSERT INTO steward_email_outbox (key, recipient, subject, message_id, provider_id, status, detail, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(key) DO UPDATE SET status = excluded.status, provider_id = excluded.provider_id, detail = excluded.detail, at = excluded.at`,
      record.key,
      record.to,
      record.subject,
      record.messageId,
      record.providerMessageId,
      record.status,
      record.detail.slice(0, 500),
      Date.now()
    );
  }

  sentInLastHour(): number {
    const row = this.sql
      .exec<{ n: number }>(`SELECT count(*) AS n FROM steward_email_outbox WHERE status = 'sent' AND at > ?`, Date.now() - 3_600_000)
      .toArray()[0];
    return Number(row?.n ?? 0);
  }
}
