import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Assistant } from "../../src/assistant/assistant";
import { PushOutbox } from "../../src/push/outbox";
import { decryptPush, generateVapidKeys, verifyVapid } from "../../src/push/crypto";
import { base64url } from "../../src/shared/bytes";
import { vapidKeys } from "../../src/push/keys";
import { assistantFor } from "../helpers/agent";

async function browser() {
  const pair = (await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, ["deriveBits"])) as CryptoKeyPair;
  const publicKey = new Uint8Array((await crypto.subtle.exportKey("raw", pair.publicKey)) as ArrayBuffer);
  const auth = crypto.getRandomValues(new Uint8Array(16));
  return { receiver: { privateKey: pair.privateKey, publicKey, auth }, keys: { p256dh: base64url(publicKey), auth: base64url(auth) } };
}

/** Runs `fn` with a PushOutbox on a fresh Assistant's real (migrated) SQLite. */
async function withOutbox<T>(fn: (outbox: PushOutbox) => Promise<T>): Promise<T> {
  const stub = await assistantFor(`push-${crypto.randomUUID()}`);
  const keys = await generateVapidKeys("mailto:owner@example.com");
  return runInDurableObject(stub as unknown as DurableObjectStub<Assistant>, (_i, state) => fn(new PushOutbox(state.storage.sql, async () => keys)));
}

interface Sent {
  url: string;
  authorization: string;
  body: Uint8Array;
}

function fakePushService(status: (url: string) => number) {
  const sent: Sent[] = [];
  const send = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    const headers = new Headers(init?.headers);
    sent.push({ url, authorization: headers.get("Authorization") ?? "", body: new Uint8Array(init?.body as Uint8Array) });
    return new Response(null, { status: status(url) });
  }) as typeof fetch;
  return { sent, send };
}

const event = { id: "task:n-1", kind: "task" as const, title: "Brief", body: "All quiet.", url: "/#/chat/s1" };

describe("the push outbox", () => {
  it("sends an event once, encrypted for the browser and signed with VAPID; only opted-in kinds", async () => {
    const b = await browser();
    await withOutbox(async (outbox) => {
      outbox.subscribe({ endpoint: "https://push.example.net/s/1", keys: b.keys });
      expect(outbox.enqueue(event)).toBe(false); // no kind opted into yet
      outbox.setKinds({ task: true });
      expect(outbox.enqueue(event)).toBe(true);
      expect(outbox.enqueue(event)).toBe(false); // same event id: queued once
      const service = fakePushService(() => 201);
      await outbox.flush(service.send);
      await outbox.flush(service.send); // nothing left
      expect(service.sent).toHaveLength(1);
      const [first] = service.sent;
      await verifyVapid(first!.authorization, first!.url);
      const payload = JSON.parse(new TextDecoder().decode(await decryptPush(first!.body, b.receiver))) as Record<string, string>;
      expect(payload).toEqual({ title: "Brief", body: "All quiet.", url: "/#/chat/s1", tag: "task:n-1" });
      expect(outbox.enqueue({ ...event, kind: "email", id: "email:1" })).toBe(false);
    });
  });

  it("a 410 or 404 from the push service removes that subscription; others stay", async () => {
    const [gone, kept, missing] = [await browser(), await browser(), await browser()];
    await withOutbox(async (outbox) => {
      outbox.subscribe({ endpoint: "https://push.example.net/gone", keys: gone.keys });
      outbox.subscribe({ endpoint: "https://push.example.net/kept", keys: kept.keys });
      outbox.subscribe({ endpoint: "https://push.example.net/missing", keys: missing.keys });
      outbox.setKinds({ task: true });
      outbox.enqueue(event);
      const service = fakePushService((url) => (url.endsWith("/gone") ? 410 : url.endsWith("/missing") ? 404 : 201));
      await outbox.flush(service.send);
      expect(outbox.endpoints()).toEqual(["https://push.example.net/kept"]);
    });
  });

  it("refuses what is not a browser's subscription or a known kind", async () => {
    await withOutbox(async (outbox) => {
      expect(() => outbox.subscribe({ endpoint: "javascript:alert(1)", keys: { p256dh: "x", auth: "y" } })).toThrow("http(s)");
      expect(() =>
        outbox.subscribe({ endpoint: "https://p.example/x", keys: { p256dh: base64url(new Uint8Array(65)), auth: base64url(new Uint8Array(16)) } })
      ).toThrow("P-256");
      expect(() => outbox.setKinds({ spam: true })).toThrow("unknown notification kind");
    });
  });

  it("one VAPID key pair for the deployment when no vars are set", async () => {
    const a = await vapidKeys({ ...env, VAPID_PUBLIC_KEY: "", VAPID_PRIVATE_KEY: "" });
    const b = await vapidKeys({ ...env, VAPID_PUBLIC_KEY: "", VAPID_PRIVATE_KEY: "" });
    expect(a.publicKey).toBe(b.publicKey);
    expect((await vapidKeys({ ...env, VAPID_PUBLIC_KEY: "pub", VAPID_PRIVATE_KEY: "priv", VAPID_SUBJECT: "mailto:a@b.c" })).publicKey).toBe("pub");
  });
});
