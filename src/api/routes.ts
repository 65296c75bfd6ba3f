import { OpenAPIHono, createRoute } from "@hono/zod-openapi";
import type { z } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import { bodyLimit } from "hono/body-limit";
import { ErrorSchema, EventsQuery, HealthSchema, SubmittedSchema, TaskIdParams, TaskInputSchema, TaskSchema, WaitQuery } from "./schemas";
import { lastEventId } from "./sse";
import { sha256Hex } from "../util/digest";
import { isProblem, MAX_WAIT_SECONDS } from "./types";
import type { ApiProblem, ApiTaskInput, SubmitResult, TaskResult } from "./types";

/** What the routes call in the caller's own Assistant (the Worker names it from the verified identity). */
export interface ApiBackend {
  apiSubmit(input: ApiTaskInput, requestDigest: string): Promise<SubmitResult>;
  apiGet(id: string, waitMs?: number): Promise<TaskResult>;
  apiFollow(id: string, after: number): Promise<ReadableStream<Uint8Array> | ApiProblem>;
  apiCancel(id: string): Promise<TaskResult>;
}

export interface Health {
  ok: boolean;
  degradations: Array<{ area: string; problem: string; fix: string }>;
}

/** Per request, from the Worker: who is calling and how to reach their agent. */
export interface ApiBindings {
  backend: () => Promise<ApiBackend>;
  /** Service tokens (machines) may use the task API only; /api/health is for the owner signed in. */
  isOwner: boolean;
  health: () => Promise<Health>;
}

/** Whole JSON bodies larger than this are refused before parsing (the prompt's own limit is lower). */
const MAX_BODY_BYTES = 256 * 1024;

const json = <T extends z.ZodType>(schema: T, description: string) => ({ content: { "application/json": { schema } }, description });
const errors = {
  400: json(ErrorSchema, "Bad input; `field` names it. Nothing was created or changed."),
  401: json(ErrorSchema, "No valid Cloudflare Access token (user or service token)"),
  404: json(ErrorSchema, "No such task for this user")
};

const submitRoute = createRoute({
  method: "post",
  path: "/api/tasks",
  summary: "Submit a task: one turn of your agent in an api session",
  request: { query: WaitQuery, body: { required: true, content: { "application/json": { schema: TaskInputSchema } } } },
  responses: {
    200: json(TaskSchema, "With ?wait: the task finished (or waits for an approval) within the wait"),
    202: json(SubmittedSchema, "Accepted (or the task an earlier request with the same idempotencyKey made)"),
    ...errors,
    409: json(ErrorSchema, "The idempotencyKey was used for a different request"),
    413: json(ErrorSchema, "Request body too large"),
    415: json(ErrorSchema, "Send Content-Type: application/json"),
    429: json(ErrorSchema, "Too many open tasks")
  }
});

const getRoute = createRoute({
  method: "get",
  path: "/api/tasks/{id}",
  summary: "A task's status, answer, pending approvals and error",
  request: { params: TaskIdParams, query: WaitQuery },
  responses: { 200: json(TaskSchema, "The task (with ?wait: once it finished or waits for an approval, or when the wait ended)"), ...errors }
});

const eventsRoute = createRoute({
  method: "get",
  path: "/api/tasks/{id}/events",
  summary: "The task's progress as Server-Sent Events (status, text, tool-call, tool-result, approval, done)",
  description: "Resumable: send Last-Event-ID (or ?after=) to get only what followed. The stream ends after the `done` event.",
  request: { params: TaskIdParams, query: EventsQuery },
  responses: {
    200: { content: { "text/event-stream": { schema: { type: "string" as const } } }, description: "An event stream" },
    ...errors
  }
});

const cancelRoute = createRoute({
  method: "delete",
  path: "/api/tasks/{id}",
  summary: "Cancel an open task (a running turn is stopped)",
  request: { params: TaskIdParams },
  responses: { 200: json(TaskSchema, "The cancelled task"), ...errors, 409: json(ErrorSchema, "The task has already finished") }
});

const healthRoute = createRoute({
  method: "get",
  path: "/api/health",
  summary: "What is degraded in this deployment (owner only, not for service tokens)",
  responses: { 200: json(HealthSchema, "Degradations, empty when all is well"), 401: errors[401], 403: json(ErrorSchema, "Service tokens cannot read health") }
});

export function apiApp() {
  const app = new OpenAPIHono<{ Bindings: ApiBindings }>({
    // A failed validation names the field; nothing has run yet, so nothing was created.
    defaultHook: (result, c) => {
      if (!result.success) return c.json(zodProblem(result.error), 400);
    }
  });

  app.use("/api/tasks", bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => c.json({ error: `request body is larger than ${MAX_BODY_BYTES} bytes` }, 413) }));

  app.openapi(submitRoute, async (c) => {
    const input = c.req.valid("json");
    const backend = await c.env.backend();
    const result = await backend.apiSubmit(input, await requestDigest(input));
    if (isProblem(result)) return problemResponse(result);
    const wait = c.req.valid("query").wait;
    if (wait) {
      const waited = await backend.apiGet(result.task.id, wait * 1000);
      if (!isProblem(waited) && waited.task.status !== "queued" && waited.task.status !== "running") return c.json(waited.task, 200);
    }
    return c.json({ id: result.task.id, session: result.task.session }, 202);
  });

  app.openapi(getRoute, async (c) => {
    const wait = c.req.valid("query").wait ?? 0;
    const result = await (await c.env.backend()).apiGet(c.req.valid("param").id, Math.min(wait, MAX_WAIT_SECONDS) * 1000);
    return isProblem(result) ? problemResponse(result) : c.json(result.task, 200);
  });

  app.openapi(eventsRoute, async (c) => {
    const after = lastEventId(c.req.header("Last-Event-ID"), c.req.valid("query").after);
    const result = await (await c.env.backend()).apiFollow(c.req.valid("param").id, after);
    if (!(result instanceof ReadableStream)) return problemResponse(result);
    return c.body(result, 200, { "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-store", "X-Accel-Buffering": "no" });
  });

  app.openapi(cancelRoute, async (c) => {
    const result = await (await c.env.backend()).apiCancel(c.req.valid("param").id);
    return isProblem(result) ? problemResponse(result) : c.json(result.task, 200);
  });

  app.openapi(healthRoute, async (c) => {
    if (!c.env.isOwner) return c.json({ error: "service tokens may use the task API only" }, 403);
    return c.json(await c.env.health(), 200);
  });

  app.doc31("/api/openapi.json", openApiInfo);

  app.notFound((c) => c.json({ error: "not found" }, 404));
  app.onError((error, c) => {
    if (error instanceof HTTPException) {
      const status = error.status === 415 || error.status === 413 ? error.status : 400;
      const message = error.status === 415 ? "send the body as JSON with Content-Type: application/json" : error.message;
      return c.json({ error: message, ...(error.message.includes("JSON") && { field: "body" }) }, status);
    }
    throw error;
  });
  return app;
}

export const openApiInfo = {
  openapi: "3.1.0",
  info: {
    title: "Steward task API",
    version: "1.0.0",
    description:
      "Run a turn of your own Steward agent from a program. Authenticate with Cloudflare Access: a signed-in user's token, or an Access service token mapped to its owner (ACCESS_SERVICE_TOKENS). Tool calls that act outside the agent wait for the owner's approval in the web app."
  }
};

/** The OpenAPI document, generated from the route schemas (scripts/check-openapi.mjs validates it). */
export function openApiDocument() {
  return apiApp().getOpenAPI31Document(openApiInfo);
}

/** Same prompt and session, same digest: what an idempotency key is bound to. */
function requestDigest(input: ApiTaskInput): Promise<string> {
  return sha256Hex(JSON.stringify([input.prompt, input.session ?? null]));
}

/**
 * A backend refusal as JSON. Typed `never` on purpose: the typed routes accept
 * only statuses they declare, and which refusal the Assistant returns is known
 * only at run time (each route's declared responses list the ones it can give).
 */
function problemResponse({ problem }: ApiProblem): never {
  const body = { error: problem.error, ...(problem.field && { field: problem.field }) };
  return Response.json(body, { status: problem.status, headers: { "Cache-Control": "no-store" } }) as never;
}

/** The first issue, with its field: `prompt: prompt must say what to do`. */
function zodProblem(error: z.ZodError): { error: string; field?: string } {
  const issue = error.issues[0];
  if (!issue) return { error: "invalid request" };
  if (issue.code === "unrecognized_keys") {
    const field = issue.keys[0] ?? "";
    return { error: `unknown field "${field}"; a task has prompt, session and idempotencyKey`, field };
  }
  const field = issue.path.map(String).join(".");
  if (!field)
    return {
      error:
        issue.message === "Invalid input: expected object, received array" || issue.code === "invalid_type" ? "the body must be a JSON object" : issue.message,
      field: "body"
    };
  return { error: issue.message.startsWith(field) ? issue.message : `${field}: ${issue.message}`, field };
}
