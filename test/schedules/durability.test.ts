import { abortAllDurableObjects, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import type { LanguageModelV4 } from "@ai-sdk/provider";
import { afterEach, describe, expect, it } from "vitest";
import type { Assistant } from "../../src/assistant/assistant";
import { modelOverride } from "../../src/model";
import { clock } from "../../src/schedules/clock";
import { assistantFor } from "../helpers/agent";
import { ScriptedModel } from "../helpers/scripted-model";
import { storedMessages, textOf } from "../helpers/session";
import { fireWake, settled, waitForNoAlarm, waitForTask, waitForWakes } from "./helpers";

const realNow = clock.now;
afterEach(() => {
  modelOverride.current = undefined;
  clock.now = realNow;
});

/** A model that is down: every call fails. */
class DownModel extends ScriptedModel {
  override async doStream(options: Parameters<ScriptedModel["doStream"]>[0]): ReturnType<ScriptedModel["doStream"]> {
    this.calls.push(options);
    throw new Error("model unavailable (503)");
  }
}

describe("an occurrence runs exactly once", () => {
  it("across a crash during its turn: the turn resumes, one result is delivered, no tool runs twice", async () => {
    const user = "dev:sched-crash";
    const model = new ScriptedModel([
      { tools: [{ name: "write", input: { path: "/workspace/report/log.txt", content: "written once" } }] },
      { hang: ["Half ", "way "] },
      { text: "there." }
    ]);
    modelOverride.current = () => model;
    const assistant = await assistantFor(user);
    const task = await assistant.createTask({ when: "every 6h", prompt: "write the log, then report", title: "crashy" });
    await fireWake(assistant, [task.id]);

    // Wait until the model is mid-answer (second call streaming), then kill everything.
    const deadline = Date.now() + 10_000;
    while (model.calls.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(model.calls).toHaveLength(2);
    await new Promise((r) => setTimeout(r, 100));
    await abortAllDurableObjects();

    // Recovery is driven by the user's alarm (fiber keep-alive / housekeeping), as after a real restart.
    const revived = await assistantFor(user);
    let done = false;
    for (let i = 0; i < 60 && !done; i++) {
      await runDurableObjectAlarm(revived as unknown as DurableObjectStub).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 100));
      const t = (await revived.listTasks()).find((x) => x.id === task.id);
      done = !!t && settled(t);
    }
    const after = await waitForTask(revived, task.id, settled);
    expect(after.history).toHaveLength(1);
    expect(after.lastRun).toMatchObject({ status: "done", attempt: 1 });
    expect(after.lastRun?.result).toContain("there.");

    const messages = await storedMessages(user, after.sessionId!);
    expect(messages.map((m) => m.role)).toEqual(["user", "assistant"]);
    expect(textOf(messages[0])).toContain("write the log, then report");
    expect(messages[1]?.parts.filter((p) => p.type === "tool-write")).toHaveLength(1);
    expect((textOf(messages[1]).match(/Half way /g) ?? []).length).toBeLessThanOrEqual(1);

    const audit = (await revived.getAudit(50)).filter((r) => r.tool === "write");
    expect(audit).toHaveLength(1);
    expect(model.calls).toHaveLength(3);
    const notes = await revived.listNotifications();
    expect(notes).toHaveLength(1);
    expect(notes[0]?.body).toContain("there.");

    // Only the next occurrence remains armed.
    const state = await waitForWakes(revived, [after.nextRunAt!]);
    expect(state.wakes).toEqual([after.nextRunAt]);
  });

  it("a wake-up that fires twice for the same slot claims it once", async () => {
    const assistant = await assistantFor("dev:sched-twice");
    clock.now = () => Date.parse("2027-05-01T10:00:00Z");
    const task = await assistant.createTask({ when: "daily at 12:00", prompt: "/run return 'once'" });
    clock.now = () => Date.parse("2027-05-01T12:00:00Z");
    await fireWake(assistant);
    // Replay the same slot: put the task back to that instant and wake again.
    await fireWake(assistant, [task.id], Date.parse("2027-05-01T12:00:00Z"));
    const t = await waitForTask(assistant, task.id, settled);
    expect(t.history).toHaveLength(1);
    expect(t.history[0]?.scheduledFor).toBe(Date.parse("2027-05-01T12:00:00Z"));
    expect(await assistant.listNotifications()).toHaveLength(1);
  });
});

describe("the watchdog", () => {
  it("restarts a run whose process died after claiming it but before its fiber began", async () => {
    const assistant = await assistantFor("dev:sched-watchdog");
    const task = await assistant.createTask({ when: "daily at 09:00", prompt: "/run return 'recovered'" });
    const raw = assistant as unknown as DurableObjectStub<Assistant>;
    // What such a crash leaves: a claimed run, marked running, with no fiber and no live execution.
    const watchAt = Math.ceil((Date.now() + 60_000) / 1000) * 1000;
    await runInDurableObject(raw, (_i, state) => {
      state.storage.sql.exec(
        `INSERT INTO steward_task_run (id, task_id, scheduled_for, started_at, attempt, status, manual, late_ms, missed, watch_at)
         VALUES (?, ?, ?, ?, 1, 'running', 0, 0, 0, ?)`,
        `${task.id}@1`,
        task.id,
        Date.now() - 1000,
        Date.now() - 1000,
        watchAt
      );
    });
    await assistant.updateTask(task.id, { title: "watched" }); // any change re-arms
    // The watchdog is the next wake-up (before tomorrow's 09:00).
    expect((await waitForWakes(assistant, [watchAt])).wakes).toEqual([watchAt]);

    await runInDurableObject(raw, (_i, state) => {
      state.storage.sql.exec(`UPDATE steward_task_run SET watch_at = ? WHERE task_id = ?`, Date.now() - 1000, task.id);
    });
    await fireWake(assistant);
    const t = await waitForTask(assistant, task.id, settled);
    expect(t.history).toHaveLength(1);
    expect(t.lastRun).toMatchObject({ id: `${task.id}@1`, status: "done" });
    expect(t.lastRun?.result).toContain("recovered");
    expect((await waitForWakes(assistant, [t.nextRunAt!])).wakes).toEqual([t.nextRunAt]);
  });
});

describe("failures", () => {
  it("retry with backoff, then tell the owner", async () => {
    const model = new DownModel([]);
    modelOverride.current = () => model as unknown as LanguageModelV4;
    const assistant = await assistantFor("dev:sched-fail");
    clock.now = () => Date.parse("2027-06-01T08:00:00Z");
    const task = await assistant.createTask({ when: "daily at 09:00", prompt: "summarise the news", title: "news" });

    clock.now = () => Date.parse("2027-06-01T09:00:00Z");
    await fireWake(assistant);
    let t = await waitForTask(assistant, task.id, (t) => t.lastRun?.status === "retrying");
    expect(t.lastRun).toMatchObject({ attempt: 1, error: expect.stringContaining("model unavailable") });
    // The retry is the next wake-up: one minute later (before tomorrow's 09:00).
    expect((await waitForWakes(assistant, [Date.parse("2027-06-01T09:01:00Z")])).wakes).toEqual([Date.parse("2027-06-01T09:01:00Z")]);

    clock.now = () => Date.parse("2027-06-01T09:01:00Z");
    await fireWake(assistant);
    t = await waitForTask(assistant, task.id, (t) => t.lastRun?.status === "retrying" && t.lastRun.attempt === 2);
    expect((await waitForWakes(assistant, [Date.parse("2027-06-01T09:06:00Z")])).wakes).toEqual([Date.parse("2027-06-01T09:06:00Z")]);

    clock.now = () => Date.parse("2027-06-01T09:06:00Z");
    await fireWake(assistant);
    t = await waitForTask(assistant, task.id, (t) => t.lastRun?.status === "failed");
    expect(t.history).toHaveLength(1);
    expect(t.lastRun).toMatchObject({ attempt: 3, delivered: "web" });
    const [note] = await assistant.listNotifications();
    expect(note?.title).toBe("news failed");
    expect(note?.body).toMatch(/failed after 3 attempts: .*model unavailable/);
    // Back to the regular schedule.
    expect((await waitForWakes(assistant, [Date.parse("2027-06-02T09:00:00Z")])).wakes).toEqual([Date.parse("2027-06-02T09:00:00Z")]);
    expect(model.calls.length).toBeGreaterThanOrEqual(3);
    // Three failing turns (each with the AI SDK's own retries) can outlast the default under load.
  }, 120_000);
});

describe("zero cost when idle", () => {
  it("an agent with tasks but none active holds no alarm and no timed job", async () => {
    const assistant = await assistantFor("dev:sched-idle");
    const task = await assistant.createTask({ when: "every 8h", prompt: "/run return 1" });
    await fireWake(assistant, [task.id]);
    await waitForTask(assistant, task.id, settled);
    await assistant.pauseTask(task.id);
    expect(await waitForNoAlarm(assistant)).toEqual({ alarm: null, wakes: [], schedules: 0 });
  });
});
