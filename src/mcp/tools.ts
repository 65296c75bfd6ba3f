import type { FileContent, FileListing, NotificationView } from "../shared/views";
import type { McpTool, McpToolResult } from "./protocol";

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

const text = (value: string, isError = false): McpToolResult => ({ content: [{ type: "text", text: value }], ...(isError && { isError }) });

function str(args: Record<string, unknown>, name: string, required: boolean, max: number): string | undefined {
  const value = args[name];
  if (value === undefined && !required) return undefined;
  if (typeof value !== "string" || value.length === 0) throw new Error(`${name} must be a non-empty string`);
  if (value.length > max) throw new Error(`${name} is longer than ${max} characters`);
  return value;
}

/**
 * The small tool set Steward offers the owner's own MCP clients: ask the
 * agent (a turn in an "mcp" session, gated as unattended), list and read
 * workspace files, and read task results. Nothing here changes permissions,
 * extensions or connections.
 */
export function stewardMcpTools(agent: McpOwnerAgent): McpTool[] {
  return [
    {
      name: "ask_agent",
      description:
        "Ask your Steward agent something; it answers after one turn. Anything that would act outside the agent (mail, the network, a container) waits for your approval in Steward's web app. Pass the returned session to continue the same conversation.",
      inputSchema: {
        type: "object",
        properties: {
          message: { type: "string", description: "What to ask or tell the agent" },
          session: { type: "string", description: "A session id returned by an earlier ask_agent, to continue it" }
        },
        required: ["message"]
      },
      async call(args) {
        const message = str(args, "message", true, 32_000) ?? "";
        const outcome = await agent.mcpAsk(message, str(args, "session", false, 200) ?? null);
        if (outcome.status === "refused") return text(outcome.text, true);
        const waiting = outcome.pendingApprovals.length
          ? `\n\n[Waiting for your approval in Steward's web app: ${outcome.pendingApprovals.join(", ")}. Ask again in this session after approving.]`
          : "";
        const failed = outcome.status === "completed" ? "" : `\n\n[The turn ended: ${outcome.status}]`;
        return text(`${outcome.text || "(no answer)"}${waiting}${failed}\n\nsession: ${outcome.session}`, outcome.status === "error");
      }
    },
    {
      name: "list_files",
      description: "List the files in your Steward workspace (paths under /workspace, with sizes).",
      inputSchema: { type: "object", properties: {} },
      async call() {
        const listing = await agent.listFiles();
        const lines = listing.entries.map((e) => (e.type === "dir" ? `${e.path}/` : `${e.path} (${e.size} bytes)`));
        return text(lines.join("\n") + (listing.truncated ? "\n… (truncated)" : "") || "(the workspace is empty)");
      }
    },
    {
      name: "read_file",
      description: "Read one file of your Steward workspace (text as text, images as images).",
      inputSchema: { type: "object", properties: { path: { type: "string", description: "e.g. /workspace/notes.md" } }, required: ["path"] },
      async call(args) {
        const file = await agent.readFile(str(args, "path", true, 4_096) ?? "");
        if (file.encoding === "base64") return { content: [{ type: "image", data: file.content, mimeType: file.mediaType }] };
        return text(file.content);
      }
    },
    {
      name: "task_results",
      description: "The latest results of your scheduled tasks, newest first.",
      inputSchema: {
        type: "object",
        properties: {
          limit: { type: "integer", minimum: 1, maximum: 50, description: "How many (default 10)" },
          unreadOnly: { type: "boolean", description: "Only those not yet read (default false)" }
        }
      },
      async call(args) {
        const limit = typeof args.limit === "number" && Number.isInteger(args.limit) ? Math.min(Math.max(args.limit, 1), 50) : 10;
        const results = await agent.listNotifications({ unreadOnly: args.unreadOnly === true, limit });
        if (results.length === 0) return text("No task results yet.");
        return text(results.map((n) => `## ${n.title} (${new Date(n.createdAt).toISOString()})\n${n.body}`).join("\n\n"));
      }
    }
  ];
}
