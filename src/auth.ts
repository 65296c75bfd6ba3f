import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify } from "jose";
import type { JWTVerifyGetKey } from "jose";

/**
 * Who is calling. The Worker derives it from a verified credential and names
 * the user's agent from it; nothing the client sends chooses the agent.
 */
export interface Identity {
  /** Stable id; the Assistant's name. */
  id: string;
  email?: string;
  /** "service": an Access service token mapped to its owner (ACCESS_SERVICE_TOKENS); the task API and /mcp only. */
  source: "access" | "dev" | "service";
}

export class AuthError extends Error {
  constructor(
    readonly status: 401 | 403 | 500,
    message: string
  ) {
    super(message);
  }
}

export const ACCESS_HEADER = "Cf-Access-Jwt-Assertion";
const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);
const CREDENTIAL_PARAMS = /^(token|access_token|jwt|auth|authorization|api_key|apikey|key|cf_authorization)$/i;

type AuthEnv = Pick<Env, "DEV_USER" | "ACCESS_TEAM_DOMAIN" | "ACCESS_AUD" | "ACCESS_JWKS" | "ACCESS_SERVICE_TOKENS">;

export async function identify(request: Request, env: AuthEnv): Promise<Identity> {
  const url = new URL(request.url);
  for (const name of url.searchParams.keys()) {
    if (CREDENTIAL_PARAMS.test(name)) {
      throw new AuthError(401, `credentials are never accepted in the URL (found "${name}"); send them in a header`);
    }
  }

  // A present-but-empty header is still a (bad) credential, never a dev login.
  const token = request.headers.get(ACCESS_HEADER);
  if (token !== null) return verifyAccessToken(token, env);

  if (env.DEV_USER?.trim() && isLoopback(url)) {
    const name = env.DEV_USER.trim();
    if (!/^[A-Za-z0-9._@-]{1,64}$/.test(name)) throw new AuthError(500, "DEV_USER may contain only letters, digits and . _ @ - (at most 64)");
    return { id: `dev:${name}`, source: "dev" };
  }
  throw new AuthError(401, "not signed in: this deployment expects a Cloudflare Access token");
}

export function isLoopback(url: URL): boolean {
  return LOOPBACK_HOSTS.has(url.hostname) || /^127\.\d+\.\d+\.\d+$/.test(url.hostname);
}

async function verifyAccessToken(token: string, env: AuthEnv): Promise<Identity> {
  const team = env.ACCESS_TEAM_DOMAIN?.trim().replace(/\/+$/, "");
  const audience = env.ACCESS_AUD?.trim();
  if (!team || !audience) {
    throw new AuthError(401, "an Access token was sent but ACCESS_TEAM_DOMAIN and ACCESS_AUD are not configured");
  }
  const issuer = team.startsWith("https://") ? team : `https://${team}`;
  try {
    const { payload } = await jwtVerify(token, keysFor(issuer, env.ACCESS_JWKS), {
      issuer,
      audience,
      algorithms: ["RS256"],
      requiredClaims: ["exp"]
    });
    // A service token's JWT names its client (common_name) and has an empty subject.
    if ((payload.sub === undefined || payload.sub === "") && typeof payload.common_name === "string" && payload.common_name) {
      return serviceIdentity(payload.common_name, env.ACCESS_SERVICE_TOKENS);
    }
    if (typeof payload.sub !== "string" || payload.sub === "") throw new AuthError(401, "Access token has no subject");
    const email = typeof payload.email === "string" ? payload.email.toLowerCase() : undefined;
    return { id: `access:${payload.sub}`, email, source: "access" };
  } catch (error) {
    if (error instanceof AuthError) throw error;
    throw new AuthError(401, `Access token rejected: ${reason(error)}`);
  }
}

/**
 * ACCESS_SERVICE_TOKENS maps a service token's client id (the JWT's
 * common_name) to the user it acts for: {"<client id>": "<user's Access sub>"}.
 * An unmapped token is refused: a machine never gets an agent of its own.
 */
function serviceIdentity(commonName: string, mapping: string | undefined): Identity {
  let owners: unknown;
  try {
    owners = JSON.parse(mapping?.trim() || "{}");
  } catch {
    throw new AuthError(500, 'ACCESS_SERVICE_TOKENS is not valid JSON; expected {"<client id>": "<user sub>"}');
  }
  const owner =
    typeof owners === "object" && owners !== null && Object.hasOwn(owners, commonName) ? (owners as Record<string, unknown>)[commonName] : undefined;
  if (typeof owner !== "string" || !owner.trim()) {
    throw new AuthError(403, `service token ${commonName} is not mapped to a user; add it to ACCESS_SERVICE_TOKENS`);
  }
  const sub = owner.trim().replace(/^access:/, "");
  return { id: `access:${sub}`, source: "service" };
}

function reason(error: unknown): string {
  if (error instanceof errors.JWTExpired) return "expired";
  if (error instanceof errors.JWTClaimValidationFailed) return `claim "${error.claim}" is invalid`;
  if (error instanceof errors.JWSSignatureVerificationFailed) return "bad signature";
  if (error instanceof errors.JWKSNoMatchingKey) return "signed by an unknown key";
  if (error instanceof errors.JOSEError) return error.code;
  return "malformed";
}

// JWKS fetchers cache keys between requests in the same isolate.
const remoteKeys = new Map<string, JWTVerifyGetKey>();

function keysFor(issuer: string, inlineJwks: string | undefined): JWTVerifyGetKey {
  if (inlineJwks?.trim()) {
    try {
      return createLocalJWKSet(JSON.parse(inlineJwks));
    } catch {
      throw new AuthError(500, "ACCESS_JWKS is not a valid JSON Web Key Set");
    }
  }
  let keys = remoteKeys.get(issuer);
  if (!keys) {
    keys = createRemoteJWKSet(new URL(`${issuer}/cdn-cgi/access/certs`));
    remoteKeys.set(issuer, keys);
  }
  return keys;
}

/** The Assistant's Durable Object name for an identity. */
export function agentNameFor(identity: Identity): string {
  return identity.id;
}
