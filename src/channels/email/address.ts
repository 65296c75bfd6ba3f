/**
 * The agent address scheme: `<local>@<EMAIL_DOMAIN>`, where the local part is
 * "a" + 24 base32 characters of HMAC-SHA256(directory key, user id).
 *
 * - It cannot be guessed: the key is a random secret that never leaves the
 *   EmailDirectory Durable Object, so knowing a user id does not give the address.
 * - It cannot collide into another user's agent: the directory stores
 *   local part → user id with a primary key and refuses a second owner.
 * - It survives lower-casing by mail infrastructure (base32 is case-free).
 */
export const DEFAULT_EMAIL_DOMAIN = "steward.localhost";
const LOCAL_PART = /^a[a-z2-7]{24}$/;

export function emailDomain(env: Pick<Env, "EMAIL_DOMAIN">): string {
  return (env.EMAIL_DOMAIN ?? "").trim().toLowerCase() || DEFAULT_EMAIL_DOMAIN;
}

export async function localPartFor(key: CryptoKey, userId: string): Promise<string> {
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`steward-email:${userId}`)));
  return `a${base32(mac).slice(0, 24)}`;
}

export function isLocalPart(value: string): boolean {
  return LOCAL_PART.test(value);
}

/** Splits `Name <local@domain>` or `local@domain`; lower-cases; null when it is not an address. */
export function splitAddress(address: string): { local: string; domain: string } | null {
  const bare = /<([^<>]+)>\s*$/.exec(address)?.[1] ?? address;
  const at = bare.trim().toLowerCase().lastIndexOf("@");
  if (at <= 0) return null;
  const local = bare.trim().toLowerCase().slice(0, at);
  const domain = bare
    .trim()
    .toLowerCase()
    .slice(at + 1);
  return domain ? { local, domain } : null;
}

/** Canonical form for comparing mailboxes: lower case, trimmed, plus-tag kept. */
export function normalizeAddress(address: unknown): string {
  if (typeof address !== "string") throw new Error("an email address must be a string");
  const parts = splitAddress(address);
  if (!parts || !/^[^\s@<>()",;:]+$/.test(parts.local) || !/^[a-z0-9.-]+\.[a-z0-9-]+$|^localhost$|^[a-z0-9-]+\.localhost$/.test(parts.domain)) {
    throw new Error(`not an email address: ${JSON.stringify(address)}`);
  }
  return `${parts.local}@${parts.domain}`;
}

function base32(bytes: Uint8Array): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz234567";
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}
