import { CHANNELS } from "./channel";
import type { Offeree } from "./channel";
import type { Tier } from "./tiers";

/**
 * What Steward knows about each tool, in one table. The gate's decision
 * (src/gate/decide.ts), the sub-agents' tool sets, the email rule, the tool
 * cards' badges and the audit's tier column all read it; nothing else keeps
 * a list of tools. A tool missing here is unknown: it is never assumed safe.
 *
 * effect:
 *  - "reads": reads the workspace or the agent's own records, changes nothing;
 *  - "writes": changes the agent's own state (files, its task list), nothing
 *    leaves the agent;
 *  - "acts": reaches outside the agent — mail, the network, a container.
 *    (Permissions are never a tool: only the owner's own chat changes them.)
 */
export type Effect = "reads" | "writes" | "acts";

/**
 * What a call acts on, when approvals are remembered or granted per target:
 * a site (tier 3 asks once per site), a mail recipient (the owner's own and
 * allowed addresses need no approval), a sub-agent (its effect is the
 * strongest effect of the tools it is offered), the owner's memory (shared
 * by every session's prompt, so only the owner's own sessions write it
 * without asking), the hosts an extension declared (asked once per host),
 * an MCP server (asked once per server).
 */
export type TargetKind = "site" | "recipient" | "subagent" | "memory" | "host" | "server";

/** Targets whose approval is remembered: once the owner approves one call, later calls on it run. */
export const REMEMBERED_TARGETS: readonly TargetKind[] = ["site", "host", "server"];

export interface ToolFact {
  tier: Tier;
  effect: Effect;
  /** Who may be offered it: channels (sessions) and sub-agents. Empty: never offered, refused if called. */
  offeredTo: readonly Offeree[];
  target?: TargetKind;
  /** Shown on the tool card instead of the tier's name, when the tool is not the tier's own kind of work. */
  label?: string;
  /** Why a tool that is never offered is refused (Think built-ins Steward replaces). */
  unavailable?: string;
  /**
   * A dynamic tool's fixed targets, as remembered approvals name them
   * (`host:<host>` for each host an extension declared, `mcp:<server>`).
   * Trusted only when every one of them is.
   */
  targets?: readonly string[];
}

const SESSIONS: readonly Offeree[] = CHANNELS;
const READERS: readonly Offeree[] = [...CHANNELS, "researcher"];

const reads = (tier: Tier, offeredTo = SESSIONS, label?: string): ToolFact => ({ tier, effect: "reads", offeredTo, ...(label && { label }) });
const writes = (tier: Tier, label?: string): ToolFact => ({ tier, effect: "writes", offeredTo: SESSIONS, ...(label && { label }) });
const acts = (tier: Tier, extra: Partial<ToolFact> = {}): ToolFact => ({ tier, effect: "acts", offeredTo: SESSIONS, ...extra });
const browser = (): ToolFact => acts(3, { target: "site" });

export const TOOL_FACTS: Readonly<Record<string, ToolFact>> = {
  // ── Tier 0: the workspace (Think's built-in tools) ──
  read: reads(0, READERS),
  ls: reads(0, READERS),
  find: reads(0, READERS),
  grep: reads(0, READERS),
  write: writes(0),
  edit: writes(0),
  delete: writes(0),
  exec: { tier: 1, effect: "writes", offeredTo: [], unavailable: "exec is not available; use run_code for tier 1 code." },
  publish: { tier: 0, effect: "acts", offeredTo: [], unavailable: "publish is not available in Steward." },
  run_skill_script: { tier: 1, effect: "writes", offeredTo: [], unavailable: "Skill scripts are not run directly; use run_code." },
  // ── Tier 0: the agent's own records and helpers ──
  show_tiers: reads(0, SESSIONS, "settings"),
  show_audit: reads(0, SESSIONS, "audit"),
  activate_skill: reads(0, SESSIONS, "skills"),
  read_skill_resource: reads(0, SESSIONS, "skills"),
  delegate: { tier: 0, effect: "reads", offeredTo: SESSIONS, target: "subagent", label: "sub-agent" },
  list_tasks: reads(0, SESSIONS, "schedules"),
  // The agent's own task list: changed like a file, nothing leaves the agent.
  schedule_task: writes(0, "schedules"),
  update_task: writes(0, "schedules"),
  manage_task: writes(0, "schedules"),
  // The owner's memory and the history of every session (src/memory).
  remember: { tier: 0, effect: "writes", offeredTo: SESSIONS, target: "memory", label: "memory" },
  forget: { tier: 0, effect: "writes", offeredTo: SESSIONS, target: "memory", label: "memory" },
  search_history: reads(0, SESSIONS, "history"),
  // Mail leaves the agent: runs in the agent itself (tier 0), asks unless the recipient is the owner's or allowed.
  send_email: acts(0, { target: "recipient", label: "mail" }),
  // The in-thread reply to an email, as audited: the inbox sends it (to anyone but the owner only after the
  // owner approved its exact text, src/channels/email/reply-approval.ts); no model is ever offered it.
  email_reply: {
    tier: 0,
    effect: "acts",
    offeredTo: [],
    target: "recipient",
    label: "mail",
    unavailable: "Replies to email are sent by the inbox, not by a tool; a reply to anyone but the owner waits for the owner's approval."
  },
  // ── Tiers 1–2: code in a Dynamic Worker ──
  run_code: writes(1),
  run_npm: writes(2),
  // ── Tier 3: a real browser ──
  browse: browser(),
  browser_read: browser(),
  browser_extract: browser(),
  browser_click: browser(),
  browser_fill: browser(),
  browser_screenshot: browser(),
  browser_download: browser(),
  // ── Tier 4: a Linux container ──
  run_shell: acts(4)
};

// ── Dynamic tools: extensions and MCP connectors, per user ──

/**
 * Facts for tools that exist only for one user (their enabled extensions,
 * their MCP connections), computed by that user's Assistant from what the
 * owner enabled or connected (src/extensions, src/connectors). Names carry a
 * prefix no static tool has, so a dynamic fact can never stand in for one.
 */
export type DynamicFacts = Readonly<Record<string, ToolFact>>;
export const EXTENSION_TOOL_PREFIX = "ext_";
export const MCP_TOOL_PREFIX = "mcp_";

/** What an extension's manifest declares, as far as the gate cares. */
export interface ExtensionReach {
  /** Hosts its code may reach (host or host:port); empty: no network. */
  hosts: readonly string[];
  workspace: "none" | "read" | "read-write";
}

/**
 * An extension tool's facts, from its declared permissions: without network
 * it is tier 1 work on the workspace; with network it is tier 3, asked once
 * per declared host, like the browser is asked once per site.
 */
export function extensionToolFact(reach: ExtensionReach): ToolFact {
  if (reach.hosts.length > 0) {
    return { tier: 3, effect: "acts", offeredTo: SESSIONS, target: "host", targets: reach.hosts.map((h) => `host:${h}`), label: "extension" };
  }
  return { tier: 1, effect: reach.workspace === "read-write" ? "writes" : "reads", offeredTo: SESSIONS, label: "extension" };
}

/** An MCP server's tools: its calls leave the agent (tier 3), asked once per server. */
export function mcpToolFact(server: string): ToolFact {
  return { tier: 3, effect: "acts", offeredTo: SESSIONS, target: "server", targets: [`mcp:${server}`], label: "MCP" };
}

/** For the tool card, which cannot see a user's dynamic facts: what kind of per-user tool a name is. */
export function dynamicToolKind(name: string): "extension" | "MCP" | null {
  if (name.startsWith(EXTENSION_TOOL_PREFIX)) return "extension";
  return name.startsWith(MCP_TOOL_PREFIX) ? "MCP" : null;
}

function isDynamicName(name: string): boolean {
  return name.startsWith(EXTENSION_TOOL_PREFIX) || name.startsWith(MCP_TOOL_PREFIX);
}

/** null: a tool Steward does not know (asks on every channel, audited as unknown). Static facts always win. */
export function toolFact(name: string, dynamic: DynamicFacts = {}): ToolFact | null {
  if (Object.hasOwn(TOOL_FACTS, name)) return TOOL_FACTS[name] ?? null;
  return isDynamicName(name) && Object.hasOwn(dynamic, name) ? (dynamic[name] ?? null) : null;
}

/** The tier shown and audited for a tool: null for an unknown tool. */
export function tierOfTool(name: string, dynamic: DynamicFacts = {}): Tier | null {
  return toolFact(name, dynamic)?.tier ?? null;
}

/** The tools a sub-agent is offered, straight from the table. */
export function toolsOfferedTo(offeree: Offeree): string[] {
  return Object.keys(TOOL_FACTS).filter((name) => TOOL_FACTS[name]?.offeredTo.includes(offeree));
}

const STRENGTH: Record<Effect, number> = { reads: 0, writes: 1, acts: 2 };

/** The strongest effect among tools, or "acts" for a set that includes an unknown one. */
export function strongestEffect(tools: readonly string[]): Effect {
  let effect: Effect = "reads";
  for (const name of tools) {
    const fact = toolFact(name);
    if (!fact) return "acts";
    if (STRENGTH[fact.effect] > STRENGTH[effect]) effect = fact.effect;
  }
  return effect;
}
