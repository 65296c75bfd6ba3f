import { describe, expect, it } from "vitest";
import { parseCommand } from "../../src/commands/parse";
import { parseScheduleArgs, resolveWhen, splitWhen } from "../../src/schedules/parse";

const now = Date.parse("2026-11-22T10:00:00Z"); // a Sunday
const at = (s: string) => Date.parse(s);

describe("splitting the schedule off a command", () => {
  it.each([
    ["in 20m call Ana", "in 20m", "call Ana"],
    ["in 1h30m stretch", "in 1h30m", "stretch"],
    ["in 2 hours check the oven", "in 2 hours", "check the oven"],
    ["at 2026-12-01 09:00 pay rent", "at 2026-12-01 09:00", "pay rent"],
    ["on 2026-12-01 at 09:00 pay rent", "on 2026-12-01 at 09:00", "pay rent"],
    ["at 18:30 cook", "at 18:30", "cook"],
    ["every 2h drink water", "every 2h", "drink water"],
    ["every 30 minutes stand up", "every 30 minutes", "stand up"],
    ["every hour look outside", "every hour", "look outside"],
    ["hourly look outside", "hourly", "look outside"],
    ["daily at 18:30 plan tomorrow", "daily at 18:30", "plan tomorrow"],
    ["every day at 7:00 wake", "every day at 7:00", "wake"],
    ["every weekday at 08:00 summarise what changed", "every weekday at 08:00", "summarise what changed"],
    ["weekdays at 08:00 standup", "weekdays at 08:00", "standup"],
    ["every weekend at 10:00 relax", "every weekend at 10:00", "relax"],
    ["every monday at 09:00 plan the week", "every monday at 09:00", "plan the week"],
    ["every mon,wed and fri at 09:00 gym", "every mon,wed and fri at 09:00", "gym"],
    ["weekly on fri at 17:00 review", "weekly on fri at 17:00", "review"],
    ['cron "0 9 * * 1" weekly report', 'cron "0 9 * * 1"', "weekly report"],
    ["cron '*/15 9-17 * * *' poll", "cron '*/15 9-17 * * *'", "poll"]
  ])("%s", (text, when, rest) => {
    expect(splitWhen(text)).toEqual({ when, rest });
  });

  it("refuses text that does not start with a schedule, saying what is expected", () => {
    expect(() => splitWhen("remind me tomorrow")).toThrow(/a schedule must come first .*in 20m/);
    expect(() => splitWhen("every 2 fortnights x")).toThrow(/unknown unit in "every 2 fortnights x"/);
    expect(() => splitWhen("at 9am x")).toThrow(/times are HH:MM/);
    expect(() => splitWhen("cron 0 9 * * 1 x")).toThrow(/expression in quotes/);
    expect(() => splitWhen("every blursday at 09:00 x")).toThrow(/could not read the schedule/);
  });
});

describe("resolving a schedule in the user's zone", () => {
  it("places local times in the zone", () => {
    expect(resolveWhen("in 20m", now, "UTC")).toEqual({ kind: "once", at: now + 20 * 60_000 });
    expect(resolveWhen("at 2026-12-01 09:00", now, "Europe/Lisbon")).toEqual({ kind: "once", at: at("2026-12-01T09:00:00Z") });
    expect(resolveWhen("at 2026-12-01 09:00", now, "America/New_York")).toEqual({ kind: "once", at: at("2026-12-01T14:00:00Z") });
    // A bare time is its next occurrence: 09:00 in New York is 14:00Z, still ahead today.
    expect(resolveWhen("at 09:00", now, "America/New_York")).toEqual({ kind: "once", at: at("2026-11-22T14:00:00Z") });
    // 08:00 UTC has passed today, so tomorrow.
    expect(resolveWhen("at 08:00", now, "UTC")).toEqual({ kind: "once", at: at("2026-11-23T08:00:00Z") });
    expect(resolveWhen("every 2h", now, "UTC")).toEqual({ kind: "interval", minutes: 120 });
    expect(resolveWhen("every 1h30m", now, "UTC")).toEqual({ kind: "interval", minutes: 90 });
    expect(resolveWhen("every day at 7:00", now, "UTC")).toEqual({ kind: "daily", time: "07:00" });
    expect(resolveWhen("every weekday at 08:00", now, "UTC")).toEqual({ kind: "weekly", days: [1, 2, 3, 4, 5], time: "08:00" });
    expect(resolveWhen("every fri, mon at 09:00", now, "UTC")).toEqual({ kind: "weekly", days: [1, 5], time: "09:00" });
    expect(resolveWhen('cron "0 9 * * 1"', now, "UTC")).toEqual({ kind: "cron", expr: "0 9 * * 1" });
  });

  it("refuses what cannot run, naming the problem", () => {
    expect(() => resolveWhen("every 1m", now, "UTC")).toThrow(/every 1 minutes is too often; the minimum is 5 minutes/);
    expect(() => resolveWhen("at 2026-01-01 09:00", now, "UTC")).toThrow(/in the past/);
    expect(() => resolveWhen("at 2026-02-30 09:00", now, "UTC")).toThrow(/2026-02-30 is not a calendar date/);
    expect(() => resolveWhen("daily at 24:00", now, "UTC")).toThrow(/not a time of day/);
    expect(() => resolveWhen('cron "* * * * *"', now, "UTC")).toThrow(/more often than every 5 minutes/);
    expect(() => resolveWhen('cron "0 25 * * *"', now, "UTC")).toThrow(/hour value 25 is outside 0-23/);
    expect(() => resolveWhen("every 2h and then some", now, "UTC")).toThrow(/unexpected text after the schedule: "and then some"/);
  });
});

describe("/schedule and friends", () => {
  it("reads options and the prompt", () => {
    expect(parseScheduleArgs("daily at 18:30 --quiet --email tell me if the price dropped")).toEqual({
      when: "daily at 18:30",
      prompt: "tell me if the price dropped",
      quiet: true,
      deliver: "email"
    });
    expect(parseScheduleArgs("in 20m remind me to call Ana")).toEqual({ when: "in 20m", prompt: "remind me to call Ana", quiet: false });
    expect(() => parseScheduleArgs("in 20m")).toThrow(/what should I do in 20m\?/);
    expect(() => parseScheduleArgs("")).toThrow(/say when and what/);
    expect(() => parseScheduleArgs("in 20m --loud x")).toThrow(/unknown option --loud/);
  });

  it("become tool calls through the command list", () => {
    expect(parseCommand("/schedule every weekday at 08:00 summarise my workspace")).toEqual({
      kind: "tool",
      command: "schedule",
      toolName: "schedule_task",
      input: { when: "every weekday at 08:00", prompt: "summarise my workspace", quiet: false }
    });
    // The README's first-screen example: a command as the prompt.
    expect(parseCommand("/schedule in 20m /ls")).toMatchObject({ kind: "tool", toolName: "schedule_task", input: { when: "in 20m", prompt: "/ls" } });
    expect(parseCommand("/schedules")).toMatchObject({ kind: "tool", toolName: "list_tasks" });
    expect(parseCommand("/unschedule tabc123")).toMatchObject({ toolName: "manage_task", input: { id: "tabc123", action: "cancel" } });
    expect(parseCommand("/pause tabc123")).toMatchObject({ input: { id: "tabc123", action: "pause" } });
    expect(parseCommand("/resume tabc123")).toMatchObject({ input: { id: "tabc123", action: "resume" } });
    expect(parseCommand("/runnow tabc123")).toMatchObject({ input: { id: "tabc123", action: "run_now" } });
    expect(parseCommand("/reschedule tabc123 daily at 07:15")).toMatchObject({ toolName: "update_task", input: { id: "tabc123", when: "daily at 07:15" } });
    expect(parseCommand("/reschedule tabc123 whenever")).toMatchObject({ kind: "error" });
    expect(parseCommand("/reschedule tabc123 daily at 07:15 and more")).toMatchObject({
      kind: "error",
      text: expect.stringContaining('unexpected text after the schedule: "and more"')
    });
    expect(parseCommand("/unschedule")).toEqual({ kind: "error", command: "unschedule", text: "Usage: /unschedule <task id>" });
    const bad = parseCommand("/schedule tomorrow-ish do it");
    expect(bad?.kind).toBe("error");
    expect(bad && "text" in bad ? bad.text : "").toMatch(/a schedule must come first[\s\S]*Usage: \/schedule/);
  });
});
