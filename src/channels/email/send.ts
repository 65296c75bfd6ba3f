/**
 * Mail the agent starts itself (not replies): the send_email tool and task
 * results for the owner. Both go through the send-once ledger, so a key is
 * mailed at most once whatever retries or recoveries happen.
 */
import type { EmailSender } from "../../schedules/delivery";
import { normalizeAddress } from "./address";
import type { EmailInbox } from "./inbox";
import { mailTransport, sendOnce } from "./outbound";
import type { SendToolResult } from "./session-tools";
import { errorText } from "../../shared/error-text";

export interface SendHost {
  readonly emailEnv: Env;
  emailAddress(): Promise<string>;
}

/** send_email, called by a conversation's tool after any approval it needed. */
export async function sendFromTool(
  host: SendHost,
  inbox: EmailInbox,
  mail: { key: string; to: string; subject: string; text: string; session: string }
): Promise<SendToolResult> {
  let to: string;
  try {
    to = normalizeAddress(mail.to);
  } catch (error) {
    return { ok: false, error: errorText(error) };
  }
  const from = await host.emailAddress();
  const record = await sendOnce(host.emailEnv, inbox.ledger, inbox.settings.all(from).sendLimitPerHour, from, { ...mail, to });
  if (record.status !== "sent") return { ok: false, error: `not sent (${record.status}): ${record.detail}` };
  // Replies to this mail thread back into the session that sent it.
  inbox.ledger.recordOutboundId(record.messageId, mail.session, from, mail.subject);
  if (record.providerMessageId) inbox.ledger.recordOutboundId(record.providerMessageId, mail.session, from, mail.subject);
  return { ok: true, status: "sent", to, messageId: record.messageId };
}

/**
 * Task results by email: to the owner's first verified address. Null (the
 * result then goes to the web app with a note) when there is no verified
 * address or no mail binding.
 */
export function ownerMailSender(host: SendHost, inbox: EmailInbox): EmailSender | null {
  const to = inbox.settings.ownerAddresses()[0];
  if (!to || !(mailTransport.current ?? host.emailEnv.EMAIL)) return null;
  return {
    send: async ({ key, subject, text }) => {
      const from = await host.emailAddress();
      const record = await sendOnce(host.emailEnv, inbox.ledger, inbox.settings.all(from).sendLimitPerHour, from, { key: `task:${key}`, to, subject, text });
      if (record.status !== "sent") throw new Error(`the result email was not sent (${record.status}): ${record.detail}`);
    }
  };
}
