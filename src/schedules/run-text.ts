/**
 * What a scheduled run says: the prompt it submits (with the task's context
 * and, when late, why) and the headline its delivery carries.
 */
import type { UIMessage } from "ai";
import { NOTHING_TO_REPORT } from "./delivery";
import { describeSpec } from "./spec";
import type { RunRow, TaskRow } from "./store";
import { formatLocal } from "./zone";

/** A run this far behind its slot (or covering missed slots) says it is late. */
export const LATE_AFTER_MS = 60_000;

export function isLate(run: Pick<RunRow, "lateMs" | "missed" | "manual">): boolean {
  return !run.manual && (run.missed > 0 || run.lateMs > LATE_AFTER_MS);
}

/** The note a late run carries, or "" when it is on time. */
export function lateNote(task: TaskRow, run: RunRow): string {
  if (!isLate(run)) return "";
  const due = formatLocal(run.scheduledFor - 0, task.zone);
  const missed =
    run.missed > 0 ? ` ${run.missed} earlier run${run.missed === 1 ? " was" : "s were"} missed while the agent was offline; this one run covers them.` : "";
  return `This run is late: it was due at ${due} (${task.zone}) and started ${Math.round((run.startedAt - run.scheduledFor) / 60_000)} min after that.${missed}`;
}

export function runHeadline(task: TaskRow, run: RunRow): string {
  const when = run.manual ? "run on request" : `due ${formatLocal(run.scheduledFor, task.zone)} (${task.zone})`;
  const late = lateNote(task, run);
  return `“${task.title}” — ${when}${late ? `\n${late}` : ""}`;
}

/**
 * The user message a run submits. A slash-command prompt is sent as is (the
 * command model needs it first); anything else gets the task's context.
 */
export function runMessage(task: TaskRow, run: RunRow): UIMessage {
  let text = task.prompt;
  if (!task.prompt.startsWith("/")) {
    const head = `Scheduled task ${task.id} “${task.title}” (${describeSpec(task.spec, task.zone)}), ${run.manual ? "run on request" : `due ${formatLocal(run.scheduledFor, task.zone)}`}. Act on it now; your reply is delivered to the user.`;
    const quiet = task.quiet
      ? `Only tell the user if there is something worth reporting. If there is nothing to report, reply with exactly ${NOTHING_TO_REPORT} and nothing else.`
      : "";
    text = `${[head, lateNote(task, run), quiet].filter(Boolean).join("\n")}\n\n${task.prompt}`;
  }
  return { id: `task-${run.id}#${run.attempt}`, role: "user", parts: [{ type: "text", text }] };
}
