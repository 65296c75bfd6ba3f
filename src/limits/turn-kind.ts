import type { ModelMessage } from "ai";
import type { TurnKind } from "./usage";
import { CONTINUE_PROMPT_PREFIX } from "../model/command-model";

/**
 * What the limits need to know about a turn from Think's `beforeTurn`
 * context. A turn whose user message is a slash command is answered by the
 * command model without the real model (src/model/command-model.ts looks at
 * the same message), so it spends nothing and is not limited.
 */
export function turnKind(ctx: { continuation: boolean; messages: ModelMessage[] }): TurnKind {
  const texts = ctx.messages.filter((m) => m.role === "user").map(firstText);
  // Think's "continue your previous response" prompt after a crash is not the user's message.
  const text = texts.findLast((t) => !t.startsWith(CONTINUE_PROMPT_PREFIX)) ?? "";
  return { continuation: ctx.continuation, command: text.trim().startsWith("/") };
}

/** The first text part is what was typed or mailed (a context reminder may ride after it). */
function firstText(message: ModelMessage): string {
  if (message.role !== "user") return "";
  return typeof message.content === "string" ? message.content : (message.content.find((p) => p.type === "text")?.text ?? "");
}
