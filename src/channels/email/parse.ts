import PostalMime from "postal-mime";
import type { Address, Email } from "postal-mime";
import { isAutoReplyEmail } from "agents/email";
import { sha256Hex } from "../../util/digest";
import { htmlToText } from "./html-text";
import { errorText } from "../../shared/error-text";

/** Whole messages larger than this are refused before parsing. */
export const MAX_RAW_BYTES = 25 * 1024 * 1024;
/** One attachment larger than this is listed but not saved. */
export const MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024;
/** Attachments of one message are saved up to this many bytes in total. */
export const MAX_ATTACHMENTS_TOTAL = 15 * 1024 * 1024;
const MAX_ATTACHMENTS = 20;

export class MalformedMailError extends Error {}

export interface MailAttachment {
  filename: string;
  mimeType: string;
  inline: boolean;
  bytes: Uint8Array;
  /** Why it is not saved (size limits), or null. */
  skipped: string | null;
}

export interface ParsedMail {
  messageId: string;
  inReplyTo: string[];
  references: string[];
  subject: string;
  from: { name: string; address: string };
  to: string[];
  date: string | null;
  /** Readable body: the text part, or the HTML part converted. */
  text: string;
  /** Which part the text came from. */
  textSource: "text" | "html" | "none";
  hiddenHtmlElements: number;
  /** A forwarded message (a message/rfc822 part or a "Forwarded message" block). */
  forwarded: boolean;
  autoReply: boolean;
  headers: Array<{ key: string; value: string }>;
  attachments: MailAttachment[];
}

/**
 * Parses and validates a raw message completely before anything is stored,
 * so a broken message is refused whole. Throws MalformedMailError with a
 * reason fit to send back as an SMTP rejection.
 */
export async function parseMail(raw: Uint8Array): Promise<ParsedMail> {
  if (raw.byteLength === 0) throw new MalformedMailError("empty message");
  if (raw.byteLength > MAX_RAW_BYTES) throw new MalformedMailError(`message too large: ${raw.byteLength} bytes (limit ${MAX_RAW_BYTES})`);
  if (!hasHeaderBlock(raw)) throw new MalformedMailError("malformed message: no RFC 5322 header block");

  let email: Email;
  try {
    email = await PostalMime.parse(raw, { attachmentEncoding: "arraybuffer" });
  } catch (error) {
    throw new MalformedMailError(`malformed message: ${errorText(error)}`);
  }
  const from = mailbox(email.from);
  if (!from) throw new MalformedMailError("malformed message: missing or unparseable From header");

  const html = email.html ? await htmlToText(email.html) : null;
  const plain = email.text?.trim() ?? "";
  const text = plain || html?.text || "";
  const headers = email.headers.map((h) => ({ key: h.key, value: h.value }));
  const forwardedPart = email.attachments.some((a) => a.mimeType === "message/rfc822");

  let total = 0;
  const attachments = email.attachments.slice(0, MAX_ATTACHMENTS).map((a, i): MailAttachment => {
    const bytes = toBytes(a.content);
    let skipped: string | null = null;
    if (bytes.byteLength > MAX_ATTACHMENT_BYTES) skipped = `larger than ${MAX_ATTACHMENT_BYTES} bytes`;
    else if (total + bytes.byteLength > MAX_ATTACHMENTS_TOTAL) skipped = `over the ${MAX_ATTACHMENTS_TOTAL}-byte total for one message`;
    else total += bytes.byteLength;
    return {
      filename: safeFilename(a.filename, i, a.mimeType),
      mimeType: a.mimeType || "application/octet-stream",
      inline: a.disposition === "inline" || Boolean(a.related),
      bytes,
      skipped
    };
  });

  return {
    messageId: normalizeId(email.messageId) ?? (await syntheticId(raw)),
    inReplyTo: idList(email.inReplyTo),
    references: idList(email.references),
    subject: (email.subject ?? "").replace(/[\r\n]+/g, " ").trim(),
    from,
    to: (email.to ?? []).flatMap(addresses),
    date: email.date ?? null,
    text,
    textSource: plain ? "text" : html?.text ? "html" : "none",
    hiddenHtmlElements: html?.hiddenElements ?? 0,
    forwarded: forwardedPart || /^-{2,}\s*(?:Forwarded message|Original Message)\s*-{2,}/im.test(text) || /^(?:fwd?|tr|wg):/i.test(email.subject ?? ""),
    autoReply: isAutoReplyEmail(headers) || isBounce(headers, from.address),
    headers,
    attachments
  };
}

function hasHeaderBlock(raw: Uint8Array): boolean {
  const head = new TextDecoder("latin1").decode(raw.subarray(0, Math.min(raw.byteLength, 64 * 1024)));
  const firstLine = head.split(/\r?\n/, 1)[0] ?? "";
  return /^[!-9;-~]+:/.test(firstLine) && /\r?\n\r?\n/.test(head);
}

function isBounce(headers: Array<{ key: string; value: string }>, from: string): boolean {
  const local = from.slice(0, from.indexOf("@")).toLowerCase();
  if (local === "mailer-daemon" || local === "postmaster") return true;
  const type = headers.find((h) => h.key === "content-type")?.value ?? "";
  return /multipart\/report/i.test(type) && /report-type\s*=\s*"?delivery-status/i.test(type);
}

function mailbox(address: Address | undefined): { name: string; address: string } | null {
  if (!address) return null;
  const box = address.group ? address.group[0] : address;
  if (!box?.address || !/^[^\s@]+@[^\s@]+$/.test(box.address)) return null;
  return { name: box.name ?? "", address: box.address.toLowerCase() };
}

function addresses(address: Address): string[] {
  const boxes = address.group ?? [address];
  return boxes
    .map((b) => b.address ?? "")
    .filter(Boolean)
    .map((a) => a.toLowerCase());
}

/** `<id@host>` → `<id@host>`; bare ids get brackets; junk → null. */
export function normalizeId(id: string | undefined | null): string | null {
  const match = /<?([^<>\s]+@[^<>\s]+)>?/.exec(id ?? "");
  return match ? `<${match[1]}>` : null;
}

function idList(value: string | undefined): string[] {
  return [...(value ?? "").matchAll(/<([^<>\s]+)>/g)].map((m) => `<${m[1]}>`);
}

async function syntheticId(raw: Uint8Array): Promise<string> {
  return `<sha256-${(await sha256Hex(new Uint8Array(raw))).slice(0, 32)}@steward.invalid>`;
}

function toBytes(content: ArrayBuffer | Uint8Array | string): Uint8Array {
  if (typeof content === "string") return new TextEncoder().encode(content);
  return content instanceof Uint8Array ? content : new Uint8Array(content);
}

function safeFilename(name: string | null, index: number, mimeType: string): string {
  // Only the last path segment: "../../etc/x" must not climb out of the folder.
  const cleaned = (name ?? "")
    .split(/[\\/]/)
    .pop()!
    .normalize("NFC")
    .replace(/[\u0000-\u001f\u007f/\\:*?"<>|]+/g, "_")
    .replace(/^\.+/, "")
    .trim()
    .slice(0, 100);
  if (cleaned) return cleaned;
  const ext = mimeType === "message/rfc822" ? "eml" : (mimeType.split("/")[1] ?? "bin").replace(/[^a-z0-9]+/gi, "").slice(0, 8) || "bin";
  return `part-${index + 1}.${ext}`;
}
