import type { LanguageModelV4, LanguageModelV4StreamPart } from "@ai-sdk/provider";
import { isPermission } from "./policy";
import { TIERS, tierSpec } from "../shared/tiers";
import type { Permission, Tier } from "../shared/tiers";
import type { Command } from "../commands/types";

/**
 * `/allow <tier>`, `/ask <tier>`, `/deny <tier>`: the owner changes a tier's
 * permission. These are deliberately NOT tools: a model could call a tool, and
 * a model that can grant itself tier 4 has no ladder. The Conversation applies
 * them in `beforeTurn`, and only for a message the owner typed into their own
 * chat socket (trigger "ws-chat", web channel); anywhere else (email,
 * schedules, sub-agents, programmatic turns) they change nothing.
 */
export type OwnerCommand = { ok: true; tier: Tier; permission: Permission } | { ok: false; error: string };

const TIER_WORDS = new Map<string, Tier>(
  TIERS.flatMap(
    (t) =>
      [
        [String(t.tier), t.tier],
        [t.name, t.tier]
      ] as Array<[string, Tier]>
  )
);

/** null: not a permission command. */
export function parseOwnerCommand(text: string): OwnerCommand | null {
  const match = /^\/(allow|ask|deny)(?:\s+([\s\S]*))?$/.exec(text.trim());
  if (!match) return null;
  const permission = match[1];
  const arg = (match[2] ?? "").trim().toLowerCase();
  if (!isPermission(permission)) return null;
  if (!arg) return { ok: false, error: `Usage: /${permission} <tier> (0-4 or a name: ${TIERS.map((t) => t.name).join(", ")})` };
  const tier = TIER_WORDS.get(arg.replace(/^tier\s*/, ""));
  if (tier === undefined) {
    return { ok: false, error: `"${arg}" is not a tier. Tiers: ${TIERS.map((t) => `${t.tier} ${t.name}`).join(", ")}. Nothing was changed.` };
  }
  if (tier === 0 && permission !== "allow") {
    return { ok: false, error: "Tier 0 (workspace) is always allowed: without it the agent cannot read or write your files. Nothing was changed." };
  }
  return { ok: true, tier, permission };
}

export function ownerCommandReply(tier: Tier, permission: Permission): string {
  const spec = tierSpec(tier);
  const meaning =
    permission === "allow" ? "its calls run without asking" : permission === "ask" ? "each call waits for your approval" : "its calls are refused";
  return `Tier ${tier} (${spec.name}) is now set to ${permission}: ${meaning}.`;
}

const NOT_HERE = "changes your settings only when you type it in your own chat window; nothing was changed.";

/** Listed in /help. Reaching parse means the command did not come from the owner's chat socket. */
export const permissionCommands: Command[] = (["allow", "ask", "deny"] as const).map((permission) => ({
  name: permission,
  usage: `/${permission} <tier>`,
  summary:
    permission === "allow"
      ? "let a tier's calls run without asking"
      : permission === "ask"
        ? "make each of a tier's calls wait for your approval"
        : "refuse a tier's calls",
  parse() {
    return { kind: "reply" as const, command: permission, text: `/${permission} ${NOT_HERE}` };
  }
}));

/** A model that only says `text`: the reply to an owner command, with no tools and no provider call. */
export function replyModel(text: string): LanguageModelV4 {
  return {
    specificationVersion: "v4",
    provider: "steward",
    modelId: "owner-command",
    supportedUrls: {},
    doGenerate() {
      throw new Error("streams only");
    },
    async doStream() {
      const id = `txt-${crypto.randomUUID()}`;
      const parts: LanguageModelV4StreamPart[] = [
        { type: "stream-start", warnings: [] },
        { type: "text-start", id },
        { type: "text-delta", id, delta: text },
        { type: "text-end", id },
        {
          type: "finish",
          finishReason: { unified: "stop", raw: "stop" },
          usage: {
            inputTokens: { total: 0, noCache: 0, cacheRead: 0, cacheWrite: 0 },
            outputTokens: { total: 0, text: 0, reasoning: 0 }
          }
        }
      ];
      return {
        stream: new ReadableStream<LanguageModelV4StreamPart>({
          start(controller) {
            for (const part of parts) controller.enqueue(part);
            controller.close();
          }
        })
      };
    }
  };
}
