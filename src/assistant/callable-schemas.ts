import { z } from "zod";

/**
 * The arguments of every `@callable` on the Assistant, as a tuple schema per
 * method (src/assistant/callable-guard.ts applies them). These check types
 * and shapes only; the methods keep their own rules (a known tier, a real
 * time zone, a schedule that parses), whose messages name the problem.
 * A tuple refuses extra arguments; `.optional()` elements may be left out.
 */

const id = z.string().min(1).max(200);
const none = z.tuple([]);
const limit = z.number().optional();
/** A plain JSON object (not an array or null); the task service checks its fields. */
const object = z.record(z.string(), z.unknown());

export const CALLABLE_SCHEMAS = {
  // Sessions
  createSession: z.tuple([z.strictObject({ title: z.string().max(1_000).optional() }).optional()]),
  createCallSession: none,
  renameSession: z.tuple([id, z.string().max(1_000)]),
  deleteSession: z.tuple([id]),
  listSessions: none,
  // Memory, history search, branches (src/memory)
  listMemory: none,
  addMemory: z.tuple([z.string().max(2_000)]),
  updateMemory: z.tuple([z.number(), z.string().max(2_000)]),
  deleteMemory: z.tuple([z.number()]),
  searchHistory: z.tuple([z.string().max(500), limit]),
  getCompactedMessages: z.tuple([id]),
  getBranchPoints: z.tuple([id]),
  editMessage: z.tuple([id, z.string().min(1).max(256), z.string().max(100_000)]),
  switchBranch: z.tuple([id, z.string().min(1).max(256), z.string().min(1).max(256)]),
  approvalReasons: z.tuple([id]),
  // Ladder, audit, settings
  getAudit: z.tuple([
    limit,
    z
      .strictObject({
        tier: z.number().nullable().optional(),
        outcome: z.string().max(20).optional()
      })
      .optional()
  ]),
  getTiers: none,
  setTierPermission: z.tuple([z.number(), z.string().max(20)]),
  getModelStatus: none,
  getSettings: none,
  setTimeZone: z.tuple([z.string().max(100)]),
  adoptTimeZone: z.tuple([z.string().max(100)]),
  // Workspace files
  listFiles: none,
  readFile: z.tuple([z.string().max(4_096)]),
  // ≤ 4 MB of file as base64 (files.ts enforces the exact limit).
  uploadFile: z.tuple([
    z.string().max(4_096),
    z.string({ error: "upload content must be a base64 string" }).max(6 * 1024 * 1024, "upload content is larger than 4.0 MB")
  ]),
  // Web push
  getPushSettings: none,
  subscribePush: z.tuple([
    z.strictObject({
      endpoint: z.string().max(2_048),
      expirationTime: z.number().nullable().optional(),
      keys: z.strictObject({ p256dh: z.string().max(200), auth: z.string().max(100) })
    }),
    z.record(z.string().max(20), z.boolean()).optional()
  ]),
  unsubscribePush: z.tuple([z.string().max(2_048)]),
  setPushKinds: z.tuple([z.record(z.string().max(20), z.boolean())]),
  // Your data
  deleteAgent: z.tuple([z.string().max(100)]),
  // Phone calls
  getPhoneNumbers: none,
  addOwnerPhoneNumber: z.tuple([z.string().max(40)]),
  removeOwnerPhoneNumber: z.tuple([z.string().max(40)]),
  // Email
  getEmailSettings: none,
  addOwnerEmailAddress: z.tuple([z.string().max(320)]),
  removeOwnerEmailAddress: z.tuple([z.string().max(320)]),
  setEmailAllowedSenders: z.tuple([z.array(z.string().max(320)).max(1_000)]),
  setEmailUnknownSenders: z.tuple([z.string().max(20)]),
  setEmailAllowedRecipients: z.tuple([z.array(z.string().max(320)).max(1_000)]),
  setEmailSendLimit: z.tuple([z.number()]),
  getEmailLog: z.tuple([limit]),
  listHeldEmails: none,
  releaseHeldEmail: z.tuple([z.number()]),
  discardHeldEmail: z.tuple([z.number()]),
  listEmailRepliesAwaitingApproval: none,
  approveEmailReply: z.tuple([z.number(), z.string().regex(/^[0-9a-f]{64}$/, "the digest must be 64 hex digits")]),
  rejectEmailReply: z.tuple([z.number()]),
  // Scheduled tasks
  listTasks: none,
  getTask: z.tuple([id]),
  createTask: z.tuple([object]),
  updateTask: z.tuple([id, object]),
  pauseTask: z.tuple([id]),
  resumeTask: z.tuple([id]),
  deleteTask: z.tuple([id]),
  runTaskNow: z.tuple([id]),
  listNotifications: z.tuple([z.strictObject({ unreadOnly: z.boolean().optional(), limit }).optional()]),
  markNotificationsRead: z.tuple([z.union([z.literal("all"), z.array(id).max(1_000)])]),
  // Model usage (Settings → Usage)
  getUsage: z.tuple([z.number().optional()]),
  // Extensions and MCP connections (the registry and the connectors check names, URLs and digests)
  listExtensions: none,
  enableExtension: z.tuple([z.string().max(100), z.string().regex(/^[0-9a-f]{64}$/, "the digest must be 64 hex digits")]),
  disableExtension: z.tuple([z.string().max(100)]),
  listConnections: none,
  addConnection: z.tuple([z.string().max(100), z.string().max(2_000)]),
  removeConnection: z.tuple([z.string().max(100)]),
  setConnectionTrusted: z.tuple([z.string().max(100), z.boolean()])
} satisfies Record<string, z.ZodType<unknown[]>>;
