import type { Offeree } from "../shared/channel";
import { REMEMBERED_TARGETS, toolFact } from "../shared/tool-facts";
import type { DynamicFacts, TargetKind, ToolFact } from "../shared/tool-facts";
import type { Permission, Tier } from "../shared/tiers";
import { AuditLog } from "../ladder/audit";
import type { AuditEntry } from "../ladder/audit";
import { ApprovalLedger, callDigest } from "./approvals";
import { decide, field } from "./decide";
import type { Verdict } from "./decide";
import { TierPolicy, formatTiers } from "./policy";
import { SiteApprovals, siteOf } from "./sites";

/** A tool call as the gate sees it. */
export interface GateCall {
  id: string;
  tool: string;
  input: unknown;
}

/** What the gate says just before a call runs: run it (with or without the owner's approval on record) or refuse it. */
export type GateAnswer = { action: "run"; approved: boolean } | { action: "refuse"; reason: string };

/** What the gate needs from the agent it lives in. */
export interface GateHost {
  sql: SqlStorage;
  user: string;
  /** The page a session's browser tab is on (a tier 3 call without a URL works on it). */
  openTab(session: string): string | undefined;
  /** Mail to this address needs no approval (the owner's own or an allowed recipient). */
  recipientTrusted(address: string): boolean;
  /** After an audit row: the workspace may have changed. */
  changed(): void;
  /** Facts of this user's own tools: enabled extensions and connected MCP servers (src/extensions, src/connectors). */
  dynamicFacts(): DynamicFacts;
}

/**
 * The one gate every tool call passes, on the Assistant's side. A session
 * makes exactly one call into it before a tool runs (`before`: the decision
 * and the approval binding) and one after (`after`: the audit row and tier 3's
 * site memory); `ask` is the extra one for a call that may need the owner.
 */
export class Gate {
  readonly policy: TierPolicy;
  readonly #approvals: ApprovalLedger;
  readonly #sites: SiteApprovals;
  readonly #audit: AuditLog;

  constructor(private readonly host: GateHost) {
    this.policy = new TierPolicy(host.sql);
    this.#approvals = new ApprovalLedger(host.sql);
    this.#sites = new SiteApprovals(host.sql);
    this.#audit = new AuditLog(host.sql, host.user);
  }

  get audit(): AuditLog {
    return this.#audit;
  }

  permissions(): Record<Tier, Permission> {
    return this.policy.all();
  }

  setPermission(tier: number, permission: string): Record<Tier, Permission> {
    this.policy.set(tier, permission);
    // A new decision about the browser tier starts from a clean slate of sites.
    if (tier === 3) this.#sites.clear();
    return this.policy.all();
  }

  /** A tool's facts: the static table, then this user's extensions and MCP servers. */
  fact(tool: string): ToolFact | null {
    return toolFact(tool, this.host.dynamicFacts());
  }

  verdict(session: string, caller: Offeree, call: GateCall): Verdict {
    const fact = this.fact(call.tool);
    return decide({
      tool: call.tool,
      fact,
      input: call.input,
      caller,
      permissions: this.policy.all(),
      // Memory has no trusted targets: whether a write asks depends on the session alone.
      targetTrusted: fact?.target && fact.target !== "memory" ? this.targetTrusted(session, fact, call.input) : false
    });
  }

  /** needsApproval: true when the call must wait for the owner; the exact call is then bound to its digest. */
  async ask(session: string, caller: Offeree, call: GateCall): Promise<boolean> {
    const verdict = this.verdict(session, caller, call);
    if (verdict.action !== "ask") return false;
    // The reason is decide()'s own: the card tells the owner why this call asks (an email chat, a task, a tier).
    this.#approvals.record(session, call.id, call.tool, await callDigest(call.tool, call.input), verdict.reason);
    return true;
  }

  /** Why each of a session's calls waited for the owner, by tool call id. */
  approvalReasons(session: string): Record<string, string> {
    return this.#approvals.reasons(session);
  }

  /** Just before a call runs. A call with an approval on record must be exactly the approved call. */
  async before(session: string, caller: Offeree, call: GateCall): Promise<GateAnswer> {
    const verdict = this.verdict(session, caller, call);
    if (verdict.action === "refuse") return verdict;
    const check = this.#approvals.check(session, call.id, call.tool, await callDigest(call.tool, call.input));
    if (check.ok) return { action: "run", approved: verdict.action === "ask" };
    if (check.missing && verdict.action === "run") return { action: "run", approved: false };
    return { action: "refuse", reason: check.reason };
  }

  /** After a call: its audit row; an owner-approved browser call's site is not asked about again. */
  after(entry: AuditEntry, input?: unknown): void {
    const fact = this.fact(entry.tool);
    // A session knows only the static table's tiers; a dynamic tool's tier comes from its facts here.
    this.#audit.record(entry.tier === null && fact ? { ...entry, tier: fact.tier } : entry);
    if (entry.approved && fact?.target === "site") {
      const site = this.siteOfCall(entry.session, input);
      if (site) this.#sites.add(site);
    }
    // An approved extension or MCP call: its hosts (or server) are not asked about again.
    if (entry.approved && fact?.target && fact.target !== "site" && REMEMBERED_TARGETS.includes(fact.target)) {
      for (const target of fact.targets ?? []) this.#sites.add(target);
    }
    this.host.changed();
  }

  /** The owner's own choice in Settings → Connections: calls on this target run without asking (or ask again). */
  trustTarget(target: string, trusted: boolean): void {
    if (trusted) this.#sites.add(target);
    else this.#sites.remove(target);
  }

  targetIsTrusted(target: string): boolean {
    return this.#sites.has(target);
  }

  /** An audit row for something refused outside a tool call's own result (an extension's blocked request). */
  record(entry: AuditEntry): void {
    this.#audit.record(entry);
    this.host.changed();
  }

  tiersText(): string {
    const sites = this.#sites.list();
    const remembered = sites.length ? `\nTier 3 sites approved once, no longer asked: ${sites.join(", ")}` : "";
    return formatTiers(this.policy.all()) + remembered;
  }

  private targetTrusted(session: string, fact: ToolFact, input: unknown): boolean {
    const target: TargetKind | undefined = fact.target;
    if (target === "host" || target === "server") {
      const targets = fact.targets ?? [];
      return targets.length > 0 && targets.every((t) => this.#sites.has(t));
    }
    if (target === "site") {
      const site = this.siteOfCall(session, input);
      return site !== null && this.#sites.has(site);
    }
    if (target === "recipient") {
      const to = field(input, "to");
      return to !== undefined && this.host.recipientTrusted(to);
    }
    return false;
  }

  /** A call without a URL works on the session's open tab. */
  private siteOfCall(session: string, input: unknown): string | null {
    return siteOf(field(input, "url")) ?? siteOf(this.host.openTab(session));
  }
}
