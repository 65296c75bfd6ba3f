import { tool } from "ai";
import type { ToolSet } from "ai";
import { z } from "zod";
import { WHEN_HELP } from "./parse";
import type { RunView, TaskInput, TaskView } from "./service";

export type TaskAction = "pause" | "resume" | "cancel" | "run_now";

/** What the task tools need from the user's Assistant (over RPC). */
export interface TaskToolHost {
  assistant: () => Promise<{
    createTaskFrom(input: TaskInput, createdBy: string): Promise<TaskView>;
    listTasks(): Promise<TaskView[]> | TaskView[];
    manageTask(id: string, action: TaskAction): Promise<string>;
    updateTask(id: string, patch: Partial<TaskInput>): Promise<TaskView>;
  }>;
}

/** Tools for the model (and, through the command model, /schedule and friends). */
export function taskTools(host: TaskToolHost): ToolSet {
  return {
    schedule_task: tool({
      description:
        "Schedule a task: at the given time(s) you run the prompt as a new turn in its own session, and the reply is delivered to the user. " +
        "Use it for reminders, recurring checks and your own follow-ups. Times are in the user's time zone.",
      inputSchema: z.object({
        when: z.string().min(1).max(200).describe(`When to run: ${WHEN_HELP}`),
        prompt: z.string().min(1).max(4000).describe("What to do at that time, written as an instruction to yourself; it must stand alone"),
        title: z.string().min(1).max(120).optional().describe("Short name shown in the task list"),
        deliver: z.enum(["web", "email"]).optional().describe("Where the result goes (default web)"),
        quiet: z.boolean().optional().describe("Only tell the user when there is something to report (e.g. 'tell me if the price drops')")
      }),
      execute: async (input) => {
        const task = await (await host.assistant()).createTaskFrom(input, "chat");
        return { text: `Scheduled ${task.id} “${task.title}”: ${task.schedule}${nextText(task)}.`, id: task.id };
      }
    }),
    list_tasks: tool({
      description: "List the user's scheduled tasks with their next run and last result.",
      inputSchema: z.object({}),
      execute: async () => ({ text: tasksText(await (await host.assistant()).listTasks()) })
    }),
    update_task: tool({
      description: "Change a scheduled task: its schedule, prompt, title, delivery or quiet flag. Only the fields given change.",
      inputSchema: z.object({
        id: z.string().min(1).max(40),
        when: z.string().min(1).max(200).optional().describe(`New schedule: ${WHEN_HELP}`),
        prompt: z.string().min(1).max(4000).optional(),
        title: z.string().min(1).max(120).optional(),
        deliver: z.enum(["web", "email"]).optional(),
        quiet: z.boolean().optional()
      }),
      execute: async ({ id, ...patch }) => {
        const task = await (await host.assistant()).updateTask(id, patch);
        return { text: `Updated ${task.id} “${task.title}”: ${task.schedule}${nextText(task)}.` };
      }
    }),
    manage_task: tool({
      description: "Pause, resume, cancel (delete) or run now one scheduled task, by id.",
      inputSchema: z.object({
        id: z.string().min(1).max(40),
        action: z.enum(["pause", "resume", "cancel", "run_now"])
      }),
      execute: async ({ id, action }) => ({ text: await (await host.assistant()).manageTask(id, action) })
    })
  };
}

function nextText(task: TaskView): string {
  return task.nextRunLocal ? `; next run ${task.nextRunLocal} (${task.zone})` : "";
}

export function tasksText(tasks: TaskView[]): string {
  if (tasks.length === 0) return "No scheduled tasks. Create one with /schedule, e.g. /schedule every weekday at 08:00 summarise my notes";
  return tasks
    .map((t) => {
      const state = t.status === "active" ? "" : ` [${t.status}]`;
      const flags = [t.quiet ? "quiet" : "", t.deliver !== "web" ? `→ ${t.deliver}` : ""].filter(Boolean).join(", ");
      const last = t.lastRun ? `\n    last: ${runText(t.lastRun)}` : "";
      return `${t.id}${state}  ${t.title}\n    ${t.schedule}${nextText(t)}${flags ? ` (${flags})` : ""}${last}`;
    })
    .join("\n");
}

function runText(run: RunView): string {
  const when = new Date(run.startedAt).toISOString().slice(0, 16).replace("T", " ");
  const what = run.error && run.status !== "done" ? run.error : (run.result ?? "").split("\n")[0]!.slice(0, 80);
  return `${run.status}${run.late ? " (late)" : ""} at ${when} UTC${what ? ` — ${what}` : ""}`;
}
