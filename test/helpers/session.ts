import { getSubAgentByName } from "agents";
import type { UIMessage } from "ai";
import { Conversation } from "../../src/assistant/conversation";
import { assistantFor } from "./agent";

/** The stored transcript of one session, read through the Think RPC surface. */
export async function storedMessages(userId: string, sessionId: string): Promise<UIMessage[]> {
  const assistant = await assistantFor(userId);
  const conversation = await getSubAgentByName(assistant, Conversation, sessionId);
  // UIMessage does not survive DurableObjectStub typing (STACK.md); the value is intact.
  return (await conversation.getMessages()) as unknown as UIMessage[];
}

export function textOf(message: UIMessage | undefined): string {
  return (message?.parts ?? []).map((p) => (p.type === "text" ? p.text : "")).join("");
}
