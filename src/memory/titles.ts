import { streamText } from "ai";
import type { LanguageModel } from "ai";
import { errorText } from "../shared/error-text";

/** Short enough for the sidebar; the catalog's own limit is 120. */
export const MAX_AUTO_TITLE = 60;

/**
 * The instruction for a title request. test/e2e/fake-openai.ts recognises
 * it, so a title request does not take the place of a scripted reply.
 */
export const TITLE_INSTRUCTION = "Write a title for this conversation";

/** Without a model: the first words of what the owner wrote. */
export function firstWordsTitle(userText: string): string | null {
  const line =
    userText
      .split("\n")
      .map((l) => l.trim())
      .find(Boolean) ?? "";
  const words = line.replace(/\s+/g, " ").split(" ").filter(Boolean);
  let title = "";
  for (const word of words) {
    const next = title ? `${title} ${word}` : word;
    if (next.length > MAX_AUTO_TITLE) break;
    title = next;
  }
  if (!title && line) title = `${line.slice(0, MAX_AUTO_TITLE - 1)}…`;
  else if (title.length < line.length) title += "…";
  return title || null;
}

/** A title from the first exchange by the model; the first words when it fails or says nothing usable. */
export async function modelTitle(model: LanguageModel, userText: string, answer: string): Promise<string | null> {
  try {
    const result = streamText({
      model,
      system: `${TITLE_INSTRUCTION}: at most six words, no quotes, no trailing punctuation. Reply with the title only.`,
      prompt: `User: ${userText.slice(0, 2_000)}\n\nAssistant: ${answer.slice(0, 2_000)}`,
      maxRetries: 0,
      abortSignal: AbortSignal.timeout(15_000)
    });
    const text = cleanTitle(await result.text);
    if (text) return text;
  } catch (error) {
    console.warn(`[steward] title from the model failed, using the first words: ${errorText(error)}`);
  }
  return firstWordsTitle(userText);
}

function cleanTitle(raw: string): string | null {
  const line =
    raw
      .split("\n")
      .map((l) => l.trim())
      .find(Boolean) ?? "";
  const clean = line
    .replace(/^(title:\s*)/i, "")
    .replace(/^["'“”«]+|["'“”»]+$/g, "")
    .replace(/[.!]+$/, "")
    .trim();
  if (!clean) return null;
  return clean.length > MAX_AUTO_TITLE ? `${clean.slice(0, MAX_AUTO_TITLE - 1)}…` : clean;
}
