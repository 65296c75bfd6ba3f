import type { LanguageModel, UIMessage } from "ai";
import { messageText } from "../shared/message-text";
import type { IndexedMessage } from "./history-index";
import { firstWordsTitle, modelTitle } from "./titles";

/**
 * The text of one finished turn, for the search index: the answer and every
 * message since the user message before it (tool results carry no text and
 * are not indexed).
 */
export function turnMessages(messages: readonly UIMessage[], answerId: string): IndexedMessage[] {
  const end = messages.findIndex((m) => m.id === answerId);
  if (end < 0) return [];
  let start = end;
  while (start > 0 && messages[start]?.role !== "user") start--;
  const at = Date.now();
  return messages
    .slice(start, end + 1)
    .filter((m) => !m.id.startsWith("compaction_"))
    .map((m) => ({ messageId: m.id, role: m.role, at, text: messageText(m.parts, "\n") }))
    .filter((m) => m.text.trim());
}

/** A title from the session's first exchange: the model's when one is configured, else the first words. */
export async function sessionTitle(model: LanguageModel | null, messages: readonly UIMessage[]): Promise<string | null> {
  const user = messages.find((m) => m.role === "user");
  const answer = messages.find((m) => m.role === "assistant");
  const userText = messageText(user?.parts, "\n").trim();
  if (!userText) return null;
  if (!model) return firstWordsTitle(userText);
  return modelTitle(model, userText, messageText(answer?.parts, "\n"));
}
