import { abortAllDurableObjects, runDurableObjectAlarm } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { modelOverride } from "../../src/model";
import { speechOverride } from "../../src/voice/providers";
import { asUser, assistantFor } from "../helpers/agent";
import { ScriptedModel } from "../helpers/scripted-model";
import { storedMessages, textOf } from "../helpers/session";
import { openCall, useScriptedSpeech } from "./helpers";

beforeEach(() => useScriptedSpeech());
afterEach(() => {
  modelOverride.current = undefined;
  speechOverride.current = undefined;
});

describe("a crash mid-turn in a call", () => {
  it("recovers like chat: one user message, one answer, the tool run once", async () => {
    const sub = `voice-crash-${crypto.randomUUID()}`;
    const user = `access:${sub}`;
    const headers = await asUser(sub);
    const assistant = await assistantFor(user);
    const session = (await assistant.createCallSession()).id;
    const model = new ScriptedModel([
      { tools: [{ name: "write", input: { path: "/workspace/call/log.txt", content: "once" } }] },
      { hang: ["Half ", "way. "] },
      { text: "There." }
    ]);
    modelOverride.current = () => model;

    const call = await openCall(session, headers);
    call.say("write the log");
    await call.until(() => call.frames.some((f) => f.type === "transcript_delta" && f.text === "way. "), "the hanging step");

    await abortAllDurableObjects(); // the process dies mid-answer

    const revived = await assistantFor(user);
    for (let i = 0; i < 40; i++) {
      const messages = await storedMessages(user, session).catch(() => []);
      if (textOf(messages.at(-1)).includes("There.")) break;
      await runDurableObjectAlarm(revived as unknown as DurableObjectStub);
      await new Promise((r) => setTimeout(r, 100));
    }
    const messages = await storedMessages(user, session);
    expect(messages.map((m) => m.role)).toEqual(["user", "assistant"]);
    expect(textOf(messages[0])).toBe("write the log");
    expect(textOf(messages[1])).toContain("There.");
    expect(messages[1]?.parts.filter((p) => p.type === "tool-write")).toHaveLength(1);
    const audit = (await revived.getAudit(50)).filter((r) => r.session === session);
    expect(audit.filter((r) => r.tool === "write")).toHaveLength(1);
  });
});
