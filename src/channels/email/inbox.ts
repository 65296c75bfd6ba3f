import type { FiberContext, FiberRecoveryContext } from "agents";
import type { AgentEmail } from "agents/email";
import type { Workspace } from "@cloudflare/computer";
import type { Channel } from "../../assistant/sessions";
import { sha256Hex } from "../../util/digest";
import { checkAuthentication } from "./auth-results";
import type { EmailTurnOutcome } from "./conversation-turn";
import { EmailLedger } from "./ledger";
import type { OutboundRecord } from "./ledger";
import { replySubject, sendOnce } from "./outbound";
import { APPROVED_REPLY_FIBER, ReplyApprovals, approveReply, recoverApprovedReply } from "./reply-approval";
import type { ApprovedReplyHost, ReplyForApproval, ReplyMail } from "./reply-approval";
import type { AuditEntry } from "../../ladder/audit";
import { MalformedMailError, parseMail } from "./parse";
import type { ParsedMail } from "./parse";
import { agentMessage, injectionSignals, ownerCommand, readerTask } from "./prompt";
import type { MailSummary, SavedFile } from "./prompt";
import { EmailSettingsStore } from "./settings";
import type { SenderClass } from "./settings";

export const REPLY_FIBER = "email-reply";
const TEXT_ATTACHMENT_CHARS = 20_000;

/**
 * Test and bench seams; production never sets them. `beforeReply` runs after
 * the work is done and stashed, just before the reply is sent (crash tests).
 * `directReading` skips the quarantined reader and hands the main agent the
 * mail itself: only bench/email uses it, to measure what quarantine costs.
 */
export const emailHooks: { beforeReply?: (messageId: string) => Promise<void>; directReading?: boolean } = {};

/** What the inbox needs from the user's Assistant. */
export interface InboxHost {
  readonly name: string;
  readonly emailEnv: Env;
  readonly emailSql: SqlStorage;
  readonly workspace: Workspace;
  emailAddress(): Promise<string>;
  createChannelSession(title: string, channel: Channel): Promise<string>;
  hasSession(id: string): boolean;
  discardSession(id: string): Promise<void>;
  emailConversation(id: string): Promise<{
    runEmailTurn(input: { id: string; text: string }): Promise<EmailTurnOutcome>;
    hasMessage(id: string): Promise<boolean>;
  }>;
  mailReader(session: string): Promise<{ readMail(task: string, excerpt: string): Promise<MailSummary> }>;
  startFiber(
    name: string,
    fn: (ctx: FiberContext) => Promise<void>,
    options?: { idempotencyKey?: string; metadata?: Record<string, unknown> }
  ): Promise<unknown>;
  runFiber<T>(name: string, fn: (ctx: FiberContext) => Promise<T>): Promise<T>;
  /** The audit row of an approved reply (the gate's `after`). */
  gateAfter(entry: AuditEntry): void;
  /** Replies awaiting the owner changed: the web app's count is refreshed. */
  emailRepliesChanged(): void;
}

/** Everything the reply pipeline needs, serialisable, so a recovery can finish it. */
export interface EmailJob {
  messageId: string;
  session: string;
  sender: string;
  senderClass: SenderClass;
  subject: string;
  references: string[];
  command: string | null;
  readerTask: string;
  excerpt: string;
  bodyPath: string;
  files: SavedFile[];
  signals: string[];
  fromName: string;
}

type Snapshot =
  | { stage: "accepted"; job: EmailJob }
  | { stage: "read"; job: EmailJob; summary: MailSummary }
  | { stage: "worked"; job: EmailJob; reply: string };

export class EmailInbox {
  readonly ledger: EmailLedger;
  readonly settings: EmailSettingsStore;
  /** Replies to anyone but the owner, parked for the owner's approval (reply-approval.ts). */
  readonly replies: ReplyApprovals;

  constructor(private readonly host: InboxHost) {
    this.ledger = new EmailLedger(host.emailSql);
    this.settings = new EmailSettingsStore(host.emailSql);
    this.replies = new ReplyApprovals(host.emailSql);
  }

  /**
   * One delivery. Checks run before anything is stored: parse, sender
   * authentication, duplicate, auto-reply, sender policy. Refusals become an
   * SMTP rejection with the reason.
   */
  async receive(email: AgentEmail): Promise<void> {
    const raw = await email.getRaw();
    let mail: ParsedMail;
    try {
      mail = await parseMail(raw);
    } catch (error) {
      if (error instanceof MalformedMailError) return email.setReject(error.message);
      throw error;
    }
    const auth = checkAuthentication(mail.headers, mail.from.address, this.host.emailEnv.EMAIL_AUTHSERV_ID);
    if (!auth.ok) return email.setReject(`sender not verified: ${auth.reason}`);
    if (this.ledger.seen(mail.messageId)) return; // a redelivery: the first one is (being) handled

    if (mail.autoReply) {
      this.ledger.recordInbound(mail.messageId, {
        session: null,
        sender: mail.from.address,
        subject: mail.subject,
        status: "ignored",
        detail: "auto-reply or bounce: never answered"
      });
      return;
    }
    const senderClass = this.settings.classify(mail.from.address);
    if (senderClass === "refuse") {
      return email.setReject("this agent only takes mail from its owner's verified addresses and senders the owner allowed");
    }
    if (senderClass === "hold") {
      if (this.ledger.recordInbound(mail.messageId, { session: null, sender: mail.from.address, subject: mail.subject, status: "held" })) {
        this.ledger.hold(mail.messageId, mail.from.address, mail.subject, raw);
      }
      return;
    }
    try {
      await this.accept(mail, senderClass, true);
    } catch (error) {
      // Nothing half-stored: accept() undid its writes; let the sender retry.
      console.error("email: could not store message", error);
      email.setReject("temporary failure storing the message; please retry later");
    }
  }

  /** A held message the owner releases: processed as if from an allowed sender. */
  async release(id: number): Promise<string> {
    const held = this.ledger.takeHeld(id);
    if (!held) throw new Error(`no held email with id ${id}`);
    const mail = await parseMail(held.raw);
    this.ledger.setStatus(held.messageId, "accepted", "released by the owner");
    return this.accept(mail, "allowed", false);
  }

  /**
   * Stores the message (session, body, attachments) and starts the reply
   * fiber. Undoes its own writes if any step fails.
   */
  private async accept(mail: ParsedMail, senderClass: SenderClass, claim: boolean): Promise<string> {
    // Claim the Message-ID first (synchronously): a concurrent redelivery sees it.
    if (claim && !this.ledger.recordInbound(mail.messageId, { session: null, sender: mail.from.address, subject: mail.subject, status: "accepted" })) {
      return this.ledger.status(mail.messageId)?.session ?? "";
    }
    let session = this.ledger.threadSession([...mail.references, ...mail.inReplyTo]);
    if (session && !this.host.hasSession(session)) session = null; // the owner deleted that chat: start a new one
    const created = !session;
    let folder = "";
    try {
      session ??= await this.host.createChannelSession(mail.subject || "(no subject)", "email");
      folder = `/workspace/email/${session.slice(0, 8)}/${await shortHash(mail.messageId)}`;
      const files = await this.store(folder, mail);
      this.host.emailSql.exec(`UPDATE steward_email_message SET session = ? WHERE message_id = ?`, session, mail.messageId);
      const job: EmailJob = {
        messageId: mail.messageId,
        session,
        sender: mail.from.address,
        senderClass,
        subject: mail.subject,
        references: [...new Set([...mail.references, ...mail.inReplyTo])],
        command: ownerCommand(mail, senderClass),
        readerTask: readerTask(mail, files, await attachmentTexts(mail)),
        excerpt: mail.text.slice(0, 1000),
        bodyPath: `${folder}/body.txt`,
        files,
        signals: injectionSignals(mail),
        fromName: mail.from.name
      };
      await this.host.startFiber(REPLY_FIBER, (ctx) => this.pipeline(ctx, { stage: "accepted", job }), {
        idempotencyKey: `email:${mail.messageId}`,
        metadata: { messageId: mail.messageId, session }
      });
      return session;
    } catch (error) {
      if (folder) await this.host.workspace.fs.rm(folder, { recursive: true, force: true }).catch(() => undefined);
      if (created && session) await this.host.discardSession(session).catch(() => undefined);
      if (claim) this.host.emailSql.exec(`DELETE FROM steward_email_message WHERE message_id = ?`, mail.messageId);
      throw error;
    }
  }

  private async store(folder: string, mail: ParsedMail): Promise<SavedFile[]> {
    const fs = this.host.workspace.fs;
    await fs.mkdir(folder, { recursive: true });
    await fs.writeFile(`${folder}/body.txt`, mail.text);
    const files: SavedFile[] = [];
    const used = new Set(["body.txt"]);
    for (const a of mail.attachments) {
      let name = a.filename;
      for (let n = 2; used.has(name.toLowerCase()); n++) name = `${n}-${a.filename}`;
      used.add(name.toLowerCase());
      const path = `${folder}/${name}`;
      if (!a.skipped) await fs.writeFile(path, a.bytes);
      files.push({ path, filename: name, mimeType: a.mimeType, bytes: a.bytes.byteLength, inline: a.inline, skipped: a.skipped });
    }
    return files;
  }

  /**
   * read → work. Each stage is stashed so a recovery continues from it. The
   * reply is sent by settle(), when the turn's answer is stored: called here,
   * and from the conversation's onChatResponse (which also fires when Think
   * finishes a turn it recovered after a crash).
   */
  private async pipeline(ctx: FiberContext, start: Snapshot, recovering = false): Promise<void> {
    let snap = start;
    ctx.stash(snap);
    const { job } = snap;
    if (snap.stage === "accepted") {
      const summary = job.command ? commandSummary(job) : await this.read(job);
      snap = { stage: "read", job, summary };
      ctx.stash(snap);
    }
    if (snap.stage === "read") {
      if (recovering && this.ledger.status(job.messageId)?.status !== "accepted") return; // already answered
      const turnId = await turnIdFor(job.messageId);
      this.ledger.addPending(turnId, job.messageId, job.session, job);
      const conversation = await this.host.emailConversation(job.session);
      // The turn began before the crash: Think's chat recovery finishes it, and its onChatResponse settles.
      if (recovering && (await conversation.hasMessage(turnId))) return;
      const text = job.command ?? agentMessage({ job, summary: snap.summary });
      const outcome = await conversation.runEmailTurn({ id: turnId, text });
      await this.settle(turnId, outcome);
    }
  }

  /**
   * The turn for an email has an answer: send the reply, once. The pending
   * row is taken and the reply stashed in one synchronous step, so of all
   * callers (the pipeline, onChatResponse, a recovery) exactly one sends.
   */
  async settle(turnId: string, outcome: EmailTurnOutcome): Promise<void> {
    if (!this.ledger.hasPending(turnId)) return;
    await this.host.runFiber(REPLY_FIBER, async (ctx) => {
      const job = this.ledger.takePending<EmailJob>(turnId);
      if (!job) return;
      const reply = replyText(outcome, job);
      ctx.stash({ stage: "worked", job, reply } satisfies Snapshot);
      await emailHooks.beforeReply?.(job.messageId);
      await this.deliverReply(job, reply);
    });
  }

  /**
   * The owner's own verified addresses get the reply at once. Anyone else
   * (an allowed sender, a released stranger) is a recipient outside the
   * agent, and the answer may carry whatever the model read: the reply waits
   * for the owner's approval of its exact text. Checked now, not when the
   * mail arrived, so an address the owner removed since is asked about.
   */
  private async deliverReply(job: EmailJob, text: string): Promise<void> {
    const mail = replyMail(job, text);
    if (this.settings.ownerAddresses().includes(mail.to.toLowerCase())) {
      await this.sendReply(job, mail);
      return;
    }
    // A recovery may park again: the first row stands, and a decision already made is not undone.
    const parked = await this.replies.park(job.messageId, job.session, mail, job);
    if (parked.status !== "awaiting") return;
    this.ledger.setStatus(job.messageId, "awaiting-approval", `the reply to ${mail.to} waits for the owner's approval in the web app`);
    this.host.emailRepliesChanged();
  }

  /** The owner approves a parked reply as shown (its digest); it is sent once. */
  approveReply(id: number, digest: string): Promise<ReplyForApproval> {
    return approveReply(this.approvedReplyHost(), id, digest);
  }

  /** The owner rejects a parked reply: nothing is sent, and the mail log says so. */
  rejectReply(id: number): ReplyForApproval {
    const row = this.replies.get(id);
    if (this.replies.reject(id) && row) {
      this.ledger.setStatus(row.messageId, "reply-skipped", `the owner rejected the reply to ${row.to}`);
      this.host.emailRepliesChanged();
    }
    return this.replies.get(id) as ReplyForApproval;
  }

  private approvedReplyHost(): ApprovedReplyHost {
    return {
      replies: this.replies,
      sendApproved: async (id, mail) => {
        const job = this.replies.job<EmailJob>(id);
        if (!job) throw new Error(`no reply with id ${id}`);
        return this.sendReply(job, mail);
      },
      audit: (entry) => this.host.gateAfter(entry),
      runFiber: (name, fn) => this.host.runFiber(name, fn),
      changed: () => this.host.emailRepliesChanged()
    };
  }

  private async read(job: EmailJob): Promise<MailSummary> {
    if (emailHooks.directReading) return { summary: job.readerTask, requests: [], suspicious: job.signals.length > 0, reasons: job.signals };
    const reader = await this.host.mailReader(job.session);
    const summary = await reader.readMail(job.readerTask, job.excerpt);
    const reasons = [...new Set([...summary.reasons, ...job.signals])];
    return { ...summary, suspicious: summary.suspicious || job.signals.length > 0, reasons };
  }

  private async sendReply(job: EmailJob, mail: ReplyMail): Promise<OutboundRecord> {
    const from = await this.host.emailAddress();
    const record = await sendOnce(this.host.emailEnv, this.ledger, this.settings.all(from).sendLimitPerHour, from, {
      key: `reply:${job.messageId}`,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      inReplyTo: job.messageId,
      references: [...job.references.filter((r) => r !== job.messageId), job.messageId]
    });
    if (record.status === "sent") {
      this.ledger.recordOutboundId(record.messageId, job.session, from, record.subject);
      if (record.providerMessageId) this.ledger.recordOutboundId(record.providerMessageId, job.session, from, record.subject);
      this.ledger.setStatus(job.messageId, "replied");
    } else {
      this.ledger.setStatus(job.messageId, "reply-skipped", `${record.status}: ${record.detail}`);
    }
    return record;
  }

  /**
   * After a crash. A stashed reply is sent (the outbox keeps it to one). A
   * turn that already holds the email's message is left to Think's own chat
   * recovery, whose onChatResponse settles it; anything earlier runs again
   * from its checkpoint. Both in a new background fiber: this hook runs in
   * the root's alarm, and touching a facet from here (or waiting for a turn)
   * deadlocks with the facets' own start-up and recovery.
   */
  async recover(ctx: FiberRecoveryContext): Promise<{ status: "completed" } | undefined> {
    if (ctx.name === APPROVED_REPLY_FIBER) {
      await recoverApprovedReply(this.approvedReplyHost(), ctx.snapshot);
      return { status: "completed" };
    }
    if (ctx.name !== REPLY_FIBER) return undefined;
    const snap = ctx.snapshot as Snapshot | null;

    if (!snap?.job) return { status: "completed" };
    if (snap.stage === "worked") {
      await this.deliverReply(snap.job, snap.reply);
      return { status: "completed" };
    }
    await this.host.startFiber(REPLY_FIBER, (next) => this.pipeline(next, snap, true), {
      idempotencyKey: `email:${snap.job.messageId}:recovered:${ctx.id}`,
      metadata: { messageId: snap.job.messageId, session: snap.job.session }
    });
    return { status: "completed" };
  }
}

async function turnIdFor(messageId: string): Promise<string> {
  return `email-${await shortHash(messageId)}`;
}

/** The in-thread reply: to the sender, under the thread's subject. */
function replyMail(job: EmailJob, text: string): ReplyMail {
  return { to: job.sender, subject: replySubject(job.subject), text };
}

function commandSummary(job: EmailJob): MailSummary {
  return { summary: `A slash command from the owner: ${job.command ?? ""}`, requests: [], suspicious: false, reasons: [] };
}

function replyText(outcome: EmailTurnOutcome, job: EmailJob): string {
  const waiting = outcome.pendingApprovals.length > 0;
  const lines = [outcome.text || (waiting ? "I need the owner's approval before I can do this." : outcome.status === "completed" ? "Done." : "")];
  if (outcome.status !== "completed") lines.push(`I could not finish this (${outcome.status}${outcome.error ? `: ${outcome.error}` : ""}).`);
  if (outcome.pendingApprovals.length) {
    const who = job.senderClass === "owner" ? "your" : "the owner's";
    lines.push(
      `Waiting for ${who} approval before: ${[...new Set(outcome.pendingApprovals)].join(", ")}. Approvals are given in the Steward web app (chat "${job.subject || "(no subject)"}"), never by email.`
    );
  }
  return lines.filter(Boolean).join("\n\n");
}

async function attachmentTexts(mail: ParsedMail): Promise<Array<{ filename: string; text: string }>> {
  return mail.attachments
    .filter((a) => !a.skipped && /^text\/|\/json$|\/csv$|\/xml$/.test(a.mimeType))
    .map((a) => ({ filename: a.filename, text: new TextDecoder().decode(a.bytes).slice(0, TEXT_ATTACHMENT_CHARS) }));
}

async function shortHash(value: string): Promise<string> {
  return (await sha256Hex(value)).slice(0, 12);
}
