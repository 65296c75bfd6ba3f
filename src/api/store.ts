import type { ApiEvent, ApiEventType, ApiTaskStatus } from "./types";
import { OPEN_STATUSES } from "./types";

/** Events kept per task; past this only status, approval and done events are stored (the answer is on the task). */
export const MAX_EVENTS_PER_TASK = 1_000;
/** Finished tasks kept per user (older ones and their events are pruned). */
const KEEP_FINISHED = 200;

export interface ApiTaskRow {
  id: string;
  session: string;
  idempotencyKey: string | null;
  requestDigest: string;
  prompt: string;
  status: ApiTaskStatus;
  submissionId: string | null;
  answer: string | null;
  error: string | null;
  createdAt: number;
  updatedAt: number;
  finishedAt: number | null;
}

type Row = {
  id: string;
  session: string;
  idempotency_key: string | null;
  request_digest: string;
  prompt: string;
  status: string;
  submission_id: string | null;
  answer: string | null;
  error: string | null;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
};

const OPEN_SQL = OPEN_STATUSES.map((s) => `'${s}'`).join(", ");

/** Rows of the task API (tables in src/schema/assistant.ts, migration 2). No DDL here. */
export class ApiTaskStore {
  constructor(private readonly sql: SqlStorage) {}

  insert(row: ApiTaskRow): void {
    this.sql.exec(
      `INSERT INTO steward_api_task (id, session, idempotency_key, request_digest, prompt, status, submission_id, answer, error, created_at, updated_at, finished_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      row.id,
      row.session,
      row.idempotencyKey,
      row.requestDigest,
      row.prompt,
      row.status,
      row.submissionId,
      row.answer,
      row.error,
      row.createdAt,
      row.updatedAt,
      row.finishedAt
    );
  }

  get(id: string): ApiTaskRow | null {
    const row = this.sql.exec<Row>(`SELECT * FROM steward_api_task WHERE id = ?`, id).toArray()[0];
    return row ? fromRow(row) : null;
  }

  byKey(key: string): ApiTaskRow | null {
    const row = this.sql.exec<Row>(`SELECT * FROM steward_api_task WHERE idempotency_key = ?`, key).toArray()[0];
    return row ? fromRow(row) : null;
  }

  countOpen(): number {
    return this.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM steward_api_task WHERE status IN (${OPEN_SQL})`).one().n;
  }

  open(): ApiTaskRow[] {
    return this.sql.exec<Row>(`SELECT * FROM steward_api_task WHERE status IN (${OPEN_SQL}) ORDER BY created_at`).toArray().map(fromRow);
  }

  inSession(session: string, status: ApiTaskStatus): ApiTaskRow[] {
    return this.sql.exec<Row>(`SELECT * FROM steward_api_task WHERE session = ? AND status = ? ORDER BY created_at`, session, status).toArray().map(fromRow);
  }

  setSession(id: string, session: string, now: number): void {
    this.sql.exec(`UPDATE steward_api_task SET session = ?, updated_at = ? WHERE id = ?`, session, now, id);
  }

  setSubmission(id: string, submissionId: string, now: number): void {
    this.sql.exec(`UPDATE steward_api_task SET submission_id = ?, updated_at = ? WHERE id = ?`, submissionId, now, id);
  }

  setStatus(id: string, status: ApiTaskStatus, now: number): void {
    this.sql.exec(`UPDATE steward_api_task SET status = ?, updated_at = ? WHERE id = ?`, status, now, id);
  }

  finish(id: string, status: ApiTaskStatus, fields: { answer?: string | null; error?: string | null }, now: number): void {
    this.sql.exec(
      `UPDATE steward_api_task SET status = ?, answer = ?, error = ?, updated_at = ?, finished_at = ? WHERE id = ?`,
      status,
      fields.answer ?? null,
      fields.error ?? null,
      now,
      now,
      id
    );
  }

  /** Appends an event and returns it, or null when the task's event budget is spent (text and tool events only). */
  appendEvent(taskId: string, type: ApiEventType, data: Record<string, unknown>, now: number): ApiEvent | null {
    const { n, last } = this.sql
      .exec<{ n: number; last: number | null }>(`SELECT COUNT(*) AS n, MAX(seq) AS last FROM steward_api_event WHERE task_id = ?`, taskId)
      .one();
    const essential = type === "status" || type === "approval" || type === "done";
    if (n >= MAX_EVENTS_PER_TASK && !essential) return null;
    const id = (last ?? 0) + 1;
    this.sql.exec(`INSERT INTO steward_api_event (task_id, seq, type, data, at) VALUES (?, ?, ?, ?, ?)`, taskId, id, type, JSON.stringify(data), now);
    return { id, type, data };
  }

  events(taskId: string, after: number, limit = 500): ApiEvent[] {
    return this.sql
      .exec<{ seq: number; type: string; data: string }>(
        `SELECT seq, type, data FROM steward_api_event WHERE task_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
        taskId,
        after,
        limit
      )
      .toArray()
      .map((e) => ({ id: e.seq, type: e.type as ApiEventType, data: JSON.parse(e.data) as Record<string, unknown> }));
  }

  /** Drops the oldest finished tasks beyond the keep limit, with their events. */
  prune(): void {
    const old = this.sql
      .exec<{ id: string }>(`SELECT id FROM steward_api_task WHERE status NOT IN (${OPEN_SQL}) ORDER BY finished_at DESC LIMIT -1 OFFSET ?`, KEEP_FINISHED)
      .toArray();
    for (const { id } of old) {
      this.sql.exec(`DELETE FROM steward_api_event WHERE task_id = ?`, id);
      this.sql.exec(`DELETE FROM steward_api_task WHERE id = ?`, id);
    }
  }
}

function fromRow(r: Row): ApiTaskRow {
  return {
    id: r.id,
    session: r.session,
    idempotencyKey: r.idempotency_key,
    requestDigest: r.request_digest,
    prompt: r.prompt,
    status: r.status as ApiTaskStatus,
    submissionId: r.submission_id,
    answer: r.answer,
    error: r.error,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    finishedAt: r.finished_at
  };
}
