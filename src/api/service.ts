import type { UIMessage } from "ai";
import { ApiTaskStore } from "./store";
import type { ApiTaskRow } from "./store";
import { isOpen, MAX_OPEN_API_TASKS } from "./types";
import type { ApiEvent, ApiEventType, ApiProblem, ApiTaskInput, ApiTaskStatus, ApiTaskView, PendingApproval, SubmitResult, TaskResult } from "./types";
import { sseComment, sseFrame } from "./sse";
import { errorText } from "../shared/error-text";
import { messageText } from "../shared/message-text";
import type { Channel } from "../shared/channel";

/** Longest an API task's turn may run (like a scheduled run) before it counts as failed. */
export const API_RUN_TIMEOUT_MS = 10 * 60_000;
/** A comment line this often keeps proxies from closing a quiet event stream. */
const KEEP_ALIVE_MS = 15_000;

/** The subset of a Conversation facet a task uses (reached over RPC). */
export interface ApiConversation {
  submitMessages(messages: UIMessage[], options: { idempotencyKey: string; metadata?: Record<string, unknown> }): Promise<{ submissionId: string }>;
  waitForSubmission(id: string, options: { timeoutMs: number }): Promise<{ status: string; error?: string } | null>;
  cancelSubmission(id: string, reason?: unknown): Promise<{ outcome: string }>;
  getMessages(): Promise<unknown>;
  deleteSubmission(id: string): Promise<boolean>;
}

/** What the service needs from the Assistant that hosts it. */
export interface ApiTaskHost {
  sql: SqlStorage;
  now(): number;
  createSession(title: string): Promise<string>;
  /** The channel of an existing session of this user, or null. */
  sessionChannel(id: string): Channel | null;
  conversation(session: string): Promise<ApiConversation>;
  /** Runs `run(taskId)` inside a durable fiber. */
  startRun(taskId: string): void;
  /** One operator log line per finished task (src/ops/log.ts). */
  finished(task: ApiTaskRow): void;
}

type Listener = (event: ApiEvent) => void;

/**
 * Tasks submitted over HTTP by the owner's programs: each is a turn in an
 * "api" session, run through the same gate as every other turn (effects
 * that act outside wait for the owner in the web app). The task row is the
 * source of truth; the turn is a Think submission keyed by the task id, so a
 * restart resumes waiting and never submits it twice.
 */
export class ApiTaskService {
  readonly store: ApiTaskStore;
  readonly #listeners = new Map<string, Set<Listener>>();
  readonly #active = new Set<string>();
  /** Sessions being created for new tasks, so a repeat of the same key answers with the session. */
  readonly #creating = new Map<string, Promise<void>>();

  constructor(private readonly host: ApiTaskHost) {
    this.store = new ApiTaskStore(host.sql);
  }

  // ── requests from the Worker ──

  async submit(input: ApiTaskInput, requestDigest: string): Promise<SubmitResult> {
    // Everything up to the insert is synchronous: two requests with the same
    // key cannot both pass the lookup (a Durable Object runs one at a time
    // between awaits), so the key makes one task, ever.
    if (input.idempotencyKey) {
      const existing = this.store.byKey(input.idempotencyKey);
      if (existing) {
        if (existing.requestDigest !== requestDigest) {
          return problem(409, "this idempotencyKey was already used for a different request", "idempotencyKey");
        }
        // Its session may still be being created by the first request: answer with the finished row.
        await this.#creating.get(existing.id);
        return { task: this.view(this.store.get(existing.id) ?? existing), created: false };
      }
    }
    if (input.session !== undefined) {
      const channel = this.host.sessionChannel(input.session);
      if (channel === null) return problem(404, `no session with id ${JSON.stringify(input.session)}`, "session");
      if (channel !== "api") return problem(400, 'session must be one the task API created (an "api" session)', "session");
    }
    if (this.store.countOpen() >= MAX_OPEN_API_TASKS) {
      return problem(429, `you already have ${MAX_OPEN_API_TASKS} open tasks (the limit); wait for one to finish or cancel one`);
    }
    const now = this.host.now();
    const row: ApiTaskRow = {
      id: newTaskId(),
      session: input.session ?? "",
      idempotencyKey: input.idempotencyKey ?? null,
      requestDigest,
      prompt: input.prompt,
      status: "queued",
      submissionId: null,
      answer: null,
      error: null,
      createdAt: now,
      updatedAt: now,
      finishedAt: null
    };
    this.store.insert(row);
    this.emit(row.id, "status", { status: "queued" });
    if (!row.session) {
      const creating = this.host.createSession(`API: ${titleOf(input.prompt)}`).then((session) => {
        row.session = session;
        this.store.setSession(row.id, session, this.host.now());
      });
      this.#creating.set(
        row.id,
        creating.catch(() => {})
      );
      try {
        await creating;
      } catch (error) {
        this.finishTask(row.id, "failed", { error: `could not create the task's session: ${errorText(error)}` });
        return { task: this.view(this.store.get(row.id) ?? row), created: true };
      } finally {
        this.#creating.delete(row.id);
      }
    }
    this.host.startRun(row.id);
    this.store.prune();
    return { task: this.view(this.store.get(row.id) ?? row), created: true };
  }

  get(id: string): TaskResult {
    const row = this.store.get(id);
    return row ? { task: this.view(row) } : problem(404, `no task with id ${JSON.stringify(id)}`);
  }

  /** Resolves when the task finishes or waits for an approval, or after `ms`; then its state. */
  async wait(id: string, ms: number): Promise<TaskResult> {
    const row = this.store.get(id);
    if (!row) return problem(404, `no task with id ${JSON.stringify(id)}`);
    if (settledForNow(row.status) || ms <= 0) return { task: this.view(row) };
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      const listener: Listener = (event) => {
        if (event.type === "done" || event.type === "approval") done();
      };
      function done() {
        clearTimeout(timer);
        unsubscribe();
        resolve();
      }
      const unsubscribe = this.subscribe(id, listener);
    });
    return this.get(id);
  }

  /**
   * The task's events after `after` as Server-Sent Events: the stored ones,
   * then live ones until "done". A dropped client reconnects with the last id
   * it saw and gets exactly what followed.
   */
  follow(id: string, after: number): ReadableStream<Uint8Array> | ApiProblem {
    if (!this.store.get(id)) return problem(404, `no task with id ${JSON.stringify(id)}`);
    const encoder = new TextEncoder();
    let cleanup = () => {};
    return new ReadableStream<Uint8Array>({
      start: (controller) => {
        let last = after;
        let closed = false;
        const send = (event: ApiEvent) => {
          if (closed || event.id <= last) return;
          last = event.id;
          controller.enqueue(encoder.encode(sseFrame(event)));
          if (event.type === "done") close();
        };
        const keepAlive = setInterval(() => {
          if (!closed) controller.enqueue(encoder.encode(sseComment("keep-alive")));
        }, KEEP_ALIVE_MS);
        const close = () => {
          if (closed) return;
          closed = true;
          cleanup();
          controller.close();
        };
        // Subscribe first, then replay: an event written in between is sent once (ids only grow).
        const unsubscribe = this.subscribe(id, send);
        cleanup = () => {
          clearInterval(keepAlive);
          unsubscribe();
        };
        for (;;) {
          const stored = this.store.events(id, last);
          for (const event of stored) send(event);
          if (closed || stored.length === 0) break;
        }
        // Resumed after the end of a finished task: nothing more will come.
        const task = this.store.get(id);
        if (!closed && task && !isOpen(task.status)) close();
      },
      cancel: () => cleanup()
    });
  }

  async cancel(id: string): Promise<TaskResult> {
    const row = this.store.get(id);
    if (!row) return problem(404, `no task with id ${JSON.stringify(id)}`);
    if (!isOpen(row.status)) return problem(409, `task ${id} has already ${row.status === "cancelled" ? "been cancelled" : "finished"} (${row.status})`);
    // Marked first: the run's own settling then sees a cancelled task and leaves it so.
    this.finishTask(id, "cancelled", { error: "cancelled by the owner" });
    if (row.submissionId && row.session) {
      try {
        await (await this.host.conversation(row.session)).cancelSubmission(row.submissionId, "cancelled through the task API");
      } catch (error) {
        console.warn(`[steward] could not cancel the turn of API task ${id}: ${errorText(error)}`);
      }
    }
    return this.get(id);
  }

  // ── the run ──

  /** After a restart: every open task waits for its turn again (submitting it again is a no-op: the key is the task's). */
  resume(): void {
    for (const row of this.store.open()) if (!this.#active.has(row.id) && row.session) this.host.startRun(row.id);
  }

  /** One task's turn, inside a fiber: submit (keyed by the task), wait, settle. */
  async run(id: string): Promise<void> {
    if (this.#active.has(id)) return;
    this.#active.add(id);
    try {
      const row = this.store.get(id);
      if (!row || !row.session || (row.status !== "queued" && row.status !== "running")) return;
      const conversation = await this.host.conversation(row.session);
      const submission = await conversation.submitMessages([taskMessage(row)], {
        idempotencyKey: `api:${row.id}`,
        metadata: { source: "steward-api", taskId: row.id }
      });
      this.store.setSubmission(id, submission.submissionId, this.host.now());
      // Cancelled while it was being submitted: stop the turn now.
      if (this.store.get(id)?.status === "cancelled") {
        await conversation.cancelSubmission(submission.submissionId, "cancelled through the task API");
        return;
      }
      const settled = await conversation.waitForSubmission(submission.submissionId, { timeoutMs: API_RUN_TIMEOUT_MS });
      if (!settled) return this.finishTask(id, "failed", { error: "the task's turn disappeared" });
      if (settled.status === "pending" || settled.status === "running") {
        return this.finishTask(id, "failed", { error: `the turn took longer than ${API_RUN_TIMEOUT_MS / 60_000} minutes` });
      }
      if (settled.status === "aborted") return this.finishTask(id, "cancelled", { error: "the turn was cancelled" });
      if (settled.status !== "completed") return this.finishTask(id, "failed", { error: settled.error ?? `the turn ended as ${settled.status}` });
      await this.settle(id, (await conversation.getMessages()) as UIMessage[]);
    } catch (error) {
      this.finishTask(id, "failed", { error: errorText(error) });
    } finally {
      this.#active.delete(id);
    }
  }

  /** A turn in an API session ended (also one continued after the owner answered an approval). */
  async turnEnded(session: string): Promise<void> {
    // A task whose own run is still waiting settles there; these are the ones an approval continued.
    const waiting = [...this.store.inSession(session, "waiting_approval"), ...this.store.inSession(session, "running")].filter(
      (row) => !this.#active.has(row.id)
    );
    if (waiting.length === 0) return;
    const messages = (await (await this.host.conversation(session)).getMessages()) as UIMessage[];
    for (const row of waiting) await this.settle(row.id, messages);
  }

  /** Progress from the task's turn, relayed by its Conversation (src/api/relay.ts). */
  progress(taskId: string, type: "text" | "tool-call" | "tool-result", data: Record<string, unknown>): void {
    const row = this.store.get(taskId);
    if (!row || !isOpen(row.status)) return;
    if (row.status === "queued" || row.status === "waiting_approval") {
      this.store.setStatus(taskId, "running", this.host.now());
      this.emit(taskId, "status", { status: "running" });
    }
    this.emit(taskId, type, data);
  }

  /** The task's outcome from the session's messages: its answer, or the approvals it waits for. */
  private async settle(id: string, messages: UIMessage[]): Promise<void> {
    const row = this.store.get(id);
    if (!row || !isOpen(row.status)) return;
    const reply = replyTo(messages, row.id);
    const pending = pendingApprovals(reply);
    if (pending.length > 0) {
      if (row.status !== "waiting_approval") {
        this.store.setStatus(id, "waiting_approval", this.host.now());
        this.emit(id, "approval", { status: "waiting_approval", pendingApprovals: pending });
      }
      return;
    }
    this.finishTask(id, "done", {
      answer: reply
        .map((m) => messageText(m.parts))
        .join("\n\n")
        .trim()
    });
    if (row.submissionId) await this.forgetSubmission(row);
  }

  private finishTask(id: string, status: ApiTaskStatus, fields: { answer?: string; error?: string }): void {
    const row = this.store.get(id);
    if (!row || !isOpen(row.status)) return;
    this.store.finish(id, status, fields, this.host.now());
    this.emit(id, "done", { status, ...(fields.answer !== undefined && { answer: fields.answer }), ...(fields.error && { error: fields.error }) });
    const finished = this.store.get(id);
    if (finished) this.host.finished(finished);
  }

  /** Think keeps a row per submission; once the task has its outcome the key is no longer needed. */
  private async forgetSubmission(row: ApiTaskRow): Promise<void> {
    try {
      await (await this.host.conversation(row.session)).deleteSubmission(row.submissionId!);
    } catch (error) {
      console.warn(`[steward] could not prune submission of API task ${row.id}: ${errorText(error)}`);
    }
  }

  // ── events ──

  private emit(taskId: string, type: ApiEventType, data: Record<string, unknown>): void {
    const event = this.store.appendEvent(taskId, type, data, this.host.now());
    if (!event) return;
    for (const listener of this.#listeners.get(taskId) ?? []) listener(event);
  }

  private subscribe(taskId: string, listener: Listener): () => void {
    let set = this.#listeners.get(taskId);
    if (!set) this.#listeners.set(taskId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.#listeners.delete(taskId);
    };
  }

  view(row: ApiTaskRow): ApiTaskView {
    const approvals = row.status === "waiting_approval" ? this.lastApprovals(row.id) : [];
    return {
      id: row.id,
      session: row.session,
      status: row.status,
      answer: row.answer,
      error: row.error,
      pendingApprovals: approvals,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
      finishedAt: row.finishedAt
    };
  }

  /** The approvals named by the task's latest "approval" event (what it waits for now). */
  private lastApprovals(taskId: string): PendingApproval[] {
    let found: PendingApproval[] = [];
    for (let after = 0; ; ) {
      const page = this.store.events(taskId, after);
      if (page.length === 0) return found;
      for (const event of page) if (event.type === "approval") found = (event.data.pendingApprovals as PendingApproval[]) ?? [];
      after = page.at(-1)!.id;
    }
  }
}

/** The user message that opens a task's turn; its id ties the turn (and its progress) to the task. */
export function taskMessage(row: Pick<ApiTaskRow, "id" | "prompt">): UIMessage {
  return { id: taskMessageId(row.id), role: "user", parts: [{ type: "text", text: row.prompt }] };
}

export function taskMessageId(taskId: string): string {
  return `api:${taskId}`;
}

/** The task id of a turn opened by `taskMessage`, from the turn's user message id. */
export function taskIdOf(messageId: string | undefined): string | null {
  return messageId?.startsWith("api:") ? messageId.slice(4) : null;
}

/** The assistant messages that answer the task's user message (up to the next user message). */
function replyTo(messages: UIMessage[], taskId: string): UIMessage[] {
  const start = messages.findIndex((m) => m.id === taskMessageId(taskId));
  if (start < 0) return [];
  const out: UIMessage[] = [];
  for (const message of messages.slice(start + 1)) {
    if (message.role === "user") break;
    if (message.role === "assistant") out.push(message);
  }
  return out;
}

type ToolLikePart = { type: string; state?: string; toolCallId?: string; toolName?: string; input?: unknown };

function pendingApprovals(reply: UIMessage[]): PendingApproval[] {
  const out: PendingApproval[] = [];
  for (const part of reply.flatMap((m) => m.parts) as ToolLikePart[]) {
    if (part.state !== "approval-requested" || !part.toolCallId) continue;
    const tool = part.type === "dynamic-tool" ? (part.toolName ?? "") : part.type.replace(/^tool-/, "");
    out.push({ toolCallId: part.toolCallId, tool, input: part.input });
  }
  return out;
}

function settledForNow(status: ApiTaskStatus): boolean {
  return status === "waiting_approval" || !isOpen(status);
}

function problem(status: 400 | 404 | 409 | 429, error: string, field?: string): { problem: { status: 400 | 404 | 409 | 429; error: string; field?: string } } {
  return { problem: { status, error, ...(field && { field }) } };
}

function titleOf(prompt: string): string {
  const line = prompt.trim().split("\n")[0]!.trim();
  return line.length > 60 ? `${line.slice(0, 59)}…` : line || "task";
}

function newTaskId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `at_${[...bytes].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}
