import { getSubAgentByName } from "agents";
import { afterEach, describe, expect, it } from "vitest";
import { Conversation } from "../../src/assistant/conversation";
import { modelOverride } from "../../src/model";
import { clock } from "../../src/schedules/clock";
import { assistantFor, chatOnce, connect, DEV_USER_ID, FrameLog, newSession } from "../helpers/agent";
import { rpc } from "../helpers/probe";
import { ScriptedModel } from "../helpers/scripted-model";
import { storedMessages, textOf } from "../helpers/session";
import { Outbox } from "../channels/email/mail";
import { fireWake, settled, waitForNoAlarm, waitForTask, waitForWakes, wakeState } from "./helpers";

const realNow = clock.now;
afterEach(() => {
  modelOverride.current = undefined;
  clock.now = realNow;
});

const at = (s: string) => Date.parse(s);

describe("a one-off task", () => {
  it("fires at its instant as one turn in its own session, delivers to the web, and leaves no alarm", async () => {
    const user = "dev:sched-once";
    const assistant = await assistantFor(user);
    expect((await wakeState(assistant)).alarm).toBeNull();

    const before = Date.now();
    const task = await assistant.createTask({ when: "in 20m", prompt: "/run return 6*7", title: "answer" });
    expect(task.nextRunAt).toBeGreaterThanOrEqual(before + 20 * 60_000);
    expect(task.nextRunAt! % 1000).toBe(0);
    // Exactly one wake-up, for exactly that instant.
    const armed = await wakeState(assistant);
    expect(armed.wakes).toEqual([task.nextRunAt]);
    expect(armed.alarm).toBe(task.nextRunAt);

    await fireWake(assistant, [task.id], task.nextRunAt! - 20 * 60_000);
    const done = await waitForTask(assistant, task.id, settled);
    expect(done.status).toBe("done");
    expect(done.history).toHaveLength(1);
    expect(done.lastRun).toMatchObject({ status: "done", attempt: 1, late: false, delivered: "web" });
    expect(done.lastRun?.result).toContain("42");

    // Its session is in the chat list, on the schedule channel, holding one turn.
    const session = (await assistant.listSessions()).find((s) => s.id === done.sessionId);
    expect(session).toMatchObject({ channel: "schedule", title: "Task: answer" });
    const messages = await storedMessages(user, done.sessionId!);
    expect(messages.map((m) => m.role)).toEqual(["user", "assistant"]);
    expect(textOf(messages[0])).toBe("/run return 6*7");
    // The finished run's submission is pruned from Think's ledger; the transcript stays.
    const conversation = await getSubAgentByName(assistant, Conversation, done.sessionId!);
    expect(await conversation.listSubmissions()).toEqual([]);

    // One unread notification, in state too.
    const notes = await assistant.listNotifications();
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({ taskId: task.id, sessionId: done.sessionId, readAt: null });
    expect(notes[0]?.body).toContain("42");
    expect(await assistant.markNotificationsRead("all")).toBe(1);
    expect(await assistant.listNotifications()).toHaveLength(0);

    // Nothing due: no wake-up row and no alarm.
    const idle = await waitForNoAlarm(assistant);
    expect(idle).toEqual({ alarm: null, wakes: [], schedules: 0 });
  });
});

describe("each kind fires at the right instant, across DST", () => {
  /** Creates a task at virtual time `from`, then fires it repeatedly; returns the alarm instants seen. */
  async function walk(user: string, zone: string, when: string, from: string, fires: number): Promise<string[]> {
    const assistant = await assistantFor(user);
    await assistant.setTimeZone(zone);
    clock.now = () => at(from);
    const task = await assistant.createTask({ when, prompt: "/run return 1" });
    const seen: string[] = [];
    for (let i = 0; i <= fires; i++) {
      const state = await wakeState(assistant);
      expect(state.wakes).toHaveLength(1);
      expect(state.alarm).toBe(state.wakes[0]);
      seen.push(new Date(state.wakes[0]!).toISOString());
      if (i === fires) break;
      // The virtual clock reaches the armed instant; the real alarm handler runs.
      const due = state.wakes[0]!;
      clock.now = () => due + 500;
      await fireWake(assistant);
      const t = await waitForTask(assistant, task.id, (t) => t.history.length === i + 1 && settled(t));
      expect(t.history[0]).toMatchObject({ scheduledFor: due, status: "done", late: false, missed: 0 });
      if (t.nextRunAt !== null) await waitForWakes(assistant, [t.nextRunAt]);
    }
    await assistant.deleteTask(task.id);
    return seen;
  }

  it("daily at 09:00 in New York: 14:00Z before the spring change, 13:00Z after", async () => {
    expect(await walk("dev:sched-daily", "America/New_York", "daily at 09:00", "2027-03-12T15:00:00Z", 2)).toEqual([
      "2027-03-13T14:00:00.000Z",
      "2027-03-14T13:00:00.000Z",
      "2027-03-15T13:00:00.000Z"
    ]);
  });

  it("every weekday at 08:00 in Lisbon across the October change", async () => {
    expect(await walk("dev:sched-weekday", "Europe/Lisbon", "every weekday at 08:00", "2027-10-28T12:00:00Z", 2)).toEqual([
      "2027-10-29T07:00:00.000Z", // Friday, WEST
      "2027-11-01T08:00:00.000Z", // Monday, WET
      "2027-11-02T08:00:00.000Z"
    ]);
  });

  it("cron and weekly in Lisbon across the March change", async () => {
    expect(await walk("dev:sched-cron", "Europe/Lisbon", 'cron "30 1 * * *"', "2027-03-26T12:00:00Z", 2)).toEqual([
      "2027-03-27T01:30:00.000Z",
      "2027-03-28T01:30:00.000Z", // 01:30 does not exist that day: runs at 02:30 WEST
      "2027-03-29T00:30:00.000Z"
    ]);
    expect(await walk("dev:sched-weekly", "Europe/Lisbon", "every sun at 12:00", "2027-03-20T12:00:00Z", 1)).toEqual([
      "2027-03-21T12:00:00.000Z",
      "2027-03-28T11:00:00.000Z"
    ]);
  });

  it("an interval counts real time, and a once at a local time is placed in the zone", async () => {
    expect(await walk("dev:sched-every", "America/New_York", "every 2h", "2027-03-14T05:00:00Z", 2)).toEqual([
      "2027-03-14T07:00:00.000Z",
      "2027-03-14T09:00:00.000Z",
      "2027-03-14T11:00:00.000Z"
    ]);
    expect(await walk("dev:sched-at", "America/New_York", "at 2027-03-15 09:00", "2027-03-01T00:00:00Z", 0)).toEqual(["2027-03-15T13:00:00.000Z"]);
  });
});

describe("after downtime", () => {
  it("collapses missed occurrences into one run that says it was late", async () => {
    const model = new ScriptedModel([{ text: "Here is your digest." }]);
    modelOverride.current = () => model;
    const assistant = await assistantFor("dev:sched-late");
    clock.now = () => at("2027-01-10T10:00:00Z");
    const task = await assistant.createTask({ when: "every 1h", prompt: "summarise what changed" });
    expect(task.nextRunAt).toBe(at("2027-01-10T11:00:00Z"));

    // The agent was down from 10:30 to 15:30: slots 11:00 … 15:00 were missed.
    clock.now = () => at("2027-01-10T15:30:00Z");
    await fireWake(assistant);
    const done = await waitForTask(assistant, task.id, settled);
    expect(done.history).toHaveLength(1);
    expect(done.lastRun).toMatchObject({ status: "done", late: true, missed: 4, scheduledFor: at("2027-01-10T15:00:00Z") });
    expect(done.nextRunAt).toBe(at("2027-01-10T16:00:00Z"));
    expect((await waitForWakes(assistant, [at("2027-01-10T16:00:00Z")])).wakes).toEqual([at("2027-01-10T16:00:00Z")]);

    // The turn and the delivered result both say so.
    expect(model.calls).toHaveLength(1);
    const asked = JSON.stringify(model.calls[0]?.prompt);
    expect(asked).toContain("This run is late");
    expect(asked).toContain("4 earlier runs were missed");
    const [note] = await assistant.listNotifications();
    expect(note?.body).toMatch(/This run is late[\s\S]*Here is your digest\./);
    await assistant.deleteTask(task.id);
  });
});

describe("quiet tasks", () => {
  it("deliver nothing when there is nothing to report, and deliver when there is", async () => {
    const model = new ScriptedModel([{ text: "NOTHING_TO_REPORT" }, { text: "The price dropped to 9.99." }]);
    modelOverride.current = () => model;
    const assistant = await assistantFor("dev:sched-quiet");
    const task = await assistant.createTask({ when: "every 6h", prompt: "check the price; tell me if it dropped", quiet: true });

    await fireWake(assistant, [task.id]);
    let t = await waitForTask(assistant, task.id, (t) => settled(t) && t.history.length === 1);
    expect(t.lastRun).toMatchObject({ status: "quiet", delivered: null });
    expect(await assistant.listNotifications()).toHaveLength(0);
    expect(JSON.stringify(model.calls[0]?.prompt)).toContain("reply with exactly NOTHING_TO_REPORT");

    await fireWake(assistant, [task.id]);
    t = await waitForTask(assistant, task.id, (t) => settled(t) && t.history.length === 2);
    expect(t.lastRun).toMatchObject({ status: "done", delivered: "web" });
    const notes = await assistant.listNotifications();
    expect(notes).toHaveLength(1);
    expect(notes[0]?.body).toContain("The price dropped to 9.99.");
    await assistant.deleteTask(task.id);
  });

  it("email falls back to the web with a note when the owner has no verified address", async () => {
    const assistant = await assistantFor("dev:sched-email");
    const task = await assistant.createTask({ when: "in 1h", prompt: "/run return 'hi'", deliver: "email" });
    await fireWake(assistant, [task.id]);
    const t = await waitForTask(assistant, task.id, settled);
    expect(t.lastRun?.delivered).toBe("web (email not set up)");
    const [note] = await assistant.listNotifications();
    expect(note?.body).toContain("Email delivery is not available (no verified owner address");
  });

  it("emails the result to the owner's verified address", async () => {
    const outbox = new Outbox().install();
    try {
      const assistant = await assistantFor("dev:sched-email-owner");
      await assistant.addOwnerEmailAddress("owner@example.com");
      const task = await assistant.createTask({ when: "in 1h", prompt: "/run return 'price: 9.99'", deliver: "email", title: "price" });
      await fireWake(assistant, [task.id]);
      const t = await waitForTask(assistant, task.id, settled);
      expect(t.lastRun).toMatchObject({ status: "done", delivered: "email" });
      const mails = outbox.to("owner@example.com");
      expect(mails).toHaveLength(1);
      expect(mails[0]?.subject).toBe("Steward: price");
      expect(String(mails[0]?.text)).toContain("9.99");
      expect(outbox.sent).toHaveLength(1);
    } finally {
      outbox.uninstall();
    }
  });
});

describe("managing tasks", () => {
  it("pause, resume, edit, run now and delete keep exactly one wake-up (or none)", async () => {
    const assistant = await assistantFor("dev:sched-manage");
    clock.now = () => at("2027-02-01T12:00:00Z");
    const task = await assistant.createTask({ when: "daily at 09:00", prompt: "/run return 'tick'" });
    expect((await wakeState(assistant)).wakes).toEqual([at("2027-02-02T09:00:00Z")]);

    const paused = await assistant.pauseTask(task.id);
    expect(paused).toMatchObject({ status: "paused", nextRunAt: null });
    expect(await wakeState(assistant)).toMatchObject({ alarm: null, wakes: [] });

    clock.now = () => at("2027-02-05T12:00:00Z");
    const resumed = await assistant.resumeTask(task.id);
    // Resuming does not replay what was skipped while paused.
    expect(resumed).toMatchObject({ status: "active", nextRunAt: at("2027-02-06T09:00:00Z") });
    expect((await wakeState(assistant)).wakes).toEqual([at("2027-02-06T09:00:00Z")]);

    const edited = await assistant.updateTask(task.id, { when: "every mon at 10:30", title: "weekly" });
    expect(edited).toMatchObject({ title: "weekly", schedule: "every mon at 10:30 (UTC)", nextRunAt: at("2027-02-08T10:30:00Z") });
    expect((await wakeState(assistant)).wakes).toEqual([at("2027-02-08T10:30:00Z")]);

    const run = await assistant.runTaskNow(task.id);
    expect(run).toMatchObject({ manual: true, status: "running" });
    const after = await waitForTask(assistant, task.id, settled);
    expect(after.lastRun).toMatchObject({ manual: true, status: "done" });
    expect(after.lastRun?.result).toContain("tick");
    expect(after.nextRunAt).toBe(at("2027-02-08T10:30:00Z"));

    await assistant.deleteTask(task.id);
    expect(await assistant.listTasks()).toEqual([]);
    expect(await waitForNoAlarm(assistant)).toMatchObject({ alarm: null, wakes: [] });
  });

  it("changing the time zone moves wall-clock tasks and keeps fixed instants", async () => {
    const assistant = await assistantFor("dev:sched-rezone");
    clock.now = () => at("2027-02-01T12:00:00Z");
    const daily = await assistant.createTask({ when: "daily at 09:00", prompt: "x" });
    const once = await assistant.createTask({ when: "at 2027-02-03 09:00", prompt: "y" });
    await assistant.setTimeZone("America/New_York");
    const tasks = await assistant.listTasks();
    expect(tasks.find((t) => t.id === daily.id)).toMatchObject({ zone: "America/New_York", nextRunAt: at("2027-02-01T14:00:00Z") }); // 07:00 in New York: 09:00 is still ahead today
    expect(tasks.find((t) => t.id === once.id)?.nextRunAt).toBe(at("2027-02-03T09:00:00Z"));
    expect((await wakeState(assistant)).wakes).toEqual([at("2027-02-01T14:00:00Z")]);
  });
});

describe("invalid input", () => {
  it("is refused over the browser's RPC with a message naming the problem, and changes nothing", async () => {
    const ws = await connect("/agent");
    const log = new FrameLog(ws);
    const refuse = async (args: unknown[], pattern: RegExp, method = "createTask") => {
      await expect(rpc(ws, log, method, args)).rejects.toThrow(pattern);
    };
    await refuse([{ when: "every 1m", prompt: "x" }], /every 1 minutes is too often; the minimum is 5 minutes/);
    await refuse([{ when: "at 2020-01-01 09:00", prompt: "x" }], /is in the past/);
    await refuse([{ when: "whenever", prompt: "x" }], /a schedule must come first/);
    await refuse([{ when: "daily at 25:00", prompt: "x" }], /not a time of day/);
    await refuse([{ when: 'cron "0 9 * *"', prompt: "x" }], /cron needs 5 fields/);
    await refuse([{ when: "daily at 09:00", prompt: "  " }], /prompt must say what to do/);
    await refuse([{ when: "daily at 09:00", prompt: "x", deliver: "sms" }], /deliver must be "web" or "email", not "sms"/);
    await refuse([{ when: "daily at 09:00", prompt: "x", colour: "red" }], /unknown field "colour"/);
    await refuse([{ when: { kind: "interval", minutes: 1 }, prompt: "x" }], /minimum is 5 minutes/);
    await refuse(["nope"], /no task with id "nope"/, "pauseTask");
    expect(await rpc(ws, log, "listTasks")).toEqual([]);

    const good = await rpc<{ id: string }>(ws, log, "createTask", [{ when: "daily at 09:00", prompt: "x" }]);
    await refuse([good.id, { when: "every 2m" }], /minimum is 5 minutes/, "updateTask");
    await refuse([good.id, {}], /nothing to change/, "updateTask");
    const [unchanged] = await rpc<Array<{ schedule: string }>>(ws, log, "listTasks");
    expect(unchanged?.schedule).toBe("daily at 09:00 (UTC)");
    ws.close();
  });

  it("stops at the per-user task limit", async () => {
    const assistant = await assistantFor("dev:sched-limit");
    for (let i = 0; i < 50; i++) await assistant.createTask({ when: "daily at 09:00", prompt: `task ${i}` });
    const error = await assistant.createTask({ when: "daily at 09:00", prompt: "one too many" }).then(
      () => null,
      (e: unknown) => (e instanceof Error ? e.message : String(e))
    );
    expect(error).toMatch(/already have 50 scheduled tasks \(the limit\)/);
    expect(await assistant.listTasks()).toHaveLength(50);
    expect((await wakeState(assistant)).wakes).toHaveLength(1);
  });
});

describe("in the chat", () => {
  it("/schedule, /schedules and /unschedule run as tool calls; a bad schedule gets a clear reply", async () => {
    const session = await newSession(DEV_USER_ID);
    const bad = await chatOnce(session, "/schedule every 1m do the thing");
    expect(bad.text).toMatch(/Error: .*minimum is 5 minutes/);
    const made = await chatOnce(session, "/schedule every weekday at 08:00 --quiet /run return 1");
    const id = /Scheduled (t[0-9a-z]+)/.exec(made.text)?.[1];
    expect(id, made.text).toBeTruthy();
    expect(made.text).toContain("every weekday at 08:00 (UTC)");
    const listed = await chatOnce(session, "/schedules");
    expect(listed.text).toContain(id!);
    expect(listed.text).toContain("(quiet)");
    const gone = await chatOnce(session, `/unschedule ${id}`);
    expect(gone.text).toContain(`Deleted ${id}`);
    const assistant = await assistantFor(DEV_USER_ID);
    expect((await assistant.listTasks()).map((t) => t.id)).not.toContain(id);
  });

  it("the model can schedule its own follow-up from inside a scheduled run", async () => {
    const model = new ScriptedModel([
      { tools: [{ name: "schedule_task", input: { when: "in 2h", prompt: "check whether the build finished", title: "build check" } }] },
      { text: "The build is still running; I will look again in two hours." }
    ]);
    modelOverride.current = () => model;
    const assistant = await assistantFor("dev:sched-followup");
    const first = await assistant.createTask({ when: "every 12h", prompt: "check the build", title: "build watch" });
    await fireWake(assistant, [first.id]);
    const ran = await waitForTask(assistant, first.id, settled);
    expect(ran.lastRun?.result).toContain("look again in two hours");
    const followUp = (await assistant.listTasks()).find((t) => t.title === "build check");
    expect(followUp).toMatchObject({ status: "active", prompt: "check whether the build finished", spec: { kind: "once" } });
    // One wake-up still: the earliest of the two tasks.
    const earliest = Math.min(followUp!.nextRunAt!, ran.nextRunAt!);
    expect((await waitForWakes(assistant, [earliest])).wakes).toEqual([earliest]);
    // The tool call is audited like any other, in the task's session.
    const audit = (await assistant.getAudit(10)).filter((r) => r.tool === "schedule_task");
    expect(audit).toHaveLength(1);
    expect(audit[0]?.session).toBe(ran.sessionId);
  });
});
