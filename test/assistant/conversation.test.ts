import { runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import type { Assistant } from "../../src/assistant/assistant";
import { modelOverride } from "../../src/model";
import { DEV_USER_ID, FrameLog, assistantFor, chatOnce, connect, newSession, sendChat } from "../helpers/agent";
import { ScriptedModel } from "../helpers/scripted-model";
import { storedMessages, textOf } from "../helpers/session";

afterEach(() => {
  modelOverride.current = undefined;
});

describe("a chat turn over the WebSocket", () => {
  it("streams tokens in order and persists each message once", async () => {
    const model = new ScriptedModel([{ text: ["Hel", "lo, ", "I am ", "Steward."] }]);
    modelOverride.current = () => model;
    const session = await newSession(DEV_USER_ID);

    const ws = await connect(`/agent/sub/conversation/${session}`);
    const log = new FrameLog(ws);
    const id = sendChat(ws, "hi there");
    await log.done(id);
    ws.close();

    const deltas = log
      .chunks(id)
      .filter((c) => c.type === "text-delta")
      .map((c) => c.delta);
    expect(deltas).toEqual(["Hel", "lo, ", "I am ", "Steward."]);

    const messages = await storedMessages(DEV_USER_ID, session);
    expect(messages.map((m) => m.role)).toEqual(["user", "assistant"]);
    expect(textOf(messages[0])).toBe("hi there");
    expect(textOf(messages[1])).toBe("Hello, I am Steward.");
    expect(model.calls).toHaveLength(1);
    // The system prompt explains the ladder and tools.
    const system = model.calls[0]?.prompt.find((m) => m.role === "system");
    expect(JSON.stringify(system)).toContain("run_code");
  });

  it("leaves no alarm running once the turn is done (an idle agent costs nothing)", async () => {
    const session = await newSession(DEV_USER_ID);
    await chatOnce(session, "/run 1+1");
    const assistant = await assistantFor(DEV_USER_ID);
    const alarm = await runInDurableObject(assistant as unknown as DurableObjectStub<Assistant>, (_i, state) => state.storage.getAlarm());
    expect(alarm).toBeNull();
  });

  it("lets the model use tier 0 and tier 1 tools, and audits both", async () => {
    modelOverride.current = () =>
      new ScriptedModel([
        { tools: [{ name: "write", input: { path: "/workspace/data/n.json", content: "[1,2,3,4]" } }] },
        {
          tools: [
            {
              name: "run_code",
              input: {
                code: 'import { readFile } from "node:fs/promises";\nconst n = JSON.parse(await readFile("/workspace/data/n.json", "utf8"));\nreturn n.reduce((a, b) => a + b, 0);'
              }
            }
          ]
        },
        { text: "The sum is 10." }
      ]);
    const session = await newSession(DEV_USER_ID);
    const { chunks, text } = await chatOnce(session, "add up the numbers in data/n.json");
    const outputs = chunks.filter((c) => c.type === "tool-output-available").map((c) => c.output as Record<string, unknown>);
    expect(outputs[0]).toMatchObject({ path: "/workspace/data/n.json", bytesWritten: 9 });
    expect(outputs[1]).toMatchObject({ ok: true, value: 10 });
    expect(text).toBe("The sum is 10.");

    const audit = await (await assistantFor(DEV_USER_ID)).getAudit(10);
    const mine = audit.filter((row) => row.session === session).reverse();
    expect(mine.map((r) => [r.tool, r.tier, r.outcome])).toEqual([
      ["write", 0, "ok"],
      ["run_code", 1, "ok"]
    ]);
    expect(mine[0]?.inputDigest).toMatch(/^[0-9a-f]{64}$/);
    expect(mine[1]?.bytesOut).toBeGreaterThan(0);
    expect(new Set(mine.map((r) => r.turn)).size).toBe(1);
  });
});

describe("slash commands (offline command model, no model configured)", () => {
  it("/help lists every command", async () => {
    const session = await newSession(DEV_USER_ID);
    const { text } = await chatOnce(session, "/help");
    for (const command of ["/help", "/ls", "/cat", "/write", "/run", "/tiers", "/audit"]) expect(text).toContain(command);
  });

  it("/write then /cat round-trips, /ls lists it, and the audit shows both", async () => {
    const session = await newSession(DEV_USER_ID);
    const wrote = await chatOnce(session, "/write notes/a.md # Notes\nline two");
    expect(wrote.text).toBe("Wrote 16 bytes to /workspace/notes/a.md.");
    const cat = await chatOnce(session, "/cat notes/a.md");
    expect(cat.text).toBe("# Notes\nline two");
    const ls = await chatOnce(session, "/ls notes");
    expect(ls.text).toContain("a.md  16 B");

    const audit = await chatOnce(session, "/audit 5");
    expect(audit.text).toMatch(/tier 0 read ok/);
    expect(audit.text).toMatch(/tier 0 write ok/);
  });

  it("/run evaluates expressions, bodies and modules in tier 1", async () => {
    const session = await newSession(DEV_USER_ID);
    expect((await chatOnce(session, "/run 6*7")).text).toBe("42");
    expect((await chatOnce(session, "/run const x = [1,2,3]; return x.map((n) => n * 2)")).text).toBe("[\n  2,\n  4,\n  6\n]");
    expect((await chatOnce(session, '/run export default async () => { console.log("hi"); return "ok"; }')).text).toBe("ok\n\nOutput:\nhi");
  });

  it("/tiers shows the ladder with permissions", async () => {
    const session = await newSession(DEV_USER_ID);
    const { text } = await chatOnce(session, "/tiers");
    expect(text).toMatch(/0 workspace\s+allow/);
    expect(text).toMatch(/1 isolate\s+allow/);
    expect(text).toMatch(/2 npm\s+allow/);
    expect(text).toMatch(/3 browser\s+ask/);
  });

  it("bad commands get a clear error and run nothing", async () => {
    const session = await newSession(DEV_USER_ID);
    const before = (await (await assistantFor(DEV_USER_ID)).getAudit(500)).length;
    expect((await chatOnce(session, "/frobnicate")).text).toContain("Unknown command /frobnicate");
    expect((await chatOnce(session, "/cat")).text).toBe("Usage: /cat <path>");
    expect((await chatOnce(session, "/cat ../../etc/passwd")).text).toContain("escapes the root");
    expect((await chatOnce(session, "/audit lots")).text).toContain("whole number");
    expect((await chatOnce(session, "/cat nope.md")).text).toContain("File not found");
    const after = await (await assistantFor(DEV_USER_ID)).getAudit(500);
    // Only the /cat of a missing file reached a tool (and failed); parse errors ran nothing.
    expect(after.length - before).toBe(1);
    expect(after[0]).toMatchObject({ tool: "read", outcome: "error" });
  });

  it("plain text without a model explains how to configure one", async () => {
    const session = await newSession(DEV_USER_ID);
    const { text } = await chatOnce(session, "what's the weather?");
    expect(text).toContain("No language model is configured");
    expect(text).toContain("MODEL_PROVIDER");
  });

  it("slash commands bypass a configured model", async () => {
    const model = new ScriptedModel([{ text: "model answer" }]);
    modelOverride.current = () => model;
    const session = await newSession(DEV_USER_ID);
    expect((await chatOnce(session, "/run 2+3")).text).toBe("5");
    expect(model.calls).toHaveLength(0);
    expect((await chatOnce(session, "hello")).text).toBe("model answer");
    expect(model.calls).toHaveLength(1);
  });
});
