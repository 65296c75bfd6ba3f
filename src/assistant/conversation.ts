import { Think, defaultContextOverflowClassifier } from "@cloudflare/think";
import type {
  ChatRecoveryContext,
  ChatRecoveryOptions,
  ChatResponseResult,
  Session,
  ChunkContext,
  SkillSource,
  ToolCallContext,
  ToolCallDecision,
  ToolCallResultContext,
  TurnConfig,
  TurnContext
} from "@cloudflare/think";
import { getWorkspace } from "@cloudflare/computer";
import type { ToolSet, UIMessage } from "ai";
import { createAITools } from "@cloudflare/computer/tools/ai-sdk";
import type { Connection, WSMessage } from "agents";
import { auditEntryFor } from "../ladder/audit";
import { decide } from "../gate/decide";
import type { GateAnswer } from "../gate/gate";
import { toolFact } from "../shared/tool-facts";
import type { Permission, Tier } from "../shared/tiers";
import { chatModel } from "../model";
import { ladderTools } from "../ladder/tools";
import { bundledSkills } from "../skills/bundled";
import { digestInput } from "../ladder/audit";
import { ownerCommandReply, parseOwnerCommand, replyModel } from "../gate/permission-commands";
import type { ShellOutput } from "../ladder/shell";
import { LiveOutput } from "../ladder/live-output";
import { TOOL_OUTPUT_FRAME } from "../shared/tool-output-frame";
import type { ToolOutputFrame } from "../shared/tool-output-frame";
import { systemPrompt } from "./prompt";
import { taskTools } from "../schedules/tools";
import { Assistant } from "./assistant";
import type { TurnContextView } from "./assistant";
import { userSkillsSource } from "../skills/user-skills";
import { withCachedSchemas } from "../ladder/cached-schemas";
import type { SkillListing } from "agents/skills";
import type { Channel } from "./sessions";
import { emailTools } from "../channels/email/session-tools";
import { answeredEmailTurn, outcomeOf, readChannel, runEmailTurn, writeChannel } from "../channels/email/conversation-turn";
import type { EmailTurnOutcome } from "../channels/email/conversation-turn";
import { migrateConversation } from "../schema";
import { chatFrameProblem } from "./frame-schemas";
import { chatInputContext } from "./chat-inputs";
import { repairStoredInputs } from "./stored-inputs";
import { turnKind } from "../limits/turn-kind";
import { journalKey, journaledTools, unsettledToolCalls } from "../ladder/journal-call";
import type { CallOptions } from "../ladder/journal-call";
import type { ContextConfig } from "agents/context";
import { streamText } from "ai";
import { modelStatus } from "../model";
import { compactFunction, compactionPolicy } from "../memory/compaction";
import { memoryBlock } from "../memory/context";
import { memoryTools } from "../memory/tools";
import { sessionTitle, turnMessages } from "../memory/turn";
import { branchPoints, compactedSpans, editAndResend, switchBranch } from "../memory/transcript";
import type { TranscriptHost } from "../memory/transcript";
import type { BranchPoint, CompactedSpan } from "../shared/memory";
import { ApiProgressRelay } from "../api/relay";
import { usageSink } from "../model/usage";
import { dynamicSessionTools } from "../extensions/session-tools";
import type { DynamicFacts } from "../shared/tool-facts";
import { sessionPreview } from "../shared/message-text";
import { resolveAttachments } from "./attachments";
import { CallEndpoint } from "../voice/endpoint";
import { VOICE_PROMPT } from "../voice/prompt";

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

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // Before any message or RPC can read the channel (see the Assistant's constructor).
    migrateConversation(ctx.storage);
  }

  /** The gate's answer for each call, from beforeToolCall to afterToolCall. */
  #gateAnswers = new Map<string, GateAnswer>();
  #assistant?: Promise<DurableObjectStub<Assistant>>;
  #channel?: Channel;
  #turn?: { requestId: string; permissions: Record<Tier, Permission>; limited: string | null; memory: string; dynamic: TurnContextView["dynamic"] };
  #skills?: { version: number; listing: SkillListing };
  #tools?: ToolSet;
  /** Think's own chat handler, behind the frame guard (a voice approval is handed to it like the web card's). */
  #chatHandler?: (connection: Connection, message: WSMessage) => unknown;
  /** Voice calls (src/voice): at most one caller, whose socket carries audio instead of chat frames. */
  readonly #calls = new CallEndpoint({
    env: this.env,
    sql: this.ctx.storage.sql,
    channel: () => this.channel(),
    messages: () => this.messages,
    runTurn: async (input, signal) => (await this.runTurn({ input, signal })).status,
    chatFrame: async (connection, frame) => void (await this.#chatHandler?.(connection, JSON.stringify(frame))),
    upsertMessage: (message) => this.addMessages([message], { mode: "upsert" }),
    keepAlive: () => this.keepAlive()
  });

  override async onStart(): Promise<void> {
    // Think installs its chat protocol handler on onMessage during start-up,
    // just before calling this; the guard goes in front so bad frames never
    // reach the protocol.
    // Every frame is checked against its schema (src/assistant/frame-schemas.ts); a refusal stores nothing.
    const inputs = chatInputContext(this);
    const handle = this.onMessage.bind(this);
    this.#chatHandler = handle;
    this.#installCallRoutes();
    this.onMessage = async (connection: Connection, message: WSMessage) => {
      if (this.#calls.owns(connection)) return this.#calls.message(connection, message);
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

  /**
   * Every broadcast (Think's chat frames, state, live tool output) goes to the
   * chat's sockets only: a call's connection speaks the voice protocol, or
   * Twilio's media stream, which has no such frames.
   */
  override broadcast(msg: string | ArrayBuffer | ArrayBufferView, without: string[] = []): void {
    // (Also called while the base class constructs, before #calls exists.)
    const caller = #calls in this ? this.#calls.callerId() : undefined;
    super.broadcast(msg, caller ? [...without, caller] : without);
  }

  /** A call's socket (marked by the Worker) skips the chat protocol: no history, no chat frames. */
  #installCallRoutes(): void {
    const connect = this.onConnect.bind(this);
    this.onConnect = (connection, ctx) => {
      const kind = CallEndpoint.kindOf(ctx.request);
      return kind ? this.#calls.connect(connection, kind) : connect(connection, ctx);
    };
    const close = this.onClose.bind(this);
    this.onClose = (connection, code, reason, wasClean) => {
      if (this.#calls.owns(connection)) return this.#calls.close(connection);
      return close(connection, code, reason, wasClean);
    };
  }

  /** Set once when the session is created; read from storage once. */
  protected channel(): Channel {
    this.#channel ??= readChannel(this.ctx.storage.sql) ?? "web";
    return this.#channel;
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
    // Each model call's usage (which model answered, its tokens) is recorded in the Assistant: Settings → Usage,
    // and the daily token limit checked when the next turn starts (src/limits).
    const where = { session: this.name, channel: this.channel(), turn: () => this.activeTurn?.requestId ?? "" };
    return chatModel(
      this.env,
      { user: this.user, channel: this.channel(), session: this.name },
      usageSink(() => this.assistant(), where)
    );
  }

  override getSystemPrompt(): string {
    const channel = this.channel();
    return channel === "voice" || channel === "phone" ? `${systemPrompt()}\n\n${VOICE_PROMPT}` : systemPrompt();
  }

  /** Skills the user keeps in /workspace/.agents/skills come first, so they can override a bundled one. */
  override getSkills(): SkillSource[] {
    const userSkills = userSkillsSource({
      listing: async () => {
        await this.turnContext();
        if (!this.#skills) throw new Error("no skills index from the Assistant");
        return this.#skills.listing;
      },
      resource: async (skill, path) => (await this.assistant()).userSkillResource(skill, path)
    });
    return [userSkills, bundledSkills()];
  }

  /**
   * Built once per instance: Think asks for the tools every turn, and the AI
   * SDK turns each zod schema into JSON Schema again unless it is handed the
   * same schema object (whose JSON Schema it then keeps).
   */
  override getTools(): ToolSet {
    this.#tools ??= withCachedSchemas(this.buildTools());
    return this.#tools;
  }

  private buildTools(): ToolSet {
    // Think's own write/edit/delete (same definitions), so they too go through the journal.
    const { write, edit, delete: remove } = createAITools({ workspace: this.workspace });
    const tools: ToolSet = {
      ...(write && edit && remove ? { write, edit, delete: remove } : {}),
      ...ladderTools({
        runtime: () => this.workspace.runtime,
        assistant: () => this.assistant(),
        session: () => this.name,
        shell: () => ({ runShell: (command, timeoutMs, toolCallId) => this.runShell(command, timeoutMs, toolCallId) })
      }),
      ...emailTools(
        () => this.assistant(),
        () => this.name,
        (input, options) => this.callKey("send_email", input, options)
      ),
      ...taskTools({ assistant: () => this.assistant() }),
      ...memoryTools({ assistant: () => this.assistant(), session: () => this.name })
    };
    return journaledTools(tools, (tool, input, options) => this.runJournaled(tool, input, options));
  }

  // ── The tool-call journal (src/ladder/journal.ts): exactly once across crashes ──

  /** Interrupted calls of a recovering turn, by tool call id: what the journal knows of each. */
  #interrupted = new Map<string, string>();

  /** The call key of a tool call in this turn (src/ladder/journal-call.ts). */
  private callKey(tool: string, input: unknown, options: CallOptions): Promise<string> {
    const turn = this.messages.findLast((m) => m.role === "user")?.id ?? "";
    return journalKey(this.name, turn, tool, input, options.messages);
  }

  private async runJournaled(tool: string, input: unknown, options: CallOptions): Promise<unknown> {
    const turn = this.messages.findLast((m) => m.role === "user")?.id ?? "";
    const key = await journalKey(this.name, turn, tool, input, options.messages);
    const call = { key, session: this.name, turn, toolCallId: options.toolCallId, tool, input, inputDigest: await digestInput(input) };
    return (await this.assistant()).runJournaled(call);
  }

  /** Before Think repairs the interrupted calls, learn from the journal what happened to each. */
  override async onChatRecovery(ctx: ChatRecoveryContext): Promise<ChatRecoveryOptions | void> {
    const ids = unsettledToolCalls(ctx.messages as UIMessage[], ctx.partialParts);
    if (ids.length) {
      const known = await (await this.assistant()).journalInterrupted(this.name, ids);
      for (const [id, text] of Object.entries(known)) this.#interrupted.set(id, text);
    }
    return super.onChatRecovery(ctx);
  }

  /** The model reads plainly whether an interrupted call's changes were applied once or not at all. */
  protected override repairInterruptedToolPart(part: UIMessage["parts"][number]): UIMessage["parts"][number] {
    const id = (part as { toolCallId?: unknown }).toolCallId;
    const text = typeof id === "string" ? this.#interrupted.get(id) : undefined;
    if (text === undefined) return super.repairInterruptedToolPart(part);
    return { ...part, state: "output-error", errorText: text } as UIMessage["parts"][number];
  }

  override async beforeTurn(ctx: TurnContext): Promise<TurnConfig> {
    this.#calls.turnStarted(ctx.requestId ?? this.activeTurn?.requestId);
    const ownerReply = await this.ownerCommand(ctx);
    if (ownerReply !== null) return { model: replyModel(ownerReply), activeTools: [] };
    const { permissions, limited, dynamic } = await this.turnContext();
    // Per-user turn and token limits (src/limits): over one, the user reads why instead of a model answer.
    if (limited !== null) return { model: replyModel(limited), activeTools: [] };
    const caller = this.channel();
    const offered: string[] = [];
    // This user's extension and MCP tools, with facts from the Assistant (src/extensions, src/connectors).
    const extra = dynamicSessionTools(dynamic.tools, async (name, input) => (await this.assistant()).runDynamicTool(this.name, name, input));
    const facts: DynamicFacts = dynamic.facts;
    const gated: ToolSet = { ...extra };
    for (const [name, definition] of Object.entries({ ...ctx.tools, ...extra })) {
      const fact = toolFact(name, facts);
      if (fact && !fact.offeredTo.includes(caller)) continue;
      offered.push(name);
      // Judged with nothing trusted and the input unknown, a call that could
      // need the owner asks the gate first (needsApproval); one that plainly
      // runs, or is plainly refused, goes straight to beforeToolCall.
      if (decide({ tool: name, fact, input: undefined, caller, permissions, targetTrusted: false }).action !== "ask") continue;
      const needsApproval = async (input: unknown, options: { toolCallId: string }): Promise<boolean> =>
        (await this.assistant()).gateAsk(this.name, caller, { id: options.toolCallId, tool: name, input });
      gated[name] = { ...definition, needsApproval } as ToolSet[string];
    }
    // Attachments (file parts naming workspace files) become what the model reads: src/assistant/attachments.ts.
    const messages = await resolveAttachments(
      ctx.messages,
      async (path) => (await this.assistant()).downloadFile(path),
      this.env.MODEL_ACCEPTS_IMAGES === "true"
    );
    return { activeTools: offered, tools: gated, ...(messages && { messages }) };
  }

  /**
   * Tier permissions (and the user's skills index, when it changed), read
   * once per turn in one call; a conversation runs one turn at a time.
   */
  private async turnContext(): Promise<{ permissions: Record<Tier, Permission>; limited: string | null; memory: string; dynamic: TurnContextView["dynamic"] }> {
    const turn = this.activeTurn;
    const requestId = turn?.requestId ?? "";
    if (this.#turn?.requestId !== requestId) {
      // Admitted once per turn (limits); a listing outside any turn admits nothing.
      const kind = turn ? turnKind(turn, this.messages) : null;
      // A DO stub types this return as never (SkillListing is too deep for RPC typing).
      const context = (await (await this.assistant()).turnContext(this.#skills?.version ?? null, kind)) as unknown as TurnContextView;
      if (context.skills) this.#skills = context.skills;
      this.#turn = { requestId, permissions: context.permissions, limited: context.limited, memory: context.memory, dynamic: context.dynamic };
    }
    return this.#turn;
  }

  /** One call into the gate before a tool runs: its verdict, with the approval binding checked. */
  override async beforeToolCall(ctx: ToolCallContext): Promise<ToolCallDecision | void> {
    const call = { id: ctx.toolCallId, tool: ctx.toolName, input: ctx.input };
    const answer = await (await this.assistant()).gateBefore(this.name, this.channel(), call);
    this.#gateAnswers.set(ctx.toolCallId, answer);
    if (answer.action === "refuse") return { action: "block", reason: answer.reason };
  }

  /** One call into the gate after: the audit row (and an approved site remembered). */
  override async afterToolCall(ctx: ToolCallResultContext): Promise<void> {
    const answer = this.#gateAnswers.get(ctx.toolCallId);
    this.#gateAnswers.delete(ctx.toolCallId);
    const turn = ctx.requestId ?? this.activeTurn?.requestId ?? "";
    const approved = answer?.action === "run" && answer.approved ? true : null;
    const entry = await auditEntryFor(ctx, this.name, turn, { blocked: answer?.action === "refuse", approved });
    if (approved && this.#calls.approvedByVoice(ctx.toolCallId)) entry.detail = `approved by voice${entry.detail ? `; ${entry.detail}` : ""}`;
    await (await this.assistant()).gateAfter(entry, approved ? ctx.input : undefined);
  }

  /**
   * The user's Assistant. `parentAgent` makes an extra initialisation call on
   * every lookup; a facet lives and dies with its parent, so one stub serves
   * the facet's lifetime (dropped if it fails, so a broken stub is not kept).
   */
  private assistant(): Promise<DurableObjectStub<Assistant>> {
    this.#assistant ??= this.parentAgent(Assistant).catch((error: unknown) => {
      this.#assistant = undefined;
      throw error;
    });
    return this.#assistant;
  }

  // ── Execution ladder: tier 4, approvals bound to the call, owner commands ──

  /**
   * run_shell's command as a durable job in the Assistant. The key is the
   * exact call plus the user message that opened the turn, so a recovery that
   * asks for the same command again gets the interrupted run's result.
   */
  private async runShell(command: string, timeoutMs: number, toolCallId?: string): Promise<ShellOutput> {
    const turn = this.messages.findLast((m) => m.role === "user")?.id ?? "";
    const key = await digestInput({ session: this.name, turn, tool: "run_shell", input: { command, timeoutMs } });
    // What the command prints goes to this chat's tool card while it runs (src/ladder/live-output.ts).
    const live = toolCallId
      ? new LiveOutput((view) => this.broadcast(JSON.stringify({ type: TOOL_OUTPUT_FRAME, toolCallId, ...view } satisfies ToolOutputFrame)))
      : undefined;
    try {
      // The listener crosses to the Assistant as an RPC stub: it calls back with the output while the command runs.
      return await (await this.assistant()).runShell(`shell-${key.slice(0, 40)}`, command, timeoutMs, live?.listener);
    } finally {
      live?.close();
    }
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
    await (await this.assistant()).setTierPermission(command.tier, command.permission);
    this.#turn = undefined;
    return ownerCommandReply(command.tier, command.permission);
  }

  override async onChatResponse(result: ChatResponseResult): Promise<void> {
    this.#calls.turnEnded(result.requestId, result.status);
    // From the whole chat, not only this answer: a turn may end with no text (an approval, a failure).
    const preview = sessionPreview(this.messages);
    const assistant = await this.assistant();
    const { wantsTitle } = await assistant.recordTurn(this.name, preview, turnMessages(this.messages, result.message.id), result.status);
    if (wantsTitle && result.status === "completed") this.nameSession();
    // Email: the answer to an email (also one Think finished after a crash) is sent as the reply.
    const emailTurn = this.channel() === "email" ? answeredEmailTurn(this.messages, result.message.id) : null;
    if (emailTurn) await assistant.emailTurnSettled(emailTurn, outcomeOf(result.status, result.message), this.name);
    // Task API: progress reaches the task before it settles (also a turn continued after an approval).
    if (this.channel() === "api") {
      await this.#apiRelay.flush();
      await assistant.apiTurnEnded(this.name);
    }
  }

  // ── Task API (src/api): a task's progress, as its turn streams ──

  readonly #apiRelay = new ApiProgressRelay(() => this.assistant());

  /** As a turn streams: a call speaks the answer (src/voice/call.ts); an API task relays its progress. */
  override onChunk(ctx: ChunkContext): void {
    this.#calls.chunk(this.activeTurn?.requestId, ctx.chunk);
    if (this.channel() !== "api") return;
    this.#apiRelay.push(this.messages.findLast((m) => m.role === "user")?.id, ctx.chunk);
  }

  // ── Memory (src/memory): compaction, the owner's memory, titles, branches ──

  /** A context-overflow error from the model compacts the history and retries the turn once. */
  override contextOverflow = { reactive: true, maxRetries: 1 };
  override classifyChatError = defaultContextOverflowClassifier;

  /** Non-destructive: every message stays stored (and shown); past the threshold the model gets a summary plus recent turns. */
  override configureSession(session: Session): Session {
    const policy = compactionPolicy(this.user);
    if (!policy) return session;
    const summarize = modelStatus(this.env).configured ? (prompt: string) => this.summarize(prompt) : null;
    return session.onCompaction(compactFunction(policy, summarize)).compactAfter(policy.compactAfterTokens);
  }

  /** The owner's memory, kept by the Assistant and read once per turn (with the turn's context). */
  override configureContext(): ContextConfig[] {
    return [memoryBlock(async () => (await this.turnContext()).memory)];
  }

  private async summarize(prompt: string): Promise<string> {
    return streamText({ model: this.getModel(), prompt, maxRetries: 1 }).text;
  }

  /** The first exchange names the session; the Assistant keeps an owner's rename. Not awaited: the turn is done. */
  private nameSession(): void {
    const model = modelStatus(this.env).configured ? this.getModel() : null;
    void sessionTitle(model, this.messages)
      .then(async (title) => {
        if (title) await (await this.assistant()).proposeTitle(this.name, title);
      })
      .catch((error: unknown) => console.warn(`[steward] naming session ${this.name} failed`, error));
  }

  private transcript(): TranscriptHost {
    return {
      session: this.session,
      sql: this.ctx.storage.sql,
      messages: this.messages,
      busy: this.activeTurn !== undefined,
      addMessages: (messages, parentId) => this.addMessages(messages, { parentId }),
      runTurnAfter: (apply) => {
        void this.saveMessages(async () => {
          await apply();
          return [];
        }).catch((error: unknown) => console.warn(`[steward] turn after an edit in ${this.name} failed`, error));
      }
    };
  }

  compactedSpans(): Promise<CompactedSpan[]> {
    return compactedSpans(this.transcript());
  }

  branchPoints(): BranchPoint[] {
    return branchPoints(this.transcript());
  }

  editAndResend(messageId: string, text: string): Promise<string> {
    return editAndResend(this.transcript(), messageId, text);
  }

  switchBranch(messageId: string, version: string): Promise<void> {
    return switchBranch(this.transcript(), messageId, version);
  }

  // ── Email ──────────────────────────────────────────────────────────

  /** Set by the Assistant when it creates a session for a non-web channel. */
  setChannel(channel: Channel): void {
    writeChannel(this.ctx.storage.sql, channel);
    this.#channel = channel;
  }

  /** One email turn (src/channels/email/inbox.ts). */
  async runEmailTurn(input: { id: string; text: string }): Promise<EmailTurnOutcome> {
    return runEmailTurn(this, input);
  }

  /** For the owner's export (src/export/archive.ts): the whole chat. */
  exportMessages(): UIMessage[] {
    return this.messages;
  }

  /** The sidebar's line for this chat (the Assistant repairs previews recorded empty). */
  previewText(): string {
    return sessionPreview(this.messages);
  }

  hasMessage(id: string): boolean {
    return this.messages.some((m) => m.id === id);
  }
}

export function frameProblem(message: WSMessage): string | null {
  const size = typeof message === "string" ? new TextEncoder().encode(message).length : message.byteLength;
  if (size > MAX_FRAME_BYTES) return `message too large: ${size} bytes (limit ${MAX_FRAME_BYTES}); put large content in a workspace file`;
  if (typeof message !== "string") return "binary frames are not accepted; send JSON text";
  try {
    const parsed: unknown = JSON.parse(message);
    if (typeof parsed !== "object" || parsed === null || typeof (parsed as { type?: unknown }).type !== "string") {
      return 'malformed frame: expected a JSON object with a string "type"';
    }
  } catch {
    return "malformed frame: not valid JSON";
  }
  return null;
}
