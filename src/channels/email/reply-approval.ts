import type { FiberContext } from "agents";
import type { AuditEntry } from "../../ladder/audit";
import { digestInput } from "../../ladder/audit";
import { callDigest } from "../../gate/approvals";
import type { OutboundRecord } from "./ledger";
import type { ReplyApprovalStatus, ReplyForApproval, ReplyMail } from "../../shared/views";

export type { ReplyApprovalStatus, ReplyForApproval, ReplyMail } from "../../shared/views";

/**
 * In-thread replies to anyone who is not the owner wait for the owner.
 *
 * A reply is the model's answer mailed out, and the model may have read the
 * workspace on the way (reading runs unasked), so a reply to a stranger or an
 * allowed sender is an effect that leaves the agent like send_email. Instead
 * of sending it, the inbox parks it here, bound to the digest of exactly what
 * would be sent (recipient, subject, text); the owner sees that text in the
 * web app and approves that digest. Approval comes only through an
 * owner-only `@callable` on the Assistant's socket, never by mail.
 *
 * One row per inbound message (its Message-ID is unique here). States:
 * awaiting → sending → sent, or awaiting → rejected. `sending` is claimed in
 * one synchronous step, so of two clicks exactly one sends; the send itself
 * goes through the outbox's send-once key, so a crash mid-send never sends
 * twice either. A send that did not go out (over the hourly limit, no
 * binding) returns to `awaiting` with the reason, for the owner to retry.
 */
export const REPLY_TOOL = "email_reply";
/** The fiber an approved reply is sent in (recovered by EmailInbox.recover). */
export const APPROVED_REPLY_FIBER = "email-reply-approved";

export function replyDigest(mail: ReplyMail): Promise<string> {
  return callDigest(REPLY_TOOL, { to: mail.to, subject: mail.subject, text: mail.text });
}

export class ReplyApprovals {
  constructor(private readonly sql: SqlStorage) {}

  /** Parks a reply; parking the same message again (a recovery) keeps the first row. */
  async park(messageId: string, session: string, mail: ReplyMail, job: unknown): Promise<ReplyForApproval> {
    const digest = await replyDigest(mail);
    this.sql.exec(
      `INSERT OR IGNORE INTO steward_email_reply_approval (message_id, session, recipient, subject, text, digest, job, status, requested_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'awaiting', ?)`,
      messageId,
      session,
      mail.to,
      mail.subject,
      mail.text,
      digest,
      JSON.stringify(job),
      Date.now()
    );
    return this.byMessage(messageId) as ReplyForApproval;
  }

  /** What still needs the owner (or is being sent), oldest first. */
  waiting(): ReplyForApproval[] {
    return this.rows(`WHERE status IN ('awaiting', 'sending') ORDER BY id`);
  }

  get(id: number): ReplyForApproval | null {
    return this.rows(`WHERE id = ?`, id)[0] ?? null;
  }

  job<T>(id: number): T | null {
    const row = this.sql.exec<{ job: string }>(`SELECT job FROM steward_email_reply_approval WHERE id = ?`, id).toArray()[0];
    return row ? (JSON.parse(row.job) as T) : null;
  }

  /**
   * The owner approves reply `id` as shown (its digest). True when this call
   * claimed the send; false when it is already being sent or was sent (a
   * double click). Throws when there is nothing to approve or it differs.
   */
  claim(id: number, digest: string): boolean {
    const row = this.get(id);
    if (!row) throw new Error(`no reply waiting for approval with id ${id}`);
    if (row.digest !== digest) {
      throw new Error("This reply is not the one you were shown (its recipient, subject or text differs), so nothing was sent. Review it again.");
    }
    if (row.status === "rejected") throw new Error("You rejected this reply; it will not be sent.");
    if (row.status !== "awaiting") return false;
    const cursor = this.sql.exec(
      `UPDATE steward_email_reply_approval SET status = 'sending', detail = '', decided_at = ? WHERE id = ? AND status = 'awaiting'`,
      Date.now(),
      id
    );
    return cursor.rowsWritten > 0;
  }

  /** After the send: sent, or back to awaiting with the reason it did not go out. */
  finish(id: number, record: OutboundRecord): void {
    const sent = record.status === "sent";
    this.sql.exec(
      `UPDATE steward_email_reply_approval SET status = ?, detail = ? WHERE id = ? AND status = 'sending'`,
      sent ? "sent" : "awaiting",
      sent ? "" : `not sent (${record.status}): ${record.detail}`.slice(0, 500),
      id
    );
  }

  /** The owner rejects reply `id`; false if it was already rejected. Throws once it is sent or being sent. */
  reject(id: number): boolean {
    const row = this.get(id);
    if (!row) throw new Error(`no reply waiting for approval with id ${id}`);
    if (row.status === "rejected") return false;
    if (row.status !== "awaiting") throw new Error(`This reply was already approved (${row.status}); it can no longer be rejected.`);
    this.sql.exec(
      `UPDATE steward_email_reply_approval SET status = 'rejected', detail = 'rejected by the owner', decided_at = ? WHERE id = ? AND status = 'awaiting'`,
      Date.now(),
      id
    );
    return true;
  }

  private byMessage(messageId: string): ReplyForApproval | null {
    return this.rows(`WHERE message_id = ?`, messageId)[0] ?? null;
  }

  private rows(where: string, ...bindings: SqlStorageValue[]): ReplyForApproval[] {
    return this.sql
      .exec<Record<string, SqlStorageValue>>(
        `SELECT id, message_id, session, recipient, subject, text, digest, status, detail, requested_at, decided_at FROM steward_email_reply_approval ${where}`,
        ...bindings
      )
      .toArray()
      .map((r) => ({
        id: Number(r.id),
        messageId: String(r.message_id),
        session: String(r.session),
        to: String(r.recipient),
        subject: String(r.subject),
        text: String(r.text),
        digest: String(r.digest),
        status: String(r.status) as ReplyApprovalStatus,
        detail: String(r.detail),
        requestedAt: Number(r.requested_at),
        decidedAt: r.decided_at === null ? null : Number(r.decided_at)
      }));
  }
}

/** What sending an approved reply needs from the inbox and the Assistant. */
export interface ApprovedReplyHost {
  readonly replies: ReplyApprovals;
  /** Sends through the outbox's send-once key (`reply:<Message-ID>`) and updates the mail log. */
  sendApproved(id: number, mail: ReplyMail): Promise<OutboundRecord>;
  /** The audit row (the Assistant's gateAfter). */
  audit(entry: AuditEntry): void;
  runFiber<T>(name: string, fn: (ctx: FiberContext) => Promise<T>): Promise<T>;
  changed(): void;
}

/**
 * The owner's Approve: claims the row, then sends exactly the stored reply
 * (checked against the approved digest once more) in a fiber, so a crash
 * after the claim is finished by recovery instead of being left "sending".
 */
export async function approveReply(host: ApprovedReplyHost, id: number, digest: string): Promise<ReplyForApproval> {
  if (host.replies.claim(id, digest)) {
    host.changed();
    await host.runFiber(APPROVED_REPLY_FIBER, async (ctx) => {
      ctx.stash({ id });
      await sendClaimed(host, id);
    });
  }
  return host.replies.get(id) as ReplyForApproval;
}

/** After a crash: a reply still marked "sending" goes out (the outbox keeps it to once). */
export async function recoverApprovedReply(host: ApprovedReplyHost, snapshot: unknown): Promise<void> {
  const id = (snapshot as { id?: unknown } | null)?.id;
  if (typeof id === "number" && host.replies.get(id)?.status === "sending") await sendClaimed(host, id);
}

async function sendClaimed(host: ApprovedReplyHost, id: number): Promise<void> {
  const row = host.replies.get(id);
  if (row?.status !== "sending") return;
  const mail: ReplyMail = { to: row.to, subject: row.subject, text: row.text };
  // The row is the owner's approval; refuse to send anything it does not hash to.
  if ((await replyDigest(mail)) !== row.digest) throw new Error(`reply ${id} no longer matches the approved digest; not sent`);
  const inputDigest = await digestInput(mail);
  const started = Date.now();
  const record = await host.sendApproved(id, mail);
  // Synchronous from here: the row's state and its one audit row are written together.
  host.replies.finish(id, record);
  host.audit({
    session: row.session,
    turn: row.messageId,
    tier: 0,
    tool: REPLY_TOOL,
    inputDigest,
    outcome: record.status === "sent" ? "ok" : "error",
    durationMs: Date.now() - started,
    bytesOut: new TextEncoder().encode(row.text).byteLength,
    approved: true,
    detail: record.status === "sent" ? "" : `${record.status}: ${record.detail}`
  });
  host.changed();
}
