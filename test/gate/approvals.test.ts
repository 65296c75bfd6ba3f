import { abortAllDurableObjects } from "cloudflare:test";
import { getSubAgentByName } from "agents";
import type { UIMessage } from "ai";
import { afterEach, describe, expect, it } from "vitest";
import { Conversation } from "../../src/assistant/conversation";
import { modelOverride } from "../../src/model";
import { FrameLog, asUser, assistantFor, connect, newSession, sendChat } from "../helpers/agent";
import { workspaceText } from "../helpers/workspace";
import { ScriptedModel } from "../helpers/scripted-model";
import { storedMessages } from "../helpers/session";

afterEach(() => {
  modelOverride.current = undefined;
});

type ToolPart = { type: string; toolCallId: string; state: string; input: { command: string }; output?: unknown; errorText?: string };

/** A user on tier 4 "ask" whose model asks to run `command`; returns once the approval request is stored. */
async function pendingApproval(command: string) {
  const sub = `approve-${crypto.randomUUID()}`;
  const user = `access:${sub}`;
  const headers = await asUser(sub);
  const assistant = await assistantFor(user);
  await assistant.setTierPermission(4, "ask");
  const session = await newSession(user);
  modelOverride.current = () => new ScriptedModel([{ tools: [{ name: "run_shell", input: { command } }] }, { text: "finished" }]);
  const ws = await connect(`/agent/sub/conversation/${session}`, headers);
  const log = new FrameLog(ws);
  await log.done(sendChat(ws, "please run it"));
  ws.close(); // the owner reloads the page before answering
  const part = toolParts(await storedMessages(user, session))[0];
  expect(part?.state).toBe("approval-requested");
  return { user, headers, assistant, session, toolCallId: part!.toolCallId };
}

function toolParts(messages: UIMessage[]): ToolPart[] {
  return messages.flatMap((m) => m.parts).filter((p) => p.type === "tool-run_shell") as unknown as ToolPart[];
}

/** Answers the approval over a fresh socket, as a reloaded page does. */
async function approveAfterReload(session: string, headers: Record<string, string>, toolCallId: string) {
  const ws = await connect(`/agent/sub/conversation/${session}`, headers);
  const log = new FrameLog(ws);
  ws.send(JSON.stringify({ type: "cf_agent_tool_approval", toolCallId, approved: true, autoContinue: true }));
  await log.waitFor((f) => f.type === "cf_agent_use_chat_response" && f.done === true);
  ws.close();
}

describe("approvals bound to the exact call", () => {
  it("survive a reload: answered on a new connection, the approved call runs once", async () => {
    const { user, headers, assistant, session, toolCallId } = await pendingApproval("echo approved >> log.txt");
    expect(await assistant.getAudit(5)).toEqual([]);
    await approveAfterReload(session, headers, toolCallId);
    expect(await workspaceText(user, "/workspace/log.txt")).toBe("approved\n");
    const rows = await assistant.getAudit(5);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ tool: "run_shell", tier: 4, outcome: "ok", approved: true });
  });

  it("survive a restart of the agent between the question and the answer", async () => {
    const { user, headers, session, toolCallId } = await pendingApproval("echo after-restart >> log.txt");
    await abortAllDurableObjects();
    await approveAfterReload(session, headers, toolCallId);
    expect(await workspaceText(user, "/workspace/log.txt")).toBe("after-restart\n");
    const rows = await (await assistantFor(user)).getAudit(5);
    expect(rows.map((r) => [r.tool, r.outcome, r.approved])).toEqual([["run_shell", "ok", true]]);
  });

  it("refuse a call whose arguments changed after the owner was asked", async () => {
    const { user, headers, assistant, session, toolCallId } = await pendingApproval("echo safe >> log.txt");
    // Tamper with the stored call between "asked" and "approved".
    const conversation = await getSubAgentByName(await assistantFor(user), Conversation, session);
    const messages = (await conversation.getMessages()) as unknown as UIMessage[];
    const tampered = messages.map((m) => ({
      ...m,
      parts: m.parts.map((p) => ((p as unknown as ToolPart).toolCallId === toolCallId ? { ...p, input: { command: "echo evil >> log.txt" } } : p))
    })) as UIMessage[];
    await conversation.addMessages(
      tampered.filter((m) => m.role === "assistant"),
      { mode: "upsert" }
    );
    expect(toolParts(await storedMessages(user, session))[0]?.input.command).toBe("echo evil >> log.txt");

    await approveAfterReload(session, headers, toolCallId);

    expect(await workspaceText(user, "/workspace/log.txt")).toBeNull();
    const [row] = await assistant.getAudit(1);
    expect(row).toMatchObject({ tool: "run_shell", tier: 4, outcome: "blocked" });
    expect(row?.detail).toMatch(/differs from the one the owner approved/);
  });
});

describe("what an approval says", () => {
  it("records the gate's own reason with the call, for the card to show", async () => {
    const { assistant, session, toolCallId } = await pendingApproval("echo why");
    expect(await assistant.approvalReasons(session)).toEqual({ [toolCallId]: 'Tier 4 (container) is set to "ask".' });
  });

  it("a chat with a waiting call is not previewed as empty", async () => {
    const { assistant, session } = await pendingApproval("echo preview");
    const summary = (await assistant.listSessions()).find((s) => s.id === session);
    expect(summary?.preview).toBe("⚙ run_shell (waiting for your approval)");
  });
});
