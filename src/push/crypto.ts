/**
 * Web Push on the sending side, with WebCrypto only (Workers and Node alike):
 *
 * - RFC 8291 message encryption: the payload is encrypted for one browser
 *   subscription (its P-256 key `p256dh` and 16-byte `auth` secret) with an
 *   ephemeral ECDH key, HKDF-SHA-256 and AES-128-GCM, in RFC 8188's
 *   "aes128gcm" content coding (one record).
 * - RFC 8292 VAPID: an ES256 JWT for the push service's origin, signed with
 *   the application server's key, sent as `Authorization: vapid t=…, k=…`.
 *
 * The decrypting and verifying halves are here too: the tests (and the e2e
 * loopback push service) use them to check what the Worker sent.
 */
import { base64url, concatBytes, fromBase64url } from "../shared/bytes";

export interface PushKeys {
  /** The browser's public key: base64url of the 65-byte uncompressed P-256 point. */
  p256dh: string;
  /** The browser's 16-byte auth secret, base64url. */
  auth: string;
}

/** Record size written in the header; one record holds the whole (small) payload. */
const RECORD_SIZE = 4096;
/** Push services accept at least 4096 bytes of body; header (86) + tag (16) + padding delimiter (1). */
export const MAX_PLAINTEXT = RECORD_SIZE - 86 - 16 - 1;

const enc = new TextEncoder();

async function hkdf(salt: Uint8Array, ikm: Uint8Array, info: Uint8Array, bytes: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", concatBytes([ikm]), "HKDF", false, ["deriveBits"]);
  return new Uint8Array(
    await crypto.subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt: concatBytes([salt]), info: concatBytes([info]) }, key, bytes * 8)
  );
}

/** RFC 8291 §3.3–3.4: the content key and nonce from the ECDH secret, both public keys, the auth secret and the salt. */
async function contentKeys(ecdhSecret: Uint8Array, auth: Uint8Array, uaPublic: Uint8Array, asPublic: Uint8Array, salt: Uint8Array) {
  const ikm = await hkdf(auth, ecdhSecret, concatBytes([enc.encode("WebPush: info\0"), uaPublic, asPublic]), 32);
  const cek = await hkdf(salt, ikm, enc.encode("Content-Encoding: aes128gcm\0"), 16);
  const nonce = await hkdf(salt, ikm, enc.encode("Content-Encoding: nonce\0"), 12);
  return { cek, nonce };
}

function importPublic(raw: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", concatBytes([raw]), { name: "ECDH", namedCurve: "P-256" }, false, []);
}

/** Encrypts `plaintext` for one subscription: the request body to POST with `Content-Encoding: aes128gcm`. */
export async function encryptPush(plaintext: Uint8Array, keys: PushKeys): Promise<Uint8Array> {
  if (plaintext.length > MAX_PLAINTEXT) throw new Error(`push payload is ${plaintext.length} bytes; at most ${MAX_PLAINTEXT}`);
  const uaPublic = fromBase64url(keys.p256dh);
  const auth = fromBase64url(keys.auth);
  if (uaPublic.length !== 65 || uaPublic[0] !== 4) throw new Error("subscription key p256dh is not an uncompressed P-256 point");
  if (auth.length !== 16) throw new Error("subscription auth secret is not 16 bytes");
  const ephemeral = (await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, ["deriveBits"])) as CryptoKeyPair;
  const asPublic = new Uint8Array((await crypto.subtle.exportKey("raw", ephemeral.publicKey)) as ArrayBuffer);
  const ecdhSecret = new Uint8Array(await crypto.subtle.deriveBits({ name: "ECDH", public: await importPublic(uaPublic) }, ephemeral.privateKey, 256));
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const { cek, nonce } = await contentKeys(ecdhSecret, auth, uaPublic, asPublic, salt);
  const aes = await crypto.subtle.importKey("raw", concatBytes([cek]), "AES-GCM", false, ["encrypt"]);
  // 0x02: the padding delimiter of the last (only) record, no padding.
  const ciphertext = new Uint8Array(
    await crypto.subtle.encrypt({ name: "AES-GCM", iv: concatBytes([nonce]) }, aes, concatBytes([plaintext, new Uint8Array([2])]))
  );
  const header = new Uint8Array(21);
  new DataView(header.buffer).setUint32(16, RECORD_SIZE);
  header.set(salt, 0);
  header[20] = asPublic.length;
  return concatBytes([header, asPublic, ciphertext]);
}

/** The browser's side of RFC 8291 (tests and the loopback push service): the payload back from a body. */
export async function decryptPush(body: Uint8Array, receiver: { privateKey: CryptoKey; publicKey: Uint8Array; auth: Uint8Array }): Promise<Uint8Array> {
  const salt = body.slice(0, 16);
  const idLength = body[20] ?? 0;
  const asPublic = body.slice(21, 21 + idLength);
  const ciphertext = body.slice(21 + idLength);
  const ecdhSecret = new Uint8Array(await crypto.subtle.deriveBits({ name: "ECDH", public: await importPublic(asPublic) }, receiver.privateKey, 256));
  const { cek, nonce } = await contentKeys(ecdhSecret, receiver.auth, receiver.publicKey, asPublic, salt);
  const aes = await crypto.subtle.importKey("raw", concatBytes([cek]), "AES-GCM", false, ["decrypt"]);
  const padded = new Uint8Array(await crypto.subtle.decrypt({ name: "AES-GCM", iv: concatBytes([nonce]) }, aes, concatBytes([ciphertext])));
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 2) throw new Error("not a last record (no 0x02 delimiter)");
  return padded.slice(0, end);
}

// ── VAPID (RFC 8292) ──

export interface VapidKeys {
  /** base64url of the 65-byte uncompressed public point (the browser's applicationServerKey). */
  publicKey: string;
  /** base64url of the 32-byte private scalar d. */
  privateKey: string;
  /** mailto: or https: contact for the push service. */
  subject: string;
}

export async function generateVapidKeys(subject: string): Promise<VapidKeys> {
  const pair = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
  const publicKey = new Uint8Array((await crypto.subtle.exportKey("raw", pair.publicKey)) as ArrayBuffer);
  const jwk = (await crypto.subtle.exportKey("jwk", pair.privateKey)) as JsonWebKey;
  return { publicKey: base64url(publicKey), privateKey: jwk.d ?? "", subject };
}

/** The Authorization header for one push service origin (valid 12 h; RFC 8292 allows up to 24 h). */
export async function vapidAuthorization(endpoint: string, keys: VapidKeys, now = Date.now()): Promise<string> {
  const publicKey = fromBase64url(keys.publicKey);
  const signingKey = await crypto.subtle.importKey(
    "jwk",
    { kty: "EC", crv: "P-256", d: keys.privateKey, x: base64url(publicKey.slice(1, 33)), y: base64url(publicKey.slice(33, 65)), ext: true },
    { name: "ECDSA", namedCurve: "P-256" },
    false,
    ["sign"]
  );
  const header = base64url(enc.encode(JSON.stringify({ typ: "JWT", alg: "ES256" })));
  const claims = base64url(enc.encode(JSON.stringify({ aud: new URL(endpoint).origin, exp: Math.floor(now / 1000) + 12 * 3600, sub: keys.subject })));
  // WebCrypto's ECDSA signature is r||s (IEEE P1363), which is what JWS ES256 wants.
  const signature = new Uint8Array(await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, signingKey, enc.encode(`${header}.${claims}`)));
  return `vapid t=${header}.${claims}.${base64url(signature)}, k=${keys.publicKey}`;
}

/** The push service's check (tests, the loopback push service): the JWT's claims when the signature and audience hold, else throws. */
export async function verifyVapid(authorization: string, endpoint: string, now = Date.now()): Promise<{ aud: string; exp: number; sub: string; k: string }> {
  const match = /^vapid t=([\w-]+)\.([\w-]+)\.([\w-]+), k=([\w-]+)$/.exec(authorization);
  if (!match) throw new Error("not a VAPID authorization header");
  const [, header, claims, signature, k] = match as unknown as [string, string, string, string, string];
  const publicKey = await crypto.subtle.importKey("raw", fromBase64url(k), { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
  const valid = await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, publicKey, fromBase64url(signature), enc.encode(`${header}.${claims}`));
  if (!valid) throw new Error("VAPID signature does not verify");
  if ((JSON.parse(new TextDecoder().decode(fromBase64url(header))) as { alg?: string }).alg !== "ES256") throw new Error("VAPID JWT is not ES256");
  const body = JSON.parse(new TextDecoder().decode(fromBase64url(claims))) as { aud: string; exp: number; sub: string };
  if (body.aud !== new URL(endpoint).origin) throw new Error(`VAPID audience ${body.aud} is not ${new URL(endpoint).origin}`);
  if (body.exp * 1000 < now || body.exp * 1000 > now + 24 * 3600 * 1000) throw new Error("VAPID JWT expiry is outside 24 h");
  if (!/^(mailto:|https:)/.test(body.sub)) throw new Error("VAPID subject must be mailto: or https:");
  return { ...body, k };
}
