/**
 * The task API's shapes, shared by the Worker's routes (src/api/routes.ts)
 * and the Assistant that runs the tasks (src/api/service.ts).
 */
export const API_TASK_STATUSES = ["queued", "running", "waiting_approval", "done", "failed", "cancelled"] as const;
export type ApiTaskStatus = (typeof API_TASK_STATUSES)[number];

/** Still taking a slot of the per-user limit. */
export const OPEN_STATUSES: readonly ApiTaskStatus[] = ["queued", "running", "waiting_approval"];

export function isOpen(status: ApiTaskStatus): boolean {
  return OPEN_STATUSES.includes(status);
}

/** Per user: more open tasks than this and a submission is refused (429). */
export const MAX_OPEN_API_TASKS = 5;
/** Characters; a longer prompt is a 400 (put large input in a workspace file). */
export const MAX_API_PROMPT = 32_000;
/** Longest `?wait=` in seconds. */
export const MAX_WAIT_SECONDS = 60;

export interface PendingApproval {
  toolCallId: string;
  tool: string;
  input: unknown;
}

export interface ApiTaskView {
  id: string;
  session: string;
  status: ApiTaskStatus;
  answer: string | null;
  error: string | null;
  /** Tool calls waiting for the owner's Approve / Reject in the web app. */
  pendingApprovals: PendingApproval[];
  createdAt: number;
  updatedAt: number;
  finishedAt: number | null;
}

export interface ApiTaskInput {
  prompt: string;
  session?: string;
  idempotencyKey?: string;
}

export type ApiEventType = "status" | "text" | "tool-call" | "tool-result" | "approval" | "done";

/** One Server-Sent Event; `id` increases within a task and is what Last-Event-ID names. */
export interface ApiEvent {
  id: number;
  type: ApiEventType;
  data: Record<string, unknown>;
}

/** A refusal the routes turn into an HTTP status; `field` names the bad input. */
export interface ApiProblem {
  problem: { status: 400 | 403 | 404 | 409 | 429; error: string; field?: string };
}

export type SubmitResult = { task: ApiTaskView; created: boolean } | ApiProblem;
export type TaskResult = { task: ApiTaskView } | ApiProblem;

export function isProblem(value: object): value is ApiProblem {
  return "problem" in value;
}
