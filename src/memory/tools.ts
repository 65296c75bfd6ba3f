import { tool } from "ai";
import type { ToolSet } from "ai";
import { z } from "zod";
import type { HistoryHit, MemoryEntry } from "../shared/memory";
import { MEMORY_LIMITS } from "../shared/memory";
import { toolFailure } from "../shared/tool-result";
import type { ToolFailure, ToolResult } from "../shared/tool-result";

/** What the memory tools need from the user's Assistant (over RPC); failures come back as `{ error }`. */
export interface MemoryToolHost {
  assistant: () => Promise<{
    memoryRemember(text: string, session: string): Promise<ToolResult<MemoryEntry>> | ToolResult<MemoryEntry>;
    memoryForget(id: number): Promise<ToolResult<MemoryEntry>> | ToolResult<MemoryEntry>;
    memorySearch(query: string, limit: number): Promise<ToolResult<HistoryHit[]>> | ToolResult<HistoryHit[]>;
  }>;
  session: () => string;
}

/**
 * remember / forget write the owner's memory (every session's prompt carries
 * it), so the gate treats them as writes to memory: they wait for the owner
 * anywhere but a web session (src/gate/decide.ts). search_history only reads.
 */
export function memoryTools(host: MemoryToolHost): ToolSet {
  return {
    remember: tool({
      description:
        "Remember one lasting fact or preference about the user for all future sessions (e.g. 'prefers metric units', 'manager is Ana'). " +
        `One short fact per call (≤ ${MEMORY_LIMITS.entryChars} characters). Not for passing details of this task.`,
      inputSchema: z.object({ text: z.string().min(1).max(MEMORY_LIMITS.entryChars) }),
      execute: async ({ text }) => {
        const result = await (await host.assistant()).memoryRemember(text, host.session());
        return failed(result) ? { ok: false, text: toolFailure(result) } : { ok: true, text: `Remembered [${result.id}] ${result.text}` };
      }
    }),
    forget: tool({
      description: "Forget one remembered fact by its id (the [n] before it in your memory), e.g. when it is wrong or out of date.",
      inputSchema: z.object({ id: z.number().int().positive() }),
      execute: async ({ id }) => {
        const result = await (await host.assistant()).memoryForget(id);
        return failed(result) ? { ok: false, text: toolFailure(result) } : { ok: true, text: `Forgot [${result.id}] ${result.text}` };
      }
    }),
    search_history: tool({
      description:
        "Search every past session with the user (chats, email threads, calls, scheduled tasks) for words; " +
        "returns matching messages with their session and date. Use it when the user refers to something said before.",
      inputSchema: z.object({
        query: z.string().min(1).max(200).describe("Words to find; all must occur"),
        limit: z.number().int().min(1).max(20).optional()
      }),
      execute: async ({ query, limit }) => {
        const result = await (await host.assistant()).memorySearch(query, limit ?? 8);
        if (failed(result)) return { ok: false, text: toolFailure(result) };
        if (result.length === 0) return { ok: true, text: `Nothing in past sessions matches “${query}”.` };
        return { ok: true, text: result.map(hitLine).join("\n") };
      }
    })
  };
}

function failed<T>(result: ToolResult<T>): result is ToolFailure {
  return toolFailure(result) !== null;
}

function hitLine(hit: HistoryHit): string {
  const when = new Date(hit.at).toISOString().slice(0, 16).replace("T", " ");
  return `- ${when} UTC, “${hit.title}” (${hit.channel}), ${hit.role}: ${hit.snippet.replace(/\s+/g, " ")}`;
}
