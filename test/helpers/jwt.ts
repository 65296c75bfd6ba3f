import { env } from "cloudflare:workers";
import { SignJWT, importJWK } from "jose";

export const TEST_ISSUER = "https://steward-test.cloudflareaccess.com";
export const TEST_AUDIENCE = "steward-test-aud";

export interface TokenOptions {
  sub: string;
  email?: string;
  aud?: string;
  iss?: string;
  expiresIn?: string | number;
  key?: CryptoKey;
}

/** A Cloudflare Access-shaped JWT signed with the test key. */
export async function accessToken(options: TokenOptions): Promise<string> {
  const key = options.key ?? (await signingKey());
  return new SignJWT({ email: options.email ?? `${options.sub}@example.com`, type: "app" })
    .setProtectedHeader({ alg: "RS256", kid: "test-key" })
    .setSubject(options.sub)
    .setIssuer(options.iss ?? TEST_ISSUER)
    .setAudience(options.aud ?? TEST_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? "10m")
    .sign(key);
}

/** An Access service token's JWT: no subject, the client id as common_name. */
export async function serviceToken(commonName: string): Promise<string> {
  return new SignJWT({ common_name: commonName, type: "app", sub: "" })
    .setProtectedHeader({ alg: "RS256", kid: "test-key" })
    .setIssuer(TEST_ISSUER)
    .setAudience(TEST_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime("10m")
    .sign(await signingKey());
}

async function signingKey(): Promise<CryptoKey> {
  return (await importJWK(JSON.parse(env.TEST_SIGNING_JWK), "RS256")) as CryptoKey;
}

/** A different RSA key, to forge signatures. */
export async function foreignKey(): Promise<CryptoKey> {
  const pair = (await crypto.subtle.generateKey(
    { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
    true,
    ["sign", "verify"]
  )) as CryptoKeyPair;
  return pair.privateKey;
}
