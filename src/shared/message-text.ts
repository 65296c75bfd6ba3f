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
