import { describe, expect, it } from "vitest";
import { decryptPush, encryptPush, generateVapidKeys, vapidAuthorization, verifyVapid } from "../../src/push/crypto";
import { base64url, fromBase64url } from "../../src/shared/bytes";

/** A browser's subscription keys, as PushManager.subscribe makes them. */
async function browserKeys() {
  const pair = (await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, ["deriveBits"])) as CryptoKeyPair;
  const publicKey = new Uint8Array((await crypto.subtle.exportKey("raw", pair.publicKey)) as ArrayBuffer);
  const auth = crypto.getRandomValues(new Uint8Array(16));
  return { receiver: { privateKey: pair.privateKey, publicKey, auth }, keys: { p256dh: base64url(publicKey), auth: base64url(auth) } };
}

async function uaPrivate(d: string, publicKey: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey(
    "jwk",
    { kty: "EC", crv: "P-256", d, x: base64url(publicKey.slice(1, 33)), y: base64url(publicKey.slice(33)) },
    { name: "ECDH", namedCurve: "P-256" },
    false,
    ["deriveBits"]
  );
}

describe("RFC 8291 payload encryption", () => {
  it("decrypts the RFC's own example (section 5), so the key schedule is the standard one", async () => {
    const uaPublic = fromBase64url("BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4");
    const body = fromBase64url(
      "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN"
    );
    const plaintext = await decryptPush(body, {
      privateKey: await uaPrivate("q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94", uaPublic),
      publicKey: uaPublic,
      auth: fromBase64url("BTBZMqHH6r4Tts7J_aSIgg")
    });
    expect(new TextDecoder().decode(plaintext)).toBe("When I grow up, I want to be a watermelon");
  });

  it("encrypt then decrypt round-trips with a test key; each message has its own salt and key", async () => {
    const { receiver, keys } = await browserKeys();
    const message = new TextEncoder().encode(JSON.stringify({ title: "Task done", body: "All quiet.", url: "/#/chat/x" }));
    const a = await encryptPush(message, keys);
    const b = await encryptPush(message, keys);
    expect(new DataView(a.buffer).getUint32(16)).toBe(4096);
    expect(a[20]).toBe(65);
    expect(base64url(a.slice(0, 16))).not.toBe(base64url(b.slice(0, 16)));
    expect(await decryptPush(a, receiver)).toEqual(message);
    expect(await decryptPush(b, receiver)).toEqual(message);
    // Another browser's keys cannot read it.
    const other = await browserKeys();
    await expect(decryptPush(a, other.receiver)).rejects.toThrow();
  });

  it("refuses keys that are not a subscription's", async () => {
    const { keys } = await browserKeys();
    await expect(encryptPush(new Uint8Array(1), { ...keys, auth: base64url(new Uint8Array(8)) })).rejects.toThrow("16 bytes");
    await expect(encryptPush(new Uint8Array(5000), keys)).rejects.toThrow("at most");
  });
});

describe("RFC 8292 VAPID", () => {
  it("signs an ES256 JWT for the push service's origin that verifies with the public key", async () => {
    const keys = await generateVapidKeys("mailto:owner@example.com");
    expect(fromBase64url(keys.publicKey)).toHaveLength(65);
    const header = await vapidAuthorization("https://push.example.net/send/abc", keys, 1_800_000_000_000);
    expect(header).toMatch(/^vapid t=[\w-]+\.[\w-]+\.[\w-]+, k=[\w-]+$/);
    const claims = await verifyVapid(header, "https://push.example.net/other", 1_800_000_000_000);
    expect(claims).toEqual({ aud: "https://push.example.net", exp: 1_800_000_000 + 12 * 3600, sub: "mailto:owner@example.com", k: keys.publicKey });
    // A different origin, a tampered token, or another key is refused.
    await expect(verifyVapid(header, "https://elsewhere.example/x", 1_800_000_000_000)).rejects.toThrow("audience");
    const other = await generateVapidKeys("mailto:x@example.com");
    await expect(verifyVapid(header.replace(/k=.*$/, `k=${other.publicKey}`), "https://push.example.net/x", 1_800_000_000_000)).rejects.toThrow("signature");
  });
});
