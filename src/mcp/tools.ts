import { McpServer } from "@modelcontextprotocol/server";
import type { CallToolResult } from "@modelcontextprotocol/server";
import { z } from "zod";
import type { FileContent, FileListing, NotificationView } from "../shared/views";

/** Steward's own MCP endpoint (src/server.ts; wrangler.jsonc runs the Worker first for it). */
export const MCP_PATH = "/mcp";

/** What /mcp's tools need from the caller's own Assistant (reached by the Worker from the verified identity). */
export interface McpOwnerAgent {
  mcpAsk(text: string, session: string | null): Promise<McpAskOutcome>;
  listFiles(): Promise<FileListing>;
  readFile(path: string): Promise<FileContent>;
  listNotifications(options?: { unreadOnly?: boolean; limit?: number }): NotificationView[] | Promise<NotificationView[]>;
}

export interface McpAskOutcome {
  session: string;
  status: string;
  text: string;
  /** Tools waiting for the owner's approval in the web app. */
  pendingApprovals: string[];
}

const text = (value: string, isError = false): CallToolResult => ({ content: [{ type: "text", text: value }], ...(isError && { isError }) });

const INSTRUCTIONS = "Steward: your own agent. ask_agent runs a turn; anything that acts outside the agent waits for your approval in Steward's web app.";

/**
 * The small tool set Steward offers the owner's own MCP clients: ask the
 * agent (a turn in an "mcp" session, gated as unattended), list and read
 * workspace files, and read task results. Nothing here changes permissions,
 * extensions or connections. One server per request (createMcpHandler's
 * factory), bound to the Assistant the Worker picked from the verified caller.
 * A tool that throws (a refused path, bad arguments) answers `isError` with
 * the message: the SDK turns the throw into a tool result.
 */
export function stewardMcpServer(agent: McpOwnerAgent, info: { name: string; version: string }): McpServer {
  const server = new McpServer(info, { capabilities: { tools: { listChanged: false } }, instructions: INSTRUCTIONS });
  server.registerTool(
    "ask_agent",
    {
      description:
        "Ask your Steward agent something; it answers after one turn. Anything that would act outside the agent (mail, the network, a container) waits for your approval in Steward's web app. Pass the returned session to continue the same conversation.",
      inputSchema: z.object({
        message: z.string().min(1).max(32_000).describe("What to ask or tell the agent"),
        session: z.string().min(1).max(200).optional().describe("A session id returned by an earlier ask_agent, to continue it")
      })
    },
    async ({ message, session }) => {
      const outcome = await agent.mcpAsk(message, session ?? null);
      if (outcome.status === "refused") return text(outcome.text, true);
      const waiting = outcome.pendingApprovals.length
        ? `\n\n[Waiting for your approval in Steward's web app: ${outcome.pendingApprovals.join(", ")}. Ask again in this session after approving.]`
        : "";
      const failed = outcome.status === "completed" ? "" : `\n\n[The turn ended: ${outcome.status}]`;
      return text(`${outcome.text || "(no answer)"}${waiting}${failed}\n\nsession: ${outcome.session}`, outcome.status === "error");
    }
  );
  server.registerTool(
    "list_files",
    { description: "List the files in your Steward workspace (paths under /workspace, with sizes).", inputSchema: z.object({}) },
    async () => {
      const listing = await agent.listFiles();
      const lines = listing.entries.map((e) => (e.type === "dir" ? `${e.path}/` : `${e.path} (${e.size} bytes)`));
      return text(lines.join("\n") + (listing.truncated ? "\n… (truncated)" : "") || "(the workspace is empty)");
    }
  );
  server.registerTool(
    "read_file",
    {
      description: "Read one file of your Steward workspace (text as text, images as images).",
      inputSchema: z.object({ path: z.string().min(1).max(4_096).describe("e.g. /workspace/notes.md") })
    },
    async ({ path }) => {
      const file = await agent.readFile(path);
      if (file.encoding === "base64") return { content: [{ type: "image", data: file.content, mimeType: file.mediaType }] };
      return text(file.content);
    }
  );
  server.registerTool(
    "task_results",
    {
      description: "The latest results of your scheduled tasks, newest first.",
      inputSchema: z.object({
        limit: z.number().int().min(1).max(50).optional().describe("How many (default 10)"),
        unreadOnly: z.boolean().optional().describe("Only those not yet read (default false)")
      })
    },
    async ({ limit, unreadOnly }) => {
      const results = await agent.listNotifications({ unreadOnly: unreadOnly === true, limit: limit ?? 10 });
      if (results.length === 0) return text("No task results yet.");
      return text(results.map((n) => `## ${n.title} (${new Date(n.createdAt).toISOString()})\n${n.body}`).join("\n\n"));
    }
  );
  return server;
}
