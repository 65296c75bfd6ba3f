import { getSubAgentByName } from "agents";
import type { UIMessage } from "ai";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Conversation } from "../../src/assistant/conversation";
import { modelOverride } from "../../src/model";
import { speechOverride } from "../../src/voice/providers";
import { asUser, assistantFor } from "../helpers/agent";
import { ScriptedModel } from "../helpers/scripted-model";
import type { ScriptStep } from "../helpers/scripted-model";
import { storedMessages, textOf } from "../helpers/session";
import { workspaceText } from "../helpers/workspace";
import { openCall, useScriptedSpeech } from "./helpers";

beforeEach(() => useScriptedSpeech());
afterEach(() => {
  modelOverride.current = undefined;
  speechOverride.current = undefined;
});

/** A signed-in user with a fresh call session and a scripted model. */
async function callUser(steps: ScriptStep[], tier4: "allow" | "ask" = "allow") {
  const sub = `voice-${crypto.randomUUID()}`;
  const user = `access:${sub}`;
  const headers = await asUser(sub);
  const assistant = await assistantFor(user);
  await assistant.setTierPermission(4, tier4);
  const session = (await assistant.createCallSession()).id;
  const model = new ScriptedModel(steps);
  modelOverride.current = () => model;
  return { user, headers, assistant, session, model };
}

const turns = (log: { frames: Array<Record<string, unknown>> }) => log.frames.filter((f) => f.type === "steward_call_turn");

describe("a web call", () => {
  it("turns an utterance into a turn of the call's voice session, spoken sentence by sentence", async () => {
    const { user, headers, assistant, session, model } = await callUser([
      { say: ["Let me look at ", "your files. "], tools: [{ name: "ls", input: { path: "/workspace" } }] },
      { text: ["You have ", "no files yet. ", "Ask me to ", "create one."] }
    ]);
    const call = await openCall(session, headers);
    call.say("list my files");

    await call.nth("steward_call_turn", 1);
    expect(call.audio).toEqual(["audio:Let me look at your files.", "audio:You have no files yet.", "audio:Ask me to create one."]);
    // The words before the tool call were spoken before the answer's first word after it was even written.
    const firstAudio = call.events.findIndex((e) => e.audio !== undefined);
    const afterTool = call.events.findIndex((e) => e.json?.type === "transcript_delta" && e.json.text === "You have ");
    expect(firstAudio).toBeLessThan(afterTool);
    const [turn] = turns(call);
    expect(turn).toMatchObject({ outcome: "completed" });
    expect(turn?.firstTextMs).toBeTypeOf("number");
    expect(turn?.firstAudioMs).toBeTypeOf("number");
    await call.until(() => call.frames.filter((f) => f.type === "status").at(-1)?.status === "listening", "listening again");

    // The session: channel voice, one user message and one answer with the tool.
    expect((await assistant.listSessions()).find((s) => s.id === session)?.channel).toBe("voice");
    const messages = await storedMessages(user, session);
    expect(messages.map((m) => m.role)).toEqual(["user", "assistant"]);
    expect(textOf(messages[0])).toBe("list my files");
    expect(messages[1]?.parts.some((p) => p.type === "tool-ls")).toBe(true);
    // The gate saw it and the audit has it; the model was told it speaks.
    expect((await assistant.getAudit(5)).map((r) => [r.tool, r.outcome])).toEqual([["ls", "ok"]]);
    expect(JSON.stringify(model.calls[0]?.prompt)).toContain("voice call");
    // The call's socket speaks the voice protocol only: no chat broadcast (cf_agent_*) reached it.
    expect(call.frames.filter((f) => String(f.type).startsWith("cf_agent_"))).toEqual([]);
    call.ws.close();
  });

  it("refuses a second caller", async () => {
    const { headers, session } = await callUser([]);
    const first = await openCall(session, headers);
    const second = await import("./helpers").then(async ({ CallLog }) => {
      const { exports } = await import("cloudflare:workers");
      const res = await exports.default.fetch(`http://localhost/agent/voice/${session}`, {
        headers: { Upgrade: "websocket", Origin: "http://localhost", ...headers }
      });
      const ws = res.webSocket!;
      const closed = new Promise<number>((resolve) => ws.addEventListener("close", (e) => resolve(e.code)));
      ws.accept();
      return { log: new CallLog(ws), closed };
    });
    expect(await second.closed).toBe(4409);
    expect(second.log.frames[0]).toMatchObject({ type: "error", message: "this call already has a caller" });
    first.ws.close();
  });

  it("refuses a call on a session that is not a call, and a client's own call mark on a chat socket", async () => {
    const { headers, assistant } = await callUser([]);
    const chat = await assistant.createSession({ title: "chat" });
    const { exports } = await import("cloudflare:workers");
    const res = await exports.default.fetch(`http://localhost/agent/voice/${chat.id}`, {
      headers: { Upgrade: "websocket", Origin: "http://localhost", ...headers }
    });
    const ws = res.webSocket!;
    const closed = new Promise<number>((resolve) => ws.addEventListener("close", (e) => resolve(e.code)));
    ws.accept();
    expect(await closed).toBe(4409);
    // Same Origin check as chat.
    const foreign = await exports.default.fetch(`http://localhost/agent/voice/${chat.id}`, {
      headers: { Upgrade: "websocket", Origin: "https://evil.example", ...headers }
    });
    expect(foreign.status).toBe(403);
  });

  it("barge-in stops the speech, cancels the turn (partial answer kept, marked interrupted), and the next utterance is answered", async () => {
    const { user, headers, session } = await callUser([{ hang: ["Counting one. ", "Two. ", "Three"] }, { text: "Second answer." }]);
    const call = await openCall(session, headers);
    call.say("count slowly");
    await call.until(() => call.audio.includes("audio:Counting one."), "the first sentence");
    call.say("stop that");
    await call.nth("playback_interrupt", 1);
    await call.nth("steward_call_turn", 2);
    expect(turns(call).map((t) => t.outcome)).toEqual(["interrupted", "completed"]);
    expect(call.audio.at(-1)).toBe("audio:Second answer.");
    expect(call.audio).not.toContain("audio:Three");

    const messages = await storedMessages(user, session);
    expect(messages.map((m) => [m.role, textOf(m)])).toEqual([
      ["user", "count slowly"],
      ["assistant", expect.stringContaining("Counting one.")],
      ["user", "stop that"],
      ["assistant", "Second answer."]
    ]);
    expect(messages[1]?.metadata).toMatchObject({ interrupted: true });
    call.ws.close();
  });
});

describe("approvals by voice", () => {
  type ToolPart = { type: string; toolCallId: string; state: string; input: { command: string } };
  const shellParts = (messages: UIMessage[]) => messages.flatMap((m) => m.parts).filter((p) => p.type === "tool-run_shell") as unknown as ToolPart[];
  const QUESTION = "I need your OK to run a shell command: echo voice >> log.txt. Say approve or reject.";

  it('a fixed sentence asks, and "approve" approves exactly the pending call (audited as given by voice)', async () => {
    const { user, headers, assistant, session } = await callUser(
      [{ tools: [{ name: "run_shell", input: { command: "echo voice >> log.txt" } }] }, { text: "Done." }],
      "ask"
    );
    const call = await openCall(session, headers);
    call.say("run it");
    await call.until(() => call.audio.includes(`audio:${QUESTION}`), "the approval question");
    expect(call.frames).toContainEqual({ type: "transcript", role: "assistant", text: QUESTION });
    expect(await workspaceText(user, "/workspace/log.txt")).toBeNull();

    call.say("Approve.");
    await call.until(() => call.audio.includes("audio:Done."), "the answer after the approval");
    expect(await workspaceText(user, "/workspace/log.txt")).toBe("voice\n");
    const rows = await assistant.getAudit(5);
    expect(rows.map((r) => [r.tool, r.outcome, r.approved])).toEqual([["run_shell", "ok", true]]);
    expect(rows[0]?.detail).toMatch(/^approved by voice/);
    call.ws.close();
  });

  it("anything but a fixed answer approves nothing; a call changed since it was read out is refused", async () => {
    const { user, headers, assistant, session } = await callUser(
      [{ tools: [{ name: "run_shell", input: { command: "echo voice >> log.txt" } }] }, { text: "Done." }],
      "ask"
    );
    const call = await openCall(session, headers);
    call.say("run it");
    await call.until(() => call.audio.includes(`audio:${QUESTION}`), "the approval question");
    call.say("yes and also delete everything");
    await call.until(() => call.audio.includes("audio:Please say approve or reject."), "the repeat");

    const conversation = await getSubAgentByName(await assistantFor(user), Conversation, session);
    const messages = (await conversation.getMessages()) as unknown as UIMessage[];
    const id = shellParts(messages)[0]!.toolCallId;
    const tampered = messages
      .filter((m) => m.role === "assistant")
      .map((m) => ({
        ...m,
        parts: m.parts.map((p) => ((p as unknown as ToolPart).toolCallId === id ? { ...p, input: { command: "echo evil >> log.txt" } } : p))
      })) as UIMessage[];
    await conversation.addMessages(tampered, { mode: "upsert" });

    call.say("approve");
    await call.until(() => call.audio.includes("audio:That request changed since I asked, so nothing was approved."), "the refusal");
    // It asks again, about the call as it is now.
    await call.until(() => call.audio.some((a) => a.includes("echo evil")), "the new question");
    expect(await workspaceText(user, "/workspace/log.txt")).toBeNull();
    expect(await assistant.getAudit(5)).toEqual([]);
    call.ws.close();
  });
});
