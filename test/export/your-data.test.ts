import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { emailDirectory } from "../../src/channels/email/directory";
import { zip } from "../../src/export/zip";
import { FrameLog, ORIGIN, asUser, assistantFor, chatOnce, connect, newSession } from "../helpers/agent";
import { rpc } from "../helpers/probe";
import { unzip } from "../helpers/unzip";

const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);

async function userWithData() {
  const sub = `data-${crypto.randomUUID()}`;
  const user = `access:${sub}`;
  const headers = await asUser(sub);
  const assistant = await assistantFor(user);
  const session = await newSession(user);
  await chatOnce(session, "/write notes/todo.md buy milk", headers);
  await assistant.createTask({ when: "every day at 08:00", prompt: "Morning brief", title: "Brief" });
  const address = (await assistant.getEmailSettings()).address;
  return { user, headers, assistant, session, address };
}

describe("the zip writer", () => {
  it("round-trips stored and deflated entries with UTF-8 names", async () => {
    const big = new TextEncoder().encode("a".repeat(10_000));
    const random = crypto.getRandomValues(new Uint8Array(500)); // does not deflate: stored
    const bytes = await zip([
      { name: "big.txt", bytes: big },
      { name: "noise.bin", bytes: random },
      { name: "empty", bytes: new Uint8Array() },
      { name: "naïve/ü.txt", bytes: new TextEncoder().encode("ü") }
    ]);
    expect(bytes.byteLength).toBeLessThan(big.byteLength);
    const files = await unzip(bytes);
    expect([...files.keys()]).toEqual(["big.txt", "noise.bin", "empty", "naïve/ü.txt"]);
    expect(files.get("big.txt")).toEqual(big);
    expect(files.get("noise.bin")).toEqual(random);
    expect(text(files.get("naïve/ü.txt"))).toBe("ü");
  });
});

describe("export", () => {
  it("GET /api/export: the owner's chats, workspace, tasks and audit in one zip, and an audit row", async () => {
    const { headers, session } = await userWithData();
    const res = await exports.default.fetch(`${ORIGIN}/api/export`, { headers });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/zip");
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="steward-export-\d{4}-\d\d-\d\d\.zip"$/);
    const files = await unzip(new Uint8Array(await res.arrayBuffer()));
    expect(text(files.get("workspace/notes/todo.md"))).toBe("buy milk");
    const chat = JSON.parse(text(files.get(`chats/${session}.json`))) as { messages: Array<{ role: string }> };
    expect(chat.messages.map((m) => m.role)).toEqual(["user", "assistant"]);
    expect(JSON.parse(text(files.get("chats/index.json")))).toMatchObject([{ id: session }]);
    expect(JSON.parse(text(files.get("data/steward_task.json")))).toMatchObject([{ title: "Brief", prompt: "Morning brief" }]);
    expect(JSON.parse(text(files.get("data/steward_audit.json")))).toMatchObject([{ tool: "write", outcome: "ok" }]);
    expect(text(files.get("README.txt"))).toContain("chats/<id>.json");

    // The export itself is audited.
    const again = await unzip(new Uint8Array(await (await exports.default.fetch(`${ORIGIN}/api/export`, { headers })).arrayBuffer()));
    const audit = JSON.parse(text(again.get("data/steward_audit.json"))) as Array<{ tool: string; detail: string }>;
    expect(audit.map((r) => r.tool)).toEqual(["write", "export_data"]);
  });

  it("is the caller's own: another user's export has none of it", async () => {
    await userWithData();
    const stranger = await asUser(`data-${crypto.randomUUID()}`);
    const files = await unzip(new Uint8Array(await (await exports.default.fetch(`${ORIGIN}/api/export`, { headers: stranger })).arrayBuffer()));
    expect([...files.keys()].filter((n) => n.startsWith("workspace/") || (n.startsWith("chats/") && n !== "chats/index.json"))).toEqual([]);
  });
});

describe("delete my agent", () => {
  it("needs the typed confirmation", async () => {
    const { assistant, headers } = await userWithData();
    // Refusals are tested over the browser's RPC path (test/AGENTS.md).
    const ws = await connect("/agent", headers);
    const log = new FrameLog(ws);
    await expect(rpc(ws, log, "deleteAgent", ["yes"])).rejects.toThrow('type "delete my agent" to confirm');
    ws.close();
    expect(await assistant.listSessions()).toHaveLength(1);
  });

  it("removes the chats, workspace, tasks, settings and the email address; the next visit starts empty", async () => {
    const { user, headers, assistant, session, address } = await userWithData();
    const local = address.slice(0, address.indexOf("@"));
    expect(await emailDirectory(env).userFor(local)).toBe(user);
    await assistant.setTimeZone("Europe/Lisbon");
    expect(await assistant.deleteAgent("Delete my agent")).toMatchObject({ deleted: true });
    expect(await emailDirectory(env).userFor(local)).toBeNull();

    // The object resets itself once the answer is out; the next request finds a fresh agent.
    let fresh = await assistantFor(user);
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        fresh = await assistantFor(user);
        if ((await fresh.listSessions()).length === 0) break;
      } catch {
        // the reset in progress
      }
      if (Date.now() > deadline) throw new Error("the agent still has its chats");
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await fresh.listTasks()).toEqual([]);
    expect(await fresh.getSettings()).toEqual({ timeZone: "UTC" });
    expect(await fresh.getAudit(10)).toEqual([]);
    const file = await exports.default.fetch(`${ORIGIN}/api/files?path=/workspace/notes/todo.md`, { headers });
    expect(file.status).toBe(404);
    const chat = await exports.default.fetch(`${ORIGIN}/agent/sub/conversation/${session}`, { headers: { ...headers, Upgrade: "websocket", Origin: ORIGIN } });
    // The old chat is not reachable (101 then close 4404, or 404).
    if (chat.status === 101) chat.webSocket?.accept();
    expect(await fresh.hasSession(session)).toBe(false);
    // The address routes nowhere until the fresh agent registers one again (the same local part: it is derived from the identity).
    expect(await emailDirectory(env).userFor(local)).toBeNull();
  });
});
