import type { BranchPoint, CompactedSpan, HistoryHit, MemoryEntry } from "./memory";
import type { Permission, Tier } from "./tiers";
import type {
  AssistantState,
  AuditFilter,
  AuditRow,
  EmailSettings,
  FileContent,
  FileEntry,
  FileListing,
  HeldMail,
  InboundRecord,
  ModelStatus,
  NotificationView,
  ReplyForApproval,
  RunView,
  SessionSummary,
  TaskInput,
  TaskView,
  UsageReport,
  UserSettings
} from "./views";
import type { ConnectionView, ExtensionView } from "./extension-views";
import type { PushSettings, PushSubscriptionInput } from "./push";

/**
 * What the web app may call on the user's Assistant over its /agent socket:
 * the `@callable` methods, and nothing else. The Assistant `implements` it, so
 * a change on either side is a type error rather than a runtime surprise.
 */
export interface AssistantApi {
  readonly state: AssistantState;
  // Sessions
  createSession(options?: { title?: string }): Promise<SessionSummary>;
  /** A new voice-call session (channel "voice"); the web app then opens /agent/voice/<id>. */
  createCallSession(): Promise<SessionSummary>;
  renameSession(id: string, title: string): SessionSummary;
  deleteSession(id: string): Promise<void>;
  listSessions(): SessionSummary[];
  // Memory, search, versions (src/memory)
  listMemory(): MemoryEntry[];
  addMemory(text: string): MemoryEntry[];
  updateMemory(id: number, text: string): MemoryEntry[];
  deleteMemory(id: number): MemoryEntry[];
  searchHistory(query: string, limit?: number): HistoryHit[];
  getCompactedMessages(sessionId: string): Promise<CompactedSpan[]>;
  getBranchPoints(sessionId: string): Promise<BranchPoint[]>;
  editMessage(sessionId: string, messageId: string, text: string): Promise<string>;
  switchBranch(sessionId: string, messageId: string, version: string): Promise<void>;
  /** Why each of a chat's calls waits for the owner (decide()'s reason), by tool call id. */
  approvalReasons(sessionId: string): Record<string, string>;
  // Ladder, audit, settings
  getAudit(limit?: number, filter?: AuditFilter): AuditRow[];
  getTiers(): Record<Tier, Permission>;
  setTierPermission(tier: number, permission: string): Record<Tier, Permission>;
  getModelStatus(): ModelStatus;
  getSettings(): UserSettings;
  getUsage(days?: number): UsageReport;
  setTimeZone(zone: string): Promise<UserSettings>;
  /** The browser's zone, stored only if none was stored yet (first sign-in). */
  adoptTimeZone(zone: string): Promise<UserSettings>;
  // Workspace
  listFiles(): Promise<FileListing>;
  readFile(path: string): Promise<FileContent>;
  uploadFile(path: string, content: string): Promise<FileEntry>;
  // Web push (src/push)
  getPushSettings(): Promise<PushSettings>;
  subscribePush(subscription: PushSubscriptionInput, kinds?: Record<string, boolean>): Promise<PushSettings>;
  unsubscribePush(endpoint: string): Promise<PushSettings>;
  setPushKinds(kinds: Record<string, boolean>): Promise<PushSettings>;
  // Your data (the export is GET /api/export)
  /** Deletes the agent and everything it keeps, after the owner typed "delete my agent". */
  deleteAgent(confirmation: string): Promise<{ deleted: true; sandbox: string }>;
  // Phone calls: the numbers that may call the agent (src/channels/phone)
  getPhoneNumbers(): Promise<string[]>;
  addOwnerPhoneNumber(number: string): Promise<string[]>;
  removeOwnerPhoneNumber(number: string): Promise<string[]>;
  // Email
  getEmailSettings(): Promise<EmailSettings>;
  addOwnerEmailAddress(address: string): Promise<EmailSettings>;
  removeOwnerEmailAddress(address: string): Promise<EmailSettings>;
  setEmailAllowedSenders(entries: string[]): Promise<EmailSettings>;
  setEmailUnknownSenders(policy: string): Promise<EmailSettings>;
  setEmailAllowedRecipients(entries: string[]): Promise<EmailSettings>;
  setEmailSendLimit(perHour: number): Promise<EmailSettings>;
  getEmailLog(limit?: number): InboundRecord[];
  listHeldEmails(): HeldMail[];
  releaseHeldEmail(id: number): Promise<string>;
  discardHeldEmail(id: number): void;
  listEmailRepliesAwaitingApproval(): ReplyForApproval[];
  approveEmailReply(id: number, digest: string): Promise<ReplyForApproval>;
  rejectEmailReply(id: number): ReplyForApproval;
  // Scheduled tasks
  listTasks(): TaskView[];
  getTask(id: string): TaskView;
  createTask(input: TaskInput): Promise<TaskView>;
  updateTask(id: string, patch: Partial<TaskInput>): Promise<TaskView>;
  pauseTask(id: string): Promise<TaskView>;
  resumeTask(id: string): Promise<TaskView>;
  deleteTask(id: string): Promise<void>;
  runTaskNow(id: string): Promise<RunView>;
  listNotifications(options?: { unreadOnly?: boolean; limit?: number }): NotificationView[];
  markNotificationsRead(ids: string[] | "all"): number;
  // Extensions and MCP connections (Settings → Extensions, Settings → Connections)
  listExtensions(): Promise<ExtensionView[]>;
  enableExtension(name: string, digest: string): Promise<ExtensionView[]>;
  disableExtension(name: string): Promise<ExtensionView[]>;
  listConnections(): ConnectionView[];
  addConnection(name: string, url: string): Promise<ConnectionView>;
  removeConnection(id: string): Promise<ConnectionView[]>;
  setConnectionTrusted(id: string, trusted: boolean): ConnectionView[];
}
