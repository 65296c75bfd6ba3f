import { runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Assistant } from "../../src/assistant/assistant";
import { modelOverride } from "../../src/model";
import { MAX_API_PROMPT, MAX_OPEN_API_TASKS } from "../../src/api/types";
import { FrameLog, asUser, assistantFor, connect } from "../helpers/agent";
import { serviceToken } from "../helpers/jwt";
import { ScriptedModel } from "../helpers/scripted-model";
import { workspaceText } from "../helpers/workspace";
import { api, getTask, readEvents, submit, waitForTask } from "./helpers";

afterEach(() => {
  modelOverride.current = undefined;
  vi.restoreAllMocks();
});

async function newUser() {
  const sub = `api-${crypto.randomUUID()}`;
  return { sub, user: `access:${sub}`, headers: await asUser(sub) };
}

/** Rows in the user's task table (nothing created means zero). */
async function taskCount(user: string): Promise<number> {
  const stub = (await assistantFor(user)) as unknown as DurableObjectStub<Assistant>;
  return runInDurableObject(stub, (_i, state) => state.storage.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM steward_api_task`).one().n);
}

describe("the task API", () => {
  it("submit → events → result, in an api session listed in the app", async () => {
    const { user, headers } = await newUser();
    modelOverride.current = () => new ScriptedModel([{ text: ["Hel", "lo ", "there"] }]);
    const { id, session } = await submit(headers, { prompt: "say hello" });
    expect(id).toMatch(/^at_[0-9a-f]{32}$/);

    const events = await readEvents(headers, id);
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    expect(events[0]).toMatchObject({ event: "status", data: { status: "queued" } });
    expect(
      events
        .filter((e) => e.event === "text")
        .map((e) => e.data.text)
        .join("")
    ).toBe("Hello there");
    expect(events.at(-1)).toMatchObject({ event: "done", data: { status: "done", answer: "Hello there" } });

    const task = await getTask(headers, id);
    expect(task).toMatchObject({ id, session, status: "done", answer: "Hello there", error: null, pendingApprovals: [] });
    const sessions = await (await assistantFor(user)).listSessions();
    expect(sessions.find((s) => s.id === session)?.channel).toBe("api");
  });

  it("resumes with Last-Event-ID after a dropped connection: every event once, in order", async () => {
    const { headers } = await newUser();
    const model = new ScriptedModel([{ tools: [{ name: "ls", input: { path: "/workspace" } }] }, { text: ["one ", "two"] }]);
    modelOverride.current = () => model;
    const { id } = await submit(headers, { prompt: "list and talk" });
    const first = await readEvents(headers, id, { stopAfter: 1 }); // the connection drops after one event
    expect(first).toHaveLength(1);
    const rest = await readEvents(headers, id, { lastEventId: first[0]!.id });
    const all = await readEvents(headers, id);
    expect([...first, ...rest]).toEqual(all);
    expect(all.map((e) => e.event)).toEqual(expect.arrayContaining(["tool-call", "tool-result", "text", "done"]));
    // Resuming after the last event of a finished task: nothing more, the stream ends.
    expect(await readEvents(headers, id, { lastEventId: all.at(-1)!.id })).toEqual([]);
  });

  it("streams progress while the turn is still running", async () => {
    const { headers } = await newUser();
    modelOverride.current = () => new ScriptedModel([{ hang: ["partial ", "answer"] }]);
    const { id } = await submit(headers, { prompt: "think out loud" });
    const events = await readEvents(headers, id, { stopAfter: 3 });
    expect(events.map((e) => [e.event, e.data.status ?? e.data.text])).toEqual([
      ["status", "queued"],
      ["status", "running"],
      ["text", "partial answer"]
    ]);
    expect((await api(`/api/tasks/${id}`, headers, { method: "DELETE" })).status).toBe(200);
  });

  it("answers synchronously with ?wait", async () => {
    const { headers } = await newUser();
    modelOverride.current = () => new ScriptedModel([{ text: "42" }]);
    const res = await api("/api/tasks?wait=20", headers, { body: { prompt: "six times seven" } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "done", answer: "42" });
  });

  it("cancels a running task: its turn stops and it stays cancelled", async () => {
    const { headers } = await newUser();
    modelOverride.current = () => new ScriptedModel([{ hang: ["thinking…"] }]);
    const { id } = await submit(headers, { prompt: "take forever" });
    await waitForTask(headers, id, (t) => t.status === "running");
    const res = await api(`/api/tasks/${id}`, headers, { method: "DELETE" });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "cancelled" });
    const events = await readEvents(headers, id);
    expect(events.at(-1)).toMatchObject({ event: "done", data: { status: "cancelled" } });
    await new Promise((r) => setTimeout(r, 300));
    expect((await getTask(headers, id)).status).toBe("cancelled");
    expect((await api(`/api/tasks/${id}`, headers, { method: "DELETE" })).status).toBe(409);
  });

  it("runs the same idempotency key once and returns the same task", async () => {
    const { user, headers } = await newUser();
    const model = new ScriptedModel([{ text: "only once" }, { text: "twice!" }]);
    modelOverride.current = () => model;
    const body = { prompt: "do it once", idempotencyKey: "nightly-2026-06-11" };
    const [a, b] = await Promise.all([submit(headers, body), submit(headers, body)]);
    expect(b).toEqual(a);
    await waitForTask(headers, a.id, (t) => t.status === "done");
    expect(await submit(headers, body)).toEqual(a);
    expect(model.calls).toHaveLength(1);
    expect(await taskCount(user)).toBe(1);
    const reused = await api("/api/tasks", headers, { body: { ...body, prompt: "something else" } });
    expect(reused.status).toBe(409);
    expect(await reused.json()).toMatchObject({ field: "idempotencyKey" });
  });

  it("waits for the owner's approval in the web app, then finishes", async () => {
    const { user, headers } = await newUser();
    // One script across the turn and its continuation (the factory is called per turn).
    const model = new ScriptedModel([{ tools: [{ name: "run_shell", input: { command: "echo from-api >> api.txt" } }] }, { text: "finished" }]);
    modelOverride.current = () => model;
    const { id, session } = await submit(headers, { prompt: "write the file" });
    const waiting = await waitForTask(headers, id, (t) => t.status === "waiting_approval");
    expect(waiting.pendingApprovals).toEqual([expect.objectContaining({ tool: "run_shell", input: { command: "echo from-api >> api.txt" } })]);
    expect(await workspaceText(user, "/workspace/api.txt")).toBeNull();

    // The owner approves in the web app, over the session's WebSocket.
    const ws = await connect(`/agent/sub/conversation/${session}`, headers);
    const log = new FrameLog(ws);
    ws.send(JSON.stringify({ type: "cf_agent_tool_approval", toolCallId: waiting.pendingApprovals[0]!.toolCallId, approved: true, autoContinue: true }));
    await log.waitFor((f) => f.type === "cf_agent_use_chat_response" && f.done === true, 30_000);
    ws.close();

    const done = await waitForTask(headers, id, (t) => t.status === "done");
    expect(done.answer).toBe("finished");
    expect(await workspaceText(user, "/workspace/api.txt")).toBe("from-api\n");
    const events = await readEvents(headers, id);
    expect(events.map((e) => e.event)).toContain("approval");
    const [row] = await (await assistantFor(user)).getAudit(1);
    expect(row).toMatchObject({ tool: "run_shell", outcome: "ok", approved: true });
  });

  it("keeps users apart: B cannot read, follow or cancel A's task", async () => {
    const a = await newUser();
    const b = await newUser();
    modelOverride.current = () => new ScriptedModel([{ text: "secret" }]);
    const { id } = await submit(a.headers, { prompt: "mine" });
    await waitForTask(a.headers, id, (t) => t.status === "done");
    for (const [path, method] of [
      [`/api/tasks/${id}`, "GET"],
      [`/api/tasks/${id}/events`, "GET"],
      [`/api/tasks/${id}`, "DELETE"]
    ] as const) {
      const res = await api(path, b.headers, { method });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(await res.text()).not.toContain("secret");
    }
    expect((await getTask(a.headers, id)).status).toBe("done");
  });

  it("refuses bad input with a 400 naming the field, creating nothing", async () => {
    const { user, headers } = await newUser();
    const cases: Array<[string, { body?: unknown; raw?: string; contentType?: string; path?: string }, string | undefined]> = [
      ["malformed JSON", { raw: "{not json" }, "body"],
      ["not an object", { body: ["prompt"] }, "body"],
      ["no prompt", { body: {} }, "prompt"],
      ["empty prompt", { body: { prompt: "   " } }, "prompt"],
      ["prompt not a string", { body: { prompt: 7 } }, "prompt"],
      ["oversize prompt", { body: { prompt: "x".repeat(MAX_API_PROMPT + 1) } }, "prompt"],
      ["unknown field", { body: { prompt: "hi", model: "gpt" } }, "model"],
      ["bad session", { body: { prompt: "hi", session: "../other" } }, "session"],
      ["bad idempotency key", { body: { prompt: "hi", idempotencyKey: "has space" } }, "idempotencyKey"],
      ["wait too long", { body: { prompt: "hi" }, path: "/api/tasks?wait=3600" }, "wait"]
    ];
    for (const [name, init, field] of cases) {
      const res = await api(init.path ?? "/api/tasks", headers, init);
      const body = (await res.json()) as { error: string; field?: string };
      expect(res.status, name).toBe(400);
      expect(body.field, `${name}: ${body.error}`).toBe(field);
      expect(body.error, name).toMatch(/\w/);
    }
    const text = await api("/api/tasks", headers, { raw: "prompt=hi", contentType: "text/plain" });
    expect(text.status).toBe(415);
    const unknownSession = await api("/api/tasks", headers, { body: { prompt: "hi", session: crypto.randomUUID() } });
    expect(unknownSession.status).toBe(404);
    expect((await api("/api/tasks/not-a-task", headers)).status).toBe(400);
    expect(await taskCount(user)).toBe(0);
    expect(await (await assistantFor(user)).listSessions()).toEqual([]);
  });

  it(`limits open tasks per user to ${MAX_OPEN_API_TASKS}`, async () => {
    const { headers } = await newUser();
    modelOverride.current = () => new ScriptedModel([{ hang: ["…"] }]);
    const ids: string[] = [];
    for (let i = 0; i < MAX_OPEN_API_TASKS; i++) ids.push((await submit(headers, { prompt: `task ${i}` })).id);
    const refused = await api("/api/tasks", headers, { body: { prompt: "one too many" } });
    expect(refused.status).toBe(429);
    for (const id of ids) expect((await api(`/api/tasks/${id}`, headers, { method: "DELETE" })).status).toBe(200);
  });

  it("accepts an Access service token mapped to its owner, for the task API only", async () => {
    modelOverride.current = () => new ScriptedModel([{ text: "from a machine" }]);
    const machine = { "Cf-Access-Jwt-Assertion": await serviceToken("svc-test.access") };
    const { id, session } = await submit(machine, { prompt: "nightly report" });
    const done = await waitForTask(machine, id, (t) => t.status === "done");
    expect(done.answer).toBe("from a machine");
    // The task lives in the owner's agent.
    const owner = await asUser("svc-owner");
    expect((await getTask(owner, id)).session).toBe(session);
    // Not the app, its files, or the health view.
    expect((await api("/api/files?path=/workspace", machine)).status).toBe(403);
    expect((await api("/api/health", machine)).status).toBe(403);
    const unmapped = await api("/api/tasks", { "Cf-Access-Jwt-Assertion": await serviceToken("stranger.access") }, { body: { prompt: "hi" } });
    expect(unmapped.status).toBe(403);
    expect(await unmapped.text()).toContain("ACCESS_SERVICE_TOKENS");
  });

  it("logs one structured line per turn, tool call and API task, without any message text", async () => {
    const { headers } = await newUser();
    const log = vi.spyOn(console, "log");
    const model = new ScriptedModel([{ tools: [{ name: "write", input: { path: "/workspace/x.txt", content: "SECRET-FILE" } }] }, { text: "SECRET-ANSWER" }]);
    modelOverride.current = () => model;
    const { id } = await submit(headers, { prompt: "SECRET-PROMPT" });
    await waitForTask(headers, id, (t) => t.status === "done");
    await new Promise((r) => setTimeout(r, 200));
    const lines = log.mock.calls.map((args) => String(args[0])).filter((l) => l.startsWith('{"steward":"ops"'));
    const kinds = lines.map((l) => (JSON.parse(l) as { kind: string }).kind);
    expect(kinds).toEqual(expect.arrayContaining(["turn", "model_call", "tool_call", "api_task"]));
    for (const line of lines) expect(line).not.toMatch(/SECRET/);
    const task = JSON.parse(lines.find((l) => l.includes('"api_task"'))!) as Record<string, unknown>;
    expect(Object.keys(task).sort()).toEqual(["at", "channel", "durationMs", "kind", "name", "outcome", "session", "steward", "user"]);
  });

  it("serves its OpenAPI document and the owner's health view", async () => {
    const { headers } = await newUser();
    const doc = (await (await api("/api/openapi.json", headers)).json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths).sort()).toEqual(["/api/health", "/api/tasks", "/api/tasks/{id}", "/api/tasks/{id}/events"]);
    const health = (await (await api("/api/health", headers)).json()) as { ok: boolean; degradations: Array<{ area: string }> };
    expect(health.degradations.map((d) => d.area)).toContain("speech");
  });
});
