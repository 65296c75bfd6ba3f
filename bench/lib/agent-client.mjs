// A WebSocket client for Steward's agents, as the web app speaks to them:
// RPC calls and chat turns, each a request/response keyed by a fresh id.
import { randomUUID } from "node:crypto";
import { withTimeout } from "./time.mjs";

/**
 * `open(path, sub)` connects to ws://127.0.0.1:<port><path> as `sub` (an Access
 * JWT from `token(sub)`); any single open, RPC or turn fails after `timeoutMs`.
 */
export function agentClient({ port, token, timeoutMs }) {
  const origin = `http://127.0.0.1:${port}`;
  return {
    async open(path, sub) {
      const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, {
        headers: { Origin: origin, "Cf-Access-Jwt-Assertion": await token(sub) }
      });
      const handlers = new Map();
      ws.addEventListener("message", (event) => {
        if (typeof event.data !== "string") return;
        const frame = JSON.parse(event.data);
        if (typeof frame.id === "string") handlers.get(frame.id)?.(frame);
      });
      await withTimeout(
        new Promise((resolve, reject) => {
          ws.addEventListener("open", resolve, { once: true });
          ws.addEventListener("error", () => reject(new Error(`WebSocket ${path} failed to open`)), { once: true });
        }),
        `open ${path}`,
        timeoutMs
      );
      return { ws, handlers, path, timeoutMs, close: () => ws.close() };
    }
  };
}

/** One request/response exchange keyed by a fresh id; `onFrame` returns a value to finish. */
function exchange(conn, message, onFrame, what) {
  const id = randomUUID();
  const done = new Promise((resolve, reject) => {
    conn.handlers.set(id, (frame) => {
      try {
        const result = onFrame(frame);
        if (result !== undefined) resolve(result);
      } catch (error) {
        reject(error);
      }
    });
  });
  conn.ws.send(JSON.stringify({ ...message, id }));
  return withTimeout(done, `${what} on ${conn.path}`, conn.timeoutMs).finally(() => conn.handlers.delete(id));
}

export function rpc(conn, method, args) {
  return exchange(
    conn,
    { type: "rpc", method, args },
    (frame) => {
      if (frame.type !== "rpc") return;
      if (!frame.success) throw new Error(`${method}: ${frame.error}`);
      if (frame.done !== false) return frame.result;
    },
    `rpc ${method}`
  );
}

/**
 * One chat turn, timed from sending: `ttft` to the first text-delta (undefined
 * if none), `ms` to the done frame; `text` is the streamed text and `output`
 * the last tool output. An approval request fails the turn: no one would answer it.
 */
export function chat(conn, text) {
  const message = { id: randomUUID(), role: "user", parts: [{ type: "text", text }] };
  const request = { type: "cf_agent_use_chat_request", init: { method: "POST", body: JSON.stringify({ messages: [message] }) } };
  const t0 = performance.now();
  let ttft;
  let said = "";
  let output;
  return exchange(
    conn,
    request,
    (frame) => {
      if (frame.type !== "cf_agent_use_chat_response") return;
      if (frame.error) throw new Error(`turn failed: ${frame.body}`);
      const chunk = frame.body ? JSON.parse(frame.body) : null;
      if (chunk?.type === "text-delta") {
        ttft ??= performance.now() - t0;
        said += chunk.delta;
      }
      if (chunk?.type === "tool-output-available") output = chunk.output;
      if (chunk?.type === "tool-approval-request") throw new Error(`"${text}" asked for approval; the bench must allow its tier`);
      if (frame.done) return { ttft, ms: performance.now() - t0, text: said, output };
    },
    "chat turn"
  );
}
