import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { Assistant } from "../src/assistant/assistant";
import type { SessionSummary } from "../src/assistant/sessions";
import type { AuditRow } from "../src/ladder/audit";
import { FrameLog, ORIGIN, asUser, assistantFor, connect, sendChat } from "./helpers/agent";
import { probe, rpc } from "./helpers/probe";
import type { Probe } from "./helpers/probe";

/**
 * Two signed-in users. A stores a secret through the real surfaces (RPC over
 * A's /agent socket, a chat turn in A's session); B then tries every way in
 * we know of and must find none of A's data.
 */
interface User {
  sub: string;
  id: string;
  headers: Record<string, string>;
}

async function user(label: string): Promise<User> {
  const sub = `${label}-${crypto.randomUUID()}`;
  return { sub, id: `access:${sub}`, headers: await asUser(sub) };
}

/** One open /agent socket for a user, for @callable RPC. */
async function agentRpc(u: User) {
  const ws = await connect("/agent", u.headers);
  const log = new FrameLog(ws);
  return {
    log,
    call: <T>(method: string, args: unknown[] = []) => rpc<T>(ws, log, method, args),
    close: () => ws.close()
  };
}

/** Runs one chat turn in one of the user's sessions over the real WebSocket path. */
async function chat(u: User, sessionId: string, text: string): Promise<string> {
  const ws = await connect(`/agent/sub/conversation/${encodeURIComponent(sessionId)}`, u.headers);
  const log = new FrameLog(ws);
  const id = sendChat(ws, text);
  await log.done(id);
  ws.close();
  return log.text(id);
}

const SECRET = "top secret";

/**
 * A refused connection: either a plain HTTP error, or (for a refused sub-agent
 * WebSocket, which the agents SDK upgrades only to close) a socket closed with
 * 4000 + status before it carried a single frame.
 */
function expectRefused(p: Probe, status: number, what: string): void {
  if (p.status === 101) {
    expect(p.closeCode, `${what}: the socket must be closed as ${4000 + status}`).toBe(4000 + status);
    expect(p.frames, `${what}: no frame may cross a refused socket`).toEqual([]);
  } else {
    expect(p.status, what).toBe(status);
  }
  expect(p.body, what).not.toContain(SECRET);
  expect(JSON.stringify(p.frames), what).not.toContain(SECRET);
}

/** Every way of reaching a path: a WebSocket upgrade, a GET, and a GET of its messages. */
async function expectUnreachable(u: User, path: string, status = 404): Promise<void> {
  const ws = await probe(`${ORIGIN}${path}`, { websocket: true, headers: { Origin: ORIGIN, ...u.headers } });
  expectRefused(ws, status, `WS ${path}`);
  const get = await probe(`${ORIGIN}${path}`, { headers: u.headers });
  expectRefused(get, status, `GET ${path}`);
  const messages = await probe(`${ORIGIN}${path}/get-messages`, { headers: u.headers });
  expectRefused(messages, status, `GET ${path}/get-messages`);
}

/** The facet registry of a user's Assistant, read inside the Durable Object. */
async function facets(u: User): Promise<{ conversations: string[]; researchers: string[] }> {
  const stub = env.Assistant.get(env.Assistant.idFromName(u.id)) as DurableObjectStub<Assistant>;
  return runInDurableObject(stub, (instance: Assistant) => ({
    conversations: instance.dynamicAgents.list("Conversation").map((e) => e.name),
    researchers: instance.dynamicAgents.list("Researcher").map((e) => e.name)
  }));
}

describe("isolation between two users", () => {
  let a: User;
  let b: User;
  let aSession: SessionSummary;
  let bSession: SessionSummary;

  beforeAll(async () => {
    a = await user("alice");
    b = await user("bob");

    // A creates a session through the browser's path: @callable RPC over A's socket.
    const rpcA = await agentRpc(a);
    const identity = await rpcA.log.waitFor((f) => f.type === "cf_agent_identity");
    expect(identity.name).toBe(a.id);
    aSession = await rpcA.call<SessionSummary>("createSession", [{ title: "alice private" }]);
    expect(aSession.id).toMatch(/^[0-9a-f-]{36}$/);
    expect((await rpcA.call<SessionSummary[]>("listSessions")).map((s) => s.id)).toEqual([aSession.id]);
    rpcA.close();

    // ...and writes a file in it with a slash command (a real tool call, audited).
    const wrote = await chat(a, aSession.id, `/write notes/secret.md ${SECRET}`);
    expect(wrote).toContain("Wrote");
    expect(await chat(a, aSession.id, "/cat notes/secret.md")).toContain(SECRET);

    const rpcB = await agentRpc(b);
    bSession = await rpcB.call<SessionSummary>("createSession", [{ title: "bob" }]);
    rpcB.close();
  });

  it("A's own data is really there (control for every test below)", async () => {
    const rpcA = await agentRpc(a);
    const audit = await rpcA.call<AuditRow[]>("getAudit", [50]);
    rpcA.close();
    expect(audit.some((r) => r.session === aSession.id && r.tool === "write" && r.outcome === "ok")).toBe(true);
    expect(audit.every((r) => r.user === a.id)).toBe(true);

    const messages = await probe(`${ORIGIN}/agent/sub/conversation/${aSession.id}/get-messages`, { headers: a.headers });
    expect(messages.status).toBe(200);
    expect(messages.body).toContain(SECRET);
  });

  it("B cannot open A's session by id", async () => {
    await expectUnreachable(b, `/agent/sub/conversation/${aSession.id}`);
    // The refused attempt created nothing on B's side...
    expect((await facets(b)).conversations).toEqual([bSession.id]);
    // ...and A's session is intact.
    expect(await chat(a, aSession.id, "/cat notes/secret.md")).toContain(SECRET);
  });

  it("B's session list and state frame hold only B's session", async () => {
    const rpcB = await agentRpc(b);
    const state = await rpcB.log.waitFor((f) => f.type === "cf_agent_state");
    const sessions = await rpcB.call<SessionSummary[]>("listSessions");
    rpcB.close();
    expect(sessions.map((s) => s.id)).toEqual([bSession.id]);
    expect(JSON.stringify(state)).not.toContain(aSession.id);
    expect(JSON.stringify(state)).toContain(bSession.id);
    // Renaming or deleting A's session through B's agent finds no such session.
    const rpcB2 = await agentRpc(b);
    await expect(rpcB2.call("renameSession", [aSession.id, "pwned"])).rejects.toThrow(/no session/);
    await expect(rpcB2.call("deleteSession", [aSession.id])).rejects.toThrow(/no session/);
    rpcB2.close();
    const rpcA = await agentRpc(a);
    expect((await rpcA.call<SessionSummary[]>("listSessions")).map((s) => [s.id, s.title])).toEqual([[aSession.id, "alice private"]]);
    rpcA.close();
  });

  it("B's workspace does not have A's file, and B's writes do not touch A's", async () => {
    const cat = await chat(b, bSession.id, "/cat notes/secret.md");
    expect(cat).not.toContain(SECRET);
    expect(cat.toLowerCase()).toMatch(/not found|no such|does not exist|enoent|missing/);
    const ls = await chat(b, bSession.id, "/ls");
    expect(ls).not.toContain("notes");

    expect(await chat(b, bSession.id, "/write notes/secret.md bob was here")).toContain("Wrote");
    expect(await chat(b, bSession.id, "/cat notes/secret.md")).toContain("bob was here");
    const aView = await chat(a, aSession.id, "/cat notes/secret.md");
    expect(aView).toContain(SECRET);
    expect(aView).not.toContain("bob was here");
  });

  it("B's audit shows none of A's rows", async () => {
    const text = await chat(b, bSession.id, "/audit 500");
    expect(text).not.toContain(SECRET);
    const rpcB = await agentRpc(b);
    const rows = await rpcB.call<AuditRow[]>("getAudit", [500]);
    rpcB.close();
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.user === b.id && r.session === bSession.id)).toBe(true);
    expect(rows.some((r) => r.session === aSession.id)).toBe(false);
    // The /audit text lists exactly B's rows (ids are per-user counters).
    const listed = [...text.matchAll(/^#(\d+) /gm)].map((m) => Number(m[1]));
    expect(listed.length).toBeGreaterThan(0);
    for (const id of listed) expect(rows.some((r) => r.id === id)).toBe(true);
  });

  it("sub-agents are never reachable by URL, for B or for A", async () => {
    // Give A a real researcher facet, so there is something to reach.
    const assistantA = await assistantFor(a.id);
    await assistantA.delegate("researcher", "/ls notes", aSession.id);
    const researcherName = `researcher:${aSession.id}`;
    expect((await facets(a)).researchers).toEqual([researcherName]);

    for (const name of ["anything", researcherName, encodeURIComponent(researcherName)]) {
      await expectUnreachable(b, `/agent/sub/researcher/${name}`);
      await expectUnreachable(a, `/agent/sub/researcher/${name}`);
    }
    // Nested under a session the caller does own: still no researcher.
    await expectUnreachable(a, `/agent/sub/conversation/${aSession.id}/sub/researcher/${encodeURIComponent(researcherName)}`);
    await expectUnreachable(a, `/agent/sub/conversation/${aSession.id}/sub/researcher/fresh`);
    await expectUnreachable(b, `/agent/sub/conversation/${bSession.id}/sub/researcher/fresh`);
    expect((await facets(b)).researchers).toEqual([]);
    expect((await facets(a)).researchers).toEqual([researcherName]);
  });

  it("a session id that does not exist is 404 and is not created", async () => {
    const ghost = crypto.randomUUID();
    await expectUnreachable(a, `/agent/sub/conversation/${ghost}`);
    await expectUnreachable(b, `/agent/sub/conversation/${ghost}`);
    expect((await facets(a)).conversations).toEqual([aSession.id]);
    expect((await facets(b)).conversations).toEqual([bSession.id]);
  });

  it("path tricks never reach A's data", async () => {
    const aName = encodeURIComponent(a.id);
    // Each of these is refused outright (404, or a socket closed with 4404).
    const refused = [
      `/agent/sub/conversation/${aSession.id}`,
      `/agent/sub/assistant/${aName}`,
      `/agent/sub/assistant/${aName}/sub/conversation/${aSession.id}`,
      `/agent/sub/assistant/${a.id}/sub/conversation/${aSession.id}`,
      `/agent/sub/assistant/${encodeURIComponent(b.id)}/sub/conversation/${bSession.id}`,
      `/agent/x/sub/conversation/${aSession.id}`,
      `/agent//sub/conversation/${aSession.id}`,
      `/agent/sub/conversation/${bSession.id}/sub/conversation/${aSession.id}`,
      `/agent/sub/conversation/..%2F..%2Fagents%2Fassistant%2F${aName}%2Fsub%2Fconversation%2F${aSession.id}`,
      `/agent/sub/conversation/${aSession.id}%2F`,
      `/agent/sub/conversation/%2e%2e%2f${aSession.id}`,
      `/agent/sub/conversation/${encodeURIComponent(`${a.id}/${aSession.id}`)}`
    ];
    for (const path of refused) await expectUnreachable(b, path);

    // A tail after B's own session id is ignored: B lands in B's own session, never A's.
    const ownTail = `/agent/sub/conversation/${bSession.id}/..%2F${aSession.id}`;
    const ws = await probe(`${ORIGIN}${ownTail}`, { websocket: true, headers: { Origin: ORIGIN, ...b.headers } });
    expect(ws.status).toBe(101);
    expect(ws.frames.find((f) => f.type === "cf_agent_identity")).toMatchObject({ name: bSession.id });
    expect(JSON.stringify(ws.frames)).not.toContain(SECRET);
    const ownMessages = await probe(`${ORIGIN}${ownTail}/get-messages`, { headers: b.headers });
    expect(ownMessages.body).not.toContain(SECRET);

    // Dot segments are resolved before routing: these leave /agent entirely.
    for (const path of [
      `/agent/sub/conversation/../..`,
      `/agent/sub/conversation/../../agents/assistant/${aName}`,
      `/agent/sub/%2e%2e/%2e%2e/api/me`,
      `/agent%2Fsub%2Fconversation%2F${aSession.id}`
    ]) {
      const get = await probe(`${ORIGIN}${path}`, { headers: b.headers });
      expect(get.body, path).not.toContain(SECRET);
      expect(get.body, path).not.toContain(a.id);
      expect(get.body, path).not.toContain(aSession.id);
    }

    // Nothing above created a session anywhere or changed A's.
    expect((await facets(b)).conversations).toEqual([bSession.id]);
    expect((await facets(a)).conversations).toEqual([aSession.id]);
    expect(await chat(a, aSession.id, "/cat notes/secret.md")).toContain(SECRET);
  });
});
