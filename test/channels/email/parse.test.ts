import { describe, expect, it } from "vitest";
import { checkAuthentication } from "../../../src/channels/email/auth-results";
import { MAX_ATTACHMENT_BYTES, parseMail } from "../../../src/channels/email/parse";
import { normalizeAddress } from "../../../src/channels/email/address";

const h = (...values: string[]) => values.map((value) => ({ key: "authentication-results", value }));

describe("Authentication-Results", () => {
  it("accepts DMARC pass, or an aligned DKIM or SPF pass", () => {
    expect(checkAuthentication(h("mx.example; dmarc=pass header.from=example.com"), "a@example.com").ok).toBe(true);
    expect(checkAuthentication(h("mx.example; dkim=pass (good sig) header.d=mail.example.com"), "a@example.com").ok).toBe(true);
    expect(checkAuthentication(h("mx.example; spf=pass smtp.mailfrom=bounce@example.com"), "a@example.com").ok).toBe(true);
  });

  it("refuses DMARC failures, unaligned passes and missing results", () => {
    expect(checkAuthentication(h("mx.example; dmarc=fail; dkim=pass header.d=example.com"), "a@example.com")).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/DMARC fail/)
    });
    expect(checkAuthentication(h("mx.example; dkim=pass header.d=evil.example; spf=pass smtp.mailfrom=x@evil.example"), "a@example.com").ok).toBe(false);
    expect(checkAuthentication(h("mx.example; dkim=none; spf=none"), "a@example.com").ok).toBe(false);
    expect(checkAuthentication([], "a@example.com").ok).toBe(false);
  });

  it("aligns by registered domain under the public suffix list, not by a name suffix", () => {
    const dkim = (d: string, from: string) => checkAuthentication(h(`mx.example; dkim=pass header.d=${d}`), `a@${from}`).ok;
    const spf = (d: string, from: string) => checkAuthentication(h(`mx.example; spf=pass smtp.mailfrom=bounce@${d}`), `a@${from}`).ok;
    expect(dkim("mail.example.co.uk", "example.co.uk")).toBe(true);
    expect(dkim("example.co.uk", "news.example.co.uk")).toBe(true);
    expect(spf("mail.example.co.uk", "example.co.uk")).toBe(true);
    // Sharing only the public suffix is not alignment.
    expect(dkim("example.co.uk", "other.co.uk")).toBe(false);
    expect(dkim("co.uk", "example.co.uk")).toBe(false);
    expect(spf("other.co.uk", "example.co.uk")).toBe(false);
    // A name that merely ends with the sender's domain is someone else's.
    expect(dkim("evil-example.com", "example.com")).toBe(false);
    expect(dkim("example.com", "evil-example.com")).toBe(false);
    expect(spf("evil-example.com", "example.com")).toBe(false);
    // Private suffixes: two users' pages on one hosting domain are different organizations.
    expect(dkim("alice.github.io", "bob.github.io")).toBe(false);
    expect(dkim("EXAMPLE.com", "example.com")).toBe(true);
  });

  it("trusts only the receiving server's header: a sender-supplied pass lower down proves nothing", () => {
    const forged = h("mx.example; spf=fail smtp.mailfrom=a@example.com", "mx.example; dmarc=pass header.from=example.com");
    expect(checkAuthentication(forged, "a@example.com").ok).toBe(false);
    // With EMAIL_AUTHSERV_ID, the first header from that server counts, wherever it is.
    const pinned = h("attacker.example; dmarc=pass", "mx.cloudflare.net; dmarc=fail");
    expect(checkAuthentication(pinned, "a@example.com", "mx.cloudflare.net").ok).toBe(false);
    expect(checkAuthentication(h("other; dmarc=fail", "mx.cloudflare.net; dmarc=pass"), "a@example.com", "mx.cloudflare.net").ok).toBe(true);
  });
});

function message(extraHeaders: string[], body: string, contentType = "text/plain; charset=utf-8"): Uint8Array {
  return new TextEncoder().encode(
    [
      "From: A <a@example.com>",
      "To: b@example.com",
      "Subject: t",
      "Message-ID: <m@example.com>",
      ...extraHeaders,
      `Content-Type: ${contentType}`,
      "",
      body,
      ""
    ].join("\r\n")
  );
}

describe("parseMail", () => {
  it("lists an attachment over the size limit without keeping it for saving", async () => {
    const big = btoa("x".repeat(MAX_ATTACHMENT_BYTES + 3)).replace(/.{76}/g, "$&\r\n");
    const raw = message(
      [],
      [
        "--b",
        "Content-Type: text/plain",
        "",
        "see attachment",
        "--b",
        'Content-Type: application/octet-stream; name="big.bin"',
        "Content-Transfer-Encoding: base64",
        'Content-Disposition: attachment; filename="big.bin"',
        "",
        big,
        "--b--"
      ].join("\r\n"),
      'multipart/mixed; boundary="b"'
    );
    const mail = await parseMail(raw);
    expect(mail.attachments).toHaveLength(1);
    expect(mail.attachments[0]).toMatchObject({ filename: "big.bin", skipped: `larger than ${MAX_ATTACHMENT_BYTES} bytes` });
  });

  it("recognises bounces and auto-replies", async () => {
    expect((await parseMail(message(["Auto-Submitted: auto-generated"], "x"))).autoReply).toBe(true);
    expect((await parseMail(message(["Precedence: bulk"], "x"))).autoReply).toBe(true);
    expect((await parseMail(message([], "x", 'multipart/report; report-type="delivery-status"; boundary="r"'))).autoReply).toBe(true);
    const daemon = new TextEncoder().encode(new TextDecoder().decode(message([], "x")).replace("From: A <a@example.com>", "From: MAILER-DAEMON@example.com"));
    expect((await parseMail(daemon)).autoReply).toBe(true);
    expect((await parseMail(message([], "a normal note"))).autoReply).toBe(false);
  });

  it("gives mail without a Message-ID a stable synthetic id (so redelivery still dedupes)", async () => {
    const raw = new TextEncoder().encode("From: a@example.com\r\nSubject: no id\r\n\r\nbody\r\n");
    const a = await parseMail(raw);
    const b = await parseMail(raw);
    expect(a.messageId).toMatch(/^<sha256-[0-9a-f]{32}@steward\.invalid>$/);
    expect(a.messageId).toBe(b.messageId);
  });

  it("normalises addresses and refuses junk", () => {
    expect(normalizeAddress(" Olive <Olive@Example.COM> ")).toBe("olive@example.com");
    expect(() => normalizeAddress("olive")).toThrow("not an email address");
    expect(() => normalizeAddress("a b@example.com")).toThrow("not an email address");
    expect(() => normalizeAddress(42)).toThrow("must be a string");
  });
});
