import { afterEach, describe, expect, it } from "vitest";
import type { UIMessage } from "ai";
import { RUN_TIMEOUT_MS, runWait } from "../../src/schedules/service";
import { FrameLog, asUser, assistantFor, connect } from "../helpers/agent";
import { storedMessages } from "../helpers/session";
import { fireWake, settled, waitForTask } from "./helpers";

afterEach(() => {
  runWait.timeoutMs = RUN_TIMEOUT_MS;
});

type ApprovalPart = { type: string; toolCallId: string; state: string };

describe("a task run that waits for the owner's approval", () => {
  it("keeps waiting past the time-out (reminding once) and completes after the approval", async () => {
    const sub = `sched-approval-${crypto.randomUUID()}`;
    const user = `access:${sub}`;
    const headers = await asUser(sub);
    const assistant = await assistantFor(user);
    await assistant.setTierPermission(1, "ask");
    // Each wait for the turn lasts 2 s here instead of 10 minutes: several time-outs pass below.
    runWait.timeoutMs = 2_000;
    const task = await assistant.createTask({ when: "every day at 09:00", prompt: "/run 6*7", title: "Answer" });
    await fireWake(assistant, [task.id]);

    const running = await waitForTask(assistant, task.id, (t) => Boolean(t.sessionId) && t.lastRun?.status === "running");
    const session = running.sessionId!;
    const waiting = async () =>
      ((await storedMessages(user, session)) as UIMessage[]).flatMap((m) => m.parts as unknown as ApprovalPart[]).find((p) => p.state === "approval-requested");
    const deadline = Date.now() + 20_000;
    while (!(await waiting()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const part = await waiting();
    expect(part).toBeTruthy();

    // Several time-outs later: still running, not failed or retried; one reminder.
    await new Promise((r) => setTimeout(r, 7_000));
    const still = await waitForTask(assistant, task.id, () => true);
    expect(still.lastRun, JSON.stringify(still.lastRun)).toMatchObject({ status: "running", attempt: 1 });
    const reminders = (await assistant.listNotifications({ unreadOnly: true })).filter((n) => n.title === "Answer: waiting for your approval");
    expect(reminders).toHaveLength(1);

    // The owner approves in the task's chat; the run completes with the answer.
    const ws = await connect(`/agent/sub/conversation/${session}`, headers);
    const log = new FrameLog(ws);
    ws.send(JSON.stringify({ type: "cf_agent_tool_approval", toolCallId: part!.toolCallId, approved: true, autoContinue: true }));
    const done = await waitForTask(assistant, task.id, settled);
    ws.close();
    expect(done.lastRun).toMatchObject({ status: "done", attempt: 1 });
    expect(done.lastRun?.result).toContain("42");
    expect(log.frames.length).toBeGreaterThan(0);
  }, 90_000);
});
