import { abortAllDurableObjects, runDurableObjectAlarm } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { modelOverride } from "../../src/model";
import { DEV_USER_ID, FrameLog, assistantFor, connect, newSession, sendChat } from "../helpers/agent";
import { ScriptedModel } from "../helpers/scripted-model";
import { storedMessages, textOf } from "../helpers/session";

afterEach(() => {
  modelOverride.current = undefined;
});

/** Drives the user's alarm (which owns facet recovery) until `done` holds. */
async function recover(done: () => Promise<boolean>): Promise<void> {
  const assistant = await assistantFor(DEV_USER_ID);
  for (let i = 0; i < 40; i++) {
    if (await done()) return;
    await runDurableObjectAlarm(assistant as unknown as DurableObjectStub);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("the turn did not recover");
}

describe("a crash mid-turn", () => {
  it("recovers the turn with every message stored once and no tool run twice", async () => {
    const model = new ScriptedModel([
      { tools: [{ name: "write", input: { path: "/workspace/crash/log.txt", content: "written once" } }] },
      { hang: ["Half ", "way "] },
      { text: "there." }
    ]);
    modelOverride.current = () => model;
    const session = await newSession(DEV_USER_ID);

    const ws = await connect(`/agent/sub/conversation/${session}`);
    const log = new FrameLog(ws);
    const id = sendChat(ws, "write the log, then report");
    await log.waitFor((f) => typeof f.body === "string" && f.body.includes('"delta":"way "'));

    await abortAllDurableObjects(); // the process dies mid-stream

    await recover(async () => {
      const messages = await storedMessages(DEV_USER_ID, session).catch(() => []);
      return textOf(messages.at(-1)).includes("there.");
    });

    const messages = await storedMessages(DEV_USER_ID, session);
    expect(messages.map((m) => m.role)).toEqual(["user", "assistant"]);
    expect(textOf(messages[0])).toBe("write the log, then report");
    // The settled tool call survives the crash once; the continuation picks up after it.
    expect(messages[1]?.parts.filter((p) => p.type === "tool-write")).toHaveLength(1);
    expect(textOf(messages[1])).toContain("there.");
    expect((textOf(messages[1]).match(/Half way /g) ?? []).length).toBeLessThanOrEqual(1);

    const audit = (await (await assistantFor(DEV_USER_ID)).getAudit(50)).filter((r) => r.session === session);
    expect(audit.filter((r) => r.tool === "write")).toHaveLength(1);
    // The model was asked three times: tool step, the interrupted step, the continuation.
    expect(model.calls).toHaveLength(3);
    expect(id).toBeTruthy();
  });
});
