import type { UIMessage } from "ai";
import type { TurnKind } from "./usage";

/**
 * What the limits need to know about the turn a session is running. A turn
 * whose user message is a slash command is answered by the command model
 * without the real model (src/model/command-model.ts looks at the same
 * message), so it spends nothing and is not limited. Read from the stored
 * messages: the turn's first call into the Assistant (its skills listing)
 * comes before Think hands `beforeTurn` the model's view.
 */
export function turnKind(turn: { continuation: boolean }, messages: readonly UIMessage[]): TurnKind {
  const last = messages.findLast((m) => m.role === "user");
  // The first text part is what was typed or mailed (a context reminder may ride after it).
  const text = last?.parts.find((p) => p.type === "text")?.text ?? "";
  return { continuation: turn.continuation, command: text.trim().startsWith("/") };
}
