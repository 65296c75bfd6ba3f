import { describe, expect, it } from "vitest";
import { FrameLog, asUser, assistantFor, chatOnce, connect, newSession, sendChat } from "../helpers/agent";
import { rpc } from "../helpers/probe";
import { storedMessages, textOf } from "../helpers/session";

/** Each test gets its own user, so permission changes never leak between tests. */
async function freshUser() {
  const sub = `policy-${crypto.randomUUID()}`;
  const headers = await asUser(sub);
  const id = `access:${sub}`;
  return { id, headers, assistant: await assistantFor(id), session: await newSession(id) };
}

/** Tier 1 on "ask": send /run 6*7, then answer the approval request as the owner. */
async function runWithApproval(approved: boolean) {
  const user = await freshUser();
  await user.assistant.setTierPermission(1, "ask");
  const ws = await connect(`/agent/sub/conversation/${user.session}`, user.headers);
  const log = new FrameLog(ws);
  const first = sendChat(ws, "/run 6*7");
  await log.done(first);
  const request = log.chunks(first).find((c) => c.type === "tool-approval-request");
  expect(request).toBeDefined();
  const auditBeforeAnswer = await user.assistant.getAudit(5);
  ws.send(JSON.stringify({ type: "cf_agent_tool_approval", toolCallId: request?.toolCallId, approved, autoContinue: true }));
  await log.waitFor((f) => f.type === "cf_agent_use_chat_response" && f.done === true && f.id !== first);
  ws.close();
  return { user, auditBeforeAnswer, messages: await storedMessages(user.id, user.session) };
}

describe("tier permissions", () => {
  it("deny blocks the call with a clear reason and audits it as blocked", async () => {
    const user = await freshUser();
    await user.assistant.setTierPermission(1, "deny");
    const { text } = await chatOnce(user.session, "/run 6*7", user.headers);
    expect(text).toContain('Tier 1 (isolate) is set to "deny"');
    const [row] = await user.assistant.getAudit(1);
    expect(row).toMatchObject({ tool: "run_code", tier: 1, outcome: "blocked" });
    // Tier 0 is unaffected.
    expect((await chatOnce(user.session, "/write a.txt ok", user.headers)).text).toContain("Wrote 2 bytes");
  });

  it("ask pauses for the owner's approval; approving runs the exact call once", async () => {
    const { user, messages, auditBeforeAnswer } = await runWithApproval(true);
    expect(auditBeforeAnswer).toEqual([]); // nothing ran before the owner answered
    const toolPart = messages.flatMap((m) => m.parts).find((p) => p.type === "tool-run_code");
    expect(toolPart).toMatchObject({ state: "output-available", output: { ok: true, value: 42 } });
    expect(textOf(messages.at(-1))).toBe("42");
    const audit = await user.assistant.getAudit(5);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ tool: "run_code", tier: 1, outcome: "ok", approved: true });
  });

  it("rejecting an approval runs nothing", async () => {
    const { user, messages } = await runWithApproval(false);
    expect(messages.flatMap((m) => m.parts).find((p) => p.type === "tool-run_code")).toMatchObject({ state: "output-denied" });
    expect(textOf(messages.at(-1))).toMatch(/denied/i);
    expect(await user.assistant.getAudit(5)).toEqual([]);
  });

  it("refuses invalid settings and changes nothing", async () => {
    const user = await freshUser();
    // Over the browser's own path: the agent's RPC socket.
    const ws = await connect("/agent", user.headers);
    const log = new FrameLog(ws);
    await expect(rpc(ws, log, "setTierPermission", [7, "allow"])).rejects.toThrow("tier must be 0, 1, 2, 3 or 4");
    await expect(rpc(ws, log, "setTierPermission", [1, "sometimes"])).rejects.toThrow("permission must be allow, ask or deny");
    expect(await rpc(ws, log, "getTiers")).toEqual({ 0: "allow", 1: "allow", 2: "allow", 3: "ask", 4: "ask" });
    expect(await rpc(ws, log, "setTierPermission", [4, "deny"])).toMatchObject({ 4: "deny" });
    ws.close();
  });
});
