import { createCompactFunction } from "agents/sessions";
import type { CompactionFunction } from "agents/sessions";

/**
 * When a session's prompt is compacted. Think (agents/sessions) keeps every
 * message and overlays a summary at read time, so this only changes what the
 * model is sent: the first messages, one summary of the middle, and the most
 * recent turns verbatim. Sizes are Sessions' stamped token estimates.
 */
export interface CompactionPolicy {
  /** Compact once the prompt's history estimate passes this. */
  compactAfterTokens: number;
  /** Recent history kept verbatim after a compaction. Well below the threshold, or every turn would compact again. */
  keepRecentTokens: number;
}

/** Fits comfortably in a 128K-token model with room for tools and the answer; a summary plus the tail is ≈ 1/4 of it. */
export const DEFAULT_COMPACTION: CompactionPolicy = { compactAfterTokens: 64_000, keepRecentTokens: 16_000 };

/**
 * Test and bench seam, like `modelOverride`: a policy per user (null turns
 * compaction off, to measure without it). Production never sets it.
 */
export const compactionOverride: { current?: (user: string) => CompactionPolicy | null } = {};

export function compactionPolicy(user: string): CompactionPolicy | null {
  return compactionOverride.current ? compactionOverride.current(user) : DEFAULT_COMPACTION;
}

/**
 * The compaction function: the model writes the summary when one is
 * configured; otherwise (the offline command model) an extract of the
 * middle messages stands in, so a long session still stays bounded.
 */
export function compactFunction(policy: CompactionPolicy, summarize: ((prompt: string) => Promise<string>) | null): CompactionFunction {
  return createCompactFunction({ summarize: summarize ?? extractSummary, keepRecentTokens: policy.keepRecentTokens });
}

const EXTRACT_LINES = 40;
const EXTRACT_LINE_CHARS = 160;

/**
 * Without a model: the first words of each summarized message, newest last.
 * Reads Sessions' summary prompt, whose conversation is `[role]\ntext` blocks
 * separated by `---` (and, on a later compaction, a previous summary first).
 */
export async function extractSummary(prompt: string): Promise<string> {
  const previous = /PREVIOUS SUMMARY:\n([\s\S]*?)\n\nNEW TURNS TO INCORPORATE:/.exec(prompt)?.[1] ?? "";
  const conversation =
    /(?:CONVERSATION TO SUMMARIZE|NEW TURNS TO INCORPORATE):\n([\s\S]*?)\n\n(?:Use this structure|Update the summary)/.exec(prompt)?.[1] ?? "";
  const lines = [
    ...previous.split("\n").filter((l) => l.startsWith("- ")),
    ...conversation.split("\n\n---\n\n").map((block) => {
      const [role = "", ...rest] = block.split("\n");
      const text = rest.join(" ").replace(/\s+/g, " ").trim();
      return `- ${role.replace(/[[\]]/g, "")}: ${text.length > EXTRACT_LINE_CHARS ? `${text.slice(0, EXTRACT_LINE_CHARS)}…` : text}`;
    })
  ].slice(-EXTRACT_LINES);
  return lines.length ? `Earlier messages (no model configured, so an extract rather than a summary):\n${lines.join("\n")}` : "";
}
