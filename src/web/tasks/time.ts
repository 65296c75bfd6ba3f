import type { RunView } from "../../shared/views";

/** An instant as the user's agent sees it: in the task's zone, falling back to the browser's if that zone is unknown here. */
export function localTime(ms: number, zone?: string): string {
  const options: Intl.DateTimeFormatOptions = { dateStyle: "medium", timeStyle: "short" };
  try {
    return new Date(ms).toLocaleString(undefined, { ...options, timeZone: zone });
  } catch {
    return new Date(ms).toLocaleString(undefined, options);
  }
}

const RUN_STATUS: Record<RunView["status"], string> = {
  running: "Running…",
  retrying: "Failed, will retry",
  done: "Done",
  quiet: "Nothing to report",
  failed: "Failed"
};

/** One line for a run: what became of it, and its result or error, shortened. */
export function describeRun(run: RunView): string {
  const detail = run.status === "failed" || run.status === "retrying" ? run.error : run.status === "done" ? run.result : null;
  const flags = [run.manual ? "run now" : null, run.late ? "late" : null].filter(Boolean).join(", ");
  return `${RUN_STATUS[run.status]}${flags ? ` (${flags})` : ""}${detail ? `: ${shorten(detail, 160)}` : ""}`;
}

/** Cuts to `max` characters; one line unless `keepLines` (a notification keeps its paragraphs). */
export function shorten(text: string, max: number, keepLines = false): string {
  const flat = keepLines ? text.replace(/\n{3,}/g, "\n\n").trim() : text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
