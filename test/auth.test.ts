import { env } from "cloudflare:workers";
import { listDurableObjectIds } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { DEV_USER_ID } from "./helpers/agent";
import { TEST_AUDIENCE, TEST_ISSUER, accessToken, foreignKey } from "./helpers/jwt";
import { probe } from "./helpers/probe";
import type { Probe } from "./helpers/probe";

/** A host that is not loopback: the dev user must never apply here. */
const REMOTE = "https://steward.example.com";
const LOCAL = "http://localhost";
const ACCESS_HEADER = "Cf-Access-Jwt-Assertion";

function uniqueSub(label: string): string {
  return `${label}-${crypto.randomUUID()}`;
}

function me(host: string, headers: Record<string, string> = {}): Promise<Probe> {
  return probe(`${host}/api/me`, { headers });
}

/** A same-origin WebSocket upgrade to the caller's own agent. */
function agentSocket(host: string, headers: Record<string, string> = {}, path = "/agent"): Promise<Probe> {
  return probe(`${host}${path}`, { websocket: true, headers: { Origin: host, ...headers } });
}

function bearer(token: string): Record<string, string> {
  return { [ACCESS_HEADER]: token };
}

function identityFrame(p: Probe): Record<string, unknown> | undefined {
  return p.frames.find((f) => f.type === "cf_agent_identity");
}

/** Whether the Assistant Durable Object for `agentName` has ever been instantiated with storage. */
async function assistantExists(agentName: string): Promise<boolean> {
  const wanted = env.Assistant.idFromName(agentName);
  const ids = await listDurableObjectIds(env.Assistant);
  return ids.some((id) => id.equals(wanted));
}

function seconds(offset: number): number {
  return Math.floor(Date.now() / 1000) + offset;
}

/** Each case: how to build the bad credential; it must be refused on both surfaces. */
const badTokens: Array<[string, () => Promise<string>]> = [
  ["signed by a foreign key", async () => accessToken({ sub: uniqueSub("forged"), key: await foreignKey() })],
  ["expired", () => accessToken({ sub: uniqueSub("expired"), expiresIn: seconds(-3600) })],
  ["for the wrong audience", () => accessToken({ sub: uniqueSub("aud"), aud: "some-other-app" })],
  ["from the wrong issuer", () => accessToken({ sub: uniqueSub("iss"), iss: "https://evil.cloudflareaccess.com" })],
  ["malformed", async () => "not-a-jwt"],
  ["three dots of garbage", async () => "eyJhbGciOiJSUzI1NiJ9.e30.c2ln"],
  ["unsigned (alg none)", async () => unsignedToken(uniqueSub("none"))]
];

function unsignedToken(sub: string): string {
  const encode = (value: object) => btoa(JSON.stringify(value)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  const header = encode({ alg: "none", typ: "JWT" });
  const payload = encode({ sub, iss: TEST_ISSUER, aud: TEST_AUDIENCE, exp: seconds(600), iat: seconds(0) });
  return `${header}.${payload}.`;
}

describe("auth: /api/me and /agent on a non-loopback host", () => {
  it("refuses a request with no credentials (the dev user does not apply)", async () => {
    const res = await me(REMOTE);
    expect(res.status).toBe(401);
    expect(res.body).not.toContain(DEV_USER_ID);
    expect(JSON.parse(res.body)).toMatchObject({ error: expect.stringContaining("not signed in") });

    const ws = await agentSocket(REMOTE);
    expect(ws.status).toBe(401);
    expect(ws.frames).toEqual([]);
  });

  it.each(badTokens)("refuses a token %s", async (_label, make) => {
    const token = await make();
    const res = await me(REMOTE, bearer(token));
    expect(res.status, res.body).toBe(401);
    expect(JSON.parse(res.body)).toMatchObject({ error: expect.stringContaining("Access token rejected") });

    const ws = await agentSocket(REMOTE, bearer(token));
    expect(ws.status).toBe(401);
    expect(ws.frames).toEqual([]);
  });

  it("accepts a valid Access token: id is access:<sub>", async () => {
    const sub = uniqueSub("valid");
    const token = await accessToken({ sub, email: "Someone@Example.com" });
    const res = await me(REMOTE, bearer(token));
    expect(res.status, res.body).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ id: `access:${sub}`, email: "someone@example.com", source: "access" });

    // The socket lands on the Assistant named after the verified subject.
    const ws = await agentSocket(REMOTE, bearer(token));
    expect(ws.status).toBe(101);
    expect(identityFrame(ws)).toMatchObject({ name: `access:${sub}` });
  });

  it("names the Assistant from the token only: two subjects get two agents", async () => {
    const [a, b] = [uniqueSub("one"), uniqueSub("two")];
    const wsA = await agentSocket(REMOTE, bearer(await accessToken({ sub: a })));
    const wsB = await agentSocket(REMOTE, bearer(await accessToken({ sub: b })));
    expect(identityFrame(wsA)).toMatchObject({ name: `access:${a}` });
    expect(identityFrame(wsB)).toMatchObject({ name: `access:${b}` });
  });
});

describe("auth: the dev user", () => {
  it("applies on localhost when no token is sent", async () => {
    const res = await me(LOCAL);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ id: DEV_USER_ID, source: "dev" });
  });

  it("loses to a valid token on localhost", async () => {
    const sub = uniqueSub("local");
    const token = await accessToken({ sub });
    const res = await me(LOCAL, bearer(token));
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ id: `access:${sub}`, source: "access" });

    const ws = await agentSocket(LOCAL, bearer(token));
    expect(ws.status).toBe(101);
    expect(identityFrame(ws)).toMatchObject({ name: `access:${sub}` });
  });

  it.each(badTokens)("is not a fallback for a token %s on localhost", async (_label, make) => {
    const token = await make();
    const res = await me(LOCAL, bearer(token));
    expect(res.status, res.body).toBe(401);
    expect(res.body).not.toContain(DEV_USER_ID);

    const ws = await agentSocket(LOCAL, bearer(token));
    expect(ws.status).toBe(401);
    expect(ws.frames).toEqual([]);
  });

  it("is refused on non-loopback hosts, including look-alikes", async () => {
    for (const host of [REMOTE, "http://localhost.example.com", "http://127.0.0.1.nip.io", "http://10.0.0.1", "http://0.0.0.0"]) {
      const res = await me(host);
      expect(res.status, host).toBe(401);
      expect(res.body, host).not.toContain(DEV_USER_ID);
    }
  });

  it("applies on the other loopback spellings", async () => {
    for (const host of ["http://127.0.0.1", "http://127.1.2.3:8787", "http://[::1]:8787"]) {
      const res = await me(host);
      expect(res.status, host).toBe(200);
      expect(JSON.parse(res.body), host).toMatchObject({ id: DEV_USER_ID });
    }
  });
});

describe("auth: credentials in the URL", () => {
  it("refuses ?token=... on /api/me even next to a valid header", async () => {
    const token = await accessToken({ sub: uniqueSub("query") });
    for (const query of [`token=${token}`, `access_token=${token}`, `Token=${token}`, `x=1&jwt=${token}`, `cf_authorization=${token}`]) {
      const res = await probe(`${REMOTE}/api/me?${query}`, { headers: bearer(token) });
      expect(res.status, query).toBe(401);
      expect(res.body, query).toContain("never accepted in the URL");
      expect(res.body, query).not.toContain("access:");
    }
  });

  it("refuses ?token=... on /agent and does nothing: no Assistant is created", async () => {
    const sub = uniqueSub("query-agent");
    const token = await accessToken({ sub });
    const viaQuery = await probe(`${REMOTE}/agent?token=${token}`, { websocket: true, headers: { Origin: REMOTE, ...bearer(token) } });
    expect(viaQuery.status).toBe(401);
    expect(viaQuery.frames).toEqual([]);
    const queryOnly = await probe(`${LOCAL}/agent?token=${token}`, { websocket: true, headers: { Origin: LOCAL } });
    expect(queryOnly.status).toBe(401);
    expect(await assistantExists(`access:${sub}`)).toBe(false);
    // Not even the dev user's agent is touched by a query credential on localhost.
    expect(queryOnly.frames).toEqual([]);

    // Control: the same token in the header does create (and reach) that Assistant.
    const viaHeader = await agentSocket(REMOTE, bearer(token));
    expect(viaHeader.status).toBe(101);
    expect(await assistantExists(`access:${sub}`)).toBe(true);
  });
});

describe("auth: Origin on WebSocket upgrades and unsafe methods", () => {
  it("refuses an upgrade without Origin (403), even with a valid token", async () => {
    const token = await accessToken({ sub: uniqueSub("no-origin") });
    const res = await probe(`${REMOTE}/agent`, { websocket: true, headers: bearer(token) });
    expect(res.status).toBe(403);
    expect(res.body).toContain("Origin");
  });

  it("refuses an upgrade from a foreign Origin (403), even with a valid token", async () => {
    const token = await accessToken({ sub: uniqueSub("foreign-origin") });
    for (const origin of ["https://evil.example.com", "http://steward.example.com", "https://steward.example.com.evil.com", "null"]) {
      const res = await probe(`${REMOTE}/agent`, { websocket: true, headers: { Origin: origin, ...bearer(token) } });
      expect(res.status, origin).toBe(403);
    }
    // The dev user on localhost gets the same treatment.
    const local = await probe(`${LOCAL}/agent`, { websocket: true, headers: { Origin: "https://evil.example.com" } });
    expect(local.status).toBe(403);
  });

  it("accepts an upgrade from the same origin (101)", async () => {
    const token = await accessToken({ sub: uniqueSub("same-origin") });
    const res = await agentSocket(REMOTE, bearer(token));
    expect(res.status).toBe(101);
    expect(res.closeCode).toBeUndefined();
  });

  it("refuses an unsafe method from a foreign Origin", async () => {
    const token = await accessToken({ sub: uniqueSub("post") });
    const res = await probe(`${REMOTE}/api/me`, { method: "POST", headers: { Origin: "https://evil.example.com", ...bearer(token) } });
    expect(res.status).toBe(403);
  });
});

describe("auth: /agents/* is never routed", () => {
  it("answers 404 for everyone, before and after authentication", async () => {
    const sub = uniqueSub("agents-path");
    const token = await accessToken({ sub });
    const paths = [
      `/agents/assistant/${encodeURIComponent(`access:${sub}`)}`,
      `/agents/assistant/${encodeURIComponent(DEV_USER_ID)}`,
      "/agents/assistant/anything",
      "/agents/assistant/anything/sub/conversation/x",
      "/agents/researcher/x",
      "/agents/"
    ];
    const callers: Array<[string, string, Record<string, string>]> = [
      ["nobody", REMOTE, {}],
      ["a valid token", REMOTE, bearer(token)],
      ["the dev user", LOCAL, {}]
    ];
    for (const path of paths) {
      for (const [who, host, headers] of callers) {
        const plain = await probe(`${host}${path}`, { headers });
        expect(plain.status, `${who} GET ${path}`).toBe(404);
        const ws = await probe(`${host}${path}`, { websocket: true, headers: { Origin: host, ...headers } });
        expect(ws.status, `${who} WS ${path}`).toBe(404);
        expect(ws.frames).toEqual([]);
      }
    }
    expect(await assistantExists(`access:${sub}`)).toBe(false);
  });
});
