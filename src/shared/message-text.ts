/** A message part as far as its text goes: UI message parts and model-message content parts both fit. */
export interface TextLikePart {
  type: string;
  text?: unknown;
}

/**
 * The text parts of a message joined by `separator`, as they are (no trim);
 * other parts (tools, reasoning, files) count as "". A missing list is "".
 */
export function messageText(parts: readonly TextLikePart[] | undefined, separator = ""): string {
  return (parts ?? []).map((p) => (p.type === "text" && typeof p.text === "string" ? p.text : "")).join(separator);
}

/** A message as far as its preview goes (UI messages fit). */
export interface PreviewMessage {
  role: string;
  parts: readonly (TextLikePart & { toolName?: unknown; state?: unknown })[];
}

const PREVIEW_LENGTH = 160;

/**
 * The sidebar's line for a chat: its last words, whoever said them. A turn
 * can end without text (a tool call waiting for approval, a failed model
 * call, a stopped reply), so the last message's tool call speaks for it, and
 * a chat never looks empty once it has messages. "" only for no messages.
 */
export function sessionPreview(messages: readonly PreviewMessage[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i];
    if (!message) continue;
    const text = messageText(message.parts, " ").replace(/\s+/g, " ").trim();
    const said = text ? text : toolLine(message.parts);
    if (!said) continue;
    return (message.role === "user" ? `You: ${said}` : said).slice(0, PREVIEW_LENGTH);
  }
  return "";
}

/** "⚙ run_code (waiting for your approval)": the last tool call of a message without text. */
function toolLine(parts: PreviewMessage["parts"]): string {
  const tool = [...parts].reverse().find((p) => p.type === "dynamic-tool" || p.type.startsWith("tool-"));
  if (!tool) return "";
  const name = typeof tool.toolName === "string" ? tool.toolName : tool.type.slice("tool-".length);
  return tool.state === "approval-requested" ? `⚙ ${name} (waiting for your approval)` : `⚙ ${name}`;
}
