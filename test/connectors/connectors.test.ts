import { exports } from "cloudflare:workers";
import { afterEach, describe, expect, inject, it } from "vitest";
import { modelOverride } from "../../src/model";
import type { ConnectionView } from "../../src/shared/extension-views";
import { FrameLog, approveCall, asUser, chatTurn, connect, newSession } from "../helpers/agent";
import { rpc } from "../helpers/probe";
import { ScriptedModel } from "../helpers/scripted-model";
import { freshUser, toolParts } from "../extensions/helpers";

afterEach(() => {
  modelOverride.current = undefined;
});

/** Calls the owner's Assistant over /agent, as Settings does. */
async function owner<T>(headers: Record<string, string>, method: string, args: unknown[]): Promise<T> {
  const ws = await connect("/agent", headers);
  const log = new FrameLog(ws);
  try {
    return await rpc<T>(ws, log, method, args);
  } finally {
    ws.close();
  }
}

describe("MCP connections", () => {
  it("add, list, call with approval once per server, failure, time-out, removal; invisible to another user", async () => {
    const a = await freshUser("mcp-a");
    const b = await freshUser("mcp-b");
    const headers = await asUser(a.sub);
    const added = await owner<ConnectionView>(headers, "addConnection", ["fixture", inject("mcpOpenURL")]);
    expect(added).toMatchObject({ id: "fixture", state: "ready", trusted: false, authUrl: null });
    expect(added.tools.map((t) => t.toolName).sort()).toEqual(["mcp_fixture_add", "mcp_fixture_echo", "mcp_fixture_fail", "mcp_fixture_slow"]);
    expect((await a.assistant.listConnections()).map((c) => c.id)).toEqual(["fixture"]);

    const session = await newSession(a.user);
    const model = new ScriptedModel([
      { tools: [{ name: "mcp_fixture_echo", input: { text: "hi" } }] },
      { text: "echoed" },
      {
        tools: [
          { name: "mcp_fixture_add", input: { a: 2, b: 3 } },
          { name: "mcp_fixture_fail", input: {} },
          { name: "mcp_fixture_slow", input: { ms: 10_000 } }
        ]
      },
      { text: "more" },
      { text: "after removal" }
    ]);
    modelOverride.current = () => model;
    await chatTurn(session, headers, "echo hi");
    const [asked] = await toolParts(a.user, session, "mcp_fixture_echo");
    expect(asked?.state).toBe("approval-requested");
    await approveCall(session, headers, asked!.toolCallId);
    expect((await toolParts(a.user, session, "mcp_fixture_echo"))[0]?.output).toMatchObject({ ok: true, text: "echo: hi" });

    // The server was approved once: its other tools run without asking; failures are clear tool errors.
    await chatTurn(session, headers, "more");
    const outputs = Object.fromEntries((await toolParts(a.user, session)).map((p) => [p.type.slice(5), p.output]));
    expect(outputs.mcp_fixture_add).toMatchObject({ ok: true, text: "5" });
    expect(outputs.mcp_fixture_fail).toEqual({ ok: false, text: "The MCP server fixture reported an error: the fixture failed on purpose" });
    expect(outputs.mcp_fixture_slow).toEqual({ ok: false, text: "The MCP server fixture did not answer slow within 3000 ms." });
    const rows = await a.assistant.getAudit(10);
    expect(rows.map((r) => [r.tool, r.tier, r.outcome, r.approved]).sort()).toEqual([
      ["mcp_fixture_add", 3, "ok", null],
      ["mcp_fixture_echo", 3, "ok", true],
      ["mcp_fixture_fail", 3, "error", null],
      ["mcp_fixture_slow", 3, "error", null]
    ]);

    // User B sees nothing of A's connection.
    expect(await b.assistant.listConnections()).toEqual([]);
    const bSession = await newSession(b.user);
    const bModel = new ScriptedModel([{ tools: [{ name: "mcp_fixture_echo", input: { text: "steal" } }] }, { text: "no" }]);
    modelOverride.current = () => bModel;
    await chatTurn(bSession, await asUser(b.sub), "use A's server");
    expect((bModel.calls[0]?.tools ?? []).map((t) => t.name).filter((n) => n.startsWith("mcp_"))).toEqual([]);
    expect((await toolParts(b.user, bSession, "mcp_fixture_echo"))[0]?.state).not.toBe("output-available");

    // Disconnect: the tools are gone from A's sessions.
    modelOverride.current = () => model;
    expect(await owner<ConnectionView[]>(headers, "removeConnection", ["fixture"])).toEqual([]);
    await chatTurn(session, headers, "anything?");
    expect((model.calls.at(-1)?.tools ?? []).map((t) => t.name).filter((n) => n.startsWith("mcp_"))).toEqual([]);
  });

  it("the owner may allow a server without asking; email and schedule sessions still ask", async () => {
    const { sub, user, assistant } = await freshUser("mcp-trust");
    const headers = await asUser(sub);
    await owner(headers, "addConnection", ["open", inject("mcpOpenURL")]);
    expect((await owner<ConnectionView[]>(headers, "setConnectionTrusted", ["open", true]))[0]?.trusted).toBe(true);
    const session = await newSession(user);
    const mail = await assistant.createChannelSession("from mail", "email");
    const model = new ScriptedModel([
      { tools: [{ name: "mcp_open_echo", input: { text: "web" } }] },
      { text: "web done" },
      { tools: [{ name: "mcp_open_echo", input: { text: "mail" } }] },
      { text: "mail done" }
    ]);
    modelOverride.current = () => model;
    await chatTurn(session, headers, "echo");
    expect((await toolParts(user, session, "mcp_open_echo"))[0]?.output).toMatchObject({ ok: true, text: "echo: web" });
    await chatTurn(mail, headers, "echo");
    expect((await toolParts(user, mail, "mcp_open_echo"))[0]?.state).toBe("approval-requested");
    await owner(headers, "removeConnection", ["open"]);
  });

  it("refuses bad names and URLs, and a server that cannot be reached is not kept", async () => {
    const { sub, assistant } = await freshUser("mcp-bad");
    const headers = await asUser(sub);
    await expect(owner(headers, "addConnection", ["Bad_Name", inject("mcpOpenURL")])).rejects.toThrow(/lowercase letters and digits/);
    await expect(owner(headers, "addConnection", ["plain", "http://example.com/mcp"])).rejects.toThrow(/https/);
    await expect(owner(headers, "addConnection", ["gone", "http://127.0.0.1:1/mcp"])).rejects.toThrow(/could not connect/);
    expect(await assistant.listConnections()).toEqual([]);
  });

  it("OAuth: the owner signs in at the server and comes back to Steward's own callback route; tokens stay out of views and results", async () => {
    const { sub, user, assistant } = await freshUser("mcp-oauth");
    const other = await freshUser("mcp-oauth-other");
    const headers = await asUser(sub);
    const pending = await owner<ConnectionView>(headers, "addConnection", ["secured", inject("mcpOAuthURL")]);
    expect(pending.state).toBe("authenticating");
    expect(pending.authUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/authorize\?/);
    expect(new URL(pending.authUrl!).searchParams.get("redirect_uri")).toBe("http://localhost/api/mcp/callback");

    // The owner's browser: the server redirects to Steward's callback.
    const authorize = await fetch(pending.authUrl!, { redirect: "manual" });
    const callback = authorize.headers.get("location")!;
    expect(callback).toMatch(/^http:\/\/localhost\/api\/mcp\/callback\?code=/);
    // Someone else signed in cannot complete it (the Worker sends the callback to the caller's own agent).
    const stolen = await exports.default.fetch(callback, { headers: await asUser(other.sub) });
    expect(stolen.status).not.toBe(200);
    expect(await other.assistant.listConnections()).toEqual([]);
    // Unauthenticated: refused before any agent.
    expect((await exports.default.fetch(callback.replace("localhost", "steward.example"))).status).toBe(401);
    const done = await exports.default.fetch(callback, { headers });
    expect(done.status, await done.clone().text()).toBe(200);
    expect(await done.text()).toContain("MCP server connected");

    const deadline = Date.now() + 10_000;
    let view = (await assistant.listConnections())[0];
    while (view?.state !== "ready" && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      view = (await assistant.listConnections())[0];
    }
    expect(view).toMatchObject({ id: "secured", state: "ready", authUrl: null });
    expect(view?.tools.map((t) => t.toolName)).toContain("mcp_secured_echo");

    await assistant.setTierPermission(3, "allow");
    const session = await newSession(user);
    modelOverride.current = () => new ScriptedModel([{ tools: [{ name: "mcp_secured_echo", input: { text: "authorised" } }] }, { text: "ok" }]);
    await chatTurn(session, headers, "echo");
    const [part] = await toolParts(user, session, "mcp_secured_echo");
    expect(part?.output).toMatchObject({ ok: true, text: "echo: authorised" });
    // No token anywhere the model or the browser sees.
    const seen = JSON.stringify([view, part, await assistant.getAudit(5)]);
    expect(seen).not.toMatch(/access_token|Bearer [0-9a-f]{16}/);
  });
});
