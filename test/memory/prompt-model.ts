import type { LanguageModelV4, LanguageModelV4CallOptions, LanguageModelV4StreamPart, LanguageModelV4StreamResult } from "@ai-sdk/provider";
import { TITLE_INSTRUCTION } from "../../src/memory/titles";

export type Reply = { text: string } | { tools: Array<{ name: string; input: Record<string, unknown> }> } | { error: string };
export type CallKind = "chat" | "summary" | "title";

export interface Call {
  kind: CallKind;
  prompt: string;
  options: LanguageModelV4CallOptions;
}

/**
 * A model that answers by what it is asked, for tests where requests other
 * than chat turns (compaction summaries, titles) arrive at times a fixed
 * script cannot predict. `calls` records every prompt as JSON text.
 */
export class PromptModel implements LanguageModelV4 {
  readonly specificationVersion = "v4";
  readonly provider = "test";
  readonly modelId = "prompt-model";
  readonly supportedUrls = {};
  readonly calls: Call[] = [];

  constructor(private readonly answer: (kind: CallKind, prompt: string, call: number) => Reply) {}

  chats(): Call[] {
    return this.calls.filter((c) => c.kind === "chat");
  }

  doGenerate(): never {
    throw new Error("prompt model streams only");
  }

  async doStream(options: LanguageModelV4CallOptions): Promise<LanguageModelV4StreamResult> {
    const prompt = JSON.stringify(options.prompt);
    const kind: CallKind = prompt.includes(TITLE_INSTRUCTION)
      ? "title"
      : /Create a concise summary of this conversation|You are updating a conversation summary/.test(prompt)
        ? "summary"
        : "chat";
    this.calls.push({ kind, prompt, options });
    const reply = this.answer(kind, prompt, this.calls.filter((c) => c.kind === kind).length);
    if ("error" in reply) throw new Error(reply.error);
    const parts: LanguageModelV4StreamPart[] = [{ type: "stream-start", warnings: [] }];
    if ("tools" in reply) {
      for (const call of reply.tools) {
        parts.push({ type: "tool-call", toolCallId: `call-${crypto.randomUUID()}`, toolName: call.name, input: JSON.stringify(call.input) });
      }
      parts.push(finish("tool-calls"));
    } else {
      const id = `t-${crypto.randomUUID()}`;
      parts.push({ type: "text-start", id }, { type: "text-delta", id, delta: reply.text }, { type: "text-end", id }, finish("stop"));
    }
    return {
      stream: new ReadableStream({
        start(controller) {
          for (const part of parts) controller.enqueue(part);
          controller.close();
        }
      })
    };
  }
}

function finish(reason: "stop" | "tool-calls"): LanguageModelV4StreamPart {
  return {
    type: "finish",
    finishReason: { unified: reason, raw: reason },
    usage: { inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 1, text: 1, reasoning: 0 } }
  };
}

/** Whether the last user message of a chat prompt contains `marker`. */
export function lastUserHas(call: Call | undefined, marker: string): boolean {
  const users = (call?.options.prompt ?? []).filter((m) => m.role === "user");
  return JSON.stringify(users.at(-1) ?? "").includes(marker);
}
