import { commandError, toolCall, usageError } from "../commands/types";
import type { Command } from "../commands/types";
import { parseScheduleArgs, splitWhen } from "./parse";
import { errorText } from "../shared/error-text";

/** Scheduled tasks: create, list and manage them from the chat. */
export const scheduleCommands: Command[] = [
  {
    name: "schedule",
    usage: "/schedule <when> <prompt>",
    summary:
      'run a prompt later or repeatedly (in 20m, at 2026-12-01 09:00, every 2h, daily at 18:30, every weekday at 08:00, cron "0 9 * * 1"); --quiet, --email',
    parse(rest) {
      try {
        const parsed = parseScheduleArgs(rest);
        return toolCall(this.name, "schedule_task", { ...parsed });
      } catch (error) {
        return commandError(this.name, `${errorText(error)}\nUsage: /schedule <when> [--quiet] [--email] <prompt>`);
      }
    }
  },
  {
    name: "schedules",
    usage: "/schedules",
    summary: "list your scheduled tasks",
    parse() {
      return toolCall(this.name, "list_tasks", {});
    }
  },
  {
    name: "reschedule",
    usage: "/reschedule <task id> <when>",
    summary: "give a task a new schedule (same language as /schedule)",
    parse(_rest, arg) {
      const m = /^(\S+)\s+([\s\S]+)$/.exec(arg);
      if (!m) return usageError(this);
      try {
        const { when, rest } = splitWhen(m[2]!);
        if (rest) return commandError(this.name, `unexpected text after the schedule: "${rest}"\nUsage: ${this.usage}`);
        return toolCall(this.name, "update_task", { id: m[1], when });
      } catch (error) {
        return commandError(this.name, `${errorText(error)}\nUsage: ${this.usage}`);
      }
    }
  },
  idCommand("unschedule", "cancel", "delete a scheduled task"),
  idCommand("pause", "pause", "pause a scheduled task"),
  idCommand("resume", "resume", "resume a paused task from its next slot"),
  idCommand("runnow", "run_now", "run a scheduled task now (its schedule is unchanged)")
];

function idCommand(name: string, action: string, summary: string): Command {
  return {
    name,
    usage: `/${name} <task id>`,
    summary,
    parse(_rest, arg) {
      if (!arg || /\s/.test(arg)) return usageError(this);
      return toolCall(this.name, "manage_task", { id: arg, action });
    }
  };
}
