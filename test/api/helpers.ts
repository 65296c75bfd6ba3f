import { exports } from "cloudflare:workers";
import { expect } from "vitest";
import { ORIGIN } from "../helpers/agent";

export interface SseEvent {
  id: number;
  event: string;
  data: Record<string, unknown>;
}

/** One request to the task API as a program would send it (no Origin header). */
export function api(path: string, headers: Record<string, string>, init: { method?: string; body?: unknown; raw?: string; contentType?: string } = {}) {
  const body = init.raw ?? (init.body === undefined ? undefined : JSON.stringify(init.body));
  const type = init.contentType ?? (body === undefined ? undefined : "application/json");
  return exports.default.fetch(`${ORIGIN}${path}`, {
    method: init.method ?? (body === undefined ? "GET" : "POST"),
    headers: { ...headers, ...(type && { "Content-Type": type }) },
    body
  });
}

export async function submit(headers: Record<string, string>, body: unknown): Promise<{ id: string; session: string }> {
  const res = await api("/api/tasks", headers, { body });
  const text = await res.text();
  if (res.status !== 202) throw new Error(`submit: ${res.status} ${text}`);
  return JSON.parse(text) as { id: string; session: string };
}

/** Reads a task's event stream: until `done`, or until `stopAfter` events (then drops the connection). */
export async function readEvents(
  headers: Record<string, string>,
  id: string,
  options: { lastEventId?: number; stopAfter?: number; timeoutMs?: number } = {}
): Promise<SseEvent[]> {
  const extra: Record<string, string> = options.lastEventId === undefined ? {} : { "Last-Event-ID": String(options.lastEventId) };
  const res = await api(`/api/tasks/${id}/events`, { ...headers, ...extra });
  if (res.status !== 200) throw new Error(`events: ${res.status} ${await res.text()}`);
  expect(res.headers.get("Content-Type")).toMatch(/^text\/event-stream/);
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  const events: SseEvent[] = [];
  let buffer = "";
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  try {
    for (;;) {
      if (Date.now() > deadline) throw new Error(`events: timed out; got ${JSON.stringify(events)}`);
      const next = await reader.read();
      if (next.done) return events;
      buffer += next.value;
      let end: number;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields = Object.fromEntries(
          frame
            .split("\n")
            .filter((l) => !l.startsWith(":") && l.includes(": "))
            .map((l) => [l.slice(0, l.indexOf(": ")), l.slice(l.indexOf(": ") + 2)])
        );
        if (fields.id === undefined) continue;
        events.push({ id: Number(fields.id), event: String(fields.event), data: JSON.parse(String(fields.data)) as Record<string, unknown> });
        if (fields.event === "done" || (options.stopAfter !== undefined && events.length >= options.stopAfter)) return events;
      }
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}

export interface TaskBody {
  id: string;
  session: string;
  status: string;
  answer: string | null;
  error: string | null;
  pendingApprovals: Array<{ toolCallId: string; tool: string; input: unknown }>;
}

export async function getTask(headers: Record<string, string>, id: string): Promise<TaskBody> {
  const res = await api(`/api/tasks/${id}`, headers);
  if (res.status !== 200) throw new Error(`get: ${res.status} ${await res.text()}`);
  return (await res.json()) as TaskBody;
}

/** Polls until `test` holds (a deadline, not a timing). */
export async function waitForTask(headers: Record<string, string>, id: string, test: (t: TaskBody) => boolean, timeoutMs = 30_000): Promise<TaskBody> {
  const deadline = Date.now() + timeoutMs;
  let last = await getTask(headers, id);
  while (!test(last)) {
    if (Date.now() > deadline) throw new Error(`task never reached the state; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 50));
    last = await getTask(headers, id);
  }
  return last;
}
