import { z } from "@hono/zod-openapi";
import { API_TASK_STATUSES, MAX_API_PROMPT, MAX_WAIT_SECONDS } from "./types";

/**
 * The task API's request and response shapes: the same schemas validate
 * requests (src/api/routes.ts) and generate /api/openapi.json.
 */

export const TaskInputSchema = z
  .strictObject({
    prompt: z
      .string({ error: "prompt is required: a string saying what to do" })
      .trim()
      .min(1, "prompt must say what to do")
      .max(MAX_API_PROMPT, `prompt is longer than ${MAX_API_PROMPT} characters; put large input in a workspace file`)
      .openapi({ example: "Summarise /workspace/notes.md in three bullet points" }),
    session: z
      .string()
      .uuid("session must be the id of an api session (a UUID, as returned by an earlier task)")
      .optional()
      .openapi({ description: "Continue in this API session (its history is the context); omitted: a new session" }),
    idempotencyKey: z
      .string()
      .min(1)
      .max(200, "idempotencyKey must be at most 200 characters")
      .regex(/^[\x21-\x7e]+$/, "idempotencyKey must be printable ASCII without spaces")
      .optional()
      .openapi({ description: "The same key never runs twice: a repeat returns the task it made", example: "report-2026-06-11" })
  })
  .openapi("TaskInput");

export const PendingApprovalSchema = z
  .object({
    toolCallId: z.string(),
    tool: z.string(),
    input: z.unknown().openapi({ description: "The tool call's input, as the owner sees it" })
  })
  .openapi("PendingApproval");

export const TaskSchema = z
  .object({
    id: z.string().openapi({ example: "at_3f2a…" }),
    session: z.string().openapi({ description: "The api session the task ran in (listed in the web app)" }),
    status: z.enum(API_TASK_STATUSES),
    answer: z.string().nullable(),
    error: z.string().nullable(),
    pendingApprovals: z.array(PendingApprovalSchema),
    createdAt: z.number().int().openapi({ description: "Epoch milliseconds" }),
    updatedAt: z.number().int(),
    finishedAt: z.number().int().nullable()
  })
  .openapi("Task");

export const SubmittedSchema = z.object({ id: z.string(), session: z.string() }).openapi("Submitted");

export const ErrorSchema = z
  .object({
    error: z.string(),
    field: z.string().optional().openapi({ description: "The request field at fault, when there is one" })
  })
  .openapi("Error");

export const TaskIdParams = z.object({
  id: z
    .string()
    .regex(/^at_[0-9a-f]{32}$/, "id must be a task id (at_ and 32 hex digits)")
    .openapi({ param: { name: "id", in: "path" }, example: "at_0123456789abcdef0123456789abcdef" })
});

export const WaitQuery = z.object({
  wait: z.coerce
    .number({ error: `wait must be a number of seconds (0–${MAX_WAIT_SECONDS})` })
    .min(0, `wait must be between 0 and ${MAX_WAIT_SECONDS} seconds`)
    .max(MAX_WAIT_SECONDS, `wait must be between 0 and ${MAX_WAIT_SECONDS} seconds`)
    .optional()
    .openapi({ param: { name: "wait", in: "query" }, description: `Wait up to this many seconds for the answer (≤ ${MAX_WAIT_SECONDS})` })
});

export const EventsQuery = z.object({
  after: z
    .string()
    .regex(/^\d{1,15}$/, "after must be an event id")
    .optional()
    .openapi({ param: { name: "after", in: "query" }, description: "Resume after this event id (the Last-Event-ID header does the same)" })
});

export const HealthSchema = z
  .object({
    ok: z.boolean(),
    degradations: z.array(z.object({ area: z.string(), problem: z.string(), fix: z.string() }))
  })
  .openapi("Health");
