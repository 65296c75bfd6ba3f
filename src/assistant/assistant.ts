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

export type { AssistantState } from "../shared/views";

/** The fiber each scheduled-task run executes in (recovered by onFiberRecovered). */
const TASK_RUN_FIBER = "steward-task-run";


/** What a session learns at the start of each turn (one RPC). */
export interface TurnContextView {
  permissions: Record<Tier, Permission>;
  skills: { version: number; listing: SkillListing } | null;
  /** Over a turn or token limit: the message the user reads instead of a model answer. */
  limited: string | null;
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
  readonly browser = this.env.BROWSER
    ? new Browser({ provider: browserRun(this.env.BROWSER, { keepAliveMs: BROWSER_KEEP_ALIVE_MS }) })
    : undefined;
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
      changed: () => this.bumpWorkspaceVersion()
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
    this.refreshState();
    this.taskService.resumeOrphans();
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
  override async onBeforeSubAgent(
    _request: Request,
    child: { className: string; name: string }
  ): Promise<Request | Response | void> {
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
    const summary = this.sessions.add(id, title, "web");
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
    this.refreshState();
  }

  @callable()
  listSessions(): SessionSummary[] {
    return this.sessions.list(this.knownSessionIds());
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

  // ── RPC for this user's own facets (not callable from a browser) ──

  /**
   * A session's one call at the start of a turn: the tier permissions, and
   * the user's skills index when it changed since the version the session
   * holds (src/skills/user-skills.ts).
   */
  async turnContext(skillsVersion: number | null, kind: TurnKind | null): Promise<TurnContextView> {
    const version = this.state.workspaceVersion ?? 0;
    const skills = version === skillsVersion ? null : { version, listing: await this.userSkills.listing(version) };
    return { permissions: this.gate.permissions(), skills, limited: kind ? this.usage.admit(limitsFrom(this.env), kind) : null };
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

  gateAsk(session: string, caller: Offeree, call: GateCall): Promise<boolean> {
    return this.gate.ask(session, caller, call);
  }

  gateBefore(session: string, caller: Offeree, call: GateCall): Promise<GateAnswer> {
    return this.gate.before(session, caller, call);
  }

  gateAfter(entry: AuditEntry, input?: unknown): void {
    this.gate.after(entry, input);
    if (entry.call) this.journal.markAudited(entry.session, entry.call);
  }

  tiersText(): string {
    return this.gate.tiersText();
  }

  auditText(limit: number): string {
    return formatAudit(this.gate.audit.recent(limit));
  }

  // Spend and abuse limits (src/limits/usage.ts): counted here, once per user.

  #usage?: UsageMeter;
  private get usage(): UsageMeter {
    this.#usage ??= new UsageMeter(this.ctx.storage.sql, () => clock.now());
    return this.#usage;
  }

  /** After a model call in one of this user's conversations or sub-agents. */
  recordModelTokens(tokens: number): void {
    this.usage.addTokens(tokens);
  }

  usageView(): UsageView {
    return this.usage.view(limitsFrom(this.env));
  }

  /** After each turn: the session moves to the top of the list with its new preview (no full re-listing). */
  recordTurn(sessionId: string, preview: string): void {
    if (!this.dynamicAgents.has(Conversation.name, sessionId)) return;
    this.sessions.touch(sessionId, preview);
    const touched = this.sessions.get(sessionId);
    if (!touched) return;
    const rest = (this.state.sessions ?? []).filter((s) => s.id !== sessionId);
    this.setState({ ...this.state, sessions: [touched, ...rest] });
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
        exists: (path) => this.workspace.fs.stat(path).then(() => true, () => false)
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

  /** A tier 4 command as a durable job (src/ladder/jobs.ts); the key comes from the conversation. */
  runShell(key: string, command: string, timeoutMs: number): Promise<ShellOutput> {
    return runShellJob(this.shellHost(), this.jobs, key, command, timeoutMs);
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
  async emailTurnSettled(turnId: string, outcome: EmailTurnOutcome): Promise<void> {
    await this.inbox.settle(turnId, outcome);
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
          await this.taskService.execute(runId);
        }).catch((error: unknown) => console.error(`scheduled run ${runId} failed to start`, error));
      },
      emailSender: () => this.taskEmailSender(),
      changed: () => this.setState({ ...this.state, notifications: this.taskService.notifications() })
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
}

// Every @callable's arguments are checked before it runs (src/assistant/callable-schemas.ts).
guardCallables(Assistant, CALLABLE_SCHEMAS);

/** Sub-agents are per session: `researcher:<session id>`. */
function subagentId(agent: string, sessionId: string): string {
  return `${agent}:${sessionId}`;
}
