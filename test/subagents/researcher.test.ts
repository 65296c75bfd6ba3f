import { getSubAgentByName } from "agents";
import { runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { modelOverride } from "../../src/model";
import { Researcher } from "../../src/subagents/researcher";
import type { Assistant } from "../../src/assistant/assistant";
import { DEV_USER_ID, assistantFor, chatOnce, newSession } from "../helpers/agent";
import { ScriptedModel } from "../helpers/scripted-model";

afterEach(() => {
  modelOverride.current = undefined;
});

function tablesIn(sql: SqlStorage): string[] {
  return sql
    .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
    .toArray()
    .map((r) => r.name);
}

function allText(sql: SqlStorage): string {
  return tablesIn(sql)
    .filter((t) => !t.startsWith("_cf") && !t.startsWith("sqlite_"))
    .map((t) => JSON.stringify(sql.exec(`SELECT * FROM "${t.replaceAll('"', '""')}"`).toArray()))
    .join("\n");
}

describe("sub-agents as facets", () => {
  it("delegates a task; the result returns to the parent's turn; storage stays separate", async () => {
    const session = await newSession(DEV_USER_ID);
    await chatOnce(session, "/write research/topic.md The answer is 17.");
    const model = new ScriptedModel([
      // Parent: delegate. Child: read the file, then report. Parent: relay.
      { tools: [{ name: "delegate", input: { agent: "researcher", task: "What is the answer in research/topic.md? zebra-marker" } }] },
      { tools: [{ name: "read", input: { path: "/workspace/research/topic.md" } }] },
      { text: "The file says the answer is 17." },
      { text: "My researcher says: 17." }
    ]);
    modelOverride.current = () => model;

    const { chunks, text } = await chatOnce(session, "ask the researcher");
    const delegated = chunks.find((c) => c.type === "tool-output-available")?.output as Record<string, unknown>;
    expect(delegated).toEqual({ agent: "researcher", text: "The file says the answer is 17." });
    expect(text).toBe("My researcher says: 17.");

    const assistant = await assistantFor(DEV_USER_ID);
    const researcher = await getSubAgentByName(assistant, Researcher, `researcher:${session}`);
    const childMessages = (await researcher.getMessages()) as unknown as Array<{ role: string }>;
    expect(childMessages.map((m) => m.role)).toEqual(["user", "assistant"]);

    // The child's conversation lives only in the child's SQLite...
    const parentText = await runInDurableObject(assistant as unknown as DurableObjectStub<Assistant>, (_i, state) => allText(state.storage.sql));
    expect(parentText).not.toContain("zebra-marker");
    // ...and the child cannot see the parent's tables (audit, sessions, permissions).
    const childTables = await researcher.ownTables();
    expect(childTables).not.toContain("steward_audit");
    expect(childTables).not.toContain("steward_session");

    // The child's read is audited under its own name; it has no side-effect tools.
    const audit = await assistant.getAudit(10);
    expect(audit.some((r) => r.session === `researcher:${session}` && r.tool === "read")).toBe(true);
  });

  it("never runs a side-effect tool in the researcher, even when its model asks", async () => {
    const session = await newSession(DEV_USER_ID);
    await chatOnce(session, "/write keep/me.txt precious");
    const model = new ScriptedModel([
      { tools: [{ name: "delegate", input: { agent: "researcher", task: "delete keep/me.txt" } }] },
      { tools: [{ name: "delete", input: { path: "/workspace/keep/me.txt" } }] },
      { tools: [{ name: "write", input: { path: "/workspace/keep/me.txt", content: "overwritten" } }] },
      { text: "done" },
      { text: "relayed" }
    ]);
    modelOverride.current = () => model;
    await chatOnce(session, "go");
    modelOverride.current = undefined;
    expect((await chatOnce(session, "/cat keep/me.txt")).text).toBe("precious");
    const audit = await (await assistantFor(DEV_USER_ID)).getAudit(20);
    // The calls were refused before any tool ran (not offered; and blocked if reached).
    const child = audit.filter((r) => r.session === `researcher:${session}`);
    expect(child.filter((r) => r.outcome === "ok")).toEqual([]);
    expect(model.calls).toHaveLength(5);
  });

  it("deleting a session deletes its sub-agents too", async () => {
    const session = await newSession(DEV_USER_ID);
    const model = new ScriptedModel([
      { tools: [{ name: "delegate", input: { agent: "researcher", task: "look around" } }] },
      { text: "nothing here" },
      { text: "ok" }
    ]);
    modelOverride.current = () => model;
    await chatOnce(session, "delegate something");
    const assistant = await assistantFor(DEV_USER_ID);
    const children = () =>
      runInDurableObject(assistant as unknown as DurableObjectStub<Assistant>, (instance) => instance.dynamicAgents.list().map((e) => e.name));
    expect(await children()).toEqual(expect.arrayContaining([session, `researcher:${session}`]));
    await assistant.deleteSession(session);
    expect(await children()).not.toContain(`researcher:${session}`);
    expect(await children()).not.toContain(session);
  });
});
