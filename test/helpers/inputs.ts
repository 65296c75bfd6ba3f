import { expect } from "vitest";
import { FrameLog, assistantFor, sendChat, userMessage } from "./agent";

/** A `cf_agent_use_chat_request` frame whose init.body is `body` as JSON (what useAgentChat sends). */
export function chatRequest(body: unknown, id: string = crypto.randomUUID()): string {
  return JSON.stringify({ type: "cf_agent_use_chat_request", id, init: { method: "POST", body: JSON.stringify(body) } });
}

/** A chat request with one message `{ id, ...message }`. */
export function chatWith(message: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
  return chatRequest({ messages: [{ id: crypto.randomUUID(), ...message }], ...extra });
}

/** A chat request carrying a good user message and these client tools. */
export function chatWithTools(clientTools: unknown, text = "hello"): string {
  return chatRequest({ messages: [userMessage(text)], clientTools });
}

/** Counts `steward_error` frames on one socket: send a frame, get the refusal it caused. */
export class Refusals {
  constructor(
    private readonly ws: WebSocket,
    private readonly log: FrameLog
  ) {}

  get count(): number {
    return this.errors().length;
  }

  /** Sends `frame` and resolves with the refusal's text; rejects if none arrives in time. */
  async of(frame: string | Uint8Array): Promise<string> {
    const before = this.count;
    this.ws.send(frame);
    await this.log.waitFor(() => this.count > before, 10_000);
    return String(this.errors()[before]?.error);
  }

  private errors() {
    return this.log.frames.filter((f) => f.type === "steward_error");
  }
}

/** `/run 6*7` on this socket, answered by the offline command model with the real run_code. */
export async function stillAnswers(ws: WebSocket, log: FrameLog): Promise<void> {
  const id = sendChat(ws, "/run 6*7");
  const done = await log.done(id, 30_000);
  expect(done.error, JSON.stringify(log.chunks(id))).not.toBe(true);
  expect(log.text(id)).toBe("42");
}

/** Everything a refused input must leave as it was: sessions, files, permissions, settings, tasks, email settings, audit. */
export async function userSnapshot(userId: string) {
  const assistant = await assistantFor(userId);
  return {
    sessions: await assistant.listSessions(),
    files: await assistant.listFiles(),
    tiers: await assistant.getTiers(),
    settings: await assistant.getSettings(),
    tasks: await assistant.listTasks(),
    email: await assistant.getEmailSettings(),
    notifications: await assistant.listNotifications({ unreadOnly: false }),
    audit: await assistant.getAudit(50)
  };
}

/** Every logged argument as text, with an Error's stack (what a developer's terminal shows). */
export function loggedText(calls: unknown[][]): string[] {
  return calls.map((args) => args.map((a) => (a instanceof Error ? (a.stack ?? a.message) : typeof a === "string" ? a : JSON.stringify(a))).join(" "));
}
