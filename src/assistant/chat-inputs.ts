import { createAITools } from "@cloudflare/computer/tools/ai-sdk";
import type { ToolSet, UIMessage } from "ai";
import type { ChatInputContext } from "./frame-schemas";

/**
 * Tools Think adds to every turn besides getTools(): the workspace set
 * (createAITools: read, ls, find, grep, write, edit, delete, exec, publish)
 * and the skill tools (agents/skills/tools/ai-sdk). Listed as well as read
 * from createAITools, so a name stays reserved even if building the set fails.
 */
const THINK_TOOLS = ["read", "ls", "find", "grep", "write", "edit", "delete", "exec", "publish", "activate_skill", "read_skill_resource", "run_skill_script"];

export interface ChatHost {
  readonly messages: UIMessage[];
  getTools(): ToolSet;
  readonly workspace: Parameters<typeof createAITools>[0]["workspace"];
}

/** What the frame checks need to know about one conversation (src/assistant/frame-schemas.ts). */
export function chatInputContext(host: ChatHost): ChatInputContext {
  let workspaceTools: string[] | undefined;
  return {
    serverTools: () => {
      workspaceTools ??= workspaceToolNames(host);
      return new Set([...THINK_TOOLS, ...workspaceTools, ...Object.keys(host.getTools())]);
    },
    storedRole: (id) => host.messages.find((m) => m.id === id)?.role,
    toolOfCall: (toolCallId) => toolOfCall(host.messages, toolCallId)
  };
}

function workspaceToolNames(host: ChatHost): string[] {
  try {
    return Object.keys(createAITools({ workspace: host.workspace }));
  } catch {
    return [];
  }
}

function toolOfCall(messages: UIMessage[], toolCallId: string): string | undefined {
  for (const message of messages) {
    for (const part of message.parts) {
      if (!("toolCallId" in part) || part.toolCallId !== toolCallId) continue;
      if (part.type === "dynamic-tool") return part.toolName;
      if (part.type.startsWith("tool-")) return part.type.slice("tool-".length);
    }
  }
  return undefined;
}
