import type { ScheduleSpec } from "./spec";
import type { Destination, NotificationView as NotificationRow, RunStatus, TaskStatus } from "../shared/views";

export type { Destination, RunStatus, TaskStatus } from "../shared/views";
export type { NotificationView as NotificationRow } from "../shared/views";

/**
 * Durable rows for scheduled tasks, their runs and the owner's notifications,
 * all in the Assistant's SQLite so that one synchronous block can claim an
 * occurrence, advance its task and record a delivery together.
 */
export interface TaskRow {
  id: string;
  title: string;
  prompt: string;
  spec: ScheduleSpec;
  zone: string;
  deliver: Destination;
  quiet: boolean;
  status: TaskStatus;
  sessionId: string | null;
  anchor: number;
  nextRunAt: number | null;
  createdAt: number;
  updatedAt: number;
  createdBy: string;
}

export interface RunRow {
  id: string;
  taskId: string;
  scheduledFor: number;
  startedAt: number;
  attempt: number;
  status: RunStatus;
  manual: boolean;
  lateMs: number;
  missed: number;
  retryAt: number | null;
  /** While running: when to check that the run is still alive (a watchdog wake-up). */
  watchAt: number | null;
  submissionId: string | null;
  result: string | null;
  error: string | null;
  finishedAt: number | null;
  delivered: string | null;
}

type Row = Record<string, SqlStorageValue>;

export class TaskStore {
  constructor(readonly sql: SqlStorage) {}

  // ── tasks ──

  insertTask(t: TaskRow): void {
    this.sql.exec(
      `INSERT INTO steward_task (id, title, prompt, spec, zone, deliver, quiet, status, session_id, anchor, next_run_at, created_at, updated_at, created_by)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      t.id,
      t.title,
      t.prompt,
      JSON.stringify(t.spec),
      t.zone,
      t.deliver,
      t.quiet ? 1 : 0,
      t.status,
      t.sessionId,
      t.anchor,
      t.nextRunAt,
      t.createdAt,
      t.updatedAt,
      t.createdBy
    );
  }

  saveTask(t: TaskRow): void {
    this.sql.exec(
      `UPDATE steward_task SET title = ?, prompt = ?, spec = ?, zone = ?, deliver = ?, quiet = ?, status = ?, session_id = ?,
       anchor = ?, next_run_at = ?, updated_at = ? WHERE id = ?`,
      t.title,
      t.prompt,
      JSON.stringify(t.spec),
      t.zone,
      t.deliver,
      t.quiet ? 1 : 0,
      t.status,
      t.sessionId,
      t.anchor,
      t.nextRunAt,
      t.updatedAt,
      t.id
    );
  }

  task(id: string): TaskRow | undefined {
    return this.tasks(`SELECT * FROM steward_task WHERE id = ?`, id)[0];
  }

  allTasks(): TaskRow[] {
    return this.tasks(`SELECT * FROM steward_task ORDER BY created_at`);
  }

  dueTasks(before: number): TaskRow[] {
    return this.tasks(`SELECT * FROM steward_task WHERE status = 'active' AND next_run_at IS NOT NULL AND next_run_at <= ? ORDER BY next_run_at`, before);
  }

  countOpen(): number {
    return Number(this.sql.exec(`SELECT COUNT(*) AS n FROM steward_task WHERE status != 'done'`).one().n);
  }

  deleteTask(id: string): void {
    this.sql.exec(`DELETE FROM steward_task WHERE id = ?`, id);
    this.sql.exec(`DELETE FROM steward_task_run WHERE task_id = ?`, id);
  }

  /** Finished one-off tasks beyond the newest `keep` are forgotten. */
  pruneDone(keep: number): void {
    this.sql.exec(
      `DELETE FROM steward_task WHERE status = 'done' AND id NOT IN (SELECT id FROM steward_task WHERE status = 'done' ORDER BY updated_at DESC LIMIT ?)`,
      keep
    );
    this.sql.exec(`DELETE FROM steward_task_run WHERE task_id NOT IN (SELECT id FROM steward_task)`);
  }

  /** The earliest moment anything needs the agent awake: a due task or a retry. */
  nextWake(): number | null {
    const row = this.sql
      .exec<{ t: number | null }>(
        `SELECT MIN(t) AS t FROM (
           SELECT next_run_at AS t FROM steward_task WHERE status = 'active' AND next_run_at IS NOT NULL
           UNION ALL SELECT retry_at AS t FROM steward_task_run WHERE status = 'retrying' AND retry_at IS NOT NULL
           UNION ALL SELECT watch_at AS t FROM steward_task_run WHERE status = 'running' AND watch_at IS NOT NULL)`
      )
      .one();
    return row.t === null ? null : Number(row.t);
  }

  private tasks(query: string, ...bindings: SqlStorageValue[]): TaskRow[] {
    return this.sql
      .exec<Row>(query, ...bindings)
      .toArray()
      .map((r) => ({
        id: String(r.id),
        title: String(r.title),
        prompt: String(r.prompt),
        spec: JSON.parse(String(r.spec)) as ScheduleSpec,
        zone: String(r.zone),
        deliver: String(r.deliver) as Destination,
        quiet: Number(r.quiet) === 1,
        status: String(r.status) as TaskStatus,
        sessionId: r.session_id === null ? null : String(r.session_id),
        anchor: Number(r.anchor),
        nextRunAt: r.next_run_at === null ? null : Number(r.next_run_at),
        createdAt: Number(r.created_at),
        updatedAt: Number(r.updated_at),
        createdBy: String(r.created_by)
      }));
  }

  // ── runs ──

  /** Claims an occurrence; false when it was already claimed (the key is the run id). */
  claimRun(run: Pick<RunRow, "id" | "taskId" | "scheduledFor" | "startedAt" | "manual" | "lateMs" | "missed" | "watchAt">): boolean {
    const cursor = this.sql.exec(
      `INSERT OR IGNORE INTO steward_task_run (id, task_id, scheduled_for, started_at, attempt, status, manual, late_ms, missed, watch_at)
       VALUES (?, ?, ?, ?, 1, 'running', ?, ?, ?, ?)`,
      run.id,
      run.taskId,
      run.scheduledFor,
      run.startedAt,
      run.manual ? 1 : 0,
      run.lateMs,
      run.missed,
      run.watchAt
    );
    return cursor.rowsWritten > 0;
  }

  run(id: string): RunRow | undefined {
    return this.runs(`SELECT * FROM steward_task_run WHERE id = ?`, id)[0];
  }

  runsOf(taskId: string, limit: number): RunRow[] {
    return this.runs(`SELECT * FROM steward_task_run WHERE task_id = ? ORDER BY started_at DESC LIMIT ?`, taskId, limit);
  }

  runsIn(status: RunStatus): RunRow[] {
    return this.runs(`SELECT * FROM steward_task_run WHERE status = ? ORDER BY started_at`, status);
  }

  dueRetries(before: number): RunRow[] {
    return this.runs(`SELECT * FROM steward_task_run WHERE status = 'retrying' AND retry_at <= ?`, before);
  }

  setSubmission(id: string, submissionId: string): void {
    this.sql.exec(`UPDATE steward_task_run SET submission_id = ? WHERE id = ?`, submissionId, id);
  }

  restartRun(id: string, attempt: number, watchAt: number): void {
    this.sql.exec(
      `UPDATE steward_task_run SET status = 'running', attempt = ?, retry_at = NULL, submission_id = NULL, watch_at = ? WHERE id = ?`,
      attempt,
      watchAt,
      id
    );
  }

  /** Running runs whose watchdog time has come. */
  overdueRuns(before: number): RunRow[] {
    return this.runs(`SELECT * FROM steward_task_run WHERE status = 'running' AND watch_at <= ?`, before);
  }

  watchRun(id: string, at: number): void {
    this.sql.exec(`UPDATE steward_task_run SET watch_at = ? WHERE id = ?`, at, id);
  }

  finishRun(
    id: string,
    status: RunStatus,
    fields: { result?: string | null; error?: string | null; retryAt?: number | null; delivered?: string | null; at: number }
  ): void {
    this.sql.exec(
      `UPDATE steward_task_run SET status = ?, result = ?, error = ?, retry_at = ?, delivered = ?, finished_at = ?, watch_at = NULL WHERE id = ?`,
      status,
      fields.result ?? null,
      fields.error ?? null,
      fields.retryAt ?? null,
      fields.delivered ?? null,
      status === "retrying" ? null : fields.at,
      id
    );
  }

  /** Keeps the newest `keep` runs of a task. */
  pruneRuns(taskId: string, keep: number): void {
    this.sql.exec(
      `DELETE FROM steward_task_run WHERE task_id = ? AND status NOT IN ('running', 'retrying') AND id NOT IN
       (SELECT id FROM steward_task_run WHERE task_id = ? ORDER BY started_at DESC LIMIT ?)`,
      taskId,
      taskId,
      keep
    );
  }

  private runs(query: string, ...bindings: SqlStorageValue[]): RunRow[] {
    return this.sql
      .exec<Row>(query, ...bindings)
      .toArray()
      .map((r) => ({
        id: String(r.id),
        taskId: String(r.task_id),
        scheduledFor: Number(r.scheduled_for),
        startedAt: Number(r.started_at),
        attempt: Number(r.attempt),
        status: String(r.status) as RunStatus,
        manual: Number(r.manual) === 1,
        lateMs: Number(r.late_ms),
        missed: Number(r.missed),
        retryAt: r.retry_at === null ? null : Number(r.retry_at),
        watchAt: r.watch_at === null || r.watch_at === undefined ? null : Number(r.watch_at),
        submissionId: r.submission_id === null ? null : String(r.submission_id),
        result: r.result === null ? null : String(r.result),
        error: r.error === null ? null : String(r.error),
        finishedAt: r.finished_at === null ? null : Number(r.finished_at),
        delivered: r.delivered === null ? null : String(r.delivered)
      }));
  }

  // ── notifications ──

  addNotification(n: NotificationRow): void {
    this.sql.exec(
      `INSERT OR IGNORE INTO steward_notification (id, task_id, run_id, session_id, title, body, created_at, read_at) VALUES (?, ?, ?, ?, ?, ?, ?, NULL)`,
      n.id,
      n.taskId,
      n.runId,
      n.sessionId,
      n.title,
      n.body,
      n.createdAt
    );
  }

  notifications(unreadOnly: boolean, limit: number): NotificationRow[] {
    const where = unreadOnly ? "WHERE read_at IS NULL" : "";
    return this.sql
      .exec<Row>(`SELECT * FROM steward_notification ${where} ORDER BY created_at DESC LIMIT ?`, limit)
      .toArray()
      .map((r) => ({
        id: String(r.id),
        taskId: String(r.task_id),
        runId: String(r.run_id),
        sessionId: r.session_id === null ? null : String(r.session_id),
        title: String(r.title),
        body: String(r.body),
        createdAt: Number(r.created_at),
        readAt: r.read_at === null ? null : Number(r.read_at)
      }));
  }

  markRead(ids: string[] | "all", at: number): number {
    if (ids === "all") return this.sql.exec(`UPDATE steward_notification SET read_at = ? WHERE read_at IS NULL`, at).rowsWritten;
    let n = 0;
    for (const id of ids) n += this.sql.exec(`UPDATE steward_notification SET read_at = ? WHERE id = ? AND read_at IS NULL`, at, id).rowsWritten;
    return n;
  }
}
