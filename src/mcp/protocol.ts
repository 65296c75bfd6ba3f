/**
 * The smallest MCP server Steward needs: Streamable HTTP, stateless, JSON
 * answers (no SSE, no sessions), tools only. The agents package's
 * `createMcpHandler` needs `@modelcontextprotocol/server`, which this project
 * does not install; this covers initialize, ping, tools/list and tools/call,
 * which is all /mcp offers (MCP clients fall back from `server/discover`).
 */
export interface McpTool {
  name: string;
  description: string;
  inputSchema: { type: "object"; properties: Record<string, unknown>; required?: string[] };
  call(args: Record<string, unknown>): Promise<McpToolResult>;
}

export interface McpToolResult {
  content: Array<{ type: "text"; text: string } | { type: "image"; data: string; mimeType: string }>;
  isError?: boolean;
}

const SUPPORTED_VERSIONS = ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"];
const MAX_BODY_BYTES = 1024 * 1024;

type Id = string | number;
interface RpcMessage {
  jsonrpc?: unknown;
  id?: unknown;
  method?: unknown;
  params?: unknown;
}

export async function handleMcp(request: Request, tools: readonly McpTool[], server: { name: string; version: string }): Promise<Response> {
  if (request.method !== "POST") return new Response(null, { status: 405, headers: { allow: "POST" } });
  const text = await request.text();
  if (new TextEncoder().encode(text).length > MAX_BODY_BYTES) return rpcError(null, -32600, "request too large");
  let message: RpcMessage;
  try {
    message = JSON.parse(text) as RpcMessage;
  } catch {
    return rpcError(null, -32700, "parse error: not JSON");
  }
  if (typeof message !== "object" || message === null || Array.isArray(message) || message.jsonrpc !== "2.0" || typeof message.method !== "string") {
    return rpcError(null, -32600, "invalid request: one JSON-RPC 2.0 message per POST");
  }
  // Notifications (no id) need no answer.
  if (message.id === undefined) return new Response(null, { status: 202 });
  if (typeof message.id !== "string" && typeof message.id !== "number") return rpcError(null, -32600, "invalid id");
  const id: Id = message.id;
  const params = typeof message.params === "object" && message.params !== null ? (message.params as Record<string, unknown>) : {};
  switch (message.method) {
    case "initialize": {
      const asked = typeof params.protocolVersion === "string" ? params.protocolVersion : "";
      return rpcResult(id, {
        protocolVersion: SUPPORTED_VERSIONS.includes(asked) ? asked : SUPPORTED_VERSIONS[0],
        capabilities: { tools: { listChanged: false } },
        serverInfo: server,
        instructions: "Steward: your own agent. ask_agent runs a turn; anything that acts outside the agent waits for your approval in Steward's web app."
      });
    }
    case "ping":
      return rpcResult(id, {});
    case "tools/list":
      return rpcResult(id, { tools: tools.map(({ name, description, inputSchema }) => ({ name, description, inputSchema })) });
    case "tools/call": {
      const tool = tools.find((t) => t.name === params.name);
      if (!tool) return rpcError(id, -32602, `unknown tool ${JSON.stringify(params.name)}`);
      const args = typeof params.arguments === "object" && params.arguments !== null && !Array.isArray(params.arguments) ? (params.arguments as Record<string, unknown>) : {};
      try {
        return rpcResult(id, await tool.call(args));
      } catch (error) {
        // A tool's refusal is a tool result the client shows, not a protocol error.
        return rpcResult(id, { content: [{ type: "text", text: error instanceof Error ? error.message : String(error) }], isError: true });
      }
    }
    default:
      return rpcError(id, -32601, `method not found: ${message.method}`);
  }
}

function rpcResult(id: Id, result: unknown): Response {
  return Response.json({ jsonrpc: "2.0", id, result }, { headers: { "cache-control": "no-store" } });
}

function rpcError(id: Id | null, code: number, message: string): Response {
  return Response.json({ jsonrpc: "2.0", id, error: { code, message } }, { status: id === null ? 400 : 200, headers: { "cache-control": "no-store" } });
}
