import { getAgentByName } from "agents";
import type { Assistant } from "../../assistant/assistant";
import { routeCall } from "../../voice/route";
import { phoneDirectory } from "./directory";
import { normalizeNumber } from "./numbers";
import { twilioSignatureValid } from "./signature";

/**
 * Twilio's two ways in, outside Access (Twilio has no identity there):
 *  - POST /phone/incoming: the number's "A call comes in" webhook. Its
 *    X-Twilio-Signature must verify; the caller's number must be one an owner
 *    added in Settings, else the call is refused politely and nothing is
 *    created. Answers with TwiML that connects a media stream whose URL
 *    carries a one-time token (Twilio drops query strings, so it is a path).
 *  - GET /phone/stream/<token>: that media stream's WebSocket, bridged to the
 *    call pipeline of the owner's new phone session (channel "phone": gated
 *    like email, so effects wait for the web app's approval card).
 */
export async function handlePhone(request: Request, env: Env): Promise<Response> {
  const url = new URL(request.url);
  if (url.pathname === "/phone/incoming") return incoming(request, env);
  const stream = /^\/phone\/stream\/([0-9a-f]{48})$/.exec(url.pathname);
  if (stream?.[1]) return mediaStream(request, env, stream[1]);
  return new Response("Not found", { status: 404 });
}

async function incoming(request: Request, env: Env): Promise<Response> {
  if (request.method !== "POST") return new Response("method not allowed", { status: 405 });
  if (!env.TWILIO_AUTH_TOKEN) return new Response("phone calls are not configured (TWILIO_AUTH_TOKEN)", { status: 503 });
  const params = new URLSearchParams(await request.text());
  if (!(await twilioSignatureValid(env.TWILIO_AUTH_TOKEN, request.url, params, request.headers.get("X-Twilio-Signature")))) {
    return new Response("bad signature", { status: 403 });
  }
  const from = normalizeNumber(params.get("From"));
  const directory = phoneDirectory(env);
  const user = from ? await directory.userFor(from) : null;
  if (!user || !from) {
    return twiml(`<Say>Sorry, this number cannot reach an agent here. Goodbye.</Say><Hangup/>`);
  }
  const assistant = await getAgentByName(env.Assistant as DurableObjectNamespace<Assistant>, user);
  const session = await assistant.createChannelSession(`Phone call from ${from}`, "phone");
  const token = await directory.issueToken(user, session);
  const streamUrl = `wss://${new URL(request.url).host}/phone/stream/${token}`;
  return twiml(`<Connect><Stream url="${streamUrl}"/></Connect>`);
}

async function mediaStream(request: Request, env: Env, token: string): Promise<Response> {
  if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") return new Response("expected a WebSocket", { status: 426 });
  const call = await phoneDirectory(env).consumeToken(token);
  if (!call) return new Response("unknown or used stream token", { status: 403 });
  const assistant = await getAgentByName(env.Assistant as DurableObjectNamespace<Assistant>, call.userId);
  return routeCall(request, assistant, call.session, "phone");
}

function twiml(body: string): Response {
  return new Response(`<?xml version="1.0" encoding="UTF-8"?><Response>${body}</Response>`, {
    headers: { "Content-Type": "text/xml; charset=utf-8", "Cache-Control": "no-store" }
  });
}
