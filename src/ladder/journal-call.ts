import type { ModelMessage, ToolSet } from "ai";
import type { UIMessage } from "ai";
import { canonicalJson } from "./audit";
import { sha256Hex } from "../util/digest";

/**
 * The conversation's side of the tool-call journal (src/ladder/journal.ts):
 * which tools go through it, the idempotency key of a call, and what the
 * model reads in place of an interrupted call.
 */
export const JOURNALED_TOOLS = ["write", "edit", "delete", "run_code", "run_npm"] as const;
export type JournaledTool = (typeof JOURNALED_TOOLS)[number];

export function isJournaledTool(name: string): name is JournaledTool {
  return (JOURNALED_TOOLS as readonly string[]).includes(name);
}

/** What a tool's execute gets from the AI SDK that the key needs. */
export interface CallOptions {
  toolCallId: string;
  messages?: ModelMessage[];
}

/**
 * The idempotency key of a call: the session, the user message that opened
 * the turn, the tool, its exact input, and how many identical calls the model
 * has already seen a result for. A crash-interrupted call has no result the
 * model saw, so the recovered turn's identical call gets the same key (and the
 * recorded result, or a clean re-run); a model that deliberately repeats a call
 * after seeing its result gets a new key and a new execution.
 */
export async function journalKey(session: string, turn: string, tool: string, input: unknown, messages: ModelMessage[] = []): Promise<string> {
  const base = await sha256Hex(canonicalJson({ session, turn, tool, input }));
  return `${tool}:${base.slice(0, 40)}:${resultsSeen(tool, input, messages)}`;
}

function resultsSeen(tool: string, input: unknown, messages: ModelMessage[]): number {
  const wanted = canonicalJson(input);
  const calls = new Set<string>();
  for (const message of messages) {
    if (message.role !== "assistant" || typeof message.content === "string") continue;
    for (const part of message.content) {
      if (part.type === "tool-call" && part.toolName === tool && canonicalJson(part.input) === wanted) calls.add(part.toolCallId);
    }
  }
  let seen = 0;
  for (const message of messages) {
    if (message.role !== "tool") continue;
    for (const part of message.content) {
      if (part.type === "tool-result" && calls.has(part.toolCallId) && !isInterruptedOutput(part.output)) seen++;
    }
  }
  return seen;
}

/** Think's stand-in for a call a crash cut off, or ours (journal.ts): not a result the model saw. */
function isInterruptedOutput(output: unknown): boolean {
  const text = JSON.stringify(output) ?? "";
  return text.includes("Interrupted by a restart") || text.includes("interrupted before a result was recorded");
}

/** Replaces the execute of every journaled tool in `tools` with `run` (which sends it to the Assistant). */
export function journaledTools(tools: ToolSet, run: (tool: JournaledTool, input: unknown, options: CallOptions) => Promise<unknown>): ToolSet {
  const out: ToolSet = { ...tools };
  for (const name of JOURNALED_TOOLS) {
    const definition = tools[name];
    if (!definition) continue;
    out[name] = { ...definition, execute: (input: unknown, options: CallOptions) => run(name, input, options) } as ToolSet[string];
  }
  return out;
}

/**
 * Tool calls with no settled result, the ones a crash interrupted: in the
 * stored transcript and in the interrupted stream's partial message.
 */
export function unsettledToolCalls(messages: UIMessage[], partialParts: readonly unknown[] = []): string[] {
  const parts = [...messages.filter((m) => m.role === "assistant").flatMap((m) => m.parts), ...partialParts];
  const ids = new Set<string>();
  for (const part of parts) {
    const tool = part as { type?: unknown; toolCallId?: unknown; state?: unknown };
    if (typeof tool.type !== "string" || !tool.type.startsWith("tool-") || typeof tool.toolCallId !== "string") continue;
    if (tool.state === "input-available" || tool.state === "input-streaming") ids.add(tool.toolCallId);
  }
  return [...ids];
}
