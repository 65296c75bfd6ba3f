import { env, exports } from "cloudflare:workers";
import { getAgentByName } from "agents";
import type { UIMessage } from "ai";
import { expect } from "vitest";
import type { Assistant } from "../../src/assistant/assistant";
import { accessToken } from "./jwt";

export const ORIGIN = "http://localhost";
export type Frame = Record<string, unknown>;

/** Headers for a signed-in user: a real Access JWT for `sub`. */
export async function asUser(sub: string): Promise<Record<string, string>> {
  return { "Cf-Access-Jwt-Assertion": await accessToken({ sub }) };
}

export function assistantFor(id: string) {
  return getAgentByName(env.Assistant as DurableObjectNamespace<Assistant>, id);
}

export async function newSession(userId: string): Promise<string> {
  const assistant = await assistantFor(userId);
  const session = await assistant.createSession({ title: "test" });
  return session.id;
}

export async function connect(path: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  const res = await exports.default.fetch(`${ORIGIN}${path}`, {
    headers: { Upgrade: "websocket", Origin: ORIGIN, ...headers }
  });
  expect(res.status, await safeText(res)).toBe(101);
  const ws = res.webSocket;
  if (!ws) throw new Error("no websocket");
  ws.accept();
  return ws;
}

async function safeText(res: Response): Promise<string> {
  if (res.status === 101) return "";
  return res.text().catch(() => "");
}

export class FrameLog {
  readonly frames: Frame[] = [];
  private waiters: Array<{ test: (f: Frame) => boolean; resolve: (f: Frame) => void }> = [];

  constructor(ws: WebSocket) {
    ws.addEventListener("message", (event: MessageEvent) => {
      if (typeof event.data !== "string") return;
      let frame: Frame;
      try {
        frame = JSON.parse(event.data) as Frame;
      } catch {
        return;
      }
      this.frames.push(frame);
      this.waiters = this.waiters.filter((w) => {
        if (!w.test(frame)) return true;
        w.resolve(frame);
        return false;
      });
    });
  }

  waitFor(test: (f: Frame) => boolean, timeoutMs = 10_000): Promise<Frame> {
    const existing = this.frames.find(test);
    if (existing) return Promise.resolve(existing);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out; frames: ${JSON.stringify(this.frames.slice(-5))}`)), timeoutMs);
      this.waiters.push({
        test,
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f);
        }
      });
    });
  }

  /** Resolves when the chat response for `requestId` is done. */
  done(requestId: string, timeoutMs?: number): Promise<Frame> {
    return this.waitFor((f) => f.type === "cf_agent_use_chat_response" && f.id === requestId && f.done === true, timeoutMs);
  }

  /** UI message chunks streamed for one request, in order. */
  chunks(requestId: string): Frame[] {
    return this.frames
      .filter((f) => f.type === "cf_agent_use_chat_response" && f.id === requestId && typeof f.body === "string" && f.body)
      .map((f) => JSON.parse(f.body as string) as Frame);
  }

  text(requestId: string): string {
    return this.chunks(requestId)
      .filter((c) => c.type === "text-delta")
      .map((c) => String(c.delta))
      .join("");
  }
}

export function userMessage(text: string): UIMessage {
  return { id: crypto.randomUUID(), role: "user", parts: [{ type: "text", text }] };
}

/** Sends one user message the way useAgentChat does; returns the request id. */
export function sendChat(ws: WebSocket, text: string): string {
  const id = crypto.randomUUID();
  ws.send(
    JSON.stringify({
      type: "cf_agent_use_chat_request",
      id,
      init: { method: "POST", body: JSON.stringify({ messages: [userMessage(text)] }) }
    })
  );
  return id;
}

/** Opens a chat socket for a dev-user session and sends one message; waits for the reply. */
export async function chatOnce(sessionId: string, text: string, headers: Record<string, string> = {}) {
  const ws = await connect(`/agent/sub/conversation/${sessionId}`, headers);
  const log = new FrameLog(ws);
  const id = sendChat(ws, text);
  await log.done(id);
  ws.close();
  return { text: log.text(id), chunks: log.chunks(id), log, id };
}

/** One chat turn on its own socket, waited for (long: a turn may run tools through a Dynamic Worker). */
export async function chatTurn(session: string, headers: Record<string, string>, text: string): Promise<void> {
  const ws = await connect(`/agent/sub/conversation/${session}`, headers);
  const log = new FrameLog(ws);
  await log.done(sendChat(ws, text), 30_000);
  ws.close();
}

/** Approves a pending call the way the web card does, and waits for the turn that runs it. */
export async function approveCall(session: string, headers: Record<string, string>, toolCallId: string): Promise<void> {
  const ws = await connect(`/agent/sub/conversation/${session}`, headers);
  const log = new FrameLog(ws);
  ws.send(JSON.stringify({ type: "cf_agent_tool_approval", toolCallId, approved: true, autoContinue: true }));
  await log.waitFor((f) => f.type === "cf_agent_use_chat_response" && f.done === true, 30_000);
  ws.close();
}

export const DEV_USER_ID = "dev:dev-tester";
