import { describe, expect, it } from "vitest";
import { MAX_FRAME_BYTES, frameProblem } from "../../src/assistant/conversation";
import { DEV_USER_ID, FrameLog, assistantFor, connect, newSession, sendChat, userMessage } from "../helpers/agent";
import { rpc } from "../helpers/probe";
import { storedMessages } from "../helpers/session";

describe("bad WebSocket frames", () => {
  it("refuses malformed and oversized frames, stores nothing, and keeps serving", async () => {
    const session = await newSession(DEV_USER_ID);
    const ws = await connect(`/agent/sub/conversation/${session}`);
    const log = new FrameLog(ws);
    const errors = () => log.frames.filter((f) => f.type === "steward_error");

    ws.send("this is not json");
    ws.send("[1,2,3]");
    ws.send('{"no":"type"}');
    ws.send(new Uint8Array([1, 2, 3]));
    const huge = "x".repeat(MAX_FRAME_BYTES + 1);
    ws.send(
      JSON.stringify({
        type: "cf_agent_use_chat_request",
        id: crypto.randomUUID(),
        init: { method: "POST", body: JSON.stringify({ messages: [userMessage(huge)] }) }
      })
    );
    await log.waitFor(() => errors().length >= 5);
    const texts = errors().map((f) => String(f.error));
    expect(texts.filter((t) => t.startsWith("malformed frame"))).toHaveLength(3);
    expect(texts.some((t) => t.startsWith("binary frames"))).toBe(true);
    expect(texts.some((t) => t.startsWith("message too large"))).toBe(true);

    // Still serving on the same socket, and nothing from the bad frames was stored.
    const id = sendChat(ws, "/run 20+22");
    await log.done(id);
    expect(log.text(id)).toBe("42");
    ws.close();
    const messages = await storedMessages(DEV_USER_ID, session);
    expect(messages).toHaveLength(2);
  });
});

describe("bad frames on the user's agent socket", () => {
  it("refuses garbage and forged state, and keeps serving RPC", async () => {
    const session = await newSession(DEV_USER_ID);
    const ws = await connect("/agent");
    const log = new FrameLog(ws);
    ws.send("not json at all");
    ws.send(new Uint8Array([9, 9]));
    ws.send(JSON.stringify({ type: "cf_agent_state", state: { sessions: [{ id: "forged", title: "pwned" }] } }));
    await log.waitFor(() => log.frames.filter((f) => f.type === "steward_error").length >= 2);

    const sessions = await rpc<Array<{ id: string }>>(ws, log, "listSessions");
    expect(sessions.map((s) => s.id)).toContain(session);
    expect(sessions.map((s) => s.id)).not.toContain("forged");
    ws.close();
    // Another tab sees the real list, not the forged one.
    const other = await connect("/agent");
    const otherLog = new FrameLog(other);
    const state = await otherLog.waitFor((f) => f.type === "cf_agent_state");
    expect(JSON.stringify(state)).not.toContain("forged");
    other.close();
    expect((await (await assistantFor(DEV_USER_ID)).listSessions()).map((s) => s.id)).not.toContain("forged");
  });
});

describe("frameProblem", () => {
  it("accepts protocol frames", () => {
    expect(frameProblem('{"type":"cf_agent_use_chat_request"}')).toBeNull();
  });
  it("measures size in bytes, not characters", () => {
    const multibyte = JSON.stringify({ type: "x", s: "é".repeat(MAX_FRAME_BYTES / 2) });
    expect(frameProblem(multibyte)).toMatch(/too large/);
  });
});
