import type { Channel } from "./channel";
import type { Tier } from "./tiers";

/**
 * The shapes of the rows the web app shows, and the limits it enforces
 * before the server does. The server builds these; the app only reads them.
 */

// ── Sessions ──
export interface SessionSummary {
  id: string;
  title: string;
  channel: Channel;
  createdAt: number;
  updatedAt: number;
  preview: string;
}

// ── Files ──
export interface FileEntry {
  /** Absolute, e.g. /workspace/notes/a.md */
  path: string;
  type: "file" | "dir";
  size: number;
  mtime: number;
}

export interface FileListing {
  entries: FileEntry[];
  /** True when the listing stopped at MAX_LIST_ENTRIES. */
  truncated: boolean;
}

export interface FileContent {
  path: string;
  size: number;
  mtime: number;
  mediaType: string;
  /** "text": `content` is UTF-8 text; "base64": binary (images), base64-encoded. */
  encoding: "text" | "base64";
  content: string;
}

/** Largest upload: it travels base64-encoded in one WebSocket RPC frame. */
export const MAX_UPLOAD_BYTES = 4 * 1024 * 1024;

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10 * 1024 ? 1 : 0)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

// ── Audit ──
/** "interrupted": a crash cut the execution off before its result reached the model (src/ladder/journal.ts). */
export type Outcome = "ok" | "error" | "blocked" | "interrupted";
export const OUTCOMES: readonly Outcome[] = ["ok", "error", "blocked", "interrupted"];

export interface AuditEntry {
  session: string;
  turn: string;
  /** null: a tool Steward does not know. */
  tier: Tier | null;
  tool: string;
  inputDigest: string;
  outcome: Outcome;
  durationMs: number;
  bytesOut: number;
  approved: boolean | null;
  detail: string;
  /** The tool call this row is for (not stored): lets the journal know the call was audited. */
  call?: string;
}

/** Optional narrowing for the audit view: one tier (null: unknown tools) and/or one outcome. */
export interface AuditFilter {
  tier?: Tier | null;
  outcome?: Outcome;
}

export interface AuditRow extends AuditEntry {
  id: number;
  at: number;
  user: string;
}

// ── Settings ──
export interface UsageByDay {
  day: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  turns: number;
}

export interface UsageReport {
  /** Per-user daily limit (TOKENS_PER_DAY), null for none. */
  limitPerDay: number | null;
  today: number;
  days: UsageByDay[];
}

export interface UserSettings {
  /** IANA zone name, e.g. "Europe/Lisbon". */
  timeZone: string;
}

export interface ModelStatus {
  configured: boolean;
  provider: string;
  model: string;
  error?: string;
}

// ── Email ──
export type UnknownSenderPolicy = "refuse" | "hold";

export interface EmailSettings {
  /** The agent's own address (shown in settings; mail to it reaches this agent). */
  address: string;
  /** Verified addresses of the owner: the Access email claim, or added by the signed-in owner. */
  ownerAddresses: string[];
  /** Other senders (addresses, or "@domain") whose mail the agent works on. */
  allowedSenders: string[];
  /** What happens to mail from anyone else. */
  unknownSenders: UnknownSenderPolicy;
  /** Recipients send_email may mail without asking (the owner's addresses always). */
  allowedRecipients: string[];
  /** Outbound mails (replies + send_email) per hour. */
  sendLimitPerHour: number;
}

export type InboundStatus = "accepted" | "ignored" | "held" | "awaiting-approval" | "replied" | "reply-skipped" | "failed";

export interface HeldMail {
  id: number;
  messageId: string;
  sender: string;
  subject: string;
  receivedAt: number;
  bytes: number;
}

export interface InboundRecord {
  messageId: string;
  session: string | null;
  direction: "in" | "out";
  sender: string;
  subject: string;
  status: InboundStatus;
  detail: string;
  at: number;
}

export type ReplyApprovalStatus = "awaiting" | "sending" | "sent" | "rejected";

/** Exactly what would be mailed; the approval is bound to its digest. */
export interface ReplyMail {
  to: string;
  subject: string;
  text: string;
}

/** An email reply to someone other than the owner, waiting for (or decided by) the owner. */
export interface ReplyForApproval extends ReplyMail {
  id: number;
  messageId: string;
  session: string;
  digest: string;
  status: ReplyApprovalStatus;
  /** Why an approved reply did not go out yet, or how it was decided. */
  detail: string;
  requestedAt: number;
  decidedAt: number | null;
}

// ── Scheduled tasks ──
/**
 * When a task runs. Wall-clock kinds (daily, weekly, cron, and `once` given
 * as a local time) are in the user's time zone; `interval` is real elapsed
 * time from its anchor, so DST changes do not stretch or shrink it.
 */
export type ScheduleSpec =
  | { kind: "once"; at: number }
  | { kind: "interval"; minutes: number }
  | { kind: "daily"; time: string }
  | { kind: "weekly"; days: number[]; time: string }
  | { kind: "cron"; expr: string };

export type TaskStatus = "active" | "paused" | "done";
export type Destination = "web" | "email";
export type RunStatus = "running" | "retrying" | "done" | "quiet" | "failed";

export interface TaskInput {
  /** A phrase (`every weekday at 08:00`, see src/schedules/parse.ts) or a structured spec. */
  when: string | ScheduleSpec;
  prompt: string;
  title?: string;
  deliver?: Destination;
  quiet?: boolean;
}

export interface RunView {
  id: string;
  scheduledFor: number;
  startedAt: number;
  finishedAt: number | null;
  status: RunStatus;
  attempt: number;
  manual: boolean;
  late: boolean;
  missed: number;
  result: string | null;
  error: string | null;
  delivered: string | null;
}

export interface TaskView {
  id: string;
  title: string;
  prompt: string;
  schedule: string;
  spec: ScheduleSpec;
  zone: string;
  deliver: Destination;
  quiet: boolean;
  status: TaskStatus;
  sessionId: string | null;
  nextRunAt: number | null;
  /** The next run in the user's time zone, "YYYY-MM-DD HH:MM". */
  nextRunLocal: string | null;
  lastRun: RunView | null;
  history: RunView[];
}

export interface NotificationView {
  id: string;
  taskId: string;
  runId: string;
  sessionId: string | null;
  title: string;
  body: string;
  createdAt: number;
  readAt: number | null;
}

// ── The Assistant's state, pushed to the app ──
export interface AssistantState {
  sessions: SessionSummary[];
  /** Bumped whenever the workspace may have changed (a tool call, an upload): the browser refetches its file tree. */
  workspaceVersion: number;
  /** Unread results of scheduled tasks, newest first. */
  notifications: NotificationView[];
  /** Email replies to non-owners waiting for the owner's approval (Settings → Email lists them). */
  repliesAwaitingApproval: number;
}

// ── Voice calls (src/voice) ──
/** How a spoken turn ended: answered, talked over by the caller (barge-in), or failed. */
export type CallTurnOutcome = "completed" | "interrupted" | "error";

/** One spoken turn's timings, from the end of the caller's speech (ms); absent when never reached. */
export interface CallTurnMetrics {
  /** The session turn's request id ("fixed" for the call's own fixed sentences). */
  turn: string;
  /** End of the caller's speech (epoch ms). */
  at: number;
  firstTextMs?: number;
  firstAudioMs?: number;
  totalMs: number;
  outcome: CallTurnOutcome;
}
