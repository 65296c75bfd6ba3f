import { Agent, callable } from "agents";
import type { Connection, FiberRecoveryContext, WSMessage } from "agents";
import { Workspace } from "@cloudflare/computer";
import { Browser, browserRun } from "agents/browser";
import type { AgentEmail } from "agents/email";
import { Conversation } from "./conversation";
import { SessionCatalog } from "./sessions";
import type { Channel, SessionSummary } from "./sessions";
import { SettingsStore } from "./settings";
import type { UserSettings } from "./settings";
import { migrateAssistant } from "../schema";
import { FileError, listFiles, readFileForDownload, readFileForView, uploadFile } from "./files";
import type { FileContent, FileEntry, FileListing, FilesFs } from "./files";
import { saveUpload } from "./attachments";
import { exportArchive } from "../export/archive";
import { DELETE_CONFIRMATION, forgetSandbox } from "../export/delete";
import type { UIMessage } from "ai";
import { PushOutbox } from "../push/outbox";
import type { PushEvent } from "../push/outbox";
import { vapidKeys } from "../push/keys";
import type { PushSettings, PushSubscriptionInput } from "../shared/push";
import type { UploadedFile } from "../shared/attachments";
import { formatAudit } from "../ladder/audit";
import type { AuditEntry, AuditFilter, AuditRow } from "../ladder/audit";
import { isolateBackend } from "../ladder/isolate";
import { BROWSER_KEEP_ALIVE_MS, runBrowserAction } from "../ladder/browser";
import type { BrowserAction, BrowserResult } from "../ladder/browser";
import { npmBackend, registryUrl } from "../ladder/npm";
import type { NpmBundleOutcome } from "../ladder/npm";
import { NpmBundler } from "../ladder/npm-bundler";
import type { Permission, Tier } from "../shared/tiers";
import { Gate } from "../gate/gate";
import { USER_SKILLS_ROOT, UserSkillIndex } from "../skills/user-skills";
import type { SkillListing } from "agents/skills";
import type { GateAnswer, GateCall } from "../gate/gate";
import type { Offeree } from "../shared/channel";
import { JOB_FIBER_PREFIX, JobLedger } from "../ladder/jobs";
import { recoverShellJob, runShellJob } from "../ladder/shell-job";
import { ToolJournal, journaledBackends } from "../ladder/journal";
import type { JournalCall } from "../ladder/journal";
import { runJournaledCall } from "../ladder/journaled-tools";
import type { ShellJobHost } from "../ladder/shell-job";
import type { ShellOutput } from "../ladder/shell";
import type { OutputListener } from "../ladder/sandbox/backend";
import { modelStatus } from "../model";
import type { ModelStatus } from "../model";
import { SUBAGENTS } from "../subagents/registry";
import type { SubagentName } from "../subagents/registry";
import { MailReader } from "../subagents/mail-reader";
import { EmailInbox } from "../channels/email/inbox";
import { emailDirectory } from "../channels/email/directory";
import { emailDomain, normalizeAddress } from "../channels/email/address";
import { ownerMailSender, sendFromTool } from "../channels/email/send";
import type { EmailSettings } from "../channels/email/settings";
import type { HeldMail, InboundRecord } from "../channels/email/ledger";
import type { ReplyForApproval } from "../channels/email/reply-approval";
import type { SendToolResult } from "../channels/email/session-tools";
import type { EmailTurnOutcome } from "../channels/email/conversation-turn";
import { clock } from "../schedules/clock";
import type { EmailSender } from "../schedules/delivery";
import { TaskService } from "../schedules/service";
import { TaskWake, WAKE_CALLBACK } from "../schedules/wake";
import type { NotificationView, RunView, TaskConversation, TaskInput, TaskView } from "../schedules/service";
import type { TaskAction } from "../schedules/tools";
import { errorText } from "../shared/error-text";
import { wholeNumber } from "../util/whole-number";
import { Refusal, guardCallables } from "./callable-guard";
import { UsageMeter, limitsFrom } from "../limits/usage";
import type { TurnKind, UsageView } from "../limits/usage";
import { CALLABLE_SCHEMAS } from "./callable-schemas";
import { phoneDirectory } from "../channels/phone/directory";
import type { AssistantApi } from "../shared/api";
import type { AssistantState } from "../shared/views";
import { Extensions } from "../extensions/service";
import type { ExtensionExports } from "../extensions/runner";
import { USER_EXTENSIONS_ROOT } from "../extensions/registry";
import type { DynamicToolView } from "../extensions/registry";
import type { WorkspaceAnswer } from "../extensions/workspace-host";
import { Connectors, configureConnectorCallbacks, serverTarget } from "../connectors/connectors";
import { MCP_TOOL_PREFIX } from "../shared/tool-facts";
import type { DynamicFacts } from "../shared/tool-facts";
import type { ConnectionView, ExtensionView } from "../shared/extension-views";
import { digestInput } from "../ladder/audit";
import { mcpAsk } from "../mcp/ask";
import type { McpAskOutcome } from "../mcp/tools";

export type { AssistantState } from "../shared/views";
import { MemoryService } from "../memory/service";
import type { IndexedMessage } from "../memory/history-index";
import type { BranchPoint, CompactedSpan, HistoryHit, MemoryEntry } from "../shared/memory";
import type { ToolResult } from "../shared/tool-result";
import { ApiTaskService } from "../api/service";
import type { ApiConversation } from "../api/service";
import type { ApiProblem, ApiTaskInput, SubmitResult, TaskResult } from "../api/types";
import { opsLog } from "../ops/log";
import { UsageStore, utcDay } from "../model/usage";
import type { UsageReport } from "../model/usage";
import type { StepUsage } from "../model/fallback";
import type { ModelFailure } from "../ops/health";

/** The fiber each scheduled-task run executes in (recovered by onFiberRecovered). */
const TASK_RUN_FIBER = "steward-task-run";
/** The fiber each task-API task waits in (src/api). */
const API_TASK_FIBER = "steward-api-task";

/** What a session learns at the start of each turn (one RPC). */
export interface TurnContextView {
  permissions: Record<Tier, Permission>;
  skills: { version: number; listing: SkillListing } | null;
  /** Over a turn or token limit: the message the user reads instead of a model answer. */
  limited: string | null;
  /** The owner's memory as the prompt shows it (src/memory/context.ts). */
  memory: string;
  /** This user's enabled extension tools and connected MCP tools, with their gate facts. */
  dynamic: { tools: DynamicToolView[]; facts: DynamicFacts };
}

/**
 * One per user, named by the Worker from a verified identity. It owns what a
 * user's conversations share: the workspace, the audit log, tier permissions
 * and the session list. Each conversation is a `Conversation` facet with its
 * own SQLite; sub-agents are facets too.
 */
export class Assistant extends Agent<Env, AssistantState> implements AssistantApi {
  // The client learns its own agent's name (the user's id); it never chooses it.
  static override options = { sendIdentityOnConnect: true };

  override initialState: AssistantState = { sessions: [], workspaceVersion: 0, notifications: [], repliesAwaitingApproval: 0 };

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // Here, not in onStart or per getter: RPCs, alarms and fiber recovery reach the
    // stores (audit, policy, inbox, tasks…) before onStart has run. A constructor's
    // synchronous SQL finishes before any of those is delivered, so every path sees
    // the tables. Field initializers run before this line; none touches a table.
    migrateAssistant(ctx.storage);
    // Before anything can read the workspace: undo what crash-interrupted tool calls changed (src/ladder/journal.ts).
    this.journal.recoverInterrupted();
  }

  readonly workspace = new Workspace({
    storage: this.ctx.storage,
    backends: journaledBackends([isolateBackend(this.env.LOADER), npmBackend(this.env.LOADER)], (id) => this.journal.fsForExecution(id))
  });

  /** Tier 3: one browser per user, kept open between calls (each session drives its own tab). */
  readonly browser = this.env.BROWSER ? new Browser({ provider: browserRun(this.env.BROWSER, { keepAliveMs: BROWSER_KEEP_ALIVE_MS }) }) : undefined;
  // Agent's Lifecycle stores the browser's record and keeps it across hibernation.
  readonly #browserInstalled = this.browser ? this.lifecycle.use(this.browser) : undefined;
  /** The page each session's tab is on (in memory: after a restart, calls on the open tab ask again). */
  readonly #tabs = new Map<string, string>();
  private readonly bundler = new NpmBundler({
    registry: registryUrl(this.env),
    store: {
      readFile: (path) => this.workspace.fs.readFile(path, "utf8").catch(() => null),
      writeFile: async (path, content) => {
        await this.workspace.fs.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
        await this.workspace.fs.writeFile(path, content);
      }
    },
    runFiber: (name, fn) => this.runFiber(name, fn)
  });

  #gate?: Gate;
  #sessions?: SessionCatalog;
  #settings?: SettingsStore;

  /** The one gate for every tool call of this user's sessions and sub-agents (src/gate). */
  private get gate(): Gate {
    this.#gate ??= new Gate({
      sql: this.ctx.storage.sql,
      user: this.name,
      openTab: (session) => this.#tabs.get(session),
      recipientTrusted: (address) => this.inbox.settings.mayReceive(address),
      changed: () => this.bumpWorkspaceVersion(),
      dynamicFacts: () => this.#dynamicFacts
    });
    return this.#gate;
  }
  private get sessions(): SessionCatalog {
    this.#sessions ??= new SessionCatalog(this.ctx.storage.sql);
    return this.#sessions;
  }

  private get settings(): SettingsStore {
    this.#settings ??= new SettingsStore(this.ctx.storage.sql);
    return this.#settings;
  }

  override async onStart(): Promise<void> {
    // /workspace and where users keep their own skills exist from the start
    // (uploads and tools write under /workspace without creating it).
    await this.workspace.fs.mkdir(USER_SKILLS_ROOT, { recursive: true });
    await this.workspace.fs.mkdir(USER_EXTENSIONS_ROOT, { recursive: true });
    // MCP OAuth comes back on Steward's own route (src/server.ts); the owner lands in Settings.
    configureConnectorCallbacks(this.mcp);
    this.refreshState();
    this.taskService.resumeOrphans();
    this.apiTasks.resume();
    // Not awaited: start-up may run inside the alarm a facet's own start-up needs (src/assistant/AGENTS.md).
    void this.repairPreviews().catch((error: unknown) => console.warn(`[steward] preview repair: ${errorText(error)}`));
  }

  /**
   * Chats whose preview was stored empty (a turn that ended without text said
   * "No messages yet" in a chat full of messages): asked once for their last
   * words. A chat with no messages stays empty and costs one facet call per start.
   */
  private async repairPreviews(): Promise<void> {
    await Promise.resolve(); // after onStart has returned
    let repaired = false;
    for (const id of this.sessions.withoutPreview(20)) {
      if (!this.dynamicAgents.has(Conversation.name, id)) continue;
      const preview = await (await this.dynamicAgents.get(Conversation, id)).previewText();
      if (!preview) continue;
      this.sessions.setPreview(id, preview);
      repaired = true;
    }
    if (repaired) this.refreshState();
  }

  /** The session list is derived from storage; a browser may read it, never write it. */
  override validateStateChange(_next: AssistantState, source: Connection | "server"): void {
    if (source !== "server") throw new Refusal("state is read-only; use the session methods");
  }

  /** Frames the agent protocol did not recognise (RPC and state are handled before this). */
  override onMessage(connection: Connection, message: WSMessage): void {
    const kind = typeof message === "string" ? "unrecognised frame" : "binary frames are not accepted";
    connection.send(JSON.stringify({ type: "steward_error", error: `${kind}; send agent RPC frames` }));
  }

  /** Conversations reach the shared workspace through this (see getWorkspace). */
  async __getWorkspaceStub() {
    await this.workspace.ready();
    return this.workspace.stub();
  }

  /**
   * Only existing conversations are reachable by URL; sub-agents never are.
   * Deeper paths (`…/sub/conversation/<id>/sub/…`) are refused by the
   * conversation's own gate.
   */
  override async onBeforeSubAgent(_request: Request, child: { className: string; name: string }): Promise<Request | Response | void> {
    if (child.className !== Conversation.name || !this.dynamicAgents.has(child.className, child.name)) {
      return new Response("Not found", { status: 404 });
    }
  }

  // ── Sessions (the browser's sidebar) ──────────────────────────────

  @callable()
  async createSession(options?: { title?: string }): Promise<SessionSummary> {
    const title = this.sessions.validTitle(options?.title);
    const id = crypto.randomUUID();
    await this.dynamicAgents.get(Conversation, id);
    // Without a title the first exchange names it (src/memory/titles.ts).
    const summary = this.sessions.add(id, title, "web", options?.title === undefined);
    this.refreshState();
    return summary;
  }

  /** A call is a session of its own on the voice channel (src/voice): its turns are spoken. */
  @callable()
  async createCallSession(): Promise<SessionSummary> {
    const id = await this.createChannelSession(`Call ${new Date().toISOString().slice(0, 16).replace("T", " ")}`, "voice");
    const summary = this.sessions.get(id);
    if (!summary) throw new Error("the call session was not created");
    return summary;
  }

  @callable()
  renameSession(id: string, title: string): SessionSummary {
    this.requireSession(id);
    const summary = this.sessions.rename(id, this.sessions.validTitle(title));
    this.refreshState();
    return summary;
  }

  @callable()
  async deleteSession(id: string): Promise<void> {
    this.requireSession(id);
    await this.dynamicAgents.delete(Conversation, id);
    // The session's sub-agents go with it: nothing of a deleted chat is left behind.
    for (const [name, spec] of Object.entries(SUBAGENTS)) await this.dynamicAgents.delete(spec.cls, subagentId(name, id));
    this.sessions.remove(id);
    this.memoryService.index.removeSession(id);
    this.refreshState();
  }

  @callable()
  listSessions(): SessionSummary[] {
    return this.sessions.list(this.knownSessionIds());
  }

  // ── Memory (src/memory): the owner's facts, search over every session, titles, branches ──

  #memoryService?: MemoryService;
  private get memoryService(): MemoryService {
    this.#memoryService ??= new MemoryService({
      sql: this.ctx.storage.sql,
      sessionInfo: (id) => (this.dynamicAgents.has(Conversation.name, id) ? this.sessions.get(id) : undefined)
    });
    return this.#memoryService;
  }

  @callable()
  listMemory(): MemoryEntry[] {
    return this.memoryService.store.list();
  }

  @callable()
  addMemory(text: string): MemoryEntry[] {
    this.memoryService.store.add(text, "owner");
    return this.listMemory();
  }

  @callable()
  updateMemory(id: number, text: string): MemoryEntry[] {
    this.memoryService.store.update(id, text);
    return this.listMemory();
  }

  @callable()
  deleteMemory(id: number): MemoryEntry[] {
    this.memoryService.store.remove(id);
    return this.listMemory();
  }

  @callable()
  searchHistory(query: string, limit?: number): HistoryHit[] {
    return this.memoryService.search(query, limit);
  }

  /** The messages behind each compaction summary in a session (the model sees the summary; the app shows both). */
  @callable()
  async getCompactedMessages(sessionId: string): Promise<CompactedSpan[]> {
    this.requireSession(sessionId);
    return (await this.dynamicAgents.get(Conversation, sessionId)).compactedSpans();
  }

  @callable()
  async getBranchPoints(sessionId: string): Promise<BranchPoint[]> {
    this.requireSession(sessionId);
    return (await this.dynamicAgents.get(Conversation, sessionId)).branchPoints();
  }

  /** Edit one of the owner's messages and answer it again; the earlier version stays as a branch. */
  @callable()
  async editMessage(sessionId: string, messageId: string, text: string): Promise<string> {
    this.requireSession(sessionId);
    return (await this.dynamicAgents.get(Conversation, sessionId)).editAndResend(messageId, text);
  }

  @callable()
  async switchBranch(sessionId: string, messageId: string, version: string): Promise<void> {
    this.requireSession(sessionId);
    await (await this.dynamicAgents.get(Conversation, sessionId)).switchBranch(messageId, version);
  }

  // For this user's conversations (not callable from a browser).

  memoryText(): string {
    return this.memoryService.store.promptText();
  }

  memoryRemember(text: string, session: string): ToolResult<MemoryEntry> {
    return this.memoryService.remember(text, session);
  }

  memoryForget(id: number): ToolResult<MemoryEntry> {
    return this.memoryService.forget(id);
  }

  memorySearch(query: string, limit: number): ToolResult<HistoryHit[]> {
    return this.memoryService.searchForTool(query, limit);
  }

  /** An automatic title from the first exchange; ignored once the owner has renamed the session. */
  proposeTitle(sessionId: string, title: string): void {
    if (!this.dynamicAgents.has(Conversation.name, sessionId)) return;
    if (this.sessions.setAutoTitle(sessionId, this.sessions.validTitle(title))) this.refreshState();
  }

  // ── Ladder, audit, settings ───────────────────────────────────────

  @callable()
  getAudit(limit = 50, filter?: AuditFilter): AuditRow[] {
    wholeNumber(limit, "limit", 500);
    return this.gate.audit.recent(limit, filter);
  }

  @callable()
  getTiers(): Record<Tier, Permission> {
    return this.gate.permissions();
  }

  /** Per-tier permission: allow, ask (each call waits for approval) or deny. */
  @callable()
  setTierPermission(tier: number, permission: string): Record<Tier, Permission> {
    return this.gate.setPermission(tier, permission);
  }

  @callable()
  getModelStatus(): ModelStatus {
    return modelStatus(this.env);
  }

  @callable()
  getSettings(): UserSettings {
    return this.settings.all();
  }

  @callable()
  async setTimeZone(zone: string): Promise<UserSettings> {
    const settings = this.settings.setTimeZone(zone);
    await this.taskService.rezone();
    return settings;
  }

  /**
   * First sign-in: the browser's zone becomes the agent's, so "every day at 8"
   * means the owner's 8. Once a zone is stored (adopted or chosen in
   * Settings) this changes nothing: a browser abroad never moves it.
   */
  @callable()
  async adoptTimeZone(zone: string): Promise<UserSettings> {
    if (this.settings.hasTimeZone()) return this.settings.all();
    return this.setTimeZone(zone);
  }

  // ── RPC for this user's own facets (not callable from a browser) ──

  /**
   * A session's one call at the start of a turn: the tier permissions, and
   * the user's skills index when it changed since the version the session
   * holds (src/skills/user-skills.ts).
   */
  async turnContext(skillsVersion: number | null, kind: TurnKind | null): Promise<TurnContextView> {
    const version = this.state.workspaceVersion ?? 0;
    const skills = version === skillsVersion ? null : { version, listing: await this.userSkills.listing(version) };
    // Connections restored after a restart may still be connecting; their tools are offered once they are.
    await this.mcp.waitForConnections({ timeout: 3_000 });
    const dynamic = await this.refreshDynamic();
    const limited = kind ? this.turnLimits.admit(limitsFrom(this.env), kind) : null;
    return { permissions: this.gate.permissions(), skills, limited, memory: this.memoryText(), dynamic };
  }

  userSkillResource(skill: string, path: string) {
    return this.userSkills.resource(skill, path);
  }

  #userSkills?: UserSkillIndex;
  private get userSkills(): UserSkillIndex {
    this.#userSkills ??= new UserSkillIndex(this.workspace);
    return this.#userSkills;
  }

  // The gate: one call before a tool runs, one after (src/gate/gate.ts).

  /** Why each of a chat's calls waits (waited) for the owner, by tool call id: the card shows the gate's own reason. */
  @callable()
  approvalReasons(sessionId: string): Record<string, string> {
    this.requireSession(sessionId);
    return this.gate.approvalReasons(sessionId);
  }

  async gateAsk(session: string, caller: Offeree, call: GateCall): Promise<boolean> {
    await this.refreshDynamic();
    const asks = await this.gate.ask(session, caller, call);
    // Background work (a task, an email, an API task) has no owner watching: tell them by push (src/push).
    if (asks && (caller === "schedule" || caller === "email" || caller === "api")) {
      const title = this.sessions.get(session)?.title ?? "a chat";
      this.notifyPush({
        id: `approval:${call.id}`,
        kind: "approval",
        title: `Approval needed: ${call.tool}`,
        body: `${title}: ${this.gate.approvalReasons(session)[call.id] ?? ""}`,
        url: chatUrl(session)
      });
    }
    return asks;
  }

  async gateBefore(session: string, caller: Offeree, call: GateCall): Promise<GateAnswer> {
    await this.refreshDynamic();
    return this.gate.before(session, caller, call);
  }

  gateAfter(entry: AuditEntry, input?: unknown): void {
    this.gate.after(entry, input);
    if (entry.call) this.journal.markAudited(entry.session, entry.call);
    opsLog({
      kind: "tool_call",
      user: this.name,
      session: entry.session,
      tier: entry.tier,
      outcome: entry.outcome,
      durationMs: entry.durationMs,
      name: entry.tool
    });
  }

  tiersText(): string {
    return this.gate.tiersText();
  }

  auditText(limit: number): string {
    return formatAudit(this.gate.audit.recent(limit));
  }

  // Spend and abuse limits (src/limits/usage.ts): turns counted here, tokens read from the usage rows.

  #turnLimits?: UsageMeter;
  private get turnLimits(): UsageMeter {
    this.#turnLimits ??= new UsageMeter(
      this.ctx.storage.sql,
      () => clock.now(),
      (day) => this.usage.tokensOn(day)
    );
    return this.#turnLimits;
  }

  usageView(): UsageView {
    return this.turnLimits.view(limitsFrom(this.env));
  }

  /**
   * After each turn: the session moves to the top of the list with its new
   * preview (no full re-listing), and the turn's text goes into the search
   * index; `wantsTitle` while the title is a placeholder.
   */
  recordTurn(sessionId: string, preview: string, messages: IndexedMessage[] = [], outcome?: string): { wantsTitle: boolean } {
    if (!this.dynamicAgents.has(Conversation.name, sessionId)) return { wantsTitle: false };
    opsLog({ kind: "turn", user: this.name, session: sessionId, channel: this.sessions.get(sessionId)?.channel, outcome: outcome ?? "completed" });
    this.sessions.touch(sessionId, preview);
    this.memoryService.indexTurn(sessionId, messages);
    const touched = this.sessions.get(sessionId);
    if (touched) {
      const rest = (this.state.sessions ?? []).filter((s) => s.id !== sessionId);
      this.setState({ ...this.state, sessions: [touched, ...rest] });
    }
    return { wantsTitle: this.sessions.wantsTitle(sessionId) };
  }

  /** Runs a sub-task on a named sub-agent; its storage stays its own. */
  async delegate(agent: SubagentName, task: string, sessionId: string): Promise<string> {
    const spec = SUBAGENTS[agent];
    if (!spec) throw new Error(`unknown sub-agent "${String(agent)}"; known: ${Object.keys(SUBAGENTS).join(", ")}`);
    const child = await this.dynamicAgents.get(spec.cls, subagentId(agent, sessionId));
    return child.runTask(task);
  }

  // ── Tiers 2–3: npm bundles and the browser (RPC for this user's facets) ──

  /** Tier 2: the packages `code` imports, bundled or found in the workspace cache (src/ladder/npm-bundler.ts). */
  npmBundle(code: string, versions: Record<string, string>): Promise<NpmBundleOutcome> {
    return this.bundler.bundle(code, versions);
  }

  async browserAction(sessionId: string, action: BrowserAction): Promise<BrowserResult> {
    if (!this.browser) {
      return { ok: false, url: "", title: "", text: 'Tier 3 is not set up: add "browser": { "binding": "BROWSER" } to wrangler.jsonc (Browser Run).' };
    }
    try {
      const result = await runBrowserAction(this.browser, sessionId, action, {
        mkdir: async (path) => {
          await this.workspace.fs.mkdir(path, { recursive: true });
        },
        writeFile: (path, bytes) => this.workspace.fs.writeFile(path, bytes),
        exists: (path) =>
          this.workspace.fs.stat(path).then(
            () => true,
            () => false
          )
      });
      if (result.url) this.#tabs.set(sessionId, result.url);
      return result;
    } catch (error) {
      return { ok: false, url: "", title: "", text: `Tier 3 (browser): ${errorText(error)}` };
    }
  }

  // ── Execution ladder: the tool-call journal (tiers 0–2, src/ladder/journal.ts) ──

  #journal?: ToolJournal;
  private get journal(): ToolJournal {
    this.#journal ??= new ToolJournal({ sql: this.ctx.storage.sql, workspace: this.workspace, transact: (fn) => this.ctx.storage.transactionSync(fn) });
    return this.#journal;
  }

  /** write/edit/delete, run_code, run_npm: run once per call key, effects and result committed together. */
  runJournaled(call: JournalCall): Promise<unknown> {
    return runJournaledCall({ workspace: this.workspace, journal: this.journal, npmBundle: (c, v) => this.npmBundle(c, v) }, call);
  }

  /** A recovering conversation's interrupted calls: what the model reads for each (and their audit rows). */
  journalInterrupted(session: string, toolCallIds: string[]): Record<string, string> {
    return this.journal.interrupted(session, toolCallIds);
  }

  // ── Execution ladder: tier 4 jobs ─────────────────────────────────

  #jobs?: JobLedger;
  private get jobs(): JobLedger {
    this.#jobs ??= new JobLedger(this.ctx.storage.sql);
    return this.#jobs;
  }

  /** A tier 4 command as a durable job (src/ladder/jobs.ts); the key comes from the conversation, `onOutput` is its live view. */
  runShell(key: string, command: string, timeoutMs: number, onOutput?: OutputListener): Promise<ShellOutput> {
    return runShellJob(this.shellHost(), this.jobs, key, command, timeoutMs, onOutput);
  }

  private shellHost(): ShellJobHost {
    return { name: this.name, env: this.env, workspace: this.workspace, runFiber: (name, fn) => this.runFiber(name, fn) };
  }

  /** Each durable job kind reconciles its own fibers (tier 4 jobs, email replies, task runs); the rest get the SDK default. */
  override async onFiberRecovered(ctx: FiberRecoveryContext) {
    if (ctx.name === `${JOB_FIBER_PREFIX}shell`) {
      await recoverShellJob(this.shellHost(), this.jobs, ctx.snapshot);
      return { status: "completed" as const };
    }
    const email = await this.inbox.recover(ctx);
    if (email) return email;
    if (ctx.name === TASK_RUN_FIBER) {
      const runId = (ctx.snapshot as { runId?: unknown } | null)?.runId;
      // Starting it again is safe: the turn is keyed by occurrence and attempt, so Think does not repeat it.
      if (typeof runId === "string") this.taskService.resumeOrphans();
      return;
    }
    // Waiting again is safe: the task's turn is keyed by its id.
    if (ctx.name === API_TASK_FIBER) return void this.apiTasks.resume();
    return super.onFiberRecovered(ctx);
  }

  private requireSession(id: string): void {
    if (typeof id !== "string" || !this.dynamicAgents.has(Conversation.name, id)) {
      throw new Error(`no session with id ${JSON.stringify(id)}`);
    }
  }

  private knownSessionIds(): Set<string> {
    return new Set(this.dynamicAgents.list(Conversation.name).map((e) => e.name));
  }

  // ── Workspace browser (src/assistant/files.ts) ────────────────────

  @callable()
  async listFiles(): Promise<FileListing> {
    return listFiles(this.filesFs());
  }

  @callable()
  async readFile(path: string): Promise<FileContent> {
    return readFileForView(this.filesFs(), path);
  }

  /** `content` is base64; the browser's upload (≤ 4 MB). */
  @callable()
  async uploadFile(path: string, content: string): Promise<FileEntry> {
    const entry = await uploadFile(this.filesFs(), path, content);
    this.bumpWorkspaceVersion();
    return entry;
  }

  /** For GET /api/files (the Worker checked who is asking); `error` instead of a throw keeps the route's answer clear. */
  async downloadFile(path: string): Promise<{ path: string; mediaType: string; bytes: Uint8Array } | { error: string; status: 400 | 404 }> {
    try {
      return await readFileForDownload(this.filesFs(), path);
    } catch (error) {
      if (!(error instanceof FileError)) throw error;
      return { error: error.message, status: error.message.startsWith("no such file") ? 404 : 400 };
    }
  }

  /** For POST /api/files (the Worker checked who is asking): a chat attachment saved under /workspace/uploads. */
  async saveAttachment(name: string | null, bytes: Uint8Array, mediaType: string | null): Promise<UploadedFile | { error: string; status: 400 }> {
    try {
      const saved = await saveUpload(this.filesFs(), name, bytes, mediaType);
      this.bumpWorkspaceVersion();
      return saved;
    } catch (error) {
      if (!(error instanceof FileError)) throw error;
      return { error: error.message, status: 400 };
    }
  }

  // ── Your data: export and deletion (src/export), owner-only (the Worker names this agent from the identity) ──

  /** GET /api/export: every chat, workspace file and table row as one zip; an audit row says it happened. */
  async exportData(): Promise<Uint8Array> {
    const started = Date.now();
    const fs = this.filesFs();
    const { bytes, files } = await exportArchive({
      user: this.name,
      sql: this.ctx.storage.sql,
      now: new Date(),
      sessions: () => this.sessions.list(this.knownSessionIds()),
      messages: async (id) => (await (await this.dynamicAgents.get(Conversation, id)).exportMessages()) as unknown as UIMessage[],
      listFiles: () => listFiles(fs, 100_000),
      readFile: async (path) =>
        readFileForDownload(fs, path).then(
          (f) => f.bytes,
          () => null
        )
    });
    this.recordOwnerAction("export_data", `exported ${bytes.byteLength} bytes (${files} workspace files)`, Date.now() - started, bytes.byteLength);
    return bytes;
  }

  /**
   * Deletes this agent after the owner typed the confirmation: every chat and
   * sub-agent facet (their own storage), the email address, the sandbox, then
   * all of this object's storage (push subscriptions, settings, audit…) and its
   * connections. The audit log goes too, so the deletion is logged to the
   * Worker's log (observability) instead.
   */
  @callable()
  async deleteAgent(confirmation: string): Promise<{ deleted: true; sandbox: string }> {
    if (confirmation.trim().toLowerCase() !== DELETE_CONFIRMATION) throw new Error(`type "${DELETE_CONFIRMATION}" to confirm`);
    for (const cls of [Conversation, ...Object.values(SUBAGENTS).map((s) => s.cls)]) {
      for (const { name } of this.dynamicAgents.list(cls.name)) await this.dynamicAgents.delete(cls, name);
    }
    await emailDirectory(this.env).forget(this.name);
    const sandbox = await forgetSandbox(this.env, this.name);
    console.log(JSON.stringify({ event: "steward.agent_deleted", user: this.name, at: new Date().toISOString(), sandbox }));
    // After this answer is sent: storage, alarms and connections (the Agents SDK's destroy, then a fresh start).
    setTimeout(() => {
      void this.destroy().catch((error: unknown) => console.error(`[steward] deleting ${this.name}: ${errorText(error)}`));
    }, 0);
    return { deleted: true, sandbox };
  }

  /** An owner action in the audit log (not a tool call: tier null, the owner's own act). */
  private recordOwnerAction(tool: string, detail: string, durationMs: number, bytesOut: number): void {
    this.gate.audit.record({ session: "", turn: "", tier: null, tool, inputDigest: "", outcome: "ok", durationMs, bytesOut, approved: true, detail });
    this.bumpWorkspaceVersion();
  }

  private filesFs(): FilesFs {
    return this.workspace.fs as unknown as FilesFs; // the same methods; FilesFs names only the ones files.ts uses
  }

  private bumpWorkspaceVersion(): void {
    this.setState({ ...this.state, workspaceVersion: (this.state.workspaceVersion ?? 0) + 1 });
  }

  private refreshState(): void {
    this.setState({
      ...this.state,
      sessions: this.sessions.list(this.knownSessionIds()),
      notifications: this.taskService.notifications(),
      repliesAwaitingApproval: this.inbox.replies.waiting().length
    });
  }

  // ── Email (src/channels/email) ────────────────────────────────────

  #inbox?: EmailInbox;
  #emailAddress?: string;

  private get inbox(): EmailInbox {
    this.#inbox ??= new EmailInbox(this);
    return this.#inbox;
  }

  get emailEnv(): Env {
    return this.env;
  }

  get emailSql(): SqlStorage {
    return this.ctx.storage.sql;
  }

  /** Mail routed here by the Worker's email() handler (routeAgentEmail). */
  async onEmail(email: AgentEmail): Promise<void> {
    await this.inbox.receive(email);
  }

  /** This agent's own address: unguessable, registered in the EmailDirectory. */
  async emailAddress(): Promise<string> {
    this.#emailAddress ??= `${await emailDirectory(this.env).addressFor(this.name)}@${emailDomain(this.env)}`;
    return this.#emailAddress;
  }

  @callable()
  async getEmailSettings(): Promise<EmailSettings> {
    return this.inbox.settings.all(await this.emailAddress());
  }

  /** The signed-in owner vouches for one of their addresses (mail from it may command the agent). */
  @callable()
  async addOwnerEmailAddress(address: string): Promise<EmailSettings> {
    this.inbox.settings.addOwnerAddress(address);
    return this.getEmailSettings();
  }

  /** The signed-in owner removes one of their addresses (the web app's Email settings). */
  @callable()
  async removeOwnerEmailAddress(address: string): Promise<EmailSettings> {
    if (!this.inbox.settings.removeOwnerAddress(address)) throw new Error(`${address} is not one of your addresses`);
    return this.getEmailSettings();
  }

  // ── Phone calls (src/channels/phone): numbers the owner added while signed in ──

  @callable()
  async getPhoneNumbers(): Promise<string[]> {
    return phoneDirectory(this.env).numbersOf(this.name);
  }

  /** Only the signed-in owner adds a number (this socket is theirs); a call from it is still gated like email. */
  @callable()
  async addOwnerPhoneNumber(number: string): Promise<string[]> {
    return phoneDirectory(this.env).addNumber(this.name, number);
  }

  @callable()
  async removeOwnerPhoneNumber(number: string): Promise<string[]> {
    return phoneDirectory(this.env).removeNumber(this.name, number);
  }

  @callable()
  async setEmailAllowedSenders(entries: string[]): Promise<EmailSettings> {
    this.inbox.settings.setAllowedSenders(entries);
    return this.getEmailSettings();
  }

  /** "refuse" (default) or "hold" mail from senders not on any list. */
  @callable()
  async setEmailUnknownSenders(policy: string): Promise<EmailSettings> {
    this.inbox.settings.setUnknownSenders(policy);
    return this.getEmailSettings();
  }

  @callable()
  async setEmailAllowedRecipients(entries: string[]): Promise<EmailSettings> {
    this.inbox.settings.setAllowedRecipients(entries);
    return this.getEmailSettings();
  }

  @callable()
  async setEmailSendLimit(perHour: number): Promise<EmailSettings> {
    this.inbox.settings.setSendLimit(perHour);
    return this.getEmailSettings();
  }

  /** Mail seen and sent, newest first, with what became of each. */
  @callable()
  getEmailLog(limit = 50): InboundRecord[] {
    wholeNumber(limit, "limit", 500);
    return this.inbox.ledger.recent(limit);
  }

  @callable()
  listHeldEmails(): HeldMail[] {
    return this.inbox.ledger.held();
  }

  /** Works on a held message as if its sender were allowed; returns the session id. */
  @callable()
  async releaseHeldEmail(id: number): Promise<string> {
    return this.inbox.release(id);
  }

  @callable()
  discardHeldEmail(id: number): void {
    if (!this.inbox.ledger.takeHeld(id)) throw new Error(`no held email with id ${id}`);
  }

  /** Replies to non-owners parked for approval, each with its exact recipient, subject, text and digest. */
  @callable()
  listEmailRepliesAwaitingApproval(): ReplyForApproval[] {
    return this.inbox.replies.waiting();
  }

  /** The owner approves exactly the reply they were shown (its digest); it is sent once. */
  @callable()
  approveEmailReply(id: number, digest: string): Promise<ReplyForApproval> {
    return this.inbox.approveReply(id, digest);
  }

  @callable()
  rejectEmailReply(id: number): ReplyForApproval {
    return this.inbox.rejectReply(id);
  }

  emailRepliesChanged(): void {
    this.refreshState();
  }

  /** From an email session's conversation: an email's turn has its answer. */
  async emailTurnSettled(turnId: string, outcome: EmailTurnOutcome, session?: string): Promise<void> {
    opsLog({ kind: "email", user: this.name, channel: "email", outcome: outcome.pendingApprovals.length ? "waiting_approval" : outcome.status });
    await this.inbox.settle(turnId, outcome);
    if (session && outcome.status === "completed") {
      this.notifyPush({ id: `email:${turnId}`, kind: "email", title: "Email answered", body: this.sessions.get(session)?.title ?? "", url: chatUrl(session) });
    }
  }

  /** From the Worker: the verified identity's own address (the Access email claim). */
  noteOwnerEmail(address: string): void {
    this.inbox.settings.addOwnerAddress(normalizeAddress(address));
  }

  /** send_email, called by a conversation's tool after any approval it needed. */
  sendEmailFromTool(mail: { key: string; to: string; subject: string; text: string; session: string }): Promise<SendToolResult> {
    return sendFromTool(this, this.inbox, mail);
  }

  async createChannelSession(title: string, channel: Channel): Promise<string> {
    const id = crypto.randomUUID();
    const conversation = await this.dynamicAgents.get(Conversation, id);
    await conversation.setChannel(channel);
    this.sessions.add(id, this.sessions.validTitle(title.slice(0, 120)), channel);
    this.refreshState();
    return id;
  }

  hasSession(id: string): boolean {
    return this.dynamicAgents.has(Conversation.name, id);
  }

  async discardSession(id: string): Promise<void> {
    await this.deleteSession(id);
  }

  async emailConversation(id: string) {
    return this.dynamicAgents.get(Conversation, id);
  }

  async mailReader(session: string) {
    return this.dynamicAgents.get(MailReader, subagentId("mail_reader", session));
  }

  // ── Web push (src/push): the owner's browsers, the kinds they chose, a once-only outbox ──

  #push?: PushOutbox;
  private get push(): PushOutbox {
    this.#push ??= new PushOutbox(this.ctx.storage.sql, () => vapidKeys(this.env));
    return this.#push;
  }

  @callable()
  async getPushSettings(): Promise<PushSettings> {
    return { publicKey: (await vapidKeys(this.env)).publicKey, kinds: this.push.kinds(), endpoints: this.push.endpoints() };
  }

  /** The owner's browser subscribed (PushSubscription.toJSON()); only endpoints registered here are ever sent to. */
  @callable()
  async subscribePush(subscription: PushSubscriptionInput, kinds?: Record<string, boolean>): Promise<PushSettings> {
    this.push.subscribe(subscription);
    if (kinds) this.push.setKinds(kinds);
    return this.getPushSettings();
  }

  @callable()
  async unsubscribePush(endpoint: string): Promise<PushSettings> {
    this.push.unsubscribe(endpoint);
    return this.getPushSettings();
  }

  @callable()
  async setPushKinds(kinds: Record<string, boolean>): Promise<PushSettings> {
    this.push.setKinds(kinds);
    return this.getPushSettings();
  }

  /** Queues the event (once per id) and sends it in the background. */
  private notifyPush(event: PushEvent): void {
    if (!this.push.enqueue(event)) return;
    this.ctx.waitUntil(this.push.flush().catch((error: unknown) => console.warn(`[steward] push: ${errorText(error)}`)));
  }

  /** Fresh task notifications (results, and the reminder of a run waiting for approval) as pushes; the outbox keeps each to one. */
  private pushTaskNotifications(): void {
    const fresh = clock.now() - 10 * 60_000;
    for (const n of this.taskService.notifications(true, 20)) {
      if (n.createdAt < fresh) continue;
      const kind = n.id.endsWith("-approval") ? "approval" : "task";
      this.notifyPush({ id: `task:${n.id}`, kind, title: n.title, body: n.body.slice(0, 300), url: n.sessionId ? chatUrl(n.sessionId) : "/#/tasks" });
    }
  }

  // ── Scheduled tasks (src/schedules) ───────────────────────────────

  #tasks?: TaskService;
  readonly #wake = new TaskWake({
    listSchedules: () => this.listSchedules(),
    cancelSchedule: (id) => this.cancelSchedule(id),
    schedule: (when) => this.schedule(when, WAKE_CALLBACK)
  });

  private get taskService(): TaskService {
    this.#tasks ??= new TaskService({
      sql: this.ctx.storage.sql,
      now: () => clock.now(),
      zone: () => this.settings.all().timeZone,
      transact: (fn) => this.ctx.storage.transactionSync(fn),
      armWake: (next) => this.#wake.arm(next),
      createTaskSession: (title) => this.createChannelSession(title, "schedule"),
      sessionExists: (id) => this.dynamicAgents.has(Conversation.name, id),
      conversation: async (id) => (await this.dynamicAgents.get(Conversation, id)) as unknown as TaskConversation,
      startRun: (runId) => {
        this.runFiber(TASK_RUN_FIBER, async (ctx) => {
          ctx.stash({ runId });
          const started = Date.now();
          await this.taskService.execute(runId);
          const run = this.taskService.store.run(runId);
          opsLog({ kind: "task_run", user: this.name, channel: "schedule", outcome: run?.status ?? "gone", durationMs: Date.now() - started, name: runId });
        }).catch((error: unknown) => console.error(`scheduled run ${runId} failed to start`, error));
      },
      emailSender: () => this.taskEmailSender(),
      changed: () => {
        this.setState({ ...this.state, notifications: this.taskService.notifications() });
        this.pushTaskNotifications();
      }
    });
    return this.#tasks;
  }

  /** Task results by email to the owner (src/channels/email/send.ts); null → the web app, with a note. */
  protected taskEmailSender(): EmailSender | null {
    return ownerMailSender(this, this.inbox);
  }

  /** The one schedule callback: claims due occurrences and starts them. */
  async onTaskWake(): Promise<void> {
    await this.taskService.wake();
  }

  @callable()
  listTasks(): TaskView[] {
    return this.taskService.list();
  }

  @callable()
  getTask(id: string): TaskView {
    return this.taskService.get(id);
  }

  @callable()
  createTask(input: TaskInput): Promise<TaskView> {
    return this.taskService.create(input, "web");
  }

  @callable()
  updateTask(id: string, patch: Partial<TaskInput>): Promise<TaskView> {
    return this.taskService.update(id, patch);
  }

  @callable()
  pauseTask(id: string): Promise<TaskView> {
    return this.taskService.pause(id);
  }

  @callable()
  resumeTask(id: string): Promise<TaskView> {
    return this.taskService.resume(id);
  }

  @callable()
  deleteTask(id: string): Promise<void> {
    return this.taskService.remove(id);
  }

  @callable()
  runTaskNow(id: string): Promise<RunView> {
    return this.taskService.runNow(id);
  }

  @callable()
  listNotifications(options?: { unreadOnly?: boolean; limit?: number }): NotificationView[] {
    const limit = options?.limit ?? 20;
    wholeNumber(limit, "limit", 200);
    return this.taskService.notifications(options?.unreadOnly ?? true, limit);
  }

  @callable()
  markNotificationsRead(ids: string[] | "all"): number {
    return this.taskService.markRead(ids);
  }

  /** For the task tools in this user's conversations. */
  createTaskFrom(input: TaskInput, createdBy: string): Promise<TaskView> {
    return this.taskService.create(input, createdBy);
  }

  async manageTask(id: string, action: TaskAction): Promise<string> {
    switch (action) {
      case "pause":
        return `Paused ${(await this.taskService.pause(id)).id}.`;
      case "resume": {
        const task = await this.taskService.resume(id);
        return `Resumed ${task.id}; next run ${task.nextRunLocal ?? "none"} (${task.zone}).`;
      }
      case "cancel": {
        const task = this.taskService.get(id);
        await this.taskService.remove(id);
        return `Deleted ${task.id} “${task.title}”.`;
      }
      case "run_now":
        return `Started ${id} now (run ${(await this.taskService.runNow(id)).id}); the result arrives as a notification.`;
      default:
        throw new Error(`unknown action ${JSON.stringify(action)}; use pause, resume, cancel or run_now`);
    }
  }

  // ── Task API (src/api): tasks submitted over HTTP, each a turn in an "api" session ──

  #api?: ApiTaskService;

  private get apiTasks(): ApiTaskService {
    this.#api ??= new ApiTaskService({
      sql: this.ctx.storage.sql,
      now: () => Date.now(),
      createSession: (title) => this.createChannelSession(title, "api"),
      sessionChannel: (id) => (this.hasSession(id) ? (this.sessions.get(id)?.channel ?? null) : null),
      conversation: async (id) => (await this.dynamicAgents.get(Conversation, id)) as unknown as ApiConversation,
      startRun: (taskId) => {
        this.runFiber(API_TASK_FIBER, async (ctx) => {
          ctx.stash({ taskId });
          await this.apiTasks.run(taskId);
        }).catch((error: unknown) => console.error(`API task ${taskId} failed to start`, error));
      },
      finished: (task) =>
        opsLog({
          kind: "api_task",
          user: this.name,
          session: task.session,
          channel: "api",
          outcome: task.status,
          durationMs: (task.finishedAt ?? task.updatedAt) - task.createdAt,
          name: task.id
        })
    });
    return this.#api;
  }

  // RPC for the Worker's /api/tasks routes (it has checked who is asking); refusals come back as { problem }.

  apiSubmit(input: ApiTaskInput, requestDigest: string): Promise<SubmitResult> {
    return this.apiTasks.submit(input, requestDigest);
  }

  apiGet(id: string, waitMs = 0): Promise<TaskResult> {
    return this.apiTasks.wait(id, waitMs);
  }

  apiFollow(id: string, after: number): ReadableStream<Uint8Array> | ApiProblem {
    return this.apiTasks.follow(id, after);
  }

  apiCancel(id: string): Promise<TaskResult> {
    return this.apiTasks.cancel(id);
  }

  /** From an api session's Conversation: the task's progress, and turn ends (src/api/relay.ts). */
  apiProgress(taskId: string, type: "text" | "tool-call" | "tool-result", data: Record<string, unknown>): void {
    this.apiTasks.progress(taskId, type, data);
  }

  apiTurnEnded(session: string): Promise<void> {
    return this.apiTasks.turnEnded(session);
  }

  // ── Model usage (src/model/usage.ts): tokens per turn and model, the daily limit, recent failures ──

  #usage?: UsageStore;
  private get usage(): UsageStore {
    this.#usage ??= new UsageStore(this.ctx.storage.sql);
    return this.#usage;
  }

  /** Settings → Usage: tokens by day and model (the last `days` UTC days). */
  @callable()
  getUsage(days = 14): UsageReport {
    wholeNumber(days, "days", 90);
    const now = clock.now();
    const limit = limitsFrom(this.env).tokensPerDay;
    return { limitPerDay: limit > 0 ? limit : null, today: this.usage.tokensOn(utcDay(now)), days: this.usage.byDay(days, now) };
  }

  recordUsage(row: { turn: string; session: string; channel: string } & StepUsage): void {
    const now = clock.now();
    this.usage.record(row, now);
    this.usage.prune(now);
    opsLog({
      kind: "model_call",
      user: this.name,
      session: row.session,
      channel: row.channel,
      outcome: row.fallbackFrom.length ? "fallback" : "ok",
      name: row.model
    });
  }

  recordModelFailure(model: string, error: string): void {
    this.usage.recordFailure({ at: Date.now(), model, error });
    opsLog({ kind: "model_fallback", user: this.name, outcome: "error", name: model });
  }

  usageRowsOf(session: string) {
    return this.usage.ofSession(session);
  }

  recentModelFailures(): ModelFailure[] {
    return this.usage.recentFailures(Date.now());
  }

  // ── Extensions and MCP connectors (src/extensions, src/connectors) ──

  /** Facts of this user's dynamic tools, as of the last refresh; the gate reads them synchronously. */
  #dynamicFacts: DynamicFacts = {};
  #extensions?: Extensions;
  #connectors?: Connectors;

  private get extensions(): Extensions {
    this.#extensions ??= new Extensions({
      sql: this.ctx.storage.sql,
      fs: this.workspace.fs,
      env: this.env,
      // ctx.exports holds loopback bindings of the Worker's own entrypoints (src/server.ts exports these two).
      exports: this.ctx.exports as unknown as ExtensionExports,
      user: () => this.name,
      workspaceVersion: () => this.state.workspaceVersion ?? 0
    });
    return this.#extensions;
  }

  private get connectors(): Connectors {
    this.#connectors ??= new Connectors({
      mcp: this.mcp,
      addMcpServer: (name, url, options) => this.addMcpServer(name, url, options),
      removeMcpServer: (id) => this.removeMcpServer(id),
      env: this.env,
      trusted: (target) => this.gate.targetIsTrusted(target)
    });
    return this.#connectors;
  }

  /** Tools and facts of the enabled extensions and connected MCP servers; keeps the facts for the gate. */
  private async refreshDynamic(): Promise<{ tools: DynamicToolView[]; facts: DynamicFacts }> {
    const [facts, tools] = await Promise.all([this.extensions.facts(), this.extensions.tools()]);
    this.#dynamicFacts = { ...facts, ...this.connectors.facts() };
    return { tools: [...tools, ...this.connectors.tools()], facts: this.#dynamicFacts };
  }

  /** A session's extension or MCP tool call, after the gate let it run (beforeToolCall → gateBefore). */
  async runDynamicTool(session: string, name: string, input: unknown): Promise<unknown> {
    if (name.startsWith(MCP_TOOL_PREFIX)) return this.connectors.call(name, input);
    return this.extensions.run(session, name, input);
  }

  /** Settings → Extensions: every extension with its files, permissions and state. */
  @callable()
  listExtensions(): Promise<ExtensionView[]> {
    return this.extensions.views();
  }

  /** Only the owner, in the web app, after reviewing exactly these files (their digest). No tool or command reaches this. */
  @callable()
  async enableExtension(name: string, digest: string): Promise<ExtensionView[]> {
    await this.extensions.enable(name, digest);
    this.bumpWorkspaceVersion();
    return this.extensions.views();
  }

  @callable()
  async disableExtension(name: string): Promise<ExtensionView[]> {
    await this.extensions.disable(name);
    this.bumpWorkspaceVersion();
    return this.extensions.views();
  }

  /** Settings → Connections. */
  @callable()
  listConnections(): ConnectionView[] {
    return this.connectors.views();
  }

  /** The owner adds a remote MCP server; OAuth, when the server asks for it, comes back to /api/mcp/callback. */
  @callable()
  async addConnection(name: string, url: string): Promise<ConnectionView> {
    return this.connectors.add(name, url);
  }

  @callable()
  async removeConnection(id: string): Promise<ConnectionView[]> {
    await this.connectors.remove(id);
    this.gate.trustTarget(serverTarget(id), false);
    return this.connectors.views();
  }

  /** Calls to this server run without asking in web sessions (email, schedules and MCP clients still ask). */
  @callable()
  setConnectionTrusted(id: string, trusted: boolean): ConnectionView[] {
    if (!this.mcp.listServers().some((s) => s.id === id)) throw new Error(`no connection named ${JSON.stringify(id)}`);
    this.gate.trustTarget(serverTarget(id), trusted);
    return this.connectors.views();
  }

  // RPC from an extension's own Worker (src/extensions/workspace-host.ts, egress.ts); never callable from a browser.

  async extensionReadFile(path: string): Promise<WorkspaceAnswer<string | null>> {
    try {
      return { ok: true, value: await this.workspace.fs.readFile(path, "utf8") };
    } catch {
      return { ok: true, value: null };
    }
  }

  async extensionWriteFile(path: string, content: string): Promise<WorkspaceAnswer<null>> {
    try {
      await this.workspace.fs.mkdir(path.slice(0, path.lastIndexOf("/")) || "/workspace", { recursive: true });
      await this.workspace.fs.writeFile(path, content);
      return { ok: true, value: null };
    } catch (error) {
      return { ok: false, error: `could not write ${path}: ${errorText(error)}` };
    }
  }

  async extensionListFiles(path: string): Promise<WorkspaceAnswer<Array<{ name: string; type: "file" | "dir"; size: number }>>> {
    try {
      const entries = await this.workspace.fs.readdir(path);
      return { ok: true, value: entries.map((e) => ({ name: e.name, type: e.isDirectory ? "dir" : "file", size: e.size })) };
    } catch (error) {
      return { ok: false, error: `could not list ${path}: ${errorText(error)}` };
    }
  }

  // ── Steward as an MCP server (src/mcp): the Worker calls this for the verified owner's /mcp ask_agent ──

  mcpAsk(text: string, session: string | null): Promise<McpAskOutcome> {
    return mcpAsk(
      {
        createChannelSession: (title, channel) => this.createChannelSession(title, channel),
        session: (id) => (this.dynamicAgents.has(Conversation.name, id) ? this.sessions.get(id) : undefined),
        runTurn: async (id, input) => (await this.dynamicAgents.get(Conversation, id)).runEmailTurn(input)
      },
      text,
      session
    );
  }

  /** An extension's request to an undeclared host was refused: one audit row in the owner's log. */
  async extensionEgressRefused(refusal: { session: string; tool: string; url: string; reason: string }): Promise<void> {
    this.gate.record({
      session: refusal.session,
      turn: "",
      tier: 3,
      tool: refusal.tool,
      inputDigest: await digestInput({ url: refusal.url }),
      outcome: "blocked",
      durationMs: 0,
      bytesOut: 0,
      approved: null,
      detail: `network request refused: ${refusal.reason}`
    });
  }
}

// Every @callable's arguments are checked before it runs (src/assistant/callable-schemas.ts).
guardCallables(Assistant, CALLABLE_SCHEMAS);

/** The web app's route to a chat (a push notification's click opens it). */
function chatUrl(session: string): string {
  return `/#/chat/${encodeURIComponent(session)}`;
}

/** Sub-agents are per session: `researcher:<session id>`. */
function subagentId(agent: string, sessionId: string): string {
  return `${agent}:${sessionId}`;
}
