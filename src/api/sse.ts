import type { ApiEvent } from "./types";

/** One Server-Sent Event: `id` is what a reconnecting client sends back as Last-Event-ID. */
export function sseFrame(event: ApiEvent): string {
  return `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`;
}

/** A comment line: ignored by clients, keeps idle connections open. */
export function sseComment(text: string): string {
  return `: ${text}\n\n`;
}

/** Last-Event-ID (header, or `?after=` for clients that cannot set headers): a whole number, else 0. */
export function lastEventId(header: string | null | undefined, query: string | null | undefined): number {
  const raw = (header ?? query ?? "").trim();
  return /^\d{1,15}$/.test(raw) ? Number(raw) : 0;
}
