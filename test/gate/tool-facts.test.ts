import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Assistant } from "../../src/assistant/assistant";
import type { LanguageModelV4CallOptions } from "@ai-sdk/provider";
import { modelOverride } from "../../src/model";
import { TOOL_FACTS, toolFact } from "../../src/shared/tool-facts";
import type { DynamicFacts } from "../../src/shared/tool-facts";
import type { Offeree } from "../../src/shared/channel";
import { DEV_USER_ID, assistantFor, chatOnce, newSession } from "../helpers/agent";
import { ScriptedModel } from "../helpers/scripted-model";
import { captureMail } from "../channels/email/mail";

const outbox = captureMail();

function offered(call: LanguageModelV4CallOptions | undefined): string[] {
  return (call?.tools ?? []).map((t) => t.name).sort();
}

/** Static facts, plus the user's own (enabled extensions, MCP servers) the Assistant hands the gate. */
function expectEveryFact(names: string[], offeree: Offeree, dynamic: DynamicFacts = {}): void {
  const missing = names.filter((name) => toolFact(name, dynamic) === null);
  expect(missing, `tools offered to ${offeree} with no entry in TOOL_FACTS or the user's dynamic facts`).toEqual([]);
  for (const name of names) expect(toolFact(name, dynamic)?.offeredTo, name).toContain(offeree);
}

describe("one table of tool facts", () => {
  it("has a fact for every tool offered to any model: a session's (Steward's own and Think's built-ins) and each sub-agent's", async () => {
    const assistant = await assistantFor(DEV_USER_ID);
    const web = await newSession(DEV_USER_ID);
    const mail = await assistant.createChannelSession("from mail", "email");
    const model = new ScriptedModel([
      // web: the main model asks the researcher, which gets the next step.
      { tools: [{ name: "delegate", input: { agent: "researcher", task: "list the files" } }] },
      { text: "researcher: nothing" },
      { text: "done" },
      // email session
      { text: "mail done" },
      // mail reader
      { text: '{"summary":"hi","requests":[],"suspicious":false,"reasons":[]}' }
    ]);
    modelOverride.current = () => model;
    await chatOnce(web, "research");
    await chatOnce(mail, "hello");
    await runInDurableObject(assistant, async (instance: Assistant) => {
      await (await instance.mailReader(mail)).readMail("read this", "excerpt");
    });

    const [session, researcher, , mailSession, mailReader] = model.calls;
    const dynamic = await runInDurableObject(assistant, async (instance: Assistant) => (await instance.turnContext(null, null)).dynamic.facts);
    expect(offered(session)).toContain("run_code");
    expect(offered(session)).toContain("read");
    // The bundled extensions' tools are offered, with facts from the user's Assistant.
    expect(offered(session)).toContain("ext_tabular_summarise");
    expectEveryFact(offered(session), "web", dynamic);
    expectEveryFact(offered(mailSession), "email", dynamic);
    expect(offered(researcher).length).toBeGreaterThan(0);
    expectEveryFact(offered(researcher), "researcher");
    expect(offered(mailReader)).toEqual([]);
    // What the table never offers is not offered.
    expect(offered(session)).not.toContain("exec");
  });

  it("gives every tool a tier and an effect; never-offered tools say why", () => {
    for (const [name, fact] of Object.entries(TOOL_FACTS)) {
      expect([0, 1, 2, 3, 4], name).toContain(fact.tier);
      expect(["reads", "writes", "acts"], name).toContain(fact.effect);
      if (fact.offeredTo.length === 0) expect(fact.unavailable, name).toMatch(/\w/);
    }
  });
});

describe("an unknown tool is never assumed safe", () => {
  for (const channel of ["web", "email", "schedule"] as const) {
    it(`asks on ${channel}, runs only as approved, and is audited as unknown`, async () => {
      const user = `unknown-${channel}-${crypto.randomUUID()}`;
      const assistant = await assistantFor(user);
      const session = await assistant.createChannelSession("s", channel);
      const call = { id: `call-${crypto.randomUUID()}`, tool: "some_future_builtin", input: { x: 1 } };
      // Not asked yet: refused.
      expect(await assistant.gateBefore(session, channel, call)).toMatchObject({ action: "refuse" });
      // Every tier allowed changes nothing: it still asks.
      for (const tier of [1, 2, 3, 4]) await assistant.setTierPermission(tier, "allow");
      expect(await assistant.gateAsk(session, channel, call)).toBe(true);
      expect(await assistant.gateBefore(session, channel, call)).toEqual({ action: "run", approved: true });
      // Bound to the call: other arguments are refused.
      expect(await assistant.gateBefore(session, channel, { ...call, input: { x: 2 } })).toMatchObject({ action: "refuse" });
      await assistant.gateAfter(
        { session, turn: "t", tier: null, tool: call.tool, inputDigest: "d", outcome: "ok", durationMs: 1, bytesOut: 0, approved: true, detail: "" },
        call.input
      );
      expect(await assistant.getAudit(5, { tier: null })).toMatchObject([{ tool: "some_future_builtin", tier: null, approved: true }]);
    });
  }
});

describe("send_email has its real tier", () => {
  it("is tier 0 mail that acts outside: audited as tier 0, never as unknown", async () => {
    expect(toolFact("send_email")).toMatchObject({ tier: 0, effect: "acts", target: "recipient", label: "mail" });
    const assistant = await assistantFor(DEV_USER_ID);
    await assistant.addOwnerEmailAddress("dev@example.com");
    const session = await newSession(DEV_USER_ID);
    const model = new ScriptedModel([
      { tools: [{ name: "send_email", input: { to: "dev@example.com", subject: "Note", text: "To myself." } }] },
      { text: "Sent." },
      { tools: [{ name: "send_email", input: { to: "stranger@elsewhere.example", subject: "Hi", text: "Hello." } }] },
      { text: "unused" }
    ]);
    modelOverride.current = () => model;
    expect((await chatOnce(session, "mail me")).text).toBe("Sent.");
    expect(outbox.sent).toHaveLength(1);
    expect((await assistant.getAudit(5)).filter((r) => r.tool === "send_email")).toMatchObject([{ tier: 0, outcome: "ok", session }]);
    const turn = await chatOnce(session, "mail the stranger");
    expect(turn.chunks.some((c) => c.type === "tool-approval-request")).toBe(true);
    expect(outbox.sent).toHaveLength(1);
    // A call that skipped the question is refused; to the owner it runs.
    const call = { id: `call-${crypto.randomUUID()}`, tool: "send_email", input: { to: "stranger@elsewhere.example", subject: "x", text: "y" } };
    expect(await assistant.gateBefore(session, "web", call)).toMatchObject({ action: "refuse" });
    expect(await assistant.gateBefore(session, "web", { ...call, input: { ...call.input, to: "dev@example.com" } })).toEqual({
      action: "run",
      approved: false
    });
  });
});
