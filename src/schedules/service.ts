import type { UIMessage } from "ai";
import { isNothingToReport, NOTHING_TO_REPORT, planDelivery } from "./delivery";
import type { EmailSender } from "./delivery";
import { resolveWhen } from "./parse";
import { describeSpec, isWallClock, nextAfter, validSpec } from "./spec";
import type { ScheduleSpec } from "./spec";
import { TaskStore } from "./store";
import type { Destination, NotificationRow, RunRow, TaskRow } from "./store";
import { formatLocal } from "./zone";
import { isLate, runHeadline, runMessage } from "./run-text";
import { errorText } from "../shared/error-text";
import { messageText } from "../shared/message-text";
import type { NotificationView, RunView, TaskInput, TaskView } from "../shared/views";

export type { NotificationView, RunView, TaskInput, TaskView } from "../shared/views";

export const MAX_OPEN_TASKS = 50;
export const MAX_PROMPT = 4000;
export const MAX_TITLE = 120;
export const MAX_ATTEMPTS = 3;
/** Delay before attempt 2, 3, … of a failed run. */
export const RETRY_DELAYS_MS = [60_000, 5 * 60_000];
/** Longest a run's turn may take before it counts as failed (unless it waits for the owner's approval). */
export const RUN_TIMEOUT_MS = 10 * 60_000;
/** The wait per check; tests shorten it to reach "still waiting after the time-out" quickly. */
export const runWait = { timeoutMs: RUN_TIMEOUT_MS };
/**
 * A running run also keeps a wake-up, a little after its time-out: if its
 * process died before its fiber was recorded, that wake-up finds and restarts
 * it. Nothing running, no such wake-up.
 */
export const WATCHDOG_MS = RUN_TIMEOUT_MS + 60_000;
const KEEP_RUNS = 20;
const KEEP_DONE_TASKS = 20;
/** Alarms are armed in whole seconds; anything due within this counts as due. */
const DUE_SLACK_MS = 1_000;

export type TaskPatch = Partial<TaskInput>;

/** The subset of a Conversation facet a run uses (reached over RPC). */
export interface TaskConversation {
  submitMessages(messages: UIMessage[], options: { idempotencyKey: string; metadata?: Record<string, unknown> }): Promise<{ submissionId: string }>;
  waitForSubmission(id: string, options: { timeoutMs: number }): Promise<{ status: string; error?: string; messageId?: string } | null>;
  getMessages(): Promise<unknown>;
  /** Think: true once no turn runs and nothing waits (an approval counts as waiting); false at the time-out. */
  waitUntilStable(options: { timeout: number }): Promise<boolean>;
  deleteSubmission(id: string): Promise<boolean>;
}

/** What the service needs from the Assistant that hosts it. */
export interface TaskHost {
  sql: SqlStorage;
  now(): number;
  zone(): string;
  transact<T>(fn: () => T): T;
  /** Keep exactly one wake-up, at the time `next()` gives when it runs, or none. */
  armWake(next: () => number | null): Promise<void>;
  createTaskSession(title: string): Promise<string>;
  sessionExists(id: string): boolean;
  conversation(sessionId: string): Promise<TaskConversation>;
  /** Runs `execute(runId)` inside a durable fiber. */
  startRun(runId: string): void;
  emailSender(): EmailSender | null;
  changed(): void;
}

/**
 * Scheduled tasks for one user: validation, the single wake-up alarm, claiming
 * occurrences exactly once, running each as a turn in the task's own session,
 * retries and delivery.
 */
export class TaskService {
  readonly store: TaskStore;
  readonly #active = new Set<string>();

  constructor(private readonly host: TaskHost) {
    this.store = new TaskStore(host.sql);
  }

  // ── managing ──

  async create(input: unknown, createdBy: string): Promise<TaskView> {
    const now = this.host.now();
    const zone = this.host.zone();
    const fields = this.validInput(input, now, zone, true) as Required<Omit<TaskInput, "when">> & { spec: ScheduleSpec };
    if (this.store.countOpen() >= MAX_OPEN_TASKS) {
      throw new Error(`you already have ${MAX_OPEN_TASKS} scheduled tasks (the limit); delete or finish one first`);
    }
    const anchor = ceilSecond(now);
    const task: TaskRow = {
      id: newTaskId(),
      title: fields.title,
      prompt: fields.prompt,
      spec: fields.spec,
      zone,
      deliver: fields.deliver,
      quiet: fields.quiet,
      status: "active",
      sessionId: null,
      anchor,
      nextRunAt: nextAfter(fields.spec, now, zone, anchor),
      createdAt: now,
      updatedAt: now,
      createdBy
    };
    this.store.insertTask(task);
    await this.rearm();
    return this.view(task);
  }

  async update(id: unknown, patch: unknown): Promise<TaskView> {
    const task = this.require(id);
    if (task.status === "done") throw new Error(`task ${task.id} has finished; create a new one instead`);
    const now = this.host.now();
    const fields = this.validInput(patch, now, task.zone, false);
    if (Object.keys(fields).length === 0) throw new Error("nothing to change: give when, prompt, title, deliver or quiet");
    const next: TaskRow = { ...task, ...fields, updatedAt: now };
    if (fields.spec) {
      next.zone = this.host.zone();
      next.anchor = ceilSecond(now);
      next.nextRunAt = task.status === "active" ? nextAfter(fields.spec, now, next.zone, next.anchor) : null;
    }
    return this.save(next);
  }

  async pause(id: unknown): Promise<TaskView> {
    const task = this.require(id);
    if (task.status !== "active") throw new Error(`task ${task.id} is ${task.status}, not active`);
    const next = { ...task, status: "paused" as const, nextRunAt: null, updatedAt: this.host.now() };
    return this.save(next);
  }

  /** Resuming does not replay what was skipped while paused: the next run is the next slot from now. */
  async resume(id: unknown): Promise<TaskView> {
    const task = this.require(id);
    if (task.status !== "paused") throw new Error(`task ${task.id} is ${task.status}, not paused`);
    const now = this.host.now();
    const nextRunAt = nextAfter(task.spec, now, task.zone, task.anchor);
    const next = { ...task, status: nextRunAt === null ? ("done" as const) : ("active" as const), nextRunAt, updatedAt: now };
    return this.save(next);
  }

  async remove(id: unknown): Promise<void> {
    const task = this.require(id);
    this.store.deleteTask(task.id);
    await this.rearm();
  }

  /** An extra run now, outside the schedule; the next scheduled run is unchanged. */
  async runNow(id: unknown): Promise<RunView> {
    const task = this.require(id);
    const now = this.host.now();
    const runId = `${task.id}@${now}`;
    if (
      !this.store.claimRun({ id: runId, taskId: task.id, scheduledFor: now, startedAt: now, manual: true, lateMs: 0, missed: 0, watchAt: now + WATCHDOG_MS })
    ) {
      throw new Error(`task ${task.id} was just started`);
    }
    this.host.startRun(runId);
    await this.rearm();
    return runView(this.store.run(runId)!);
  }

  list(): TaskView[] {
    return this.store.allTasks().map((t) => this.view(t));
  }

  get(id: unknown): TaskView {
    return this.view(this.require(id));
  }

  /** The owner changed time zone: wall-clock tasks follow it; fixed instants stay put. */
  async rezone(): Promise<void> {
    const zone = this.host.zone();
    const now = this.host.now();
    for (const task of this.store.allTasks()) {
      if (!isWallClock(task.spec) || task.zone === zone) continue;
      const nextRunAt = task.status === "active" ? nextAfter(task.spec, now, zone, task.anchor) : null;
      this.store.saveTask({ ...task, zone, nextRunAt, updatedAt: now });
    }
    await this.rearm();
  }

  notifications(unreadOnly = true, limit = 20): NotificationView[] {
    return this.store.notifications(unreadOnly, limit);
  }

  markRead(ids: unknown): number {
    if (ids !== "all" && !(Array.isArray(ids) && ids.every((i) => typeof i === "string"))) {
      throw new Error('give a list of notification ids, or "all"');
    }
    const n = this.store.markRead(ids as string[] | "all", this.host.now());
    this.host.changed();
    return n;
  }

  // ── running ──

  /**
   * The wake-up: claim every due occurrence (missed slots collapse into one
   * late run), advance each task past now, re-arm, then start the runs.
   */
  async wake(): Promise<void> {
    const now = this.host.now();
    const toStart = this.host.transact(() => {
      const started: string[] = [];
      for (const task of this.store.dueTasks(now + DUE_SLACK_MS)) {
        let slot = task.nextRunAt!;
        let missed = 0;
        let next = nextAfter(task.spec, slot, task.zone, task.anchor);
        while (next !== null && next <= now + DUE_SLACK_MS && missed < 10_000) {
          slot = next;
          missed++;
          next = nextAfter(task.spec, slot, task.zone, task.anchor);
        }
        if (task.spec.kind === "once") next = null;
        const runId = `${task.id}@${slot}`;
        const claimed = this.store.claimRun({
          id: runId,
          taskId: task.id,
          scheduledFor: slot,
          startedAt: now,
          manual: false,
          lateMs: Math.max(0, now - task.nextRunAt!),
          missed,
          watchAt: now + WATCHDOG_MS
        });
        this.store.saveTask({ ...task, nextRunAt: next, status: next === null ? "done" : task.status, updatedAt: now });
        if (claimed) started.push(runId);
      }
      for (const run of this.store.dueRetries(now + DUE_SLACK_MS)) {
        this.store.restartRun(run.id, run.attempt + 1, now + WATCHDOG_MS);
        started.push(run.id);
      }
      // Watchdog: a run still marked running that no fiber here is executing lost its process.
      for (const run of this.store.overdueRuns(now + DUE_SLACK_MS)) {
        this.store.watchRun(run.id, now + WATCHDOG_MS);
        if (!this.#active.has(run.id)) started.push(run.id);
      }
      this.store.pruneDone(KEEP_DONE_TASKS);
      return started;
    });
    await this.rearm();
    for (const runId of toStart) this.host.startRun(runId);
    this.host.changed();
  }

  /** After a restart: any run still marked running lost its process; start it again (its turn is keyed, so it is not repeated). */
  resumeOrphans(): void {
    for (const run of this.store.runsIn("running")) if (!this.#active.has(run.id)) this.host.startRun(run.id);
  }

  async rearm(): Promise<void> {
    await this.host.armWake(() => this.store.nextWake());
    this.host.changed();
  }

  /** One occurrence: a turn in the task's session, keyed by occurrence and attempt. */
  async execute(runId: string): Promise<void> {
    if (this.#active.has(runId)) return;
    this.#active.add(runId);
    try {
      const run = this.store.run(runId);
      if (!run || run.status !== "running") return;
      const task = this.store.task(run.taskId);
      if (!task) return this.store.finishRun(run.id, "failed", { error: "the task was deleted", at: this.host.now() });
      try {
        const reply = await this.turn(task, run);
        await this.complete(task, run, reply);
      } catch (error) {
        await this.fail(task, run, errorText(error));
      }
      await this.forgetSubmission(run.id);
      // The run's watchdog wake-up is no longer needed: back to the next due occurrence (or none).
      await this.rearm();
    } finally {
      this.#active.delete(runId);
    }
  }

  /**
   * Think keeps a ledger row per submission; once the run's outcome is stored
   * its idempotency key is no longer needed (a finished run is never submitted
   * again), so frequent tasks do not grow the ledger forever.
   */
  private async forgetSubmission(runId: string): Promise<void> {
    const run = this.store.run(runId);
    const task = run && this.store.task(run.taskId);
    if (!run?.submissionId || run.status === "running" || !task?.sessionId || !this.host.sessionExists(task.sessionId)) return;
    try {
      await (await this.host.conversation(task.sessionId)).deleteSubmission(run.submissionId);
    } catch (error) {
      console.warn(`could not prune submission ${run.submissionId} of run ${runId}`, error);
    }
  }

  private async turn(task: TaskRow, run: RunRow): Promise<string> {
    let sessionId = task.sessionId;
    if (!sessionId || !this.host.sessionExists(sessionId)) {
      sessionId = await this.host.createTaskSession(`Task: ${task.title}`);
      // Re-read: the task may have changed while the session was created.
      const current = this.store.task(task.id);
      if (current) this.store.saveTask({ ...current, sessionId });
      task.sessionId = sessionId;
    }
    const conversation = await this.host.conversation(sessionId);
    const submission = await conversation.submitMessages([runMessage(task, run)], {
      idempotencyKey: `${run.id}#${run.attempt}`,
      metadata: { source: "steward-task", taskId: task.id, runId: run.id, attempt: run.attempt }
    });
    this.store.setSubmission(run.id, submission.submissionId);
    const settled = await conversation.waitForSubmission(submission.submissionId, { timeoutMs: runWait.timeoutMs });
    if (!settled) throw new Error("the run's turn disappeared");
    if (settled.status === "pending" || settled.status === "running")
      throw new Error(`the turn took longer than ${Math.round(runWait.timeoutMs / 60_000)} minutes`);
    if (settled.status !== "completed") throw new Error(settled.error ?? `the turn ended as ${settled.status}`);
    let messages = (await conversation.getMessages()) as UIMessage[];
    // The turn paused for the owner's approval (its submission settles then): the run is not done and
    // not stuck. It keeps waiting, however long, with one reminder; the watchdog is pushed on so a
    // restart resumes the wait instead of retrying. The answer is the chat's once the continuation ends.
    let waited = false;
    while (waitsForApproval(messages)) {
      this.store.watchRun(run.id, this.host.now() + WATCHDOG_MS);
      if (!waited) this.remindApproval(task, run);
      waited = true;
      await conversation.waitUntilStable({ timeout: runWait.timeoutMs });
      messages = (await conversation.getMessages()) as UIMessage[];
    }
    if (waited) {
      if (!(await conversation.waitUntilStable({ timeout: RUN_TIMEOUT_MS })))
        throw new Error(`the approved turn took longer than ${RUN_TIMEOUT_MS / 60_000} minutes`);
      messages = (await conversation.getMessages()) as UIMessage[];
    }
    const reply =
      (!waited && settled.messageId ? messages.find((m) => m.id === settled.messageId) : undefined) ?? messages.findLast((m) => m.role === "assistant");
    return messageText(reply?.parts).trim();
  }

  private async complete(task: TaskRow, run: RunRow, reply: string): Promise<void> {
    const now = this.host.now();
    if (task.quiet && isNothingToReport(reply)) {
      this.store.finishRun(run.id, "quiet", { result: NOTHING_TO_REPORT, at: now });
    } else {
      const email = this.host.emailSender();
      const plan = planDelivery(task.deliver, email);
      const body = [runHeadline(task, run), reply || "(no reply)", plan.note].filter(Boolean).join("\n\n");
      if (plan.channel === "email" && email) {
        await email.send({ key: run.id, subject: `Steward: ${task.title}`, text: body });
      }
      this.host.transact(() => {
        this.notify(task, run, task.title, body, now);
        this.store.finishRun(run.id, "done", { result: reply.slice(0, 2000), delivered: plan.note ? "web (email not set up)" : plan.channel, at: now });
      });
    }
    this.store.pruneRuns(task.id, KEEP_RUNS);
    this.host.changed();
  }

  private async fail(task: TaskRow, run: RunRow, error: string): Promise<void> {
    const now = this.host.now();
    if (run.attempt < MAX_ATTEMPTS) {
      const delay = RETRY_DELAYS_MS[run.attempt - 1] ?? RETRY_DELAYS_MS.at(-1)!;
      this.store.finishRun(run.id, "retrying", { error, retryAt: now + delay, at: now });
      await this.rearm();
      return;
    }
    this.host.transact(() => {
      this.notify(task, run, `${task.title} failed`, `Task ${task.id} (“${task.title}”) failed after ${run.attempt} attempts: ${error}`, now);
      this.store.finishRun(run.id, "failed", { error, delivered: "web", at: now });
    });
    this.host.changed();
  }

  // ── helpers ──

  /** One unread notification per run (its id is the run's, so a run never notifies twice). */
  /** Once per run: the owner learns the task is waiting for them (a notification, and a push where enabled). */
  private remindApproval(task: TaskRow, run: RunRow): void {
    this.store.addNotification({
      id: `n-${run.id}-approval`,
      taskId: task.id,
      runId: run.id,
      sessionId: task.sessionId,
      title: `${task.title}: waiting for your approval`,
      body: `The task "${task.title}" is waiting for your approval in its chat; it keeps waiting until you answer.`,
      createdAt: this.host.now(),
      readAt: null
    });
    this.host.changed();
  }

  private notify(task: TaskRow, run: RunRow, title: string, body: string, now: number): void {
    this.store.addNotification({ id: `n-${run.id}`, taskId: task.id, runId: run.id, sessionId: task.sessionId, title, body, createdAt: now, readAt: null });
  }

  /** Stores a changed task and moves the one wake-up to match. */
  private async save(next: TaskRow): Promise<TaskView> {
    this.store.saveTask(next);
    await this.rearm();
    return this.view(next);
  }

  private require(id: unknown): TaskRow {
    const task = typeof id === "string" ? this.store.task(id.trim()) : undefined;
    if (!task) throw new Error(`no task with id ${JSON.stringify(id)}; /schedules lists them`);
    return task;
  }

  private validInput(input: unknown, now: number, zone: string, full: boolean): Partial<TaskRow> & { spec?: ScheduleSpec } {
    if (typeof input !== "object" || input === null) throw new Error("task must be an object with when and prompt");
    const i = input as Record<string, unknown>;
    const known = new Set(["when", "prompt", "title", "deliver", "quiet"]);
    for (const key of Object.keys(i)) if (!known.has(key)) throw new Error(`unknown field "${key}"; tasks have when, prompt, title, deliver, quiet`);
    const out: Partial<TaskRow> & { spec?: ScheduleSpec } = {};
    if (full || i.when !== undefined) {
      if (typeof i.when === "string") out.spec = resolveWhen(i.when, now, zone);
      else if (typeof i.when === "object" && i.when !== null) out.spec = validSpec(i.when, now);
      else throw new Error('when is required: a phrase such as "every weekday at 08:00" or a schedule object');
    }
    if (full || i.prompt !== undefined) {
      if (typeof i.prompt !== "string" || !i.prompt.trim()) throw new Error("prompt must say what to do");
      if (i.prompt.length > MAX_PROMPT) throw new Error(`prompt is ${i.prompt.length} characters; the limit is ${MAX_PROMPT}`);
      out.prompt = i.prompt.trim();
    }
    if (i.title !== undefined) {
      if (typeof i.title !== "string" || !i.title.trim()) throw new Error("title must be a non-empty string");
      if (i.title.trim().length > MAX_TITLE) throw new Error(`title must be at most ${MAX_TITLE} characters`);
      out.title = i.title.trim();
    } else if (full) {
      out.title = defaultTitle(out.prompt!);
    }
    if (i.deliver !== undefined) {
      if (i.deliver !== "web" && i.deliver !== "email") throw new Error(`deliver must be "web" or "email", not ${JSON.stringify(i.deliver)}`);
      out.deliver = i.deliver;
    } else if (full) out.deliver = "web";
    if (i.quiet !== undefined) {
      if (typeof i.quiet !== "boolean") throw new Error("quiet must be true or false");
      out.quiet = i.quiet;
    } else if (full) out.quiet = false;
    return out;
  }

  private view(task: TaskRow): TaskView {
    const history = this.store.runsOf(task.id, 10).map(runView);
    return {
      id: task.id,
      title: task.title,
      prompt: task.prompt,
      schedule: describeSpec(task.spec, task.zone),
      spec: task.spec,
      zone: task.zone,
      deliver: task.deliver,
      quiet: task.quiet,
      status: task.status,
      sessionId: task.sessionId,
      nextRunAt: task.nextRunAt,
      nextRunLocal: task.nextRunAt === null ? null : formatLocal(task.nextRunAt, task.zone),
      lastRun: history[0] ?? null,
      history
    };
  }
}

function runView(run: RunRow): RunView {
  return {
    id: run.id,
    scheduledFor: run.scheduledFor,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    status: run.status,
    attempt: run.attempt,
    manual: run.manual,
    late: isLate(run),
    missed: run.missed,
    result: run.result,
    error: run.error,
    delivered: run.delivered
  };
}

function defaultTitle(prompt: string): string {
  const line = prompt.split("\n")[0]!.trim();
  return line.length > 60 ? `${line.slice(0, 59)}…` : line;
}

function newTaskId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return `t${[...bytes].map((b) => (b % 36).toString(36)).join("")}`;
}

function ceilSecond(ms: number): number {
  return Math.ceil(ms / 1000) * 1000;
}

/** The task's chat has a call waiting for the owner (its last assistant message asks for an approval). */
function waitsForApproval(messages: UIMessage[]): boolean {
  const last = messages.findLast((m) => m.role === "assistant");
  return last?.parts.some((p) => "state" in p && p.state === "approval-requested") ?? false;
}
