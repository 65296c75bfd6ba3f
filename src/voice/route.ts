import { routeSubAgentRequest } from "agents";
import type { Assistant } from "../assistant/assistant";
import { CALL_HEADER } from "./endpoint";
import type { CallKind } from "./endpoint";

/** A session id as the Assistant makes them (a UUID). */
const SESSION_ID = /^[0-9a-f-]{36}$/;

/**
 * A call's WebSocket, after the Worker checked the caller's identity and
 * Origin: it reaches the caller's own session, marked as a call so the
 * Conversation speaks the voice protocol on it (src/voice/endpoint.ts).
 */
export async function routeCall(request: Request, assistant: DurableObjectStub<Assistant>, session: string, kind: CallKind = "web"): Promise<Response> {
  if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") return Response.json({ error: "expected a WebSocket" }, { status: 426 });
  if (!SESSION_ID.test(session) || !(await assistant.hasSession(session))) return Response.json({ error: "not found" }, { status: 404 });
  const marked = new Request(request);
  marked.headers.set(CALL_HEADER, kind);
  return routeSubAgentRequest(marked, assistant, { fromPath: `/sub/conversation/${session}` });
}

/** Only the Worker marks a socket as a call: the mark is removed from anything a client sent. */
export function withoutCallHeader(request: Request): Request {
  if (!request.headers.has(CALL_HEADER)) return request;
  const clean = new Request(request);
  clean.headers.delete(CALL_HEADER);
  return clean;
}
