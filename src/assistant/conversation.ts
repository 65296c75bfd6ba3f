import { Think, skills } from "@cloudflare/think";
import type {
  ChatResponseResult,
  SkillSource,
  ToolCallContext,
  ToolCallDecision,
  ToolCallResultContext,
  TurnConfig,
  TurnContext
} from "@cloudflare/think";
import { getWorkspace } from "@cloudflare/computer";
import type { ToolSet } from "ai";
import type { Connection, WSMessage } from "agents";
import { auditEntryFor } from "../ladder/audit";
import { deniedReason } from "../ladder/policy";
import { tierOfTool } from "../ladder/tiers";
import type { Permission, Tier } from "../ladder/tiers";
import { chatModel } from "../model";
import { ladderTools } from "../ladder/tools";
import { bundledSkills } from "../skills/bundled";
import { callDigest } from "../ladder/approvals";
import { digestInput } from "../ladder/audit";
import { ownerCommandReply, parseOwnerCommand, replyModel } from "../ladder/permission-commands";
import type { ShellOutput } from "../ladder/shell";
import { systemPrompt } from "./prompt";
import { taskTools } from "../schedules/tools";
import { Assistant, USER_SKILLS_ROOT } from "./assistant";
import type { Channel } from "./sessions";
import { emailTools } from "../channels/email/session-tools";
import { emailNeedsApproval } from "../channels/email/approval";
import { answeredEmailTurn, outcomeOf, readChannel, runEmailTurn, writeChannel } from "../channels/email/conversation-turn";
import type { EmailTurnOutcome } from "../channels/email/conversation-turn";
import { chatFrameProblem } from "./frame-schemas";
import { chatInputContext } from "./chat-inputs";
import { repairStoredInputs } from "./stored-inputs";

/** Built-in workspace tools Steward does not offer: `exec` is replaced by run_code. */
const HIDDEN_TOOLS = new Set(["exec", "publish"]);

/** Largest WebSocket frame a conversation accepts (a chat request carries the whole user message). */
export const MAX_FRAME_BYTES = 512 * 1024;

/**
 * One conversation (a "session"): a Think agent hosted as a facet of the
 * user's Assistant, with its own messages in its own SQLite. Files, audit and
 * permissions live in the Assistant and are reached over RPC.
 */
export class Conversation extends Think<Env> {
  override maxSteps = 10;
  override workspace = getWorkspace(() => this.parentAgent(Assistant));

  #blockedCalls = new Set<string>();
  /** Calls that ran with the owner's approval (for the audit row and tier 3's site memory). */
  #ownerApproved = new Set<string>();
  /** Tier permissions read once per turn (one RPC); a conversation runs one turn at a time. */
  #turnPermissions?: { requestId: string; permissions: Record<Tier, Permission> };

  override async onStart(): Promise<void> {
    // Think installs its chat protocol handler on onMessage during start-up,
    // just before calling this; the guard goes in front so bad frames never
    // reach the protocol.
    // Every frame is checked against its schema (src/assistant/frame-schemas.ts); a refusal stores nothing.
    const inputs = chatInputContext(this);
    const handle = this.onMessage.bind(this);
    this.onMessage = async (connection: Connection, message: WSMessage) => {
      const problem = frameProblem(message) ?? (typeof message === "string" ? chatFrameProblem(message, inputs) : null);
      if (problem) {
        console.warn(`[steward] conversation ${this.name} refused a frame: ${problem}`);
        connection.send(JSON.stringify({ type: "steward_error", error: problem }));
        return;
      }
      return handle(connection, message);
    };
    await repairStoredInputs(this, inputs);
  }

  protected channel(): Channel {
    return readChannel(this.ctx.storage.sql) ?? "web";
  }

  private get user(): string {
    return this.parentPath[0]?.name ?? "unknown";
  }

  /** A conversation has no URL-reachable children: without this, a nested
   * `/sub/…` path would create one on demand. */
  override async onBeforeSubAgent(): Promise<Response> {
    return new Response("Not found", { status: 404 });
  }

  override getModel() {
    return chatModel(this.env, { user: this.user, channel: this.channel(), session: this.name });
  }

  override getSystemPrompt(): string {
    return systemPrompt();
  }

  /** Skills the user keeps in /workspace/.agents/skills come first, so they can override a bundled one. */
  override getSkills(): SkillSource[] {
    return [skills.workspace(this.workspace, { id: "workspace", root: USER_SKILLS_ROOT }), bundledSkills()];
  }

  override getTools(): ToolSet {
    return {
      ...ladderTools({
        runtime: () => this.workspace.runtime,
        assistant: () => this.parentAgent(Assistant),
        session: () => this.name,
        shell: () => ({ runShell: (command, timeoutMs) => this.runShell(command, timeoutMs) })
      }),
      ...emailTools(() => this.parentAgent(Assistant), () => this.name),
      ...taskTools({ assistant: () => this.parentAgent(Assistant) })
    };
  }

  override async beforeTurn(ctx: TurnContext): Promise<TurnConfig> {
    const ownerReply = await this.ownerCommand(ctx);
    if (ownerReply !== null) return { model: replyModel(ownerReply), activeTools: [] };
    const permissions = await this.permissions(ctx.requestId);
    const names = Object.keys(ctx.tools).filter((name) => !HIDDEN_TOOLS.has(name));
    // Calls the owner must approve pause for it; ownerNeeded decides per call.
    const email = this.channel() === "email";
    const gated: ToolSet = {};
    for (const name of names) {
      const definition = ctx.tools[name];
      if (!definition || (!email && permissions[tierOfTool(name) ?? 0] !== "ask")) continue;
      const ask = this.approvalRecorder(name);
      const needsApproval: typeof ask = async (input, options) => (await this.ownerNeeded(name, input, permissions)) && ask(input, options);
      gated[name] = { ...definition, needsApproval } as ToolSet[string];
    }
    return { activeTools: names, tools: gated };
  }

  private async permissions(requestId = ""): Promise<Record<Tier, Permission>> {
    if (this.#turnPermissions?.requestId !== requestId) {
      const permissions = await (await this.parentAgent(Assistant)).getTiers();
      this.#turnPermissions = { requestId, permissions };
    }
    return this.#turnPermissions.permissions;
  }

  override async beforeToolCall(ctx: ToolCallContext): Promise<ToolCallDecision | void> {
    if (HIDDEN_TOOLS.has(ctx.toolName)) {
      this.#blockedCalls.add(ctx.toolCallId);
      return { action: "block", reason: `${ctx.toolName} is not available; use run_code for tier 1 code.` };
    }
    const tier = tierOfTool(ctx.toolName) ?? 0;
    const permissions = await this.permissions(ctx.requestId ?? this.activeTurn?.requestId);
    if (permissions[tier] === "deny") {
      this.#blockedCalls.add(ctx.toolCallId);
      return { action: "block", reason: deniedReason(tier) };
    }
    const required = await this.ownerNeeded(ctx.toolName, ctx.input, permissions);
    const approval = await this.checkApproval(ctx, required);
    if (approval) {
      this.#blockedCalls.add(ctx.toolCallId);
      return { action: "block", reason: approval };
    }
    // It only gets here with the owner's approval on record.
    if (required) this.#ownerApproved.add(ctx.toolCallId);
  }

  /**
   * Whether a call waits for the owner: its tier is "ask" (tier 3: unless its
   * site was approved before), or it has effects in a session that began from
   * mail (untrusted text), whatever the permissions say.
   */
  private async ownerNeeded(tool: string, input: unknown, permissions: Record<Tier, Permission>): Promise<boolean> {
    if (this.channel() === "email" && emailNeedsApproval(tool, input)) return true;
    const tier = tierOfTool(tool) ?? 0;
    if (permissions[tier] !== "ask") return false;
    return tier !== 3 || (await this.approvedSite(input)) === null;
  }

  override async afterToolCall(ctx: ToolCallResultContext): Promise<void> {
    const blocked = this.#blockedCalls.delete(ctx.toolCallId);
    const turn = ctx.requestId ?? this.activeTurn?.requestId ?? "";
    const approved = this.#ownerApproved.delete(ctx.toolCallId) ? true : null;
    const assistant = await this.parentAgent(Assistant);
    await assistant.recordAudit(await auditEntryFor(ctx, this.name, turn, { blocked, approved }));
    if (approved && tierOfTool(ctx.toolName) === 3) await assistant.rememberSite(this.name, urlOf(ctx.input));
  }

  // ── Execution ladder: tier 4, approvals bound to the call, owner commands ──

  /**
   * run_shell's command as a durable job in the Assistant. The key is the
   * exact call plus the user message that opened the turn, so a recovery that
   * asks for the same command again gets the interrupted run's result.
   */
  private async runShell(command: string, timeoutMs: number): Promise<ShellOutput> {
    const turn = this.messages.findLast((m) => m.role === "user")?.id ?? "";
    const key = await digestInput({ session: this.name, turn, tool: "run_shell", input: { command, timeoutMs } });
    return (await this.parentAgent(Assistant)).runShell(`shell-${key.slice(0, 40)}`, command, timeoutMs);
  }

  /** The already-approved site a tier 3 call works on, or null (then it asks). */
  private async approvedSite(input: unknown): Promise<string | null> {
    return (await this.parentAgent(Assistant)).approvedSite(this.name, urlOf(input));
  }

  /** needsApproval for a gated tool: records what the owner is asked to approve, then asks. */
  private approvalRecorder(tool: string) {
    return async (input: unknown, options: { toolCallId: string }): Promise<boolean> => {
      const digest = await callDigest(tool, input);
      await (await this.parentAgent(Assistant)).recordApprovalRequest(this.name, options.toolCallId, tool, digest);
      return true;
    };
  }

  /** A reason to refuse, or null. A call with an approval on record must be the approved call. */
  private async checkApproval(ctx: ToolCallContext, needsApproval: boolean): Promise<string | null> {
    const digest = await callDigest(ctx.toolName, ctx.input);
    const check = await (await this.parentAgent(Assistant)).checkApproval(this.name, ctx.toolCallId, ctx.toolName, digest, needsApproval);
    return check.ok ? null : check.reason;
  }

  /**
   * /allow, /ask, /deny: applied only for what the owner typed into their
   * own chat socket; returns the reply, or null when this is not one.
   */
  private async ownerCommand(ctx: TurnContext): Promise<string | null> {
    if (ctx.continuation || ctx.trigger !== "ws-chat" || this.channel() !== "web") return null;
    const last = ctx.messages.at(-1);
    if (last?.role !== "user") return null;
    // The first text part is what the owner typed (a context reminder may ride after it).
    const text = typeof last.content === "string" ? last.content : (last.content.find((p) => p.type === "text")?.text ?? "");
    const command = parseOwnerCommand(text);
    if (!command) return null;
    if (!command.ok) return command.error;
    await (await this.parentAgent(Assistant)).setTierPermission(command.tier, command.permission);
    this.#turnPermissions = undefined;
    return ownerCommandReply(command.tier, command.permission);
  }

  override async onChatResponse(result: ChatResponseResult): Promise<void> {
    const preview = result.message.parts
      .map((p) => (p.type === "text" ? p.text : ""))
      .join("")
      .trim()
      .slice(0, 160);
    const assistant = await this.parentAgent(Assistant);
    await assistant.recordTurn(this.name, preview);
    // Email: the answer to an email (also one Think finished after a crash) is sent as the reply.
    const emailTurn = this.channel() === "email" ? answeredEmailTurn(this.messages, result.message.id) : null;
    if (emailTurn) await assistant.emailTurnSettled(emailTurn, outcomeOf(result.status, result.message));
  }

  // ── Email ──────────────────────────────────────────────────────────

  /** Set by the Assistant when it creates a session for a non-web channel. */
  setChannel(channel: Channel): void {
    writeChannel(this.ctx.storage.sql, channel);
  }

  /** One email turn (src/channels/email/inbox.ts). */
  async runEmailTurn(input: { id: string; text: string }): Promise<EmailTurnOutcome> {
    return runEmailTurn(this, input);
  }

  hasMessage(id: string): boolean {
    return this.messages.some((m) => m.id === id);
  }
}

function urlOf(input: unknown): string | undefined {
  const url = typeof input === "object" && input !== null ? (input as { url?: unknown }).url : undefined;
  return typeof url === "string" ? url : undefined;
}

export function frameProblem(message: WSMessage): string | null {
  const size = typeof message === "string" ? new TextEncoder().encode(message).length : message.byteLength;
  if (size > MAX_FRAME_BYTES) return `message too large: ${size} bytes (limit ${MAX_FRAME_BYTES}); put large content in a workspace file`;
  if (typeof message !== "string") return "binary frames are not accepted; send JSON text";
  try {
    const parsed: unknown = JSON.parse(message);
    if (typeof parsed !== "object" || parsed === null || typeof (parsed as { type?: unknown }).type !== "string") {
      return "malformed frame: expected a JSON object with a string \"type\"";
    }
  } catch {
    return "malformed frame: not valid JSON";
  }
  return null;
}
