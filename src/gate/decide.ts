import { SUBAGENT_NAMES } from "../shared/channel";
import type { Offeree } from "../shared/channel";
import { REMEMBERED_TARGETS, strongestEffect, toolsOfferedTo } from "../shared/tool-facts";
import type { Effect, ToolFact } from "../shared/tool-facts";
import { tierSpec } from "../shared/tiers";
import type { Permission, Tier } from "../shared/tiers";

/**
 * The one decision for every tool call: run, ask the owner, or refuse. Pure,
 * so every combination is covered by a table test (test/gate/decide.test.ts);
 * the Gate (src/gate/gate.ts) feeds it what it reads from storage.
 */
export type Verdict = { action: "run" } | { action: "ask"; reason: string } | { action: "refuse"; reason: string };

export interface CallFacts {
  tool: string;
  /** From TOOL_FACTS; null for a tool Steward does not know. */
  fact: ToolFact | null;
  input: unknown;
  /** The session's channel, or the sub-agent making the call. */
  caller: Offeree;
  permissions: Record<Tier, Permission>;
  /** The call's target (its site, its recipient) is already trusted by the owner. */
  targetTrusted: boolean;
}

/** Only the owner, signed in to the web app, speaks in a web session; every other channel carries text of unknown origin. */
export type Trust = "owner" | "untrusted-mail" | "untrusted-phone" | "unattended" | "subagent";

export function trustOf(caller: Offeree): Trust {
  switch (caller) {
    case "web":
    case "voice":
      return "owner";
    case "email":
      return "untrusted-mail";
    // Caller ID is not an identity (it can be spoofed), so a phone call is as untrusted as a mail.
    case "phone":
      return "untrusted-phone";
    case "schedule":
    case "api":
    // The owner's MCP client asks and waits for an answer; nobody watches the turn to approve in it.
    case "mcp":
      return "unattended";
    default:
      return "subagent";
  }
}

export function decide(call: CallFacts): Verdict {
  const verdict = judge(call);
  // A sub-agent runs inside its parent's turn with no owner to ask.
  if (verdict.action === "ask" && trustOf(call.caller) === "subagent") {
    return { action: "refuse", reason: `${call.tool} would need the owner's approval, which a sub-agent cannot ask for.` };
  }
  return verdict;
}

function judge(call: CallFacts): Verdict {
  const { fact, tool, caller } = call;
  const trust = trustOf(caller);
  if (!fact) {
    return { action: "ask", reason: `${tool} is not a tool Steward knows, so it waits for your approval.` };
  }
  if (!fact.offeredTo.includes(caller)) {
    return {
      action: "refuse",
      reason: fact.unavailable ?? `${tool} is not available ${trust === "subagent" ? "to this sub-agent" : `in ${caller} sessions`}.`
    };
  }
  if (call.permissions[fact.tier] === "deny") return { action: "refuse", reason: deniedReason(fact.tier) };
  // Memory rides in every session's prompt: text from mail, a schedule or a phone call must not write it unseen.
  if (fact.target === "memory" && trust !== "owner") {
    return { action: "ask", reason: `Memory is shared by all your sessions, so a change from a ${caller} session waits for your approval.` };
  }
  const effect = effectOf(fact, call.input);
  if (trust === "untrusted-mail" && effect !== "reads") {
    return { action: "ask", reason: "This chat began with an email, so anything that changes or sends something waits for your approval." };
  }
  if (trust === "untrusted-phone" && effect !== "reads") {
    return { action: "ask", reason: "This is a phone call, so anything that changes or sends something waits for your approval in the web app." };
  }
  if (trust === "unattended" && effect === "acts") {
    const who =
      caller === "api"
        ? "A task sent through the API runs unattended"
        : caller === "mcp"
          ? "A request from your MCP client runs unattended"
          : "A scheduled task runs unattended";
    return { action: "ask", reason: `${who}, so anything that acts outside the agent waits for your approval.` };
  }
  if (call.permissions[fact.tier] === "ask") {
    // Tier 3 asks once per site (and per extension host, per MCP server): an approved one is not asked about again.
    if (fact.target && REMEMBERED_TARGETS.includes(fact.target) && call.targetTrusted) return { action: "run" };
    return { action: "ask", reason: `Tier ${fact.tier} (${tierSpec(fact.tier).name}) is set to "ask".` };
  }
  if (fact.target === "recipient" && !call.targetTrusted) {
    return { action: "ask", reason: "The recipient is not one of your addresses or allowed recipients." };
  }
  return { action: "run" };
}

/** A delegated task has the effect of the sub-agent's tools; an unknown sub-agent is assumed to act. */
export function effectOf(fact: ToolFact, input: unknown): Effect {
  if (fact.target !== "subagent") return fact.effect;
  const agent = field(input, "agent");
  return SUBAGENT_NAMES.some((name) => name === agent) ? strongestEffect(toolsOfferedTo(agent as Offeree)) : "acts";
}

export function deniedReason(tier: Tier): string {
  const spec = tierSpec(tier);
  return `Tier ${tier} (${spec.name}) is set to "deny" in your settings, so this call did not run. Change the tier's permission to allow it.`;
}

/** A string field of a tool's input (url, to, agent), or undefined. */
export function field(input: unknown, name: string): string | undefined {
  const value = typeof input === "object" && input !== null ? (input as Record<string, unknown>)[name] : undefined;
  return typeof value === "string" ? value : undefined;
}
