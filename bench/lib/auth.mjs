// Cloudflare Access for a bench's `wrangler dev`: a key pair generated per run,
// its JWKS handed to the Worker as vars, and signed Access JWTs per user.
import { SignJWT, exportJWK, generateKeyPair } from "jose";

export const ISSUER = "https://steward-bench.cloudflareaccess.com";
export const AUDIENCE = "steward-bench";

export async function createAccess() {
  const { publicKey, privateKey } = await generateKeyPair("RS256", { extractable: true });
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: "bench", alg: "RS256", use: "sig" }] };
  const tokens = new Map(); // sub → signed JWT, so reconnecting users don't pay for signing again
  return {
    /** The `--var`s that make the Worker trust these tokens. */
    vars: { ACCESS_JWKS: JSON.stringify(jwks), ACCESS_TEAM_DOMAIN: ISSUER, ACCESS_AUD: AUDIENCE },
    /** An Access JWT for `sub` (email `<sub>@bench.invalid`), valid for two hours. */
    async token(sub) {
      if (!tokens.has(sub)) {
        tokens.set(
          sub,
          await new SignJWT({ email: `${sub}@bench.invalid`, type: "app" })
            .setProtectedHeader({ alg: "RS256", kid: "bench" })
            .setSubject(sub)
            .setIssuer(ISSUER)
            .setAudience(AUDIENCE)
            .setIssuedAt()
            .setExpirationTime("2h")
            .sign(privateKey)
        );
      }
      return tokens.get(sub);
    }
  };
}
