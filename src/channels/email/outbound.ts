import type { EmailLedger, OutboundRecord } from "./ledger";
import { sha256Hex } from "../../util/digest";
import { normalizeId } from "./parse";
import { errorText } from "../../shared/error-text";

/**
 * Test and bench seam: outbound mail is the one effect that cannot leave this
 * machine, so a test installs a capturing SendEmail here. Production never
 * sets it and uses the `EMAIL` send_email binding.
 */
export const mailTransport: { current?: SendEmail } = {};

export interface OutboundMail {
  /** Idempotency key: one key is sent at most once. */
  key: string;
  to: string;
  subject: string;
  text: string;
  inReplyTo?: string;
  references?: string[];
}

export function replySubject(subject: string): string {
  const trimmed = subject.trim() || "(no subject)";
  return /^re:/i.test(trimmed) ? trimmed : `Re: ${trimmed}`;
}

/** A Message-ID for our own mail, stable for a key so a retried send carries the same id. */
export async function outboundMessageId(key: string, domain: string): Promise<string> {
  return `<steward-${(await sha256Hex(key)).slice(0, 24)}@${domain}>`;
}

/**
 * Sends once per key, within the hourly limit. A key already sent returns its
 * record without sending again; over the limit nothing is sent and the record
 * says so (a loop between two agents stops here).
 */
export async function sendOnce(env: Env, ledger: EmailLedger, limitPerHour: number, from: string, mail: OutboundMail): Promise<OutboundRecord> {
  const previous = ledger.outbound(mail.key);
  if (previous?.status === "sent") return previous;
  const domain = from.slice(from.lastIndexOf("@") + 1);
  const messageId = await outboundMessageId(mail.key, domain);
  const base = { key: mail.key, to: mail.to, subject: mail.subject, messageId, providerMessageId: "" };
  if (ledger.sentInLastHour() >= limitPerHour) {
    ledger.recordSend({ ...base, status: "rate-limited", detail: `over the limit of ${limitPerHour} mails per hour` });
    return ledger.outbound(mail.key) as OutboundRecord;
  }
  const transport = mailTransport.current ?? env.EMAIL;
  if (!transport) {
    ledger.recordSend({ ...base, status: "failed", detail: 'no "EMAIL" send_email binding is configured' });
    return ledger.outbound(mail.key) as OutboundRecord;
  }
  const headers: Record<string, string> = {
    "Message-ID": messageId,
    // RFC 3834: our mail is machine-generated, so well-behaved agents will not answer it.
    "Auto-Submitted": mail.inReplyTo ? "auto-replied" : "auto-generated"
  };
  if (mail.inReplyTo) headers["In-Reply-To"] = mail.inReplyTo;
  if (mail.references?.length) headers.References = mail.references.join(" ");
  try {
    const result = await transport.send({ from: { email: from, name: "Steward" }, to: mail.to, subject: mail.subject, text: mail.text, headers });
    const provider = normalizeId(result?.messageId) ?? "";
    ledger.recordSend({ ...base, providerMessageId: provider === messageId ? "" : provider, status: "sent", detail: "" });
  } catch (error) {
    ledger.recordSend({ ...base, status: "failed", detail: errorText(error) });
  }
  return ledger.outbound(mail.key) as OutboundRecord;
}
