import { createAITools } from "@cloudflare/computer/tools/ai-sdk";
import type { ToolSet, UIMessage } from "ai";
import { TOOL_FACTS } from "../shared/tool-facts";
import type { ChatInputContext } from "./frame-schemas";

/**
 * Names a client tool may never take: every tool in the table of facts
 * (Think's built-ins included), plus the workspace set as built now, so a
 * name stays reserved even if the table lags a Think upgrade.
 */
const KNOWN_TOOLS = Object.keys(TOOL_FACTS);

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
      return new Set([...KNOWN_TOOLS, ...workspaceTools, ...Object.keys(host.getTools())]);
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
