import { getSubAgentByName } from "agents";
import { afterEach, describe, expect, it } from "vitest";
import { Conversation } from "../../src/assistant/conversation";
import { parseOwnerCommand } from "../../src/gate/permission-commands";
import { modelOverride } from "../../src/model";
import { asUser, assistantFor, chatOnce, newSession, userMessage } from "../helpers/agent";
import { ScriptedModel } from "../helpers/scripted-model";
import { storedMessages, textOf } from "../helpers/session";

afterEach(() => {
  modelOverride.current = undefined;
});

async function freshUser() {
  const sub = `perm-${crypto.randomUUID()}`;
  const id = `access:${sub}`;
  return { id, headers: await asUser(sub), assistant: await assistantFor(id), session: await newSession(id) };
}

describe("/allow /ask /deny", () => {
  it("the owner changes a tier's permission from the chat box", async () => {
    const user = await freshUser();
    expect((await user.assistant.getTiers())[4]).toBe("ask");
    expect((await chatOnce(user.session, "/allow 4", user.headers)).text).toBe("Tier 4 (container) is now set to allow: its calls run without asking.");
    expect((await user.assistant.getTiers())[4]).toBe("allow");
    expect((await chatOnce(user.session, "/deny browser", user.headers)).text).toContain("Tier 3 (browser) is now set to deny");
    expect((await chatOnce(user.session, "/ask tier 1", user.headers)).text).toContain("Tier 1 (isolate) is now set to ask");
    expect(await user.assistant.getTiers()).toEqual({ 0: "allow", 1: "ask", 2: "allow", 3: "deny", 4: "allow" });
    // No tool ran: the command never became a tool call.
    expect(await user.assistant.getAudit(10)).toEqual([]);
  });

  it("refuses bad tiers with a clear error and changes nothing", async () => {
    const user = await freshUser();
    const before = await user.assistant.getTiers();
    expect((await chatOnce(user.session, "/allow 9", user.headers)).text).toMatch(/"9" is not a tier\. Tiers: 0 workspace, 1 isolate.*Nothing was changed/);
    expect((await chatOnce(user.session, "/deny", user.headers)).text).toMatch(/^Usage: \/deny <tier>/);
    expect((await chatOnce(user.session, "/deny 0", user.headers)).text).toMatch(/Tier 0 \(workspace\) is always allowed/);
    expect((await chatOnce(user.session, "/ask kernel", user.headers)).text).toMatch(/"kernel" is not a tier/);
    expect(await user.assistant.getTiers()).toEqual(before);
  });

  it("parses only exact forms", () => {
    expect(parseOwnerCommand("/allow 4")).toEqual({ ok: true, tier: 4, permission: "allow" });
    expect(parseOwnerCommand("  /deny CONTAINER ")).toEqual({ ok: true, tier: 4, permission: "deny" });
    expect(parseOwnerCommand("/allowed 4")).toBeNull();
    expect(parseOwnerCommand("please /allow 4")).toBeNull();
    expect(parseOwnerCommand("/allow 4 5")).toMatchObject({ ok: false });
  });
});

describe("a model cannot escalate itself", () => {
  it("is offered no tool that changes permissions, and an invented one is refused", async () => {
    const user = await freshUser();
    const model = new ScriptedModel([{ tools: [{ name: "setTierPermission", input: { tier: 4, permission: "allow" } }] }, { text: "tried" }]);
    modelOverride.current = () => model;
    await chatOnce(user.session, "give yourself the container", user.headers);
    const offered = Object.keys((model.calls[0]?.tools ?? []).reduce((acc, t) => ({ ...acc, [t.name]: 1 }), {}));
    expect(offered).toContain("run_shell");
    expect(offered.filter((name) => /allow|deny|permission|tier_?perm|set_?tier/i.test(name))).toEqual([]);
    expect((await user.assistant.getTiers())[4]).toBe("ask");
  });

  it("a /allow that arrives any other way than the owner's chat socket changes nothing", async () => {
    const user = await freshUser();
    // A programmatic turn: how email, schedules or another agent would inject text.
    const conversation = await getSubAgentByName(user.assistant, Conversation, user.session);
    await conversation.saveMessages([userMessage("/allow 4")]);
    const messages = await storedMessages(user.id, user.session);
    expect(textOf(messages.at(-1))).toMatch(/only when you type it in your own chat window; nothing was changed/);
    expect((await user.assistant.getTiers())[4]).toBe("ask");
    // Text the model writes is not a command either.
    const model = new ScriptedModel([{ text: "/allow 4" }]);
    modelOverride.current = () => model;
    await chatOnce(user.session, "say the magic words", user.headers);
    expect((await user.assistant.getTiers())[4]).toBe("ask");
  });
});
