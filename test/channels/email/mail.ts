import { env } from "cloudflare:workers";
import { getSubAgentByName } from "agents";
import type { UIMessage } from "ai";
import { afterEach, beforeEach } from "vitest";
import worker from "../../../src/server";
import { Conversation } from "../../../src/assistant/conversation";
import { mailTransport } from "../../../src/channels/email/outbound";
import { modelOverride } from "../../../src/model";
import { assistantFor } from "../../helpers/agent";

const FIXTURES = import.meta.glob("./fixtures/*.eml", { query: "?raw", import: "default", eager: true }) as Record<string, string>;

export const OWNER = "owner@example.com";

/** A fixture with {{PLACEHOLDERS}} filled, CRLF line ends like real SMTP. */
export function fixture(name: string, vars: Record<string, string>): string {
  const text = FIXTURES[`./fixtures/${name}.eml`];
  if (text === undefined) throw new Error(`no fixture ${name}`);
  return text.replace(/\{\{(\w+)\}\}/g, (_, key: string) => vars[key] ?? "").replace(/\r?\n/g, "\r\n");
}

export function messageId(): string {
  return `<${crypto.randomUUID()}@example.com>`;
}

export interface Delivery {
  rejected: string | null;
}

/**
 * Delivers raw MIME to the Worker's real email() handler with a
 * ForwardableEmailMessage-shaped object, as Email Routing would.
 */
export async function deliver(raw: string | Uint8Array, envelope: { from: string; to: string }): Promise<Delivery> {
  const bytes = typeof raw === "string" ? new TextEncoder().encode(raw) : raw;
  const delivery: Delivery = { rejected: null };
  const message: ForwardableEmailMessage = {
    from: envelope.from,
    to: envelope.to,
    raw: new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes);
        controller.close();
      }
    }),
    headers: headersOf(bytes),
    rawSize: bytes.byteLength,
    canBeForwarded: true,
    setReject(reason: string) {
      delivery.rejected = reason;
    },
    forward: async () => {
      throw new Error("tests never forward");
    },
    reply: async () => {
      throw new Error("Steward replies through the EMAIL binding, not message.reply()");
    }
  };
  await worker.email(message, env);
  return delivery;
}

function headersOf(bytes: Uint8Array): Headers {
  const text = new TextDecoder("latin1").decode(bytes);
  const head = text.split(/\r?\n\r?\n/, 1)[0] ?? "";
  const headers = new Headers();
  for (const line of head.replace(/\r?\n[ \t]+/g, " ").split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon > 0) {
      try {
        headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
      } catch {
        // not a header line (malformed fixtures)
      }
    }
  }
  return headers;
}

/** Captures outbound mail at the binding seam. */
export class Outbox {
  readonly sent: EmailMessageBuilder[] = [];

  install(): this {
    this.sent.length = 0;
    mailTransport.current = {
      send: async (message: EmailMessage | EmailMessageBuilder) => {
        if (!("subject" in message)) throw new Error("Steward sends builder-style messages");
        this.sent.push(message);
        return { messageId: `<captured-${this.sent.length}@test>` };
      }
    } as SendEmail;
    return this;
  }

  uninstall(): void {
    mailTransport.current = undefined;
  }

  to(address: string): EmailMessageBuilder[] {
    return this.sent.filter((m) => [m.to].flat().some((t) => (typeof t === "string" ? t : t?.email) === address));
  }
}

/**
 * Per test: captures outbound mail in the returned outbox (emptied before each
 * test) and clears any model override after it.
 */
export function captureMail(): Outbox {
  const outbox = new Outbox();
  beforeEach(() => {
    outbox.install();
  });
  afterEach(() => {
    outbox.uninstall();
    modelOverride.current = undefined;
  });
  return outbox;
}

/** A fresh user with an owner address; returns their agent address. */
export async function mailUser(owner = OWNER) {
  const id = `access:${crypto.randomUUID()}`;
  const assistant = await assistantFor(id);
  await assistant.addOwnerEmailAddress(owner);
  const { address } = await assistant.getEmailSettings();
  return { id, assistant, address };
}

export async function until<T>(probe: () => Promise<T | undefined | null | false>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits until the inbound message has a final status (replied, reply-skipped, failed). */
export async function settled(user: { assistant: Awaited<ReturnType<typeof assistantFor>> }, id: string) {
  return until(async () => {
    const row = (await user.assistant.getEmailLog(100)).find((r) => r.messageId === id && r.direction === "in");
    return row && ["replied", "reply-skipped", "failed"].includes(row.status) ? row : undefined;
  }, `message ${id} to settle`);
}

export async function transcript(userId: string, sessionId: string): Promise<UIMessage[]> {
  const conversation = await getSubAgentByName(await assistantFor(userId), Conversation, sessionId);
  return (await conversation.getMessages()) as unknown as UIMessage[];
}

export function header(message: EmailMessageBuilder | undefined, name: string): string | undefined {
  const headers = message?.headers ?? {};
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase());
  return key ? headers[key] : undefined;
}
