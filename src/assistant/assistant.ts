import { Agent, callable } from "agents";
import type { Connection, WSMessage } from "agents";
import { Workspace } from "@cloudflare/computer";
import { AuditLog, formatAudit } from "../ladder/audit";
import type { AuditEntry, AuditRow } from "../ladder/audit";
import { TierPolicy, formatTiers } from "../ladder/policy";
import { isolateBackend } from "../ladder/isolate";
import type { Permission, Tier } from "../ladder/tiers";
import { modelStatus } from "../model";
import type { ModelStatus } from "../model";
import { SUBAGENTS } from "../subagents/registry";
import type { SubagentName } from "../subagents/registry";
import { Conversation } from "./conversation";
import { SessionCatalog } from "./sessions";
import type { SessionSummary } from "./sessions";
import { SettingsStore } from "./settings";
import type { UserSettings } from "./settings";
import type { FiberRecoveryContext } from "agents";
import { clock } from "../schedules/clock";
import type { EmailSender } from "../schedules/delivery";
import { TaskService } from "../schedules/service";
import type { NotificationView, RunView, TaskConversation, TaskInput, TaskView } from "../schedules/service";
import type { TaskAction } from "../schedules/tools";

/** The fiber each scheduled-task run executes in (recovered by onFiberRecovered). */
const TASK_RUN_FIBER = "steward-task-run";

export const USER_SKILLS_ROOT = "/workspace/.agents/skills";

export interface AssistantState {
  sessions: SessionSummary[];
  /** Unread results of scheduled tasks, newest first (src/schedules). */
  notifications: NotificationView[];
}

/**
 * One per user, named by the Worker from a verified identity. It owns what a
 * user's conversations share: the workspace, the audit log, tier permissions
 * and the session list. Each conversation is a `Conversation` facet with its
 * own SQLite; sub-agents are facets too.
 */
export class Assistant extends Agent<Env, AssistantState> {
  // The client learns its own agent's name (the user's id); it never chooses it.
  static override options = { sendIdentityOnConnect: true };

  override initialState: AssistantState = { sessions: [], notifications: [] };

  readonly workspace = new Workspace({
    storage: this.ctx.storage,
    backends: [isolateBackend(this.env.LOADER)]
  });

  #audit?: AuditLog;
  #policy?: TierPolicy;
  #sessions?: SessionCatalog;
  #settings?: SettingsStore;

  private get audit(): AuditLog {
    this.#audit ??= new AuditLog(this.ctx.storage.sql, this.name);
    return this.#audit;
  }
  private get policy(): TierPolicy {
    this.#policy ??= new TierPolicy(this.ctx.storage.sql);
    return this.#policy;
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
    // Where users keep their own skills; existing, it also keeps the skills
    // listing from logging a missing-path error on every turn.
    await this.workspace.fs.mkdir(USER_SKILLS_ROOT, { recursive: true });
    this.refreshState();
    this.taskService.resumeOrphans();
  }

  /** The session list is derived from storage; a browser may read it, never write it. */
  override validateStateChange(_next: AssistantState, source: Connection | "server"): void {
    if (source !== "server") throw new Error("state is read-only; use the session methods");
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
  getAudit(limit = 50): AuditRow[] {
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new Error("limit must be a whole number from 1 to 500");
    return this.audit.recent(limit);
  }

  @callable()
  getTiers(): Record<Tier, Permission> {
    return this.policy.all();
  }

  /** Per-tier permission: allow, ask (each call waits for approval) or deny. */
  @callable()
  setTierPermission(tier: number, permission: string): Record<Tier, Permission> {
    this.policy.set(tier, permission);
    return this.policy.all();
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

  recordAudit(entry: AuditEntry): void {
    this.audit.record(entry);
  }

  tiersText(): string {
    return formatTiers(this.policy.all());
  }

  auditText(limit: number): string {
    return formatAudit(this.audit.recent(limit));
  }

  recordTurn(sessionId: string, preview: string): void {
    if (!this.dynamicAgents.has(Conversation.name, sessionId)) return;
    this.sessions.touch(sessionId, preview);
    this.refreshState();
  }

  /** Runs a sub-task on a named sub-agent; its storage stays its own. */
  async delegate(agent: SubagentName, task: string, sessionId: string): Promise<string> {
    const spec = SUBAGENTS[agent];
    if (!spec) throw new Error(`unknown sub-agent "${String(agent)}"; known: ${Object.keys(SUBAGENTS).join(", ")}`);
    const child = await this.dynamicAgents.get(spec.cls, subagentId(agent, sessionId));
    return child.runTask(task);
  }

  private requireSession(id: string): void {
    if (typeof id !== "string" || !this.dynamicAgents.has(Conversation.name, id)) {
      throw new Error(`no session with id ${JSON.stringify(id)}`);
    }
  }

  private knownSessionIds(): Set<string> {
    return new Set(this.dynamicAgents.list(Conversation.name).map((e) => e.name));
  }

  private refreshState(): void {
    this.setState({
      ...this.state,
      sessions: this.sessions.list(this.knownSessionIds()),
      notifications: this.taskService.notifications()
    });
  }

  // ── Scheduled tasks (src/schedules) ───────────────────────────────

  #tasks?: TaskService;
  #wakeChain: Promise<void> = Promise.resolve();

  private get taskService(): TaskService {
    this.#tasks ??= new TaskService({
      sql: this.ctx.storage.sql,
      now: () => clock.now(),
      zone: () => this.settings.all().timeZone,
      transact: (fn) => this.ctx.storage.transactionSync(fn),
      armWake: (next) => this.armTaskWake(next),
      createTaskSession: async (title) => {
        const id = crypto.randomUUID();
        await this.dynamicAgents.get(Conversation, id);
        this.sessions.add(id, this.sessions.validTitle(title.slice(0, 120)), "schedule");
        this.refreshState();
        return id;
      },
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

  /** Email delivery for task results; none until the email channel is wired (results then go to web, with a note). */
  protected taskEmailSender(): EmailSender | null {
    return null;
  }

  /**
   * At most one wake-up row, at the next due occurrence or retry; none when
   * nothing is due. Serialized so concurrent changes cannot leave two.
   */
  private armTaskWake(next: () => number | null): Promise<void> {
    this.#wakeChain = this.#wakeChain.then(async () => {
      const at = next();
      const want = at === null ? null : Math.floor(at / 1000);
      let kept = false;
      for (const row of await this.listSchedules()) {
        if (row.callback !== "onTaskWake") continue;
        if (!kept && row.time === want && row.time * 1000 > Date.now()) {
          kept = true;
          continue;
        }
        await this.cancelSchedule(row.id);
      }
      if (at !== null && !kept) await this.schedule(new Date(Math.max(at, Date.now())), "onTaskWake");
    }).catch((error: unknown) => console.error("could not arm the task wake-up", error));
    return this.#wakeChain;
  }

  /** The one schedule callback: claims due occurrences and starts them. */
  async onTaskWake(): Promise<void> {
    await this.taskService.wake();
  }

  override async onFiberRecovered(ctx: FiberRecoveryContext): Promise<void> {
    if (ctx.name !== TASK_RUN_FIBER) return super.onFiberRecovered(ctx) as Promise<void>;
    const runId = (ctx.snapshot as { runId?: unknown } | null)?.runId;
    // Starting it again is safe: the turn is keyed by occurrence and attempt, so Think does not repeat it.
    if (typeof runId === "string") this.taskService.resumeOrphans();
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
    if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw new Error("limit must be a whole number from 1 to 200");
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

/** Sub-agents are per session: `researcher:<session id>`. */
function subagentId(agent: string, sessionId: string): string {
  return `${agent}:${sessionId}`;
}
