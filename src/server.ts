import { getAgentByName, routeSubAgentRequest } from "agents";
import { AuthError, agentNameFor, identify } from "./auth";
import type { Identity } from "./auth";
import { Assistant } from "./assistant/assistant";
import { fileResponse, uploadResponse } from "./assistant/file-response";
import { handleEmail, noteOwnerEmail } from "./channels/email/worker";
import { withSecurityHeaders } from "./http/security-headers";
import { handleApi, isApiPath } from "./api/worker";
import { MCP_CALLBACK_PATH } from "./connectors/connectors";
import { handleMcp } from "./mcp/handler";
import { MCP_PATH } from "./mcp/tools";
import type { McpOwnerAgent } from "./mcp/tools";
import { routeCall, withoutCallHeader } from "./voice/route";
import { handlePhone } from "./channels/phone/webhook";

// Every Durable Object and facet class must be exported from the entry.
export { Assistant } from "./assistant/assistant";
export { Conversation } from "./assistant/conversation";
export { Researcher } from "./subagents/researcher";
// ── Tier 4: the container Durable Object, and the proxy its outbound (egress) interception runs through ──
export { Sandbox } from "./ladder/sandbox/sandbox-class";
export { ContainerProxy } from "@cloudflare/sandbox";
export { MailReader } from "./subagents/mail-reader";
export { EmailDirectory } from "./channels/email/directory";
// ── Extensions: an extension Worker's only way out, and its workspace access (src/extensions) ──
export { ExtensionEgress } from "./extensions/egress";
export { ExtensionWorkspace } from "./extensions/workspace-host";
export { PhoneDirectory } from "./channels/phone/directory";

/**
 * The only ways in: /api/* and /agent* for the caller's own Assistant, and
 * the static chat app. There is deliberately no routeAgentRequest fallback:
 * /agents/<class>/<name> would let a client pick an agent by name.
 */
export default withSecurityHeaders({
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const path = url.pathname;
    const isAgentPath = path === "/agent" || path.startsWith("/agent/");
    if (!isAgentPath && !path.startsWith("/api/") && !path.startsWith("/agents/") && path !== MCP_PATH && !path.startsWith("/phone/")) {
      return env.ASSETS ? env.ASSETS.fetch(request) : new Response("Not found", { status: 404 });
    }
    if (path.startsWith("/agents/")) return json({ error: "not found" }, 404);
    // ── Phone calls: Twilio signs its webhook and cannot pass Access (src/channels/phone) ──
    if (path.startsWith("/phone/")) return handlePhone(request, env);

    const originProblem = checkOrigin(request, url, env);
    if (originProblem) return json({ error: originProblem }, 403);

    let identity: Identity;
    try {
      identity = await identify(request, env);
    } catch (error) {
      if (error instanceof AuthError) return json({ error: error.message }, error.status);
      throw error;
    }

    // A service token is a machine acting for its owner: it may use /mcp and the task API, never the app or its files
    // (the task API refuses it /api/health itself).
    if (identity.source === "service" && path !== MCP_PATH && !isApiPath(path)) {
      return json({ error: "service tokens may use /mcp and the task API only" }, 403);
    }
    // ── Steward as an MCP server for the owner's own MCP clients (src/mcp) ──
    if (path === MCP_PATH) {
      const owner = await getAgentByName(env.Assistant as DurableObjectNamespace<Assistant>, agentNameFor(identity));
      return handleMcp(request, owner as unknown as McpOwnerAgent);
    }
    if (path === "/api/me") {
      if (request.method !== "GET") return json({ error: "method not allowed" }, 405);
      return json({ id: identity.id, email: identity.email ?? null, source: identity.source });
    }
    // ── Task API (src/api): /api/tasks…, /api/openapi.json, /api/health ──
    if (isApiPath(path)) return handleApi(request, env, identity);
    // ── Workspace downloads (src/web/files) ──
    if (path === "/api/files") {
      if (request.method !== "GET" && request.method !== "POST") return json({ error: "method not allowed" }, 405);
      const owner = await getAgentByName(env.Assistant as DurableObjectNamespace<Assistant>, agentNameFor(identity));
      // POST: a chat attachment (src/assistant/attachments.ts), the same identity rules as a download.
      if (request.method === "POST") return uploadResponse(owner, request, url);
      return fileResponse(await owner.downloadFile(url.searchParams.get("path") ?? ""), url.searchParams.has("inline"));
    }
    // ── Your data: the owner's export (src/export) ──
    if (path === "/api/export") {
      if (request.method !== "GET") return json({ error: "method not allowed" }, 405);
      const owner = await getAgentByName(env.Assistant as DurableObjectNamespace<Assistant>, agentNameFor(identity));
      const bytes = await owner.exportData();
      return new Response(bytes as Uint8Array<ArrayBuffer>, {
        headers: {
          "Content-Type": "application/zip",
          "Content-Disposition": `attachment; filename="steward-export-${new Date().toISOString().slice(0, 10)}.zip"`,
          "Cache-Control": "no-store"
        }
      });
    }
    // ── MCP connections: OAuth comes back here, to the signed-in user's own agent (src/connectors) ──
    if (path === MCP_CALLBACK_PATH) {
      if (request.method !== "GET") return json({ error: "method not allowed" }, 405);
      const owner = await getAgentByName(env.Assistant as DurableObjectNamespace<Assistant>, agentNameFor(identity));
      return owner.fetch(request);
    }
    if (!isAgentPath) return json({ error: "not found" }, 404);

    const assistant = await getAgentByName(env.Assistant as DurableObjectNamespace<Assistant>, agentNameFor(identity));
    // ── Email: the identity's own address may command its agent by mail ──
    await noteOwnerEmail(assistant, identity, env);
    if (path.startsWith("/agent/sub/")) {
      return routeSubAgentRequest(withoutCallHeader(request), assistant, { fromPath: path.slice("/agent".length) });
    }
    // ── Voice calls (src/voice): the caller's own call session, marked as a call by the Worker alone ──
    if (path.startsWith("/agent/voice/")) return routeCall(request, assistant, path.slice("/agent/voice/".length));
    return assistant.fetch(withoutCallHeader(request));
  },

  /** Inbound mail (Email Routing → this Worker): src/channels/email. */
  async email(message: ForwardableEmailMessage, env: Env): Promise<void> {
    await handleEmail(message, env);
  }
} satisfies ExportedHandler<Env>);

/**
 * Browsers send Origin on WebSocket upgrades and unsafe methods; a page on
 * another site must not drive the user's agent with their Access cookie.
 */
function checkOrigin(request: Request, url: URL, env: Env): string | null {
  const upgrade = request.headers.get("Upgrade")?.toLowerCase() === "websocket";
  const unsafe = !["GET", "HEAD", "OPTIONS"].includes(request.method);
  if (!upgrade && !unsafe) return null;
  const origin = request.headers.get("Origin");
  if (!origin) return upgrade ? "WebSocket connections must send an Origin header" : null;
  const allowed = new Set([
    url.origin,
    ...(env.ALLOWED_ORIGINS ?? "")
      .split(",")
      .map((o) => o.trim())
      .filter(Boolean)
  ]);
  return allowed.has(origin) ? null : `origin ${origin} is not allowed`;
}

function json(body: unknown, status = 200): Response {
  return Response.json(body, { status, headers: { "Cache-Control": "no-store" } });
}
