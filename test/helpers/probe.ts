import { exports } from "cloudflare:workers";
import { FrameLog } from "./agent";
import type { Frame } from "./agent";

/** What one request to the Worker produced, WebSocket or not. */
export interface Probe {
  status: number;
  /** Response body (empty for a 101). */
  body: string;
  /** For a 101: frames the server sent before it closed (or before we gave up waiting). */
  frames: Frame[];
  /** For a 101: the close code the server sent, if it closed the socket. */
  closeCode?: number;
}

/**
 * Sends one request straight to the Worker's fetch handler. With `websocket`,
 * it is an upgrade; a 101 socket is accepted, its frames are collected for
 * `settleMs` (or until the server closes it) and then it is closed.
 */
export async function probe(
  url: string,
  init: { headers?: Record<string, string>; method?: string; websocket?: boolean; settleMs?: number } = {}
): Promise<Probe> {
  const headers: Record<string, string> = { ...(init.headers ?? {}) };
  if (init.websocket) headers.Upgrade = "websocket";
  const res = await exports.default.fetch(url, { method: init.method ?? "GET", headers });
  if (res.status !== 101) return { status: res.status, body: await res.text(), frames: [] };
  const ws = res.webSocket;
  if (!ws) throw new Error("101 without a WebSocket");
  const frames: Frame[] = [];
  const closed = new Promise<number>((resolve) => {
    ws.addEventListener("close", (event: CloseEvent) => resolve(event.code));
  });
  ws.addEventListener("message", (event: MessageEvent) => {
    if (typeof event.data !== "string") return;
    try {
      frames.push(JSON.parse(event.data) as Frame);
    } catch {
      frames.push({ raw: event.data });
    }
  });
  ws.accept();
  const settle = new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), init.settleMs ?? 1_500));
  const closeCode = await Promise.race([closed, settle]);
  if (closeCode === undefined) ws.close(1000, "probe done");
  return { status: 101, body: "", frames, closeCode };
}

/**
 * Calls an `@callable` method over an open agent socket with the agents RPC
 * frame `{type:"rpc", id, method, args}` and returns the reply's `result`.
 */
export async function rpc<T>(ws: WebSocket, log: FrameLog, method: string, args: unknown[] = []): Promise<T> {
  const id = crypto.randomUUID();
  ws.send(JSON.stringify({ type: "rpc", id, method, args }));
  const reply = await log.waitFor((f) => f.type === "rpc" && f.id === id && f.done !== false);
  if (reply.success !== true) throw new Error(`rpc ${method} failed: ${String(reply.error)}`);
  return reply.result as T;
}
