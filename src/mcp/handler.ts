import { createMcpHandler } from "agents/mcp/server";
import { stewardMcpServer } from "./tools";
import type { McpOwnerAgent } from "./tools";

const SERVER = { name: "steward", version: "0.1.0" };
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Steward's `/mcp`, served by `createMcpHandler` from `agents/mcp/server`
 * (the MCP SDK v2 server: 2026 per-request clients and stateless 2025-era
 * clients on one endpoint). It fits Steward's identity model because the
 * handler never names an agent: it only calls a factory per request, and the
 * Worker (src/server.ts) has already verified the caller and reached the
 * owner's Assistant, which the factory's server closes over. Hence a handler
 * per request rather than one at module scope: the owner is per request.
 *
 * - Origin: the Worker's `checkOrigin` already refused a foreign browser
 *   Origin (same origin or ALLOWED_ORIGINS), so the handler's own default list
 *   (localhost and workers.dev only) would wrongly refuse Steward's custom
 *   domain; `"*"` hands that check to the Worker, as the option intends.
 * - CORS off: the owner's MCP clients are not web pages on other sites.
 */
export async function handleMcp(request: Request, owner: McpOwnerAgent): Promise<Response> {
  const handler = createMcpHandler(() => stewardMcpServer(owner, SERVER), {
    allowedOriginHostnames: "*",
    corsOptions: false,
    maxRequestBodySize: MAX_BODY_BYTES
  });
  const response = await handler.fetch(request);
  const headers = new Headers(response.headers);
  headers.set("cache-control", "no-store");
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}
