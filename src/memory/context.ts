import type { ContextConfig } from "agents/context";
import { MEMORY_LIMITS } from "../shared/memory";

export const MEMORY_BLOCK = "memory";

/**
 * The owner's memory as a Think context block in every session's prompt.
 * It lives in the Assistant, not the facet (Think's own blocks are per
 * conversation), so the provider reads it over RPC. `whenChanged: "remind"`
 * keeps the frozen system prompt (and the provider's prompt cache) while
 * still showing a change made in another session, or in Settings, on the
 * next turn: Think re-reads remind blocks once per turn.
 */
export function memoryBlock(read: () => Promise<string>): ContextConfig {
  return {
    label: MEMORY_BLOCK,
    description:
      "What you know about the user from earlier sessions, one fact per line with its id. " +
      "Add a lasting fact with remember, remove a wrong one with forget; the user can edit these in Settings → Memory.",
    maxTokens: Math.ceil(MEMORY_LIMITS.totalChars / 3),
    whenChanged: "remind",
    provider: {
      get: async () => {
        try {
          return (await read()) || "(nothing yet)";
        } catch (error) {
          // A turn still runs without memory; the model is told rather than misled.
          console.warn("[steward] memory block unavailable", error);
          return "(memory could not be read this turn)";
        }
      }
    }
  };
}
