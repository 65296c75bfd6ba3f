import { afterEach, describe, expect, it } from "vitest";
import { modelOverride } from "../../src/model";
import { TOOL_FACTS } from "../../src/shared/tool-facts";
import { parseOwnerCommand } from "../../src/gate/permission-commands";
import { FrameLog, asUser, chatTurn, connect, newSession } from "../helpers/agent";
import { rpc } from "../helpers/probe";
import { ScriptedModel } from "../helpers/scripted-model";
import { freshUser, toolParts } from "./helpers";

afterEach(() => {
  modelOverride.current = undefined;
});

const DIR = "/workspace/.agents/extensions/greeter";
const MANIFEST = JSON.stringify({
  name: "greeter",
  version: "0.1.0",
  description: "says hello",
  permissions: { network: [], workspace: "read" },
  tools: [{ name: "hello", description: "greet someone", inputSchema: { type: "object", properties: { who: { type: "string" } }, required: ["who"] } }]
});
const CODE = `export async function hello({ who }) { return "hello, " + who; }\n`;

const offeredIn = (model: ScriptedModel, call: number) => (model.calls[call]?.tools ?? []).map((t) => t.name);

describe("extensions the agent writes", () => {
  it("are not offered until the owner enables them, and turn off when any file changes", async () => {
    const { sub, user, assistant } = await freshUser("written");
    const headers = await asUser(sub);
    const session = await newSession(user);
    const model = new ScriptedModel([
      // The agent writes an extension into the workspace with its own tools…
      {
        tools: [
          { name: "write", input: { path: `${DIR}/manifest.json`, content: MANIFEST } },
          { name: "write", input: { path: `${DIR}/extension.js`, content: CODE } }
        ]
      },
      { text: "written" },
      // …and tries to use it at once: it is not offered, and a call to it does not run.
      { tools: [{ name: "ext_greeter_hello", input: { who: "model" } }] },
      { text: "tried" },
      // After the owner enabled it: offered, runs.
      { tools: [{ name: "ext_greeter_hello", input: { who: "owner" } }] },
      { text: "greeted" },
      // The agent changes one file…
      { tools: [{ name: "write", input: { path: `${DIR}/extension.js`, content: CODE.replace("hello, ", "pwned, ") } }] },
      { text: "changed" },
      // …and it is off again until the owner approves the new files.
      { tools: [{ name: "ext_greeter_hello", input: { who: "again" } }] },
      { text: "tried again" }
    ]);
    modelOverride.current = () => model;

    await chatTurn(session, headers, "write yourself a greeter extension");
    expect((await assistant.listExtensions()).find((e) => e.name === "greeter")).toMatchObject({
      source: "workspace",
      folder: DIR,
      state: "disabled",
      tier: 1,
      permissions: { network: [], workspace: "read" },
      files: [
        { path: "extension.js", content: CODE },
        { path: "manifest.json", content: MANIFEST }
      ]
    });

    await chatTurn(session, headers, "use it");
    expect(offeredIn(model, 2)).not.toContain("ext_greeter_hello");
    const [tried] = await toolParts(user, session, "ext_greeter_hello");
    expect(tried?.state).not.toBe("output-available");
    expect((await assistant.getAudit(20)).filter((r) => r.tool === "ext_greeter_hello" && r.outcome === "ok")).toEqual([]);

    // The owner reviews and enables exactly these files.
    const reviewed = (await assistant.listExtensions()).find((e) => e.name === "greeter")!;
    await assistant.enableExtension("greeter", reviewed.digest);
    await chatTurn(session, headers, "use it now");
    expect(offeredIn(model, 4)).toContain("ext_greeter_hello");
    const greeted = (await toolParts(user, session, "ext_greeter_hello")).at(-1);
    expect(greeted?.output).toEqual({ ok: true, value: "hello, owner" });
    expect((await assistant.getAudit(1))[0]).toMatchObject({ tool: "ext_greeter_hello", tier: 1, outcome: "ok" });

    await chatTurn(session, headers, "change it");
    expect((await assistant.listExtensions()).find((e) => e.name === "greeter")?.state).toBe("changed");
    await chatTurn(session, headers, "use it again");
    expect(offeredIn(model, 8)).not.toContain("ext_greeter_hello");
    const outputs = (await toolParts(user, session, "ext_greeter_hello")).map((p) => p.output).filter(Boolean);
    expect(JSON.stringify(outputs)).not.toContain("pwned");

    // Approving the old digest does nothing: the owner must review the files as they are now.
    // (Over the owner's /agent socket, as the web app calls it: a refusal over DO RPC would be an unhandled error.)
    const owner = await connect("/agent", headers);
    const ownerLog = new FrameLog(owner);
    await expect(rpc(owner, ownerLog, "enableExtension", ["greeter", reviewed.digest])).rejects.toThrow(/changed since you reviewed it/);
    owner.close();
  });

  it("cannot be enabled by the model: no tool, no slash command, no RPC on the session's socket", async () => {
    const { sub, user, assistant } = await freshUser("no-enable");
    const headers = await asUser(sub);
    const session = await newSession(user);
    const model = new ScriptedModel([
      {
        tools: [
          { name: "write", input: { path: `${DIR}/manifest.json`, content: MANIFEST } },
          { name: "write", input: { path: `${DIR}/extension.js`, content: CODE } }
        ]
      },
      { text: "written" },
      // Think's own extension tools and anything that sounds like enabling: none exist for the model.
      {
        tools: [
          { name: "load_extension", input: { name: "greeter", source: "({tools:{}})" } },
          { name: "enable_extension", input: { name: "greeter" } },
          { name: "enableExtension", input: { name: "greeter", digest: "0".repeat(64) } },
          { name: "run_code", input: { code: "return 1" } }
        ]
      },
      { text: "tried" }
    ]);
    modelOverride.current = () => model;
    await chatTurn(session, headers, "write it");
    await chatTurn(session, headers, "enable it");
    const offered = offeredIn(model, 2);
    for (const name of ["load_extension", "list_extensions", "enable_extension", "enableExtension"]) expect(offered).not.toContain(name);
    // No static tool manages extensions, and no owner command does.
    expect(Object.keys(TOOL_FACTS).filter((name) => /extension|connect|mcp/i.test(name))).toEqual([]);
    for (const text of ["/enable greeter", "/extensions enable greeter", "/allow ext_greeter_hello", "/allow extension greeter"]) {
      const parsed = parseOwnerCommand(text);
      expect(parsed === null || !parsed.ok, text).toBe(true);
      await chatTurn(session, headers, text);
    }
    // The session's own socket offers no such RPC (the Assistant's callables are on /agent only).
    const ws = await connect(`/agent/sub/conversation/${session}`, headers);
    const log = new FrameLog(ws);
    const digest = (await assistant.listExtensions()).find((e) => e.name === "greeter")!.digest;
    ws.send(JSON.stringify({ type: "rpc", id: "enable-1", method: "enableExtension", args: ["greeter", digest] }));
    const answer = await log.waitFor((f) => f.type === "steward_error" || (f.type === "rpc" && f.id === "enable-1"));
    expect(answer.type === "steward_error" || answer.success === false, JSON.stringify(answer)).toBe(true);
    ws.close();
    expect((await assistant.listExtensions()).find((e) => e.name === "greeter")?.state).toBe("disabled");
    expect((await assistant.getAudit(50)).filter((r) => r.tool.startsWith("ext_greeter") || /extension/i.test(r.tool))).toEqual([]);
  });

  it("an extension that runs too long is stopped with a clear error; a read-only one cannot write", async () => {
    const { sub, user, assistant } = await freshUser("limits");
    const headers = await asUser(sub);
    const dir = "/workspace/.agents/extensions/stuck";
    const manifest = {
      name: "stuck",
      version: "1",
      permissions: { network: [], workspace: "read" },
      tools: [
        { name: "wait", description: "never returns", inputSchema: { type: "object", properties: {} } },
        { name: "scribble", description: "tries to write", inputSchema: { type: "object", properties: {} } }
      ]
    };
    // An async loop: a promise that can never settle is detected by workerd as a hang at once (src/ladder/AGENTS.md).
    const code = `export async function wait() { for (;;) await new Promise((r) => setTimeout(r, 50)); }
export async function scribble(_input, steward) { await steward.workspace.write("/workspace/x.txt", "x"); return "wrote"; }`;
    await assistant.uploadFile(`${dir}/manifest.json`, btoa(JSON.stringify(manifest)));
    await assistant.uploadFile(`${dir}/extension.js`, btoa(code));
    const view = (await assistant.listExtensions()).find((e) => e.name === "stuck")!;
    await assistant.enableExtension("stuck", view.digest);
    const session = await newSession(user);
    modelOverride.current = () =>
      new ScriptedModel([
        {
          tools: [
            { name: "ext_stuck_wait", input: {} },
            { name: "ext_stuck_scribble", input: {} }
          ]
        },
        { text: "done" }
      ]);
    await chatTurn(session, headers, "go");
    const [wait] = await toolParts(user, session, "ext_stuck_wait");
    expect(wait?.output).toEqual({ ok: false, text: "The extension tool ext_stuck_wait did not finish within 4000 ms and was stopped." });
    const [scribble] = await toolParts(user, session, "ext_stuck_scribble");
    expect(scribble?.output).toEqual({ ok: false, text: 'this extension may only read the workspace (its manifest declares "read")' });
    const rows = await assistant.getAudit(5);
    expect(rows.map((r) => [r.tool, r.outcome]).sort()).toEqual([
      ["ext_stuck_scribble", "error"],
      ["ext_stuck_wait", "error"]
    ]);
  });
});
